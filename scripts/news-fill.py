#!/usr/bin/env python3
"""Fills the test news server: streams articles to innd as a peer (RFC 4644 TAKETHIS).

    news-fill.py HOST PORT BULK

The small groups get hand-made articles that exercise the client (threads with a missing
parent, yEnc in two parts, uuencode, 8-bit and encoded headers, a crosspost, a stuffed dot);
test.bulk gets BULK small articles in threads of ten. Dates and Message-IDs are fixed, so
tests can name them.
"""

import socket
import sys
import threading
import zlib
from email.utils import formatdate

BASE = 1767225600  # 2026-01-01 00:00:00 UTC
BATCH = 200


def article(mid, group, subject, body, when, sender="Tess Ter <tester@example.test>",
            refs=(), extra=()):
    head = [
        b"Path: news.localdomain!not-for-mail",
        b"From: " + enc(sender),
        b"Newsgroups: " + enc(group),
        b"Subject: " + enc(subject),
        b"Message-ID: " + enc(mid),
        b"Date: " + formatdate(BASE + when, usegmt=True).encode(),
    ]
    if refs:
        head.append(b"References: " + b" ".join(enc(r) for r in refs))
    head += [enc(e) if isinstance(e, str) else e for e in extra]
    body = enc(body) if isinstance(body, str) else body
    if not body.endswith(b"\n"):
        body += b"\n"
    lines = body.count(b"\n")
    head.append(b"Lines: %d" % lines)
    return mid, b"\r\n".join(head) + b"\r\n\r\n" + body.replace(b"\n", b"\r\n")


def enc(s):
    return s.encode("utf-8") if isinstance(s, str) else s


def yenc_encode(data):
    out = bytearray()
    col = 0
    for b in data:
        o = (b + 42) & 0xFF
        if o in (0, 10, 13, 61) or (col == 0 and o in (9, 32, 46)) or (col == 127 and o in (9, 32)):
            out += bytes([61, (o + 64) & 0xFF])
            col += 2
        else:
            out.append(o)
            col += 1
        if col >= 128:
            out += b"\n"
            col = 0
    if col:
        out += b"\n"
    return bytes(out)


def yenc_parts(name, data, parts):
    size = len(data)
    step = (size + parts - 1) // parts
    total_crc = zlib.crc32(data) & 0xFFFFFFFF
    for i in range(parts):
        chunk = data[i * step:(i + 1) * step]
        begin, end = i * step + 1, i * step + len(chunk)
        body = b"=ybegin part=%d total=%d line=128 size=%d name=%s\n" % (i + 1, parts, size, name)
        body += b"=ypart begin=%d end=%d\n" % (begin, end)
        body += yenc_encode(chunk)
        body += b"=yend size=%d part=%d pcrc32=%08x crc32=%08x\n" % (
            len(chunk), i + 1, zlib.crc32(chunk) & 0xFFFFFFFF, total_crc)
        yield i + 1, body


def uuencode(name, data):
    out = b"begin 644 %s\n" % name
    for i in range(0, len(data), 45):
        chunk = data[i:i + 45]
        line = bytes([32 + len(chunk)])
        padded = chunk + b"\0" * (-len(chunk) % 3)
        for j in range(0, len(padded), 3):
            a, b, c = padded[j:j + 3]
            for v in (a >> 2, ((a & 3) << 4) | (b >> 4), ((b & 15) << 2) | (c >> 6), c & 63):
                line += bytes([96 if v == 0 else 32 + v])
        out += line + b"\n"
    return out + b"`\nend\n"


