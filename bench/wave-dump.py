#!/usr/bin/env python3
"""Prints a `greygate db dump` of N triplets shaped as `greygate bench --profile=wave` sends them
(scattered over client networks, senders and recipients), sorted by key as a dump is, numbered
from OFFSET so that they never meet the bench's own: wave-dump.py N [OFFSET]."""
import sys, time

MASK = (1 << 40) - 1

def scatter(k):  # the same one-to-one mix as LoadGenerator.scatter
    x = k & MASK
    x = (x ^ (x >> 19)) & MASK
    x = (x * 0x9E3779B97) & MASK
    x = (x ^ (x >> 23)) & MASK
    x = (x * 0xC2B2AE3D27) & MASK
    return (x ^ (x >> 17)) & MASK

n = int(sys.argv[1])
offset = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 39
now = int(time.time())
first = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 2 * 86400))
last = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 86400))
keys = []
for j in range(n):
    i = scatter(offset + j)
    keys.append(f"10.{i >> 16 & 255}.{i >> 8 & 255}.0/news-{i}x@sender{i % 997}.example/user{i % 5003}@rcpt.example")
keys.sort()
out = sys.stdout
out.write("# greygate dump 2\n")
for k in keys:
    out.write(f"triplet {k} {first} {last}\n")
