#!/usr/bin/env python3
"""Metric-label flood against a Chorus on 127.0.0.1, then what it left behind, measured.

1. Flood: one client sends --methods requests, each with a made-up HTTP method (FLOOD0 / ... FLOOD19999 /),
   pipelined over --connections connections to the main port, and reads every answer (bounded: --timeout).
2. Measure: --scrapes scrapes of /metrics on the metrics port, back to back, while a bystander chats in a room
   of its own (one message every 50 ms, timed until its broadcast comes back). With --pid, the server gets
   `jcmd PID GC.run` first, so that the heap figure is what survived the flood.

Prints one line per figure. Python 3 standard library only.

  python3 load-tests/attacks/method-flood.py --port 8080 --metrics-port 9090 --pid "$(pgrep -f chorus.jar)"
"""
import argparse
import base64
import os
import socket
import statistics
import struct
import subprocess
import threading
import time


def flood(host, port, methods, connections, timeout):
    """Pipelines the requests over the connections; returns how many answers came back."""
    answered = [0] * connections

    def one(index):
        mine = range(index, methods, connections)
        with socket.create_connection((host, port), timeout=timeout) as sock:
            request = b"".join(b"FLOOD%d / HTTP/1.1\r\nHost: flood\r\n\r\n" % i for i in mine)
            sender = threading.Thread(target=sock.sendall, args=(request,), daemon=True)
            sender.start()
            tail = b""
            deadline = time.monotonic() + timeout
            while answered[index] < len(mine) and time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data = tail + chunk
                answered[index] += data.count(b"HTTP/1.1 ")
                tail = data[-8:]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered)


def scrape(host, port):
    """One GET /metrics on a fresh connection: (seconds, body)."""
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n")
        chunks = []
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    elapsed = time.monotonic() - started
    response = b"".join(chunks)
    return elapsed, response.split(b"\r\n\r\n", 1)[1]


def series(body):
    return [line for line in body.decode().splitlines() if line and not line.startswith("#")]


class Bystander(threading.Thread):
    """A WebSocket client that sends a numbered text message every 50 ms and times each broadcast's return."""

    def __init__(self, host, port, room):
        super().__init__(daemon=True)
        self.sock = socket.create_connection((host, port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET /ws/%s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (room, host, port, key))
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise SystemExit("bystander: upgrade refused: %r" % head)
        self.buffer = b""
        self.read_message()  # the welcome message
        self.stopped = False
        self.sent = {}
        self.round_trips = []
        self.receiver = threading.Thread(target=self.receive, daemon=True)

    def read_exactly(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_message(self):
        first, second = self.read_exactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", self.read_exactly(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self.read_exactly(8))[0]
        return first & 0x0F, self.read_exactly(length)

    def send_text(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def receive(self):
        try:
            while True:
                opcode, payload = self.read_message()
                if opcode == 1 and payload in self.sent:
                    self.round_trips.append(time.monotonic() - self.sent[payload])
        except (EOFError, OSError):
            pass

    def run(self):
        self.receiver.start()
        index = 0
        while not self.stopped:
            text = "bystander %d" % index
            self.sent[text.encode()] = time.monotonic()
            self.send_text(text)
            index += 1
            time.sleep(0.05)

    def stop(self):
        self.stopped = True
        self.join()
        time.sleep(0.5)
        self.sock.close()
        return len(self.sent), sorted(self.round_trips)


def heap_bytes(body):
    return sum(float(line.rsplit(" ", 1)[1]) for line in series(body)
               if line.startswith("jvm_memory_used_bytes{") and 'area="heap"' in line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="main port (the flood goes here)")
    parser.add_argument("--metrics-port", type=int, default=9090, help="port that serves /metrics")
    parser.add_argument("--methods", type=int, default=20000, help="distinct made-up methods to send")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120, help="seconds the flood may take at most")
    parser.add_argument("--scrapes", type=int, default=10, help="back-to-back scrapes while the bystander chats")
    parser.add_argument("--pid", type=int, help="server PID: jcmd GC.run before the heap is read")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only against a server on this machine")

    if args.pid:
        subprocess.run(["jcmd", str(args.pid), "GC.run"], check=True, stdout=subprocess.DEVNULL)
    _, body = scrape(args.host, args.metrics_port)
    print("before: %d series, %d bytes of exposition, heap used%s %.1f MiB"
          % (len(series(body)), len(body), " after GC" if args.pid else "", heap_bytes(body) / (1 << 20)))

    started = time.monotonic()
    answered = flood(args.host, args.port, args.methods, args.connections, args.timeout)
    print("flood: %d made-up methods over %d connections, %d answered in %.1f s"
          % (args.methods, args.connections, answered, time.monotonic() - started))

    if args.pid:
        subprocess.run(["jcmd", str(args.pid), "GC.run"], check=True, stdout=subprocess.DEVNULL)
    _, body = scrape(args.host, args.metrics_port)
    print("after: %d series, %d bytes of exposition, heap used%s %.1f MiB"
          % (len(series(body)), len(body), " after GC" if args.pid else "", heap_bytes(body) / (1 << 20)))

    bystander = Bystander(args.host, args.port, "bystander")
    bystander.start()
    time.sleep(1)
    times = [scrape(args.host, args.metrics_port)[0] for _ in range(args.scrapes)]
    time.sleep(1)
    sent, trips = bystander.stop()
    print("scrapes: %d, %.0f ms each (median), %.0f ms the slowest"
          % (len(times), statistics.median(times) * 1000, max(times) * 1000))
    print("bystander: %d of %d messages back, round trip p50 %.1f ms, max %.1f ms"
          % (len(trips), sent, statistics.median(trips) * 1000, trips[-1] * 1000))


if __name__ == "__main__":
    main()
