#!/usr/bin/env python3
"""The layering check must catch a violation: copies the host code, adds one include that points
up a layer (the pipeline including the config) and one flat old-style include, and expects
scripts/check_layers.py to fail naming both, while the unmodified copy passes."""
import os
import shutil
import subprocess
import sys
import tempfile

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
check = os.path.join(root, "scripts", "check_layers.py")


def run(tree):
    return subprocess.run([sys.executable, check, "--root", tree], capture_output=True, text=True)


with tempfile.TemporaryDirectory() as tmp:
    for d in ("host", "driver", "sim"):
        shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
    r = run(tmp)
    if r.returncode != 0:
        sys.exit(f"the unmodified copy fails:\n{r.stdout}{r.stderr}")
    victim = os.path.join(tmp, "host", "dataplane", "src", "pipeline.cc")
    with open(victim, "a") as f:
        f.write('#include "v6lb/control/config.h"\n#include "v6lb/pipeline.h"\n')
    r = run(tmp)
    if r.returncode != 1:
        sys.exit(f"an upward include was not caught (exit {r.returncode}):\n{r.stdout}")
    for want in ('host/dataplane/src/pipeline.cc', '"v6lb/control/config.h" of layer control',
                 '"v6lb/pipeline.h" names no layer'):
        if want not in r.stdout:
            sys.exit(f"the report lacks {want!r}:\n{r.stdout}")
print("check_layers catches an upward include and a flat include, and passes the real tree")
