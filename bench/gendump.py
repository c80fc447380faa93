#!/usr/bin/env python3
"""Writes a `greygate db dump` of N made-up rows in random key order, for sizing measurements.

    bench/gendump.py triplets N [SEED [EXPIRED%]] > dump   # N triplet rows
    bench/gendump.py clients N [SEED] > dump                # N auto-whitelisted client rows

Rows are written in random key order, as mail brings them (`db load` inserts in file order, so
a sorted dump would pack the B-tree tighter than a live store ever is). Keys are shaped like
real ones and their mean length is printed on stderr: a triplet is the client's /24 network as
greygate writes it (a.b.c.0), the envelope sender and the recipient (mean about 76 bytes: a third
of senders are bounce/VERP addresses of 40-60 characters, as bulk and list mail uses); a client
row is the client's address (a.b.c.d), as greygate writes it.
Times: every row last seen within the day before now, so no expiry rule removes it; half the
triplets passed (a delay apart), half still waiting; EXPIRED% of the triplets (default 0) were
last seen 40 days ago, past the default --max-age (35 days), for the sweep to delete.
"""
import random
import sys
import time


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def word(rnd, lo, hi):
    return "".join(rnd.choices(LETTERS, k=rnd.randint(lo, hi)))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 26)
    expired = float(sys.argv[4]) / 100 if len(sys.argv) > 4 else 0.0
    now = int(time.time())
    # word pools, so a row costs a few random draws, not one per character
    words = {(lo, hi): [word(rnd, lo, hi) for _ in range(100_000)]
             for lo, hi in [(3, 12), (0, 8), (3, 8), (3, 9), (3, 10)]}
    iso_cache = {}

    def pick(lo, hi):
        return rnd.choice(words[(lo, hi)])

    def when(t):
        hour = t - t % 3600
        h = iso_cache.get(hour)
        if h is None:
            h = iso_cache[hour] = iso(hour)[:-6]
        return "%s%02d:%02dZ" % (h, t % 3600 // 60, t % 60)

    domains = [word(rnd, 4, 12) + rnd.choice([".com", ".net", ".org", ".de", ".co.uk", ".example"])
               for _ in range(50_000)]
    out = sys.stdout
    out.write("# greygate dump 2\n")
    seen = set()
    total = 0
    written = 0
    while written < n:
        net = "%d.%d.%d." % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255))
        last = now - rnd.randint(60, 86_400)
        if expired and rnd.random() < expired:
            last -= 40 * 86_400
        if kind == "clients":
            key = net + str(rnd.randint(1, 254))
            line = "client %s %d %s\n" % (key, rnd.randint(5, 200), when(last))
        else:
            r = rnd.random()
            if r < 0.33:
                sender = "bounce-%x-%s@%s" % (rnd.getrandbits(rnd.choice([64, 96, 128])),
                                              pick(3, 8), "mail." + rnd.choice(domains))
            elif r < 0.38:
                sender = ""  # the null sender of bounces
            else:
                sender = "%s%s@%s" % (pick(3, 12), rnd.choice(["", ".", "_"]) + pick(0, 8),
                                      rnd.choice(domains))
            recipient = "%s.%s@%s" % (pick(3, 9), pick(3, 10), rnd.choice(domains[:2000]))
            key = "%s0/%s/%s" % (net, sender, recipient)
            first = last - (rnd.randint(300, 3_600) if rnd.random() < 0.5 else 0)
            line = "triplet %s %s %s\n" % (key, when(first), when(last))
        h = hash(key)  # a colliding hash only skips a row; a set of keys would take gigabytes
        if h in seen:
            continue
        seen.add(h)
        total += len(key)
        written += 1
        out.write(line)
    sys.stderr.write("%d %s rows, mean key %.1f bytes\n" % (n, kind, total / max(n, 1)))


if __name__ == "__main__":
    main()
