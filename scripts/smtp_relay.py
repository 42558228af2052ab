#!/usr/bin/env python3
"""smtp_relay.py - an SMTP relay on loopback, standing in for a site's mail
transfer agent in the tests and in scripts/cluster-demo.sh.

usage: smtp_relay.py PORT DIR [--lda DOVECOT_CONF] [--lifetime SECONDS]

With --lda, each message is delivered into Dovecot by its delivery agent
(dovecot-lda -c DOVECOT_CONF, once per recipient) as Postfix would hand it to
Dovecot; recipients Dovecot does not know are refused at RCPT TO. Without it,
the message is appended to DIR/relay.out. In both cases, what happens to each
new connection depends on the files in DIR then:
  DIR/silent  accept the connection and never say a word (a hung relay)
  DIR/refuse  take the message, then refuse it with 550
DIR/connections holds the number of connections accepted so far. It ends by
itself after --lifetime seconds (600 unless given; 0: never).
"""
import argparse
import os
import socket
import subprocess
import threading
import time

LDA = "/usr/lib/dovecot/dovecot-lda"
DOVEADM = "/usr/bin/doveadm"
EX_NOUSER, EX_TEMPFAIL = 67, 75

args = argparse.ArgumentParser(description="an SMTP relay on loopback")
args.add_argument("port", type=int)
args.add_argument("folder")
args.add_argument("--lda", metavar="DOVECOT_CONF")
args.add_argument("--lifetime", type=int, default=600)
opts = args.parse_args()
folder = opts.folder
lock = threading.Lock()
accepted = [0]


def known(rcpt):
    """Whether Dovecot has this user (always, without --lda)."""
    if not opts.lda:
        return True
    r = subprocess.run([DOVEADM, "-c", opts.lda, "user", rcpt],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return r.returncode == 0


def deliver(sender, rcpts, data):
    """The SMTP reply for the message: every recipient has it, or a failure."""
    if not opts.lda:
        with lock, open(os.path.join(folder, "relay.out"), "a") as out:
            out.write("MAIL FROM:%s\nRCPT TO:%s\n%s.\n" % (sender, ",".join(rcpts), "".join(data)))
        return "250 2.0.0 queued"
    text = "".join(data).encode()
    for rcpt in rcpts:
        r = subprocess.run([LDA, "-c", opts.lda, "-d", rcpt, "-f", sender or "MAILER-DAEMON"],
                           input=text, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=120)
        if r.returncode == EX_TEMPFAIL:
            return "451 4.3.0 delivery to %s failed for now" % rcpt
        if r.returncode != 0:
            return "554 5.3.0 delivery to %s failed: %s" % (
                rcpt, r.stderr.decode(errors="replace").strip()[:200])
    return "250 2.0.0 delivered"


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
                rcpt = cmd[8:].split()[0].strip("<>")
                if known(rcpt):
                    rcpts.append(rcpt)
                    say("250 ok")
                else:
                    say("550 5.1.1 no such user here: %s" % rcpt)
            elif verb == "DATA":
                if not rcpts:
                    say("554 5.5.1 no valid recipients")
                    continue
                say("354 go ahead")
                data = []
                while True:
                    chunk = f.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    if chunk.startswith(b".."):  # dot-stuffing undone
                        chunk = chunk[1:]
                    data.append(chunk.decode(errors="replace").replace("\r\n", "\n"))
                say("550 5.7.1 message refused" if refuse else deliver(sender, rcpts, data))
            elif verb == "QUIT":
                say("221 bye")
                return
            else:  # EHLO, HELO, RSET, NOOP
                say("250 relay.test")
    except (OSError, subprocess.TimeoutExpired):
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", opts.port))
listener.listen(16)
listener.settimeout(0.5)
deadline = time.time() + opts.lifetime if opts.lifetime else None
while deadline is None or time.time() < deadline:
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
