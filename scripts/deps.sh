#!/usr/bin/env bash
# Installs the Debian 12 packages v6lb needs, skipping those already present. Idempotent.
# Sourced by test.sh and demo.sh; run directly to just install.
set -euo pipefail

V6LB_PACKAGES=(
  build-essential cmake pkg-config git
  libyaml-cpp-dev libspdlog-dev libfmt-dev libpcap-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libboost-dev
  tshark python3-scapy python3-yaml
  verilator iverilog yosys
  clang-tidy clang-format
  clang libclang-rt-dev
  libdpdk-dev dpdk
  iproute2 procps curl ethtool wrk
  prometheus
)

v6lb_missing_packages() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

v6lb_install_deps() {
  local missing
  missing=$(v6lb_missing_packages "${V6LB_PACKAGES[@]}")
  [ -z "$missing" ] && return 0
  echo "v6lb: installing: $missing"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
      echo "v6lb: not root and no sudo; install these packages first: $missing" >&2
      return 1
    fi
  else SUDO=""; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  v6lb_install_deps
fi
