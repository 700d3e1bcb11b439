#!/usr/bin/env bash
# v6lb-replay on a capture nobody wrote by hand: real curl -> python http.server traffic between
# two network namespaces, captured with dumpcap, replayed, judged with tshark.
#
#   real_capture_test.sh REPLAY_BIN [WORKDIR]
#
#   client ns  2001:db8:c::1/64 ---- veth ---- 2001:db8:c::2/64, VIP 2001:db8::100   vip ns
#              route 2001:db8::/64 via ::2     MAC 02:00:00:00:00:01 (the card MAC)
#
# The client's frames to the VIP are exactly what the card would receive from the router: dst MAC
# = card MAC, dst = VIP:80. They must all be forwarded (SYN, ACK, data, FIN) to a backend of the
# web service with good checksums; the server's answers in the capture (VIP -> client, not from a
# backend, to the client's MAC) must not be. Only 2001:db8::/32 addresses on veths made here;
# nothing leaves the namespaces. Needs root; otherwise prints SKIP and exits 77.
set -euo pipefail

REPLAY=${1:?usage: real_capture_test.sh REPLAY_BIN [WORKDIR]}
WORK=${2:-$(mktemp -d /tmp/v6lb-real-capture.XXXXXX)}
PY=/usr/bin/python3
ID=$$
NS_C=v6lb-cli-$ID
NS_V=v6lb-vip-$ID
IF_C=v6c$ID   # interface names: at most 15 characters
IF_V=v6v$ID
CARD_MAC=02:00:00:00:00:01
VIP=2001:db8::100
N_REQ=20

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
for t in ip dumpcap tshark curl ethtool ss timeout; do
  command -v "$t" >/dev/null || skip "$t is not installed (scripts/deps.sh)"
done
[ -x "$PY" ] || skip "$PY missing"
[ -x "$REPLAY" ] || fail "$REPLAY is not executable"

