#!/usr/bin/env python3
"""Garnet 2.2.8: writes to keys of a slot range wait while `MIGRATE ... SLOTSRANGE` transmits them.

Minimal reproduction of why the edge puts late claims back (SecretStore, "late claims"): during the move,
`SET key v XX GET KEEPTTL` (the edge's claim) on a key being transmitted is delayed by the source (by design: its
migration sketch lets writes wait while a key is TRANSMITTING), here for up to several seconds, longer than the
edge's 2 s store timeout. The edge then answers 503 while the claim still runs afterwards; before late claims were
put back, that secret was gone without having been shown (SlotMigrationTests now runs an edge with a 0.2 s store
timeout to exercise this path and requires every secret to reveal exactly once).

    scripts/garnet-cluster.sh up 3 21900 /tmp/gm
    python3 tests/Ots.Cluster.Tests/Repro/migrate_write_pause.py 10000 21901 21900 5461 8191
    scripts/garnet-cluster.sh down /tmp/gm

Arguments: keys to write into the range first (512 B each), source port, target port, first and last slot (owned by
the source). Seen on a loaded 2-core VM, 10 000 keys moved in 2-3 s: the slowest claim waited 2078 ms, 2526 ms and
5939 ms in three runs.
"""
import socket
import sys
import threading
import time


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def slot(key):
    start = key.find(b"{")
    end = key.find(b"}", start + 1)
    if start >= 0 and end > start + 1:
        key = key[start + 1:end]
    return crc16(key) % 16384


def command(*args):
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def owns(nodes_reply, first, last):
    me = [line for line in nodes_reply.split(b"\n") if b"myself" in line][0].split()[8:]
    ranges = [tuple(map(int, r.split(b"-"))) if b"-" in r else (int(r), int(r)) for r in me if not r.startswith(b"[")]
    return any(a <= first and last <= b for a, b in ranges)


def main():
    count, source, target, first, last = (int(a) for a in sys.argv[1:6])
    run = str(time.time_ns()).encode()
    keys, n = [], 0
    while len(keys) < count:
        key = b"pause:%s:{%d}" % (run, n)
        n += 1
        if first <= slot(key) <= last:
            keys.append(key)

    fill = socket.create_connection(("127.0.0.1", source))
    fill.sendall(b"".join(command("SET", k, b"x" * 512, "PX", 600000) for k in keys))
    replies = b""
    while replies.count(b"\r\n") < len(keys):
        replies += fill.recv(1 << 20)

    probes = keys[:: max(1, len(keys) // 200)]
    waits, stop = [], threading.Event()

    def claims():
        connection = socket.create_connection(("127.0.0.1", source))
        i = 0
        while not stop.is_set():
            started = time.time()
            connection.sendall(command("SET", probes[i % len(probes)], b"", "XX", "GET", "KEEPTTL"))
            connection.recv(1 << 16)  # the value, or -ASK/-MOVED once the key has moved
            waits.append(time.time() - started)
            i += 1

    threading.Thread(target=claims, daemon=True).start()
    time.sleep(0.5)
    started = time.time()
    admin = socket.create_connection(("127.0.0.1", source))
    admin.sendall(command("MIGRATE", "127.0.0.1", target, "", 0, 30000, "SLOTSRANGE", first, last))
    print("MIGRATE ... SLOTSRANGE:", admin.recv(100).strip().decode())
    watch = socket.create_connection(("127.0.0.1", target))
    while time.time() - started < 120:
        watch.sendall(command("CLUSTER", "NODES"))
        reply = b""
        while not reply.endswith(b"\r\n"):
            reply += watch.recv(1 << 16)
        if owns(reply, first, last):
            break
        time.sleep(0.05)
    print("moved %d keys of slots %d-%d in %.1f s" % (count, first, last, time.time() - started))
    time.sleep(0.5)
    stop.set()
    waits.sort()
    print("claims during the move: %d, slowest %.0f ms, over 2 s (the edge's store timeout): %d"
          % (len(waits), waits[-1] * 1e3, sum(1 for w in waits if w > 2)))


if __name__ == "__main__":
    main()
