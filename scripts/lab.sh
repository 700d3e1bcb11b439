#!/usr/bin/env bash
# A one-arm lab of real Linux hosts in network namespaces, with the card's port as a TAP:
#
#   client ─── router ─┬─ card port (TAP v6lb0) ── v6lb-card / v6lbd (in namespace v6lb-lan)
#   2001:db8:c::2      │
#            (fe MAC)  ├─ b1 2001:db8:1::10  http :8080, udp echo :53
#                      ├─ b2 2001:db8:1::11
#                      └─ b3 2001:db8:1::12
#
# One L2 segment (a bridge in v6lb-lan) joins the router, the backends and the card's port. The
# router routes the VIPs (2001:db8::/64) to the card's address; the backends' default route is the
# card. The card's host side is the exception TAP v6lb-host in v6lb-lan: it owns the card's MAC
# and address, so NDP, ping and the daemon's health checks go through the card's punt path. The
# config that matches is examples/lab.yaml.
#
#   scripts/lab.sh up               build it (idempotent: a lab already up is left as it is)
#   scripts/lab.sh down             stop its servers and remove it (safe to repeat)
#   scripts/lab.sh status           what is up
#   scripts/lab.sh server-stop N    stop backend N's HTTP server (N = 1..3)
#   scripts/lab.sh server-start N   start it again
#   scripts/lab.sh exec HOST CMD..  run CMD in HOST: client|router|lan|b1|b2|b3
#
# Only 2001:db8::/32 (documentation) addresses, only inside namespaces made here: nothing touches
# the host's own network. Logs and pid files: /run/v6lb-lab (V6LB_LAB_DIR).
set -euo pipefail

LAB=${V6LB_LAB_DIR:-/run/v6lb-lab}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)

NS_CLIENT=v6lb-client
NS_ROUTER=v6lb-router
NS_LAN=v6lb-lan
BACKENDS=(1 2 3)
ns_b() { echo "v6lb-b$1"; }
addr_b() { echo "2001:db8:1::1$(($1 - 1))"; }
mac_b() { echo "02:00:00:00:01:1$(($1 - 1))"; }

CARD_MAC=02:00:00:00:00:01
CARD_ADDR=2001:db8:ff::1
ROUTER_MAC=02:00:00:00:00:fe
CARD_TAP=v6lb0
HOST_TAP=v6lb-host
VIP_NET=2001:db8::/64
HTTP_PORT=8080
UDP_PORT=53

