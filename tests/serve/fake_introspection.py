"""A fake RFC 7662 introspection endpoint on loopback (plain HTTP), for tests of opaque tokens."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import urllib.parse


def send_json(handler: http.server.BaseHTTPRequestHandler, status: int, obj: dict) -> None:
    """Answers `handler`'s request with `obj` as JSON, never cacheable."""
    data = json.dumps(obj).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Cache-Control", "no-store")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def basic_matches(header: str, client_id: str, client_secret: str) -> bool:
    """Whether an Authorization value is Basic with exactly these credentials.

    RFC 6749 §2.3.1: id and secret are form-urlencoded inside the Basic credentials.
    """
    if not header.startswith("Basic "):
        return False
    try:
        raw = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except ValueError:
        return False
    cid, sep, secret = raw.partition(":")
    return (sep == ":" and urllib.parse.unquote_plus(cid) == client_id
            and urllib.parse.unquote_plus(secret) == client_secret)


class FakeIntrospection:
    """POST /introspect on http://127.0.0.1:<port>, RFC 7662 §2.

    `answers[token]` is the JSON object returned for `token` (anything else: {"active":false});
    `hits[token]` counts the calls; with `fail_status` set, every call gets that status instead
    (an issuer in trouble). Callers must authenticate with client_secret_basic as
    (`client_id`, `client_secret`); anything else gets 401 and counts in `unauthorized`.
    `authorizations` and `bodies` keep what every call sent, as sent.
    """

    def __init__(self, client_id: str = "tokenwarden",
                 client_secret: str = "upstream-secret-0123456789abcdef"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.answers: dict[str, dict] = {}
        self.hits: dict[str, int] = {}
        self.authorizations: list[str | None] = []
        self.bodies: list[str] = []
        self.unauthorized = 0
        self.fail_status: int | None = None
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # never print tokens
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8", "replace")
                fields = urllib.parse.parse_qs(body, keep_blank_values=True)
                with fake.lock:
                    fake.authorizations.append(self.headers.get("Authorization"))
                    fake.bodies.append(body)
                if fake.fail_status is not None:
                    return self._send(fake.fail_status, {"error": "server_error"})
                if self.path != "/introspect":
                    return self._send(404, {"error": "not_found"})
                if not fake._authorized(self.headers.get("Authorization", "")):
                    with fake.lock:
                        fake.unauthorized += 1
                    return self._send(401, {"error": "invalid_client"})
                token = fields.get("token", [""])[0]
                with fake.lock:
                    fake.hits[token] = fake.hits.get(token, 0) + 1
                    answer = fake.answers.get(token, {"active": False})
                self._send(200, answer)

            def _send(self, status: int, obj: dict) -> None:
                send_json(self, status, obj)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def _authorized(self, header: str) -> bool:
        return basic_matches(header, self.client_id, self.client_secret)

    def calls(self, token: str) -> int:
        with self.lock:
            return self.hits.get(token, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


