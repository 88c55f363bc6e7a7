"""A WebSocket peer for the integration tests, on Debian's wsproto (a strict, sans-IO implementation): each line on
stdin is a text message to send; what happens is printed one event a line: "open <extensions>",
"text <message>", "close <code> <reason>".

Usage: python3 peer.py <host> <port> <path> [deflate]   (deflate: offer permessage-deflate)
"""
import socket
import sys
import threading

from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection, Request,
                            TextMessage)
from wsproto.extensions import PerMessageDeflate


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    deflate = len(sys.argv) > 4 and sys.argv[4] == "deflate"
    connection = WSConnection(ConnectionType.CLIENT)
    sock = socket.create_connection((host, port))
    lock = threading.Lock()
    sock.sendall(connection.send(Request(host=f"{host}:{port}", target=path,
                                         extensions=[PerMessageDeflate()] if deflate else [])))
    text = []
    while True:
        data = sock.recv(65536)
        connection.receive_data(data or None)
        for event in connection.events():
            if isinstance(event, AcceptConnection):
                names = ", ".join(e.name for e in event.extensions) or "-"
                print(f"open {names}", flush=True)
                threading.Thread(target=send_lines, args=(connection, sock, lock), daemon=True).start()
            elif isinstance(event, RejectConnection):
                print(f"rejected {event.status_code}", flush=True)
                return
            elif isinstance(event, TextMessage):
                text.append(event.data)
                if event.message_finished:
                    print("text " + "".join(text), flush=True)
                    text.clear()
            elif isinstance(event, BytesMessage):
                print(f"binary {len(event.data)}", flush=True)
            elif isinstance(event, Ping):
                with lock:
                    sock.sendall(connection.send(event.response()))
            elif isinstance(event, CloseConnection):
                print(f"close {event.code} {event.reason or ''}", flush=True)
                with lock:
                    sock.sendall(connection.send(event.response()))
                sock.close()
                return
        if not data:
            print("close 1006 ", flush=True)
            return


def send_lines(connection, sock, lock):
    for line in sys.stdin:
        with lock:
            sock.sendall(connection.send(TextMessage(data=line.rstrip("\n"))))


if __name__ == "__main__":
    main()
