#!/usr/bin/env bash
# The capture-replay demo (what scripts/demo.sh falls back to without root): installs what is missing, builds, generates sample client traffic (scapy) for the
# example config, replays it through the reference pipeline and through the Verilated card, and
# shows how flows spread over the backends, the counters, and that both engines agree byte for
# byte. Run as root on Debian 12 (apt-get installs need it); idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
v6lb_install_deps

BUILD=${V6LB_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target v6lb-replay

CONFIG=${1:-examples/lb.yaml}
OUT="$BUILD/demo"
mkdir -p "$OUT"
REPLAY="$BUILD/host/v6lb-replay"

echo "== generating sample traffic for $CONFIG: 3000 TCP flows; after each SYN a SYN-ACK from"
echo "   every backend of the service (only the one the flow went to is translated back to the"
echo "   VIP, the others count as drop_no_service); 200 UDP clients; a few frames of every"
echo "   exception class"
/usr/bin/python3 tests/e2e/gen_traffic.py --config "$CONFIG" --out "$OUT/traffic.pcap" \
  --flows 3000 --udp-clients 200 --replies --exceptions --seed 1 >/dev/null

echo
echo "== reference pipeline (v6lb-replay --engine model)"
"$REPLAY" --config "$CONFIG" --engine model --in "$OUT/traffic.pcap" \
  --out "$OUT/model-out.pcap" --punt "$OUT/model-punt.pcap" --stats "$OUT/model-stats.json"

echo
echo "== the card's RTL under Verilator (v6lb-replay --engine rtl, DATA_WIDTH 512)"
"$REPLAY" --config "$CONFIG" --engine rtl --data-width 512 --in "$OUT/traffic.pcap" \
  --out "$OUT/rtl-out.pcap" --punt "$OUT/rtl-punt.pcap" --stats "$OUT/rtl-stats.json" --quiet
if cmp -s "$OUT/model-out.pcap" "$OUT/rtl-out.pcap" && cmp -s "$OUT/model-punt.pcap" "$OUT/rtl-punt.pcap"; then
  echo "forwarded and punted captures are byte-identical to the reference pipeline's"
else
  echo "MISMATCH between the RTL and the reference pipeline" >&2
  exit 1
fi

if command -v tshark >/dev/null; then
  bad=$(tshark -r "$OUT/model-out.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
        -Y 'tcp.checksum.status != 1 && tcp || udp.checksum.status != 1 && udp' -T fields -e frame.number 2>/dev/null | wc -l)
  total=$(tshark -r "$OUT/model-out.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
  echo "tshark: $total forwarded frames, $bad with a bad TCP/UDP checksum"
fi
echo
echo "captures and stats are in $OUT/"
