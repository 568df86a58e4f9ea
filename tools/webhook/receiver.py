#!/usr/bin/python3
"""A webhook receiver for the delivery tests, as the border-gate platform would run one, on 127.0.0.1.

usage: receiver.py --port PORT --secret-file FILE --out FILE [--status-file FILE] [--cert PEM --key PEM]

Checks X-PlateWatch-Signature (HMAC-SHA256 over "<t>.<body>", 5-minute tolerance) and answers 401 to a bad
one; answers with the status written in --status-file (default 200) to a good one; keeps each event id once
(Idempotency-Key) and appends `<id> <new|repeat> ok <unix time of arrival>` per accepted POST to --out.
With --cert and --key it serves HTTPS. Prints "ready PORT" once listening.
"""
import argparse
import hashlib
import hmac
import http.server
import os
import ssl
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--status-file")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    with open(args.secret_file, "rb") as f:
        secret = f.read().strip()
    seen = set()
    if os.path.exists(args.out):
        with open(args.out) as f:
            seen = {line.split()[0] for line in f if line.strip()}

    class Handler(http.server.BaseHTTPRequestHandler):
        # HTTP/1.1 with a length on every answer: a client must never have to read to the close (over TLS a
        # close without close_notify is an error).
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            header = self.headers.get("X-PlateWatch-Signature", "")
            parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
            expected = hmac.new(secret, f"{parts.get('t', '')}.".encode() + body, hashlib.sha256).hexdigest()
            fresh = parts.get("t", "").isdigit() and abs(time.time() - int(parts["t"])) <= 300
            if not (hmac.compare_digest(expected, parts.get("v1", "")) and fresh):
                self.answer(401)
                return
            status = 200
            if args.status_file and os.path.exists(args.status_file):
                with open(args.status_file) as f:
                    status = int(f.read().strip() or 200)
            if status == 200:
                key = self.headers.get("Idempotency-Key", "")
                with open(args.out, "a") as f:
                    f.write(f"{key} {'repeat' if key in seen else 'new'} ok {time.time():.6f}\n")
                seen.add(key)
            self.answer(status)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
