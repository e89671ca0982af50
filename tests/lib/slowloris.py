#!/usr/bin/env python3
"""Slow-loris against a proxy on 127.0.0.1:PORT, and a second client.

    slowloris.py PORT CONNECTIONS SECONDS

Opens CONNECTIONS connections from 127.0.0.1, each sending a request
head one byte a second; meanwhile a client from 127.0.0.2 (another
address on the loopback) asks GET /v2/ every 100 ms on a new connection.
Prints one line of key=value: the second client's slowest answer, how
many trickling connections were closed at once (refused), how many got
an HTTP answer (408) and how many were still open at the end. Bounded:
SECONDS of trickling, then everything is closed."""
import select, socket, sys, threading, time

port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
HEAD = b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 4096

socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        continue
    s.setblocking(False)
    socks.append(s)

state = {"refused": 0, "answered": 0}
alive = {s: 0 for s in socks}
stop = threading.Event()


def trickle():
    while not stop.is_set() and alive:
        for s in list(alive):
            try:
                s.send(HEAD[alive[s]:alive[s] + 1])
                alive[s] += 1
            except OSError:
                pass
        r, _, _ = select.select(list(alive), [], [], 1.0)
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 "):
                state["answered"] += 1
            elif alive[s] <= 2:
                state["refused"] += 1
            del alive[s]
            s.close()


t = threading.Thread(target=trickle)
t.start()
slowest = 0.0
fails = 0
end = time.time() + secs
while time.time() < end:
    t0 = time.time()
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=2,
                                     source_address=("127.0.0.2", 0))
        c.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = c.recv(64)
        c.close()
        if not reply.startswith(b"HTTP/1.1 "):
            fails += 1
    except OSError:
        fails += 1
    slowest = max(slowest, time.time() - t0)
    time.sleep(0.1)
stop.set()
t.join()
for s in alive:
    s.close()
print("slowest_ms=%d fails=%d refused=%d answered=%d open=%d" % (
    slowest * 1000, fails, state["refused"], state["answered"], len(alive)))
