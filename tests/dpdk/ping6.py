#!/usr/bin/python3
"""Three ICMPv6 echo requests to argv[1] over a raw socket (no ping binary needed); exit 0 when
all three are answered."""
import socket, struct, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(1.0)
ok = 0
for seq in range(3):
    s.sendto(struct.pack("!BBHHH", 128, 0, 0, 0x1234, seq) + b"v6lb", (sys.argv[1], 0))
    t0 = time.time()
    try:
        while True:
            d, a = s.recvfrom(1500)
            if d[0] == 129:
                ok += 1; print("reply from", a[0], "%.2f ms" % ((time.time() - t0) * 1000)); break
    except socket.timeout:
        print("timeout")
sys.exit(0 if ok == 3 else 1)
