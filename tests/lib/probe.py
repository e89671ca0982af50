#!/usr/bin/env python3
"""Ask GET /v2/ of the proxy on 127.0.0.1:PORT every 20 ms, each on a
new connection, until the file DONE exists (or SECONDS pass); print the
slowest answer in ms and the number asked.

    probe.py PORT DONE SECONDS"""
import os, socket, sys, time

port, done, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
slowest, n, fails = 0.0, 0, 0
end = time.time() + secs
while time.time() < end and not os.path.exists(done):
    t0 = time.time()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if not c.recv(64).startswith(b"HTTP/1.1 "):
            fails += 1
        c.close()
    except OSError:
        fails += 1
    slowest = max(slowest, time.time() - t0)
    n += 1
    time.sleep(0.02)
print("slowest_ms=%d asked=%d fails=%d" % (slowest * 1000, n, fails))
