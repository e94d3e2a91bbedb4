"""A JWK Set served over HTTPS on loopback, for tests of issuers whose keys tokenwarden fetches.

* ``make_tls()``  -- from https_idp: a throwaway CA and a leaf certificate for 127.0.0.1.
* ``JwksServer``  -- GET /jwks on https://127.0.0.1:<port> with the keys the test sets; records
                     when each fetch arrived; can go down (connection refused) and come back
                     on the same port.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
from pathlib import Path

from https_idp import make_tls  # noqa: F401  (re-exported for the tests that serve keys)



class JwksServer:
    """GET /jwks over HTTPS on 127.0.0.1 (certificate from make_tls; trust `ca`).

    `publish(keys)` replaces the JWK Set (a list of twkit keys); `fetches` holds the
    time.monotonic() of every GET /jwks. `down()` closes the listening socket, so fetches are
    refused, and `up()` listens on the same port again.
    """

    def __init__(self, directory: Path, keys) -> None:
        self.ca, cert, key = make_tls(directory)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.lock = threading.Lock()
        self.document = b""
        self.fetches: list[float] = []
        self.publish(keys)
        self.port = 0
        self.httpd: http.server.ThreadingHTTPServer | None = None
        self.up()

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}/jwks"

    def publish(self, keys) -> None:
        document = json.dumps({"keys": [k.jwk() for k in keys]}).encode()
        with self.lock:
            self.document = document

    def fetch_times(self) -> list[float]:
        with self.lock:
            return list(self.fetches)

    def up(self) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != "/jwks":
                    self.send_error(404)
                    return
                with server.lock:
                    server.fetches.append(time.monotonic())
                    body = server.document
                self.send_response(200)
                self.send_header("Content-Type", "application/jwk-set+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        httpd.socket = self.context.wrap_socket(httpd.socket, server_side=True)
        self.port = httpd.server_address[1]
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def close(self) -> None:
        self.down()
