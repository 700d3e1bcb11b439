#!/usr/bin/env bash
# The demo: real clients and servers through the simulated card. Installs what is missing,
# builds, brings up the lab of scripts/lab.sh (client, router, three backends with real HTTP
# servers, in network namespaces), starts the Verilated card on a TAP (v6lb-card) and v6lbd on
# examples/lab.yaml, sends 300 `curl -6` requests to the VIP and shows which backend answered
# how often; then stops one backend's server, lets the health checks take it out, sends 300 more,
# and tears everything down.
#
#   ./scripts/demo.sh [--engine sim|model] [--requests N] [--keep]
#
# Without root (network namespaces need it) it falls back to the capture replay demo
# (scripts/demo_replay.sh) and says so. --keep leaves the lab up (scripts/lab.sh down removes it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

ENGINE=sim
REQUESTS=300
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINE=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
  echo "demo.sh: not root, so no network namespaces: showing the capture replay instead"
  echo "         (run as root for the lab with real curl and HTTP servers)"
  exec "$ROOT/scripts/demo_replay.sh"
fi

. scripts/deps.sh
v6lb_install_deps

BUILD=${V6LB_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target v6lbd v6lbctl v6lb-card
BIN="$ROOT/$BUILD/host"
LAB=${V6LB_LAB_DIR:-/run/v6lb-lab}
CONFIG="$ROOT/examples/lab.yaml"
LABSH="$ROOT/scripts/lab.sh"

cleanup() {
  [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null || true
  [ -n "${CARD:-}" ] && kill "$CARD" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then echo "lab left up: $LABSH down removes it"; else "$LABSH" down >/dev/null; fi
}
trap cleanup EXIT

echo "== the lab: client -> router -> card port (TAP) -> backends b1 b2 b3 (namespaces)"
"$LABSH" down >/dev/null 2>&1 || true
"$LABSH" up | head -1
ctl() { ip netns exec v6lb-lan "$BIN/v6lbctl" --socket "$LAB/v6lbd.sock" "$@"; }

echo "== the card: v6lb-card --device $ENGINE on TAP v6lb0; v6lbd on $CONFIG"
ip netns exec v6lb-lan "$BIN/v6lb-card" --device "$ENGINE" --socket "$LAB/card.sock" \
  --config "$CONFIG" --tap v6lb0 --exception-tap v6lb-host >"$LAB/card.log" 2>&1 &
CARD=$!
for _ in $(seq 1 100); do [ -S "$LAB/card.sock" ] && break; sleep 0.1; done
ip netns exec v6lb-lan "$BIN/v6lbd" --config "$CONFIG" --device "card:$LAB/card.sock" \
  --metrics off >"$LAB/v6lbd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 600); do ctl status >/dev/null 2>&1 && break; sleep 0.2; done
ctl status >/dev/null || { cat "$LAB/v6lbd.log"; exit 1; }
echo "   waiting for the health checks (http GET / every second, rise 2)"
for _ in $(seq 1 100); do
  [ "$(ctl --json backends | grep -c '"state": "up"')" -ge 6 ] && break
  sleep 0.2
done
ctl backends

burst() {
  local n=$1
  for _ in $(seq 1 "$n"); do
    ip netns exec v6lb-client curl -6 -s -m 3 "http://[2001:db8::100]/whoami" || echo failed
  done | sort | uniq -c | awk '{printf "   %-6s %5d  %s\n", $2, $1, ""}'
}

echo
echo "== $REQUESTS requests from the client (2001:db8:c::2) to http://[2001:db8::100]/ (weights b1 100, b2 100, b3 50)"
burst "$REQUESTS"
echo "   b1's access log sees the client's own address:"
grep whoami "$LAB/b1-http.log" | tail -2 | sed 's/^/     /'

echo
echo "== stopping b2's HTTP server; the health check marks it down after 2 failed probes"
"$LABSH" server-stop 2
for _ in $(seq 1 100); do
  ctl --json backends | tr -d ' \n' | grep -q '"address":"2001:db8:1::11","flows":[0-9]*,"health_reason":"[^"]*","packets":[0-9]*,"port":8080,"service":"web","state":"down"' && break
  sleep 0.2
done
ctl backends | sed -n '1,4p'
echo
echo "== $REQUESTS more requests: b2's share has moved to b1 and b3"
burst "$REQUESTS"
echo
ctl stats | head -20
