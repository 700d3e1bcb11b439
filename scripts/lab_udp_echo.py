#!/usr/bin/python3
"""The lab's UDP service: answers every datagram with "<name> <client address> <client port>",
so a client can tell which backend answered and that the backend saw its real address."""
import argparse
import socket
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--bind", required=True)
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--name", required=True)
a = ap.parse_args()
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((a.bind, a.port))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(f"{a.name} {peer[0]} {peer[1]}".encode(), peer)
    print(f"{peer[0]} {peer[1]} {len(data)}", file=sys.stderr, flush=True)
