#!/usr/bin/env python3
"""How long a chorus.v1 client takes to come back after missing messages.

A subscriber joins a room and leaves; a publisher publishes --gap messages (each acknowledged); the subscriber
reconnects and resumes with its last position while the publisher publishes one live message at that instant.
Prints, from the start of the reconnect: the 101, the `subscribed` reply (must say recovered:true), the last
missed message, and the first live one, and checks that every message came once, in order. Repeats --rounds times.
The server needs --history-size above --gap (the missed messages plus the live one). Bounded; only for servers you run yourself, on 127.0.0.1.

  java -jar target/chorus.jar --history-size 1100 --rate-limit 0 &
  python3 load-tests/resume-latency.py --port 8080 --gap 1000
"""
import argparse
import base64
import json
import os
import socket
import statistics
import struct
import time


class Client:
    """A minimal chorus.v1 WebSocket client: masked text frames out, whole unfragmented text frames in."""

    def __init__(self, port, path="/ws"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Protocol: chorus.v1\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n")[0] or b"chorus.v1" not in head:
            raise ConnectionError(head.decode(errors="replace"))
        self.upgraded = time.perf_counter()
        self.ids = 0
        welcome = self.receive()
        assert welcome["type"] == "welcome", welcome

    def send(self, command):
        payload = json.dumps(command, separators=(",", ":")).encode()
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x81, 0x80 | length)
        elif length <= 0xFFFF:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, length)
        self.sock.sendall(head + b"\0\0\0\0" + payload)

    def command(self, **fields):
        self.ids += 1
        fields["id"] = self.ids
        self.send(fields)
        return self.ids

    def receive(self):
        while True:
            frame = self._frame()
            if frame is not None:
                return frame

    def reply(self, command_id, on_push=None):
        while True:
            message = self.receive()
            if message.get("id") == command_id:
                return message
            if on_push:
                on_push(message)

    def close(self):
        self.sock.close()

    def _need(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("end of stream")
            self.buffer += chunk

    def _frame(self):
        self._need(2)
        opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
        start = 2
        if length == 126:
            self._need(4)
            length, start = struct.unpack("!H", self.buffer[2:4])[0], 4
        elif length == 127:
            self._need(10)
            length, start = struct.unpack("!Q", self.buffer[2:10])[0], 10
        self._need(start + length)
        payload, self.buffer = self.buffer[start:start + length], self.buffer[start + length:]
        if opcode == 0x1:
            return json.loads(payload)
        if opcode == 0x8:
            raise ConnectionError(f"closed by the server: {payload!r}")
        return None


def publish_all(publisher, room, count, tag):
    """Publishes `count` messages, all in flight at once, and waits for every ack; returns the last seq."""
    first = publisher.ids + 1
    for i in range(count):
        publisher.command(type="publish", room=room, data=f"{tag} {i}")
    last = None
    for command_id in range(first, first + count):
        ack = publisher.reply(command_id)
        assert ack["type"] == "ack", ack
        last = ack["seq"]
    return last


def round_trip(port, room, gap):
    subscriber = Client(port)
    subscribed = subscriber.reply(subscriber.command(type="subscribe", room=room))
    epoch, seq = subscribed["epoch"], subscribed["seq"]
    subscriber.close()

    publisher = Client(port)
    last_missed = publish_all(publisher, room, gap, "missed")
    assert last_missed == seq + gap, (last_missed, seq, gap)

    start = time.perf_counter()
    back = Client(port)
    publisher.command(type="publish", room=room, data="live")
    resume_id = back.command(type="subscribe", room=room, since={"epoch": epoch, "seq": seq})
    seen = []
    times = {"upgraded": back.upgraded - start}

    def keep(message):
        if message.get("type") == "message":
            seen.append(message["seq"])
    resumed = back.reply(resume_id, keep)
    times["subscribed"] = time.perf_counter() - start
    assert resumed.get("recovered") is True, resumed
    while len(seen) < gap + 1:
        message = back.receive()
        if message.get("type") != "message":
            continue
        seen.append(message["seq"])
        if message["seq"] == last_missed:
            times["last missed"] = time.perf_counter() - start
        if message.get("data") == "live":
            times["first live"] = time.perf_counter() - start
    assert seen == list(range(seq + 1, seq + gap + 2)), "every message once, in order"
    back.close()
    publisher.close()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--gap", type=int, default=1000, help="messages missed while away")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    results = [round_trip(args.port, f"resume-{os.getpid()}-{n}", args.gap) for n in range(args.rounds)]
    print(f"{args.rounds} resumes after a {args.gap}-message gap, every one recovered:true, in order, no duplicate")
    for step in ("upgraded", "subscribed", "last missed", "first live"):
        values = sorted(r[step] * 1000 for r in results)
        print(f"  {step:12} median {statistics.median(values):7.1f} ms   max {values[-1]:7.1f} ms")


if __name__ == "__main__":
    main()
