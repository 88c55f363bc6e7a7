#!/usr/bin/env python3
"""One client that never reads floods a Chorus server with pings, while a bystander chats in another room.

Prints the server's RSS and direct memory before and after the flood, how the flood ended (the close frame the
attacker finally reads, if any), and the bystander's round trips during it. Bounded: at most --mib of pings and
--seconds of flooding. Only for servers you run yourself, on 127.0.0.1.

  python3 load-tests/attacks/ping-flood.py --port 8080 --pid "$(pgrep -n -f chorus.jar)"
"""
import argparse
import os
import re
import socket
import struct
import threading
import time
import urllib.request

PING, TEXT, CLOSE = 0x9, 0x1, 0x8


def frame(opcode, payload):
    """A masked client frame; the zero mask keeps the payload as is, which RFC 6455 allows."""
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length <= 0xFFFF:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return head + b"\0\0\0\0" + payload


def connect(host, port, path, receive_buffer=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(10)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect((host, port))
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise ConnectionError(head.split(b"\r\n")[0].decode())
    return sock


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("end of stream")
        data += chunk
    return data


def read_frame(sock):
    first, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", read_exactly(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", read_exactly(sock, 8))[0]
    return first & 0x0F, read_exactly(sock, length)


def scrape(host, port):
    """The server's direct-memory meters, or None when /metrics does not answer within 10 s."""
    try:
        text = urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10).read().decode()
    except OSError:
        return None

    def total(pattern):
        return sum(float(m.group(1)) for m in re.finditer(pattern + r"[^\n]* ([0-9.eE+-]+)\n", text))
    return {"direct_jvm": total(r'(?m)^jvm_buffer_memory_used_bytes\{[^}]*id="direct"'),
            "direct_pooled": total(r'(?m)^netty_allocator_memory_used\{[^}]*memory_type="direct"'),
            "direct_netty": total(r'(?m)^netty_direct_memory_used_bytes')}


def megabytes(meters, key):
    return "no answer" if meters is None else f"{meters[key] / 1048576:.1f} MiB"


def rss(pid):
    if not pid:
        return float("nan")
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+) kB", status.read()).group(1)) * 1024


class Bystander(threading.Thread):
    """Sends a numbered message every 50 ms to its own room and times its return."""

    def __init__(self, host, port):
        super().__init__(daemon=True)
        self.sock = connect(host, port, "/ws/bystander")
        read_frame(self.sock)
        self.sock.settimeout(5)
        self.round_trips, self.lost, self.stopped = [], 0, False

    def run(self):
        index = 0
        while not self.stopped:
            text = f"bystander {os.getpid()} {index}".encode()
            sent = time.monotonic()
            try:
                self.sock.sendall(frame(TEXT, text))
                while True:
                    opcode, payload = read_frame(self.sock)
                    if opcode == TEXT and payload == text:
                        self.round_trips.append(time.monotonic() - sent)
                        break
            except socket.timeout:
                self.lost += 1
            except (OSError, ConnectionError):
                self.lost += 1
                return
            index += 1
            time.sleep(0.05)


def main():
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("--host", default="127.0.0.1")
    args.add_argument("--port", type=int, default=8080)
    args.add_argument("--metrics-port", type=int, help="defaults to --port")
    args.add_argument("--pid", type=int, help="the server's process id, for its RSS")
    args.add_argument("--mib", type=float, default=100, help="ping bytes to send at most (default 100)")
    args.add_argument("--seconds", type=float, default=60, help="longest flood (default 60)")
    args.add_argument("--payload", type=int, default=125, help="ping payload bytes, at most 125")
    options = args.parse_args()
    metrics_port = options.metrics_port or options.port

    before, rss_before = scrape(options.host, metrics_port), rss(options.pid)
    try:
        bystander = Bystander(options.host, options.port)
    except OSError as error:
        raise SystemExit(f"the bystander could not join: {error.__class__.__name__}")
    bystander.start()
    attacker = connect(options.host, options.port, "/ws/attacker", receive_buffer=4096)
    attacker.settimeout(10)
    ping = frame(PING, b"p" * options.payload)
    batch = ping * 1024
    limit, sent, started, ended = int(options.mib * 1048576), 0, time.monotonic(), "byte budget spent"
    try:
        while sent < limit:
            if time.monotonic() - started > options.seconds:
                ended = "time limit"
                break
            attacker.sendall(batch)
            sent += len(batch)
    except socket.timeout:
        ended = "server stopped reading for 10 s"
    except OSError as error:
        ended = f"server closed the connection ({error.__class__.__name__})"
    flood_seconds = time.monotonic() - started
    mib = 1048576
    print(f"flood: {sent / mib:.1f} MiB of pings in {flood_seconds:.1f} s; ended: {ended}", flush=True)
    time.sleep(1)
    after, rss_after = scrape(options.host, metrics_port), rss(options.pid)
    bystander.stopped = True
    bystander.join(10)

    pongs, close = 0, None
    attacker.settimeout(5)
    try:
        while True:
            opcode, payload = read_frame(attacker)
            if opcode == CLOSE:
                close = (struct.unpack("!H", payload[:2])[0], payload[2:].decode()) if len(payload) >= 2 else (1005, "")
                break
            pongs += opcode == 0xA
    except (OSError, ConnectionError):
        pass
    attacker.close()

    trips = sorted(bystander.round_trips)
    print(f"attacker then read: {pongs} pongs, close frame: {close}")
    print(f"server RSS: {rss_before / mib:.0f} -> {rss_after / mib:.0f} MiB")
    for key, meter in (("direct_jvm", 'jvm_buffer_memory_used_bytes{id="direct"}'),
                       ("direct_pooled", 'netty_allocator_memory_used{memory_type="direct"}'),
                       ("direct_netty", "netty_direct_memory_used_bytes (where the server has it)")):
        print(f"direct memory, {meter}: {megabytes(before, key)} -> {megabytes(after, key)}")
    if trips:
        print(f"bystander: {len(trips)} round trips, p50 {trips[len(trips) // 2] * 1000:.1f} ms, "
              f"max {trips[-1] * 1000:.1f} ms, {bystander.lost} lost")
    else:
        print(f"bystander: no round trip completed, {bystander.lost} lost")


if __name__ == "__main__":
    main()
