#!/usr/bin/env python3
"""imap_count_proxy.py - a loopback proxy between webmsgd and Dovecot (plain
IMAP, mail.imap_tls none) that writes each command a client sends to a log,
one line each: "CONNECTION-NUMBER COMMAND<TAB>ARGUMENTS" ("3 UID FETCH<TAB>7
(UID FLAGS)"), the arguments cut at 120 bytes; a LOGIN's or AUTHENTICATE's
are left out.

Usage: imap_count_proxy.py LISTEN_PORT SERVER_PORT LOG
It ends by itself 600 s after the last connection closed, or when killed."""
import os
import re
import selectors
import socket
import sys
import time

listen_port, server_port, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
LITERAL = re.compile(rb"\{(\d+)\+?\}$")
IDLE = 600

log = open(log_path, "a", buffering=1)
sel = selectors.DefaultSelector()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(64)
srv.setblocking(False)
sel.register(srv, selectors.EVENT_READ, None)


class Pair:
    count = 0

    def __init__(self, client):
        Pair.count += 1
        self.n = Pair.count
        self.client = client
        self.server = socket.create_connection(("127.0.0.1", server_port), timeout=10)
        self.server.setblocking(False)
        self.client.setblocking(False)
        self.pending = b""  # the client's bytes not yet split into lines
        self.skip = 0       # bytes of a literal still to pass unread
        self.continued = False  # the next line continues a command (after a literal)


def note(p, data):
    """The commands in the client's bytes: the first line of each, minus
    its tag and arguments; literals pass uncounted."""
    p.pending += data
    while p.pending:
        if p.skip:
            take = min(p.skip, len(p.pending))
            p.pending, p.skip = p.pending[take:], p.skip - take
            continue
        end = p.pending.find(b"\r\n")
        if end < 0:
            return
        line, p.pending = p.pending[:end], p.pending[end + 2:]
        if not p.continued:
            words = line.split(b" ")
            name = words[1].upper() if len(words) > 1 else b""
            if name == b"UID" and len(words) > 2:
                name += b" " + words[2].upper()
            rest = b" ".join(words[3:] if name.startswith(b"UID ") else words[2:])
            if name in (b"LOGIN", b"AUTHENTICATE"):
                rest = b"..."
            if name:
                log.write("%d %s\t%s\n" % (p.n, name.decode("ascii", "replace"),
                                            rest[:120].decode("utf-8", "replace")))
        m = LITERAL.search(line)
        p.continued = bool(m)
        if m:
            p.skip = int(m.group(1))


pairs = {}
last = time.monotonic()
while pairs or time.monotonic() - last < IDLE:
    for key, _ in sel.select(timeout=1):
        if key.data is None:
            c, _ = srv.accept()
            try:
                p = Pair(c)
            except OSError:
                c.close()
                continue
            pairs[p.client] = (p, p.server, True)
            pairs[p.server] = (p, p.client, False)
            sel.register(p.client, selectors.EVENT_READ, p)
            sel.register(p.server, selectors.EVENT_READ, p)
            continue
        s = key.fileobj
        if s not in pairs:
            continue
        p, other, from_client = pairs[s]
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if data:
            if from_client:
                note(p, data)
            try:
                other.setblocking(True)
                other.sendall(data)
                other.setblocking(False)
                continue
            except OSError:
                pass
        for x in (p.client, p.server):
            pairs.pop(x, None)
            try:
                sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()
        last = time.monotonic()
