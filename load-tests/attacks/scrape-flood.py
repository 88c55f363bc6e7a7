#!/usr/bin/env python3
"""Pipelined scrapes against a Chorus on 127.0.0.1, with a bystander chatting meanwhile.

--connections connections each pipeline --scrapes GET /metrics to --metrics-port and read every answer (bounded:
--timeout), while a bystander on the main port sends a message every 50 ms and times each broadcast's return.
Prints the answers, the bytes they came to, and the bystander's round trips. Python 3 standard library only.

  python3 load-tests/attacks/scrape-flood.py --port 8080 --metrics-port 9090
"""
import argparse
import importlib.util
import os
import socket
import statistics
import threading
import time

spec = importlib.util.spec_from_file_location(
    "method_flood", os.path.join(os.path.dirname(os.path.abspath(__file__)), "method-flood.py"))
method_flood = importlib.util.module_from_spec(spec)
spec.loader.exec_module(method_flood)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="main port (the bystander chats here)")
    parser.add_argument("--metrics-port", type=int, default=9090, help="port that serves /metrics")
    parser.add_argument("--scrapes", type=int, default=500, help="pipelined GET /metrics per connection")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=120, help="seconds the flood may take at most")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only against a server on this machine")

    bystander = method_flood.Bystander(args.host, args.port, "bystander")
    bystander.start()
    time.sleep(1)
    started = time.monotonic()
    answered, received = pipeline(args)
    elapsed = time.monotonic() - started
    time.sleep(1)
    sent, trips = bystander.stop()
    print("scrapes: %d pipelined over %d connections, %d answered with %.1f MiB in %.1f s"
          % (args.scrapes * args.connections, args.connections, answered, received / (1 << 20), elapsed))
    print("bystander: %d of %d messages back, round trip p50 %.1f ms, max %.1f ms"
          % (len(trips), sent, statistics.median(trips) * 1000, trips[-1] * 1000))


def pipeline(args):
    """Every connection pipelines its scrapes and reads until all are answered; (answers, bytes) in total."""
    totals = [[0, 0] for _ in range(args.connections)]
    request = b"GET /metrics HTTP/1.1\r\nHost: metrics\r\n\r\n" * args.scrapes

    def one(index):
        with socket.create_connection((args.host, args.metrics_port), timeout=args.timeout) as sock:
            threading.Thread(target=sock.sendall, args=(request,), daemon=True).start()
            tail = b""
            deadline = time.monotonic() + args.timeout
            while totals[index][0] < args.scrapes and time.monotonic() < deadline:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                data = tail + chunk
                totals[index][0] += data.count(b"HTTP/1.1 ")
                totals[index][1] += len(chunk)
                tail = data[-8:]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


if __name__ == "__main__":
    main()
