#!/usr/bin/env python3
"""A TCP relay that takes a client's bytes no faster than a set rate.

    slowrelay.py LISTEN_PORT TARGET_PORT BYTES_PER_SECOND [STALL_SECONDS]

Listens on 127.0.0.1:LISTEN_PORT and relays each connection to
127.0.0.1:TARGET_PORT in both directions; what comes from the client is
read in 64 KiB steps paced to BYTES_PER_SECOND, after reading nothing
for STALL_SECONDS (default 0) from its first byte: a registry that takes
a body more slowly than its client sends it, as a busy disk makes it.
Prints "ready" when listening; runs until killed."""
import select, socket, sys, threading, time

lport, tport, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
stall = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
STEP = 1 << 16


def pump(src, dst, paced):
    t0, seen = time.monotonic(), 0
    try:
        if paced and stall > 0:
            select.select([src], [], [])
            time.sleep(stall)
            t0 = time.monotonic()
        while True:
            b = src.recv(STEP)
            if not b:
                break
            dst.sendall(b)
            seen += len(b)
            if paced:
                ahead = seen / rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    u = socket.create_connection(("127.0.0.1", tport))
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# Before listen, so that accepted sockets inherit it and their window
# stays small: what the relay has not read stays with the sender.
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, STEP)
ls.bind(("127.0.0.1", lport))
ls.listen(64)
print("ready", flush=True)
while True:
    c, _ = ls.accept()
    serve(c)
