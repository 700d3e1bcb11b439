#!/bin/bash
# The DPDK data plane restarted on persistent TAPs (as scripts/lab.sh makes them): the host side
# of the exception TAP (link up, its global address, the host's routes through it) is as it was
# after each stop and each new start. Without the restore, DPDK's net_tap stop sets the link
# down and the kernel flushes the routes (and the address: no keep_addr_on_down here).
#   tap_restart_test.sh V6LB_CARD WORKDIR
# Needs root and `ip netns` (exit 77 = skip otherwise).
set -u
card=$1
work=$2
[ "$(id -u)" = 0 ] && command -v ip >/dev/null || { echo "needs root and iproute2"; exit 77; }
ns=v6lbtap$$
rm -rf "$work" && mkdir -p "$work"
ip netns add "$ns" || { echo "ip netns add failed"; exit 77; }
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; ip netns del "$ns"; }
trap cleanup EXIT
nsx() { ip netns exec "$ns" "$@"; }
nsx ip tuntap add dev tw mode tap multi_queue
nsx ip tuntap add dev th mode tap multi_queue
nsx ip link set tw up
nsx ip link set th address 02:00:00:00:00:01 up
nsx ip -6 addr add 2001:db8:ff::1/128 dev th nodad
nsx ip -6 route add 2001:db8:1::/64 dev th
nsx ip -6 route add 2001:db8:f::/64 via 2001:db8:ff::fe dev th onlink
host_side() {
  nsx ip -6 route show dev th | grep '^2001' | sed 's/ linkdown//' | sort
  nsx ip -6 addr show dev th scope global | grep -o 'inet6 [^ ]*'
  nsx ip -o link show th | grep -o '<[^>]*>' | tr '<>,' '   ' | grep -qw UP && echo "link up"
}
want=$(host_side)
echo "host side: $want" | tr '\n' ' '; echo
fail=0
for round in 1 2 3; do
  # Not through nsx: a function sent to the background is a subshell, and $! would be its pid.
  ip netns exec "$ns" "$card" --device dpdk --socket "$work/card.sock" -- --no-huge --no-pci -m 256 \
    --file-prefix "$ns" -l 0-1 --vdev net_tap0,iface=tw \
    --vdev net_tap1,iface=th,mac=02:00:00:00:00:01 \
    -- --data-port net_tap0 --exception-port net_tap1 >"$work/card$round.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do grep -q "v6lb-card: dpdk" "$work/card$round.log" && break; sleep 0.05; done
  grep -q "v6lb-card: dpdk" "$work/card$round.log" ||
    { echo "round $round: v6lb-card did not start"; cat "$work/card$round.log"; exit 1; }
  running=$(host_side)
  kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
  stopped=$(host_side)
  [ "$rc" = 0 ] || { echo "round $round: v6lb-card exited $rc"; fail=1; }
  [ "$running" = "$want" ] || { echo "round $round: while running: $running"; fail=1; }
  [ "$stopped" = "$want" ] || { echo "round $round: after the stop: $stopped"; fail=1; }
  grep -i "host side" "$work/card$round.log"
done
[ "$fail" = 0 ] && echo "tap_restart_test: 3 restarts, the host side kept each time"
exit "$fail"
