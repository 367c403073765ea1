#!/usr/bin/env python3
"""Holds COUNT idle connections to a kubeward server on loopback for SECONDS.

Usage: scripts/flood_idle.py HOST PORT COUNT tls|tcp SECONDS [REOPEN_PER_SECOND]

Each connection comes from one of 127.0.1.1-127.0.1.20 (distinct sources to the server),
completes its TLS handshake (tls) or just its TCP connect (tcp), and then sends nothing. A
connection the server closes is opened again, at most REOPEN_PER_SECOND (default 100) a
second, so that the flood keeps holding what it can. Prints what it opened and what the
server closed. Loopback only, bounded in time.
"""
import selectors
import signal
import socket
import ssl
import sys
import time

host, port, count, mode, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
reopen_rate = float(sys.argv[6]) if len(sys.argv) > 6 else 100.0
if not host.startswith("127."):
    sys.exit("loopback addresses only")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
sel = selectors.DefaultSelector()
stats = {"opened": 0, "closed": 0, "failed": 0}


def open_one(i):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.bind((f"127.0.1.{1 + i % 20}", 0))
        s.connect((host, port))
        if mode == "tls":
            s = ctx.wrap_socket(s, server_hostname="localhost")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        stats["opened"] += 1
    except OSError:
        stats["failed"] += 1
        s.close()


end = time.time() + secs


def stop(*_):
    global end
    end = 0


signal.signal(signal.SIGTERM, stop)
for i in range(count):
    open_one(i)
print(f"flood: {stats['opened']} of {count} {mode} connections open", flush=True)
pending = []
next_reopen = time.time()
while time.time() < end:
    for key, _ in sel.select(timeout=0.05):
        s = key.fileobj
        try:
            data = s.recv(1)
        except (ssl.SSLWantReadError, BlockingIOError):
            continue
        except OSError:
            data = b""
        if not data:
            sel.unregister(s)
            s.close()
            stats["closed"] += 1
            pending.append(key.data)
    while pending and time.time() >= next_reopen:
        open_one(pending.pop(0))
        next_reopen = max(next_reopen + 1.0 / reopen_rate, time.time() - 1.0)
print(
    f"flood: {stats['opened']} opened, {stats['closed']} closed by the server, "
    f"{stats['failed']} failed to open, {len(sel.get_map())} held at the end",
    flush=True,
)