SERVER_PID=""
CAPTURE_PID=""
cleanup() {
  local rc=$?
  set +e
  # Only the processes started here, by PID.
  [ -n "$CAPTURE_PID" ] && kill "$CAPTURE_PID" 2>/dev/null && wait "$CAPTURE_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null || true  # deleting a namespace deletes its veth end
  ip netns del "$NS_V" 2>/dev/null || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$WORK/www"
rm -f "$WORK"/capture.pcapng "$WORK"/out.pcap "$WORK"/punt.pcap "$WORK"/stats.json
nsc() { timeout 20 ip netns exec "$NS_C" "$@"; }
nsv() { timeout 20 ip netns exec "$NS_V" "$@"; }

# --- namespaces and veth ------------------------------------------------------------------------
timeout 10 ip netns add "$NS_C" 2>"$WORK/netns.err" ||
  skip "ip netns add failed: $(cat "$WORK/netns.err")"
timeout 10 ip netns add "$NS_V" || skip "ip netns add failed"
timeout 10 ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_V" netns "$NS_V" ||
  skip "cannot create a veth pair"
nsv ip link set dev "$IF_V" address "$CARD_MAC"
for side in C V; do
  if [ $side = C ]; then ns=nsc; ifc=$IF_C; else ns=nsv; ifc=$IF_V; fi
  # Offloads off: with them, a capture shows partial (pseudo-header only) checksums and
  # segments larger than the MTU, which is not what a wire (or the card) sees.
  $ns ethtool -K "$ifc" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 ||
    fail "ethtool -K $ifc: cannot turn checksum/segmentation offloads off"
  $ns ip link set lo up
done
nsc ip -6 addr add 2001:db8:c::1/64 dev "$IF_C" nodad
nsv ip -6 addr add 2001:db8:c::2/64 dev "$IF_V" nodad
nsv ip -6 addr add "$VIP/64" dev "$IF_V" nodad
nsc ip link set "$IF_C" up
nsv ip link set "$IF_V" up
nsc ip -6 route add 2001:db8::/64 via 2001:db8:c::2 dev "$IF_C"

# --- a real HTTP server on the VIP --------------------------------------------------------------
head -c 6000 /dev/urandom | base64 >"$WORK/www/index.html"  # a few segments per answer
timeout 120 ip netns exec "$NS_V" "$PY" -m http.server --bind "$VIP" --directory "$WORK/www" 80 \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  nsv ss -Hltn 'sport = :80' | grep -q . && break
  sleep 0.1
done
nsv ss -Hltn 'sport = :80' | grep -q . ||
  fail "http.server did not start: $(cat "$WORK/server.log")"

# --- capture real requests ---------------------------------------------------------------------
timeout 60 ip netns exec "$NS_C" dumpcap -q -i "$IF_C" -w "$WORK/capture.pcapng" \
  >"$WORK/dumpcap.log" 2>&1 &
CAPTURE_PID=$!
for _ in $(seq 50); do
  [ -s "$WORK/capture.pcapng" ] && break
  sleep 0.1
done
[ -s "$WORK/capture.pcapng" ] || fail "dumpcap did not start: $(cat "$WORK/dumpcap.log")"
sleep 0.5  # the file header is written as the capture opens; give it a moment to be running

ok=0
for _ in $(seq $N_REQ); do
  code=$(nsc curl -6 -s -o /dev/null --max-time 5 -w '%{http_code}' "http://[$VIP]/" || true)
  [ "$code" = 200 ] && ok=$((ok + 1))
done
sleep 0.5  # the last FIN/ACKs
kill -INT "$CAPTURE_PID"
wait "$CAPTURE_PID" || true
CAPTURE_PID=""
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
[ "$ok" -eq $N_REQ ] || fail "only $ok of $N_REQ curl requests got HTTP 200"

# --- replay and judge --------------------------------------------------------------------------
cat >"$WORK/lb.yaml" <<EOF
card:
  mac: "$CARD_MAC"
  address: "2001:db8:ff::1"
  router_mac: "02:00:00:00:00:fe"
services:
  - name: web
    vip: "$VIP"
    protocol: tcp
    port: 80
    scheduler: maglev
    idle_timeout: 240s
    health_check: { type: none }
    backends:
      - { address: "2001:db8:1::10", port: 8080, weight: 100, mac: "02:00:00:00:01:10" }
      - { address: "2001:db8:1::11", port: 8080, weight: 100, mac: "02:00:00:00:01:11" }
      - { address: "2001:db8:1::12", port: 8080, weight: 50,  mac: "02:00:00:00:01:12" }
EOF
timeout 60 "$REPLAY" --config "$WORK/lb.yaml" --engine model --in "$WORK/capture.pcapng" \
  --out "$WORK/out.pcap" --punt "$WORK/punt.pcap" --stats "$WORK/stats.json" --quiet ||
  fail "v6lb-replay failed on the capture (exit $?)"

timeout 120 "$PY" - "$WORK" "$VIP" "$CARD_MAC" "$N_REQ" <<'EOF'
import collections, json, subprocess, sys
work, vip, card_mac, n_req = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
backends = {("2001:db8:1::10", "8080"): "02:00:00:00:01:10",
            ("2001:db8:1::11", "8080"): "02:00:00:00:01:11",
            ("2001:db8:1::12", "8080"): "02:00:00:00:01:12"}
F = ["frame.time_epoch", "eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim",
     "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.flags", "tcp.len", "tcp.checksum.status",
     "icmpv6.type"]

def rows(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE", "-T", "fields"]
    for f in F:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode:
        sys.exit(f"FAIL: tshark -r {path}: {r.stderr}")
    return [dict(zip(F, l.split("\t") + [""] * len(F))) for l in r.stdout.splitlines()]

fails = []
def expect(ok, msg):
    if not ok:
        fails.append(msg)

cap, out = rows(f"{work}/capture.pcapng"), rows(f"{work}/out.pcap")
def key(r):
    # v6lb-replay writes microsecond pcap; dumpcap's pcapng has nanoseconds: compare in us.
    sec, _, frac = r["frame.time_epoch"].partition(".")
    return (int(sec) * 1000000 + int((frac + "000000")[:6]), r["tcp.srcport"], r["tcp.seq_raw"],
            r["tcp.flags"], r["tcp.len"])
to_vip = [r for r in cap if r["ipv6.dst"] == vip and r["tcp.dstport"] == "80"]
from_vip = [r for r in cap if r["ipv6.src"] == vip and r["tcp.srcport"] == "80"]
flags = lambda r: int(r["tcp.flags"], 16)
syn = [r for r in to_vip if flags(r) & 0x02]
fin = [r for r in to_vip if flags(r) & 0x01]
data = [r for r in to_vip if int(r["tcp.len"]) > 0]
acks = [r for r in to_vip if flags(r) == 0x10 and int(r["tcp.len"]) == 0]
expect(len(syn) == n_req and len(fin) >= n_req and len(data) >= n_req and acks,
       f"capture has {len(syn)} SYN, {len(fin)} FIN, {len(data)} data, {len(acks)} pure ACKs "
       f"from the client (want {n_req} connections)")
expect(all(r["eth.dst"] == card_mac for r in to_vip), "client frames not sent to the card MAC")
expect(all(r["tcp.checksum.status"] == "1" for r in to_vip + from_vip),
       "capture has bad TCP checksums (offloads still on?)")
expect(len(from_vip) > 0, "capture has no server replies")

# Every client -> VIP frame forwarded, nothing else.
want = collections.Counter(key(r) for r in to_vip)
got = collections.Counter(key(r) for r in out)
missing, extra = want - got, got - want
expect(not missing, f"{sum(missing.values())} client->VIP frames not forwarded, e.g. "
       f"{list(missing)[:3]}")
expect(not extra, f"{sum(extra.values())} forwarded frames that are not client->VIP frames, "
       f"e.g. {list(extra)[:3]}")
expect(not any(r["ipv6.src"] == vip for r in out), "a VIP->client frame was forwarded")
hlim_in = {key(r): int(r["ipv6.hlim"]) for r in to_vip}
per_conn = collections.defaultdict(set)
for r in out:
    be = (r["ipv6.dst"], r["tcp.dstport"])
    expect(r["tcp.checksum.status"] == "1", f"bad checksum after rewrite: {r}")
    expect(be in backends, f"forwarded to {be}, not a web backend: {r}")
    expect(backends.get(be) == r["eth.dst"] and r["eth.src"] == card_mac,
           f"wrong Ethernet addresses: {r}")
    expect(r["ipv6.src"] == "2001:db8:c::1", f"client address changed: {r}")
    expect(key(r) in hlim_in and int(r["ipv6.hlim"]) == hlim_in[key(r)] - 1,
           f"hop limit not decreased by one: {r}")
    per_conn[r["tcp.srcport"]].add(be)
expect(all(len(v) == 1 for v in per_conn.values()), f"a connection on two backends: {per_conn}")

st = json.load(open(f"{work}/stats.json"))
c = st["counters"]
expect(c["fwd_packets"] == len(to_vip), f"fwd_packets {c['fwd_packets']} != {len(to_vip)}")
expect(c["reply_packets"] == 0, f"reply_packets {c['reply_packets']}: VIP answers translated")
# The rest of the capture (NDP, MLD with its Hop-by-Hop header, router solicitations) is ICMPv6:
# punted when sent to the card MAC or a multicast MAC, dropped for the wrong MAC otherwise, as
# are the server's answers (they go to the client's MAC).
for_us = lambda r: r["eth.dst"] == card_mac or int(r["eth.dst"][:2], 16) & 1
icmp = [r for r in cap if r["icmpv6.type"]]
expect(len(icmp) + len(to_vip) + len(from_vip) == len(cap), "capture has unexpected frames")
want_punt = sum(1 for r in icmp if for_us(r))
want_wrong_mac = sum(1 for r in icmp + from_vip if not for_us(r))
expect(c["punt_icmp"] == want_punt == c["punt_packets"],
       f"punt_icmp {c['punt_icmp']}, punt_packets {c['punt_packets']}, capture has {want_punt} "
       f"ICMPv6 frames for the card")
expect(c["drop_wrong_mac"] == want_wrong_mac,
       f"drop_wrong_mac {c['drop_wrong_mac']}, capture has {want_wrong_mac} frames for other MACs")
expect(c["rx_packets"] == len(cap), f"rx_packets {c['rx_packets']} != {len(cap)}")
expect(st["services"][0]["new_flows"] == n_req, f"new_flows {st['services'][0]['new_flows']}")
if fails:
    print("FAIL: real capture:\n  " + "\n  ".join(str(f)[:400] for f in fails[:20]),
          file=sys.stderr)
    sys.exit(1)
print(f"real_capture_test: OK: {len(cap)} captured frames ({len(to_vip)} client->VIP: "
      f"{len(syn)} SYN, {len(data)} data, {len(acks)} ACK, {len(fin)} FIN; {len(from_vip)} "
      f"VIP->client), all {len(out)} forwarded to backends with good checksums, "
      f"{len(per_conn)} connections on {len({next(iter(v)) for v in per_conn.values()})} "
      f"backends; VIP answers not forwarded; punted {c['punt_packets']} (NDP etc.)")
EOF
