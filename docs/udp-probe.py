#!/usr/bin/env python3
"""Probes echoport's UDP guard from loopback, as in the README ("UDP echo"), with echoport on 127.0.0.1:7007.

  udp-probe.py one     300 datagrams from 127.0.0.1 (per-source burst and rate)
  udp-probe.py many    10 each from 127.0.0.2 ... 127.0.0.250, which stand for forged sources (global budget)
  udp-probe.py PORT    1 from 127.0.0.1:PORT, e.g. 53 (a service's port: never answered; below 1024 needs root)

Prints how many were sent and how many echoes came back within half a second of the last.
"""
import socket, sys, time
server = ("127.0.0.1", 7007)
def sock(addr, port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.setblocking(False)
    return s
def echoes(socks):
    time.sleep(0.5)
    n = 0
    for s in socks:
        try:
            while s.recv(65536) is not None:
                n += 1
        except BlockingIOError:
            pass
    return n
mode = sys.argv[1]
if mode == "one":
    peers = [sock("127.0.0.1")]
    rounds = 300
elif mode == "many":
    peers = [sock("127.0.0.%d" % i) for i in range(2, 251)]
    rounds = 10
else:
    peers = [sock("127.0.0.1", int(mode))]
    rounds = 1
start = time.monotonic()
for r in range(rounds):
    for p in peers:
        p.sendto(b"0123456789", server)
        time.sleep(0.0005)  # 2,000 a second at most: the kernel would drop a faster flood before echoport reads it
sent = rounds * len(peers)
print("%d sent from %d source(s) in %.2f s, %d echoed" % (sent, len(peers), time.monotonic() - start, echoes(peers)))
