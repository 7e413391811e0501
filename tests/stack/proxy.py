#!/usr/bin/env python3
"""A small HTTP proxy for the transport tests (standard library only).

    .stack/venv/bin/python tests/stack/proxy.py --state-dir DIR [--name NAME]
        [--die-with-parent]
        [--tls-front HOST:PORT --tls-cert PEM --tls-key PEM]

Forward proxy (the default): CONNECT host:port for https (a byte tunnel) and
absolute-URI requests (`POST http://host:port/path HTTP/1.1`) for http, each
sent on to its target with `Connection: close`. One JSON line per request is
appended to DIR/NAME.log.jsonl: the method and the target (host:port, or the
URL without its query) — never a header or a body.

TLS front (--tls-front): terminates TLS with the given certificate and relays
the plain bytes to HOST:PORT, so an http-only test server can be reached
over https. One JSON line per connection.

Listens on 127.0.0.1 (free port) and writes DIR/NAME.json ({"url", "pid"})
when ready. NAME defaults to "proxy".
"""

import argparse
import os
import socket
import socketserver
import ssl
import sys
import threading
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stacklib  # noqa: E402

IO_TIMEOUT = 60


def pipe(src, dst):
    """Copy bytes until src ends, then tell dst no more is coming."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def relay(a, b):
    """Both directions at once until both sides are done."""
    t = threading.Thread(target=pipe, args=(b, a), daemon=True)
    t.start()
    pipe(a, b)
    t.join(IO_TIMEOUT)


def read_head(sock):
    """The request or response head (up to the blank line) and what came after it."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed before the end of the head")
        buf += data
        if len(buf) > 65536:
            raise ConnectionError("head too large")
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode("latin-1").split("\r\n"), rest


def without_hop_headers(lines):
    hop = ("connection", "proxy-connection", "keep-alive", "proxy-authorization")
    return [h for h in lines if h.split(":", 1)[0].strip().lower() not in hop]


def make_forward_handler(log):
    class Forward(socketserver.BaseRequestHandler):
        def handle(self):
            client = self.request
            client.settimeout(IO_TIMEOUT)
            try:
                lines, rest = read_head(client)
                method, target, version = lines[0].split(" ", 2)
            except (ConnectionError, OSError, ValueError):
                return
            if method == "CONNECT":
                return self.tunnel(client, target)
            url = urlsplit(target)
            if url.scheme != "http" or not url.hostname:
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            log.write({"ts": time.time(), "method": method,
                       "target": f"http://{url.hostname}:{url.port or 80}{url.path or '/'}"})
            try:
                upstream = socket.create_connection((url.hostname, url.port or 80), timeout=IO_TIMEOUT)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            with upstream:
                path = url.path or "/"
                if url.query:
                    path += "?" + url.query
                head = [f"{method} {path} {version}"] + without_hop_headers(lines[1:]) + ["Connection: close"]
                upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + rest)
                # The body (any framing) flows on while the answer comes back.
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                try:
                    answer, body = read_head(upstream)
                except (ConnectionError, OSError):
                    return
                answer = [answer[0]] + without_hop_headers(answer[1:]) + ["Connection: close"]
                client.sendall(("\r\n".join(answer) + "\r\n\r\n").encode("latin-1") + body)
                pipe(upstream, client)

        def tunnel(self, client, target):
            log.write({"ts": time.time(), "method": "CONNECT", "target": target})
            host, _, port = target.rpartition(":")
            try:
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=IO_TIMEOUT)
            except (OSError, ValueError):
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                relay(client, upstream)

    return Forward


def make_tls_front_handler(log, ctx, upstream_addr):
    class TlsFront(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(IO_TIMEOUT)
            try:
                client = ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                log.write({"ts": time.time(), "front": f"{upstream_addr[0]}:{upstream_addr[1]}",
                           "tls": "refused", "error": type(exc).__name__})
                return
            log.write({"ts": time.time(), "front": f"{upstream_addr[0]}:{upstream_addr[1]}", "tls": "ok"})
            with client, socket.create_connection(upstream_addr, timeout=IO_TIMEOUT) as upstream:
                relay(client, upstream)

    return TlsFront


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--name", default="proxy")
    ap.add_argument("--die-with-parent", action="store_true")
    ap.add_argument("--tls-front", metavar="HOST:PORT")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    log = stacklib.JsonlLog(os.path.join(state_dir, f"{args.name}.log.jsonl"))
    if args.tls_front:
        if not (args.tls_cert and args.tls_key):
            stacklib.fatal("proxy: --tls-front needs --tls-cert and --tls-key")
        host, _, port = args.tls_front.rpartition(":")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        handler = make_tls_front_handler(log, ctx, (host, int(port)))
        scheme = "https"
    else:
        handler = make_forward_handler(log)
        scheme = "http"
    if args.die_with_parent:
        stacklib.exit_with_parent()

    server = Server((stacklib.LOOPBACK, 0), handler)
    url = f"{scheme}://{stacklib.LOOPBACK}:{server.server_address[1]}"
    stacklib.write_json_atomic(os.path.join(state_dir, f"{args.name}.json"), {"url": url, "pid": os.getpid()})
    print(f"proxy: ready at {url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
