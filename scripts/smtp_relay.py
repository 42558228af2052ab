#!/usr/bin/env python3
"""smtp_relay.py - an SMTP relay on loopback for the integration tests.

usage: smtp_relay.py PORT DIR

What it does with each new connection depends on the files in DIR then:
  DIR/silent  accept the connection and never say a word (a hung relay)
  DIR/refuse  take the message, then refuse it with 550
  otherwise   take the message and append it to DIR/relay.out
DIR/connections holds the number of connections accepted so far. It ends by
itself after ten minutes.
"""
import os
import socket
import sys
import threading
import time

port, folder = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
accepted = [0]


def serve(conn):
    conn.settimeout(120)
    try:
        if os.path.exists(os.path.join(folder, "silent")):
            while conn.recv(4096):  # until the client gives up
                pass
            return
        refuse = os.path.exists(os.path.join(folder, "refuse"))
        f = conn.makefile("rb")

        def say(text):
            conn.sendall(text.encode() + b"\r\n")

        say("220 relay.test ESMTP")
        sender, rcpts = "", []
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip()
            verb = cmd.upper()
            if verb.startswith("MAIL FROM:"):
                sender, rcpts = cmd[10:].split()[0].strip("<>"), []
                say("250 ok")
            elif verb.startswith("RCPT TO:"):
                rcpts.append(cmd[8:].split()[0].strip("<>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 go ahead")
                data = []
                while True:
                    chunk = f.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk.decode(errors="replace").replace("\r\n", "\n"))
                if refuse:
                    say("550 5.7.1 message refused")
                    continue
                with lock, open(os.path.join(folder, "relay.out"), "a") as out:
                    out.write("MAIL FROM:%s\nRCPT TO:%s\n%s.\n" % (sender, ",".join(rcpts), "".join(data)))
                say("250 2.0.0 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:  # EHLO, HELO, RSET, NOOP
                say("250 relay.test")
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(16)
listener.settimeout(0.5)
deadline = time.time() + 600
while time.time() < deadline:
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        continue
    with lock:
        accepted[0] += 1
        with open(os.path.join(folder, "connections.tmp"), "w") as f:
            f.write("%d\n" % accepted[0])
        os.replace(os.path.join(folder, "connections.tmp"), os.path.join(folder, "connections"))
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
