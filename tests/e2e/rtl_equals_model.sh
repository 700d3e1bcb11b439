#!/usr/bin/env bash
# v6lb-replay --engine rtl (the Verilated card, at DATA_WIDTH 64 and 512) and --engine model must
# write identical captures and identical counters for the same capture and config.
#   rtl_equals_model.sh REPLAY CONFIG CAPTURE WORKDIR
set -euo pipefail
replay=$1 config=$2 capture=$3 work=$4
mkdir -p "$work"
"$replay" --config "$config" --engine model --in "$capture" --out "$work/model.pcap" \
  --punt "$work/model-punt.pcap" --stats "$work/model.json" --quiet
for width in 64 512; do
  "$replay" --config "$config" --engine rtl --data-width "$width" --in "$capture" \
    --out "$work/rtl$width.pcap" --punt "$work/rtl$width-punt.pcap" --stats "$work/rtl$width.json" --quiet
  cmp "$work/model.pcap" "$work/rtl$width.pcap"
  cmp "$work/model-punt.pcap" "$work/rtl$width-punt.pcap"
  # Everything but the engine's name must match.
  diff <(grep -v '"engine"' "$work/model.json") <(grep -v '"engine"' "$work/rtl$width.json")
done
frames=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counters']['fwd_packets'])" "$work/model.json")
[ "$frames" -gt 1000 ] || { echo "too few forwarded frames ($frames) to mean anything"; exit 1; }
echo "rtl (64, 512) == model: $frames forwarded frames, punted frames and all counters identical"