def small_groups():
    g = "local.general"
    yield article("<welcome@example.test>", g, "Welcome to local.general",
                  "Hello everyone,\n\nthis is the first post on the loopback server.\n\n-- \nTess\n", 10)
    yield article("<welcome-re1@example.test>", g, "Re: Welcome to local.general",
                  "Tess Ter wrote:\n> this is the first post on the loopback server.\n\nGlad to be here.\n",
                  20, sender="Rita Reader <rita@example.test>", refs=["<welcome@example.test>"])
    yield article("<welcome-re2@example.test>", g, "Re: Welcome to local.general",
                  "Rita Reader wrote:\n> Glad to be here.\n\nMe too.\n", 30,
                  sender="Paul Poster <paul@example.test>",
                  refs=["<welcome@example.test>", "<welcome-re1@example.test>"])
    yield article("<meeting@example.test>", g, "Meeting on Friday",
                  "Shall we meet on Friday at noon?\n", 40)

    t = "local.test"
    # A reply whose parent this server never had.
    yield article("<orphan@example.test>", t, "Re: A lost beginning",
                  "The article this answers is not on this server.\n", 100,
                  refs=["<never-here@example.test>"])
    # An 8-bit Latin-1 subject and sender with no declared charset, as old clients post.
    yield article("<latin1@example.test>", t, b"Caf\xe9 cr\xe8me", b"Un caf\xe9, s'il vous pla\xeet.\n", 110,
                  sender=b"Ren\xe9 <rene@example.test>")
    # Encoded words (RFC 2047) in UTF-8, and a format=flowed body.
    yield article("<encoded@example.test>", t, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=",
                  "This paragraph is long and was sent as flowed text, so it is one \nparagraph "
                  "in the reader even though the wire has it on two lines.\n", 120,
                  extra=["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8; format=flowed",
                         "Content-Transfer-Encoding: 8bit"])
    # A line that starts with a dot (stuffed on the wire) and one that is only a dot.
    yield article("<dots@example.test>", t, "Lines with dots",
                  ".hidden starts with a dot\n.\n..two dots\nend\n", 130)
    # A crosspost.
    yield article("<cross@example.test>", "local.test,local.general", "Crossposted to two groups",
                  "This article is in local.test and local.general.\n", 140,
                  extra=["Followup-To: local.general"])
    # A binary in two yEnc parts; the name tries to leave the download folder.
    data = bytes((i * 7 + 3) % 256 for i in range(3000)) + b"\0\n\r=.\t end"
    for part, body in yenc_parts(b"../../evil name.bin", data, 2):
        yield article("<yenc-%d@example.test>" % part, t,
                      '"evil name.bin" yEnc (%d/2)' % part, body, 150 + part)
    yield article("<uu@example.test>", t, "hello.txt (uuencoded)",
                  b"Here is the file:\n\n" + uuencode(b"hello.txt", b"Hello, uuencode!\n" * 20), 160)
    # A thread of five for the window's tests.
    refs = []
    for i in range(5):
        mid = "<thread-%d@example.test>" % i
        subject = "Thread test" if i == 0 else "Re: Thread test"
        yield article(mid, t, subject, "Message %d of the thread.\n" % i, 200 + i,
                      sender="Person %d <p%d@example.test>" % (i, i), refs=list(refs))
        refs.append(mid)

    yield article("<secret@example.test>", "secret.stuff", "For logged-in readers",
                  "Only readers who logged in see this.\n", 300)


def bulk(count):
    for i in range(count):
        root = i - i % 10
        refs = [] if i == root else ["<bulk-%d@example.test>" % root]
        if i % 10 > 1:
            refs.append("<bulk-%d@example.test>" % (i - 1))
        subject = "Bulk thread %d" % (root // 10)
        if refs:
            subject = "Re: " + subject
        yield article("<bulk-%d@example.test>" % i, "test.bulk", subject,
                      "Article %d of the bulk group.\nA second line.\n" % i, 1000 + i,
                      sender="Bulk Writer %d <bulk%d@example.test>" % (i % 50, i % 50), refs=refs)


def stuff(raw):
    lines = raw.split(b"\r\n")
    return b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.create_connection((host, port))
    f = s.makefile("rb")
    greeting = f.readline()
    if not greeting.startswith(b"200"):
        sys.exit("innd greeted with %r" % greeting)
    s.sendall(b"MODE STREAM\r\n")
    if not f.readline().startswith(b"203"):
        sys.exit("innd does not stream")

    refused = []
    sent = [0]
    done = threading.Event()
    lock = threading.Lock()
    answered = [0]

    def reader():
        while True:
            line = f.readline()
            if not line:
                break
            if line.startswith(b"439"):
                refused.append(line)
            with lock:
                answered[0] += 1
                if done.is_set() and answered[0] == sent[0]:
                    return

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    batch = []
    for source in (small_groups(), bulk(count)):
        for mid, raw in source:
            batch.append(b"TAKETHIS " + enc(mid) + b"\r\n" + stuff(raw) + b"\r\n.\r\n")
            if len(batch) == BATCH:
                with lock:
                    sent[0] += len(batch)
                s.sendall(b"".join(batch))
                batch = []
    with lock:
        sent[0] += len(batch)
        done.set()
        finished = answered[0] == sent[0]
    if batch:
        s.sendall(b"".join(batch))
    if not finished:
        t.join(120)
    if refused:
        sys.exit("innd refused %d articles, first: %r" % (len(refused), refused[0]))
    s.sendall(b"QUIT\r\n")
    print("sent %d articles" % sent[0])


if __name__ == "__main__":
    main()