die() { echo "lab.sh: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, TAP devices); run it with sudo"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
all_ns() { echo "$NS_CLIENT $NS_ROUTER $NS_LAN" $(for b in "${BACKENDS[@]}"; do ns_b "$b"; done); }

lab_is_up() {
  for ns in $(all_ns); do ns_exists "$ns" || return 1; done
  in_ns "$NS_LAN" ip link show "$CARD_TAP" >/dev/null 2>&1
}

# Quiet IPv6 hosts: no DAD (addresses usable at once), no router solicitations or autoconf.
quiet_v6() {
  local ns=$1
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
  in_ns "$ns" ip link set lo up
}

start_http() {
  local b=$1 ns; ns=$(ns_b "$b")
  local pidf="$LAB/b$b-http.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then return 0; fi
  # The access log (stderr of http.server) names each client's address: the backend sees the
  # client's real IPv6 source address, not the load balancer's.
  ip netns exec "$ns" "$PY" -m http.server --bind "$(addr_b "$b")" --directory "$LAB/www-b$b" \
    "$HTTP_PORT" >>"$LAB/b$b-http.log" 2>&1 </dev/null &
  echo $! >"$pidf"
  for _ in $(seq 1 50); do
    in_ns "$ns" ss -ltnH "sport = :$HTTP_PORT" | grep -q . && return 0
    sleep 0.1
  done
  die "b$b: http.server did not start (see $LAB/b$b-http.log)"
}

stop_pidfile() {
  local pidf=$1
  [ -f "$pidf" ] || return 0
  local pid; pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
}

start_udp() {
  local b=$1 ns; ns=$(ns_b "$b")
  local pidf="$LAB/b$b-udp.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then return 0; fi
  ip netns exec "$ns" "$PY" "$HERE/lab_udp_echo.py" --bind "$(addr_b "$b")" --port "$UDP_PORT" \
    --name "b$b" >>"$LAB/b$b-udp.log" 2>&1 </dev/null &
  echo $! >"$pidf"
}

up() {
  need_root
  for t in ip sysctl ss; do command -v "$t" >/dev/null || die "$t is not installed"; done
  [ -x "$PY" ] || die "$PY is missing (apt-get install python3)"
  if lab_is_up; then
    echo "lab: already up"
    return 0
  fi
  down >/dev/null 2>&1 || true
  mkdir -p "$LAB"
  for ns in $(all_ns); do ip netns add "$ns"; quiet_v6 "$ns"; done

  # The segment: a bridge in the lan namespace. It has no address of its own: it is the switch.
  in_ns "$NS_LAN" ip link add br0 type bridge
  in_ns "$NS_LAN" sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
  in_ns "$NS_LAN" ip link set br0 up

  # The card's port: a persistent TAP on the bridge, opened by v6lb-card / v6lbd --tap.
  # multi_queue: DPDK's net_tap attaches only to such a TAP; v6lb-card's TAP pump takes either.
  in_ns "$NS_LAN" ip tuntap add dev "$CARD_TAP" mode tap multi_queue
  in_ns "$NS_LAN" sysctl -qw "net.ipv6.conf.$CARD_TAP.disable_ipv6=1"
  in_ns "$NS_LAN" ip link set "$CARD_TAP" master br0 up

  # The card's host side: punted frames arrive here; it owns the card's MAC and address.
  in_ns "$NS_LAN" ip tuntap add dev "$HOST_TAP" mode tap multi_queue
  # The address must outlive the link going down and up (a data plane attaching, restarting).
  in_ns "$NS_LAN" sysctl -qw "net.ipv6.conf.$HOST_TAP.keep_addr_on_down=1"
  in_ns "$NS_LAN" ip link set "$HOST_TAP" address "$CARD_MAC" up
  in_ns "$NS_LAN" ip -6 addr add "$CARD_ADDR/128" dev "$HOST_TAP" nodad
  in_ns "$NS_LAN" ip -6 route add 2001:db8:1::/64 dev "$HOST_TAP"
  in_ns "$NS_LAN" ip -6 route add 2001:db8:f::/64 dev "$HOST_TAP"

  # Router: one leg on the segment (the MAC the card sends replies to), one to the client.
  ip link add v6lb-r-lan type veth peer name v6lb-lan-r
  ip link set v6lb-r-lan netns "$NS_ROUTER"
  ip link set v6lb-lan-r netns "$NS_LAN"
  in_ns "$NS_LAN" ip link set v6lb-lan-r master br0 up
  in_ns "$NS_ROUTER" ip link set v6lb-r-lan address "$ROUTER_MAC" up
  in_ns "$NS_ROUTER" ip -6 addr add 2001:db8:f::fe/64 dev v6lb-r-lan nodad
  in_ns "$NS_ROUTER" ip -6 route add "$CARD_ADDR/128" dev v6lb-r-lan
  in_ns "$NS_ROUTER" ip -6 route add "$VIP_NET" via "$CARD_ADDR" dev v6lb-r-lan
  in_ns "$NS_ROUTER" sysctl -qw net.ipv6.conf.all.forwarding=1

  ip link add v6lb-r-cli type veth peer name v6lb-cli-r
  ip link set v6lb-r-cli netns "$NS_ROUTER"
  ip link set v6lb-cli-r netns "$NS_CLIENT"
  in_ns "$NS_ROUTER" ip link set v6lb-r-cli up
  in_ns "$NS_ROUTER" ip -6 addr add 2001:db8:c::1/64 dev v6lb-r-cli nodad
  in_ns "$NS_CLIENT" ip link set v6lb-cli-r up
  in_ns "$NS_CLIENT" ip -6 addr add 2001:db8:c::2/64 dev v6lb-cli-r nodad
  in_ns "$NS_CLIENT" ip -6 route add default via 2001:db8:c::1

  # Backends: on the segment, their gateway is the card (so replies to clients pass through it).
  for b in "${BACKENDS[@]}"; do
    local ns; ns=$(ns_b "$b")
    ip link add "v6lb-b$b" type veth peer name "v6lb-lan-b$b"
    ip link set "v6lb-b$b" netns "$ns"
    ip link set "v6lb-lan-b$b" netns "$NS_LAN"
    in_ns "$NS_LAN" ip link set "v6lb-lan-b$b" master br0 up
    in_ns "$ns" ip link set "v6lb-b$b" address "$(mac_b "$b")" up
    in_ns "$ns" ip -6 addr add "$(addr_b "$b")/64" dev "v6lb-b$b" nodad
    in_ns "$ns" ip -6 route add "$CARD_ADDR/128" dev "v6lb-b$b"
    in_ns "$ns" ip -6 route add default via "$CARD_ADDR" dev "v6lb-b$b"
    mkdir -p "$LAB/www-b$b"
    echo "b$b" >"$LAB/www-b$b/whoami"
    # A large file for long-lived downloads (read at a limited rate by the tests).
    [ -f "$LAB/www-b$b/big" ] || head -c 8000000 /dev/zero >"$LAB/www-b$b/big"
    start_http "$b"
    start_udp "$b"
  done
  echo "lab: up (namespaces: $(all_ns))"
  echo "lab: now start the card, e.g."
  echo "  ip netns exec $NS_LAN v6lb-card --device sim --socket $LAB/card.sock --tap $CARD_TAP --exception-tap $HOST_TAP &"
  echo "  ip netns exec $NS_LAN v6lbd --config examples/lab.yaml --device card:$LAB/card.sock &"
}

down() {
  need_root
  for f in "$LAB"/*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
  for ns in $(all_ns); do
    if ns_exists "$ns"; then
      # Anything still running in it (a card, a daemon, a server started by hand) goes too.
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
      sleep 0.2
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
  done
  rm -rf "$LAB"
  echo "lab: down"
}

status() {
  local up=0
  for ns in $(all_ns); do
    if ns_exists "$ns"; then
      up=$((up + 1))
      printf '%-13s up   %s\n' "$ns" "$(ip netns pids "$ns" 2>/dev/null | wc -l) processes"
    else
      printf '%-13s down\n' "$ns"
    fi
  done
  if [ "$up" -eq 0 ]; then echo "lab: down"; return 3; fi
  for b in "${BACKENDS[@]}"; do
    local s=stopped
    [ -f "$LAB/b$b-http.pid" ] && kill -0 "$(cat "$LAB/b$b-http.pid")" 2>/dev/null && s=running
    echo "b$b http :$HTTP_PORT $s"
  done
  if ns_exists "$NS_LAN"; then
    in_ns "$NS_LAN" ip -br link show "$CARD_TAP" 2>/dev/null || echo "$CARD_TAP missing"
  fi
  lab_is_up && echo "lab: up" || { echo "lab: partly up (run: $0 down; $0 up)"; return 1; }
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) need_root; status ;;
  server-stop) need_root; [ -n "${2:-}" ] || die "server-stop N"; stop_pidfile "$LAB/b$2-http.pid" ;;
  server-start) need_root; [ -n "${2:-}" ] || die "server-start N"; start_http "$2" ;;
  exec)
    need_root
    host=${2:-}; shift 2 || die "exec HOST CMD..."
    case "$host" in
      client) ns=$NS_CLIENT ;; router) ns=$NS_ROUTER ;; lan) ns=$NS_LAN ;;
      b[123]) ns=$(ns_b "${host#b}") ;;
      *) die "unknown host '$host' (client|router|lan|b1|b2|b3)" ;;
    esac
    exec ip netns exec "$ns" "$@" ;;
  *) echo "usage: $0 up|down|status|server-stop N|server-start N|exec HOST CMD..." >&2; exit 2 ;;
esac
