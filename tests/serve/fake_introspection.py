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


def basic_matches(header: str, client_id: str, client_secret: str,
                  form_decode: bool = True) -> bool:
    """Whether an Authorization value is Basic with exactly these credentials.

    RFC 6749 §2.3.1: id and secret are form-urlencoded inside the Basic credentials. With
    `form_decode` false, a server that does not decode them: the bytes are compared as sent.
    """
    if not header.startswith("Basic "):
        return False
    try:
        raw = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except ValueError:
        return False
    cid, sep, secret = raw.partition(":")
    if form_decode:
        cid, secret = urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret)
    return sep == ":" and cid == client_id and secret == client_secret


class FakeIntrospection:
    """POST /introspect on http://127.0.0.1:<port>, RFC 7662 §2.

    `answers[token]` is the JSON object returned for `token` (anything else: {"active":false});
    `hits[token]` counts the calls; with `fail_status` set, every call gets that status instead
    (an issuer in trouble). Callers must authenticate as (`client_id`, `client_secret`) the way
    `auth` says: "client_secret_basic" (id and secret form-urlencoded inside Basic, RFC 6749
    §2.3.1), "client_secret_basic_raw" (a server that does not decode: the Basic bytes are
    compared as they are) or "client_secret_post"; anything else gets 401 and counts in
    `unauthorized`. `authorizations` and `bodies` keep what every call sent, as sent.
    """

    def __init__(self, client_id: str = "tokenwarden",
                 client_secret: str = "upstream-secret-0123456789abcdef",
                 auth: str = "client_secret_basic"):
        assert auth in ("client_secret_basic", "client_secret_basic_raw", "client_secret_post")
        self.client_id = client_id
        self.client_secret = client_secret
        self.auth = auth
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
                if not fake._authorized(self.headers.get("Authorization", ""), fields):
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

    def _authorized(self, header: str, fields: dict) -> bool:
        if self.auth == "client_secret_post":
            return (not header and fields.get("client_id") == [self.client_id]
                    and fields.get("client_secret") == [self.client_secret])
        return "client_secret" not in fields and basic_matches(
            header, self.client_id, self.client_secret,
            form_decode=self.auth == "client_secret_basic")

    def calls(self, token: str) -> int:
        with self.lock:
            return self.hits.get(token, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


