"""An OpenID Provider stand-in over HTTPS on loopback, for tests of live issuers.

* ``make_tls()`` -- a throwaway CA and a leaf certificate for 127.0.0.1 / localhost (also used
                    by tests/live, whose real provider needs the same files).
* ``HttpsIdp``   -- https://127.0.0.1:PORT serving a discovery document, a JWK Set and an
                    RFC 7662 introspection endpoint, each scriptable by the test.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fake_introspection import basic_matches, send_json


def make_tls(directory: Path, hosts: tuple[str, ...] = ("localhost",)) -> tuple[Path, Path, Path]:
    """A test CA and a leaf for 127.0.0.1 and `hosts`; returns (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tokenwarden e2e CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [*(x509.DNSName(h) for h in hosts),
                 x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_pem, cert_pem, key_pem = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


class TlsHandler(http.server.BaseHTTPRequestHandler):
    """A request handler for a server socket wrapped by `serve_tls`; never logs requests."""

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # The handshake runs here, on the handler's thread, so a client that refuses the
        # certificate (or never speaks) stalls no one else.
        self.request.settimeout(10)
        self.request.do_handshake()
        super().setup()

    def log_message(self, *args) -> None:  # never print tokens or credentials
        pass


def serve_tls(handler: type, cert: Path, key: Path):
    """Serves `handler` over TLS on 127.0.0.1:0 on a daemon thread; returns (httpd, thread)."""

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            pass  # a client refusing our certificate is what some tests want

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = Server(("127.0.0.1", 0), handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True,
                                       do_handshake_on_connect=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


class HttpsIdp:
    """GET /.well-known/openid-configuration, GET /jwks, POST /introspect on
    https://127.0.0.1:PORT, with the leaf of `make_tls(directory)` (its CA is `self.ca`).

    `discovery` and `jwks` are the documents served (the test may replace them; `discovery`
    None answers 404). The introspection endpoint wants client_secret_basic as
    (`client_id`, `client_secret`), id and secret form-urlencoded (RFC 6749 §2.3.1): anything
    else is 401 and counts in `refused`; accepted calls append their token to `tokens` and get
    `answers.get(token, {"active": False})`.
    """

    def __init__(self, directory: Path, jwks: dict, client_id: str = "tokenwarden",
                 client_secret: str = "idp-secret-0123456789abcdef"):
        self.ca, cert, key = make_tls(directory)
        self.client_id = client_id
        self.client_secret = client_secret
        self.jwks = jwks
        self.answers: dict[str, dict] = {}
        self.tokens: list[str] = []
        self.refused = 0
        self.hits = 0  # requests of any kind
        self.lock = threading.Lock()
        idp = self

        class Handler(TlsHandler):
            def do_GET(self) -> None:
                with idp.lock:
                    idp.hits += 1
                if self.path == "/.well-known/openid-configuration" and idp.discovery is not None:
                    return self._send(200, idp.discovery)
                if self.path == "/jwks":
                    return self._send(200, idp.jwks)
                self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                with idp.lock:
                    idp.hits += 1
                length = int(self.headers.get("Content-Length", "0"))
                fields = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
                if self.path != "/introspect":
                    return self._send(404, {"error": "not_found"})
                if not basic_matches(self.headers.get("Authorization", ""), idp.client_id,
                                     idp.client_secret):
                    with idp.lock:
                        idp.refused += 1
                    return self._send(401, {"error": "invalid_client"})
                token = fields.get("token", [""])[0]
                with idp.lock:
                    idp.tokens.append(token)
                    answer = idp.answers.get(token, {"active": False})
                self._send(200, answer)

            def _send(self, status: int, obj: dict) -> None:
                send_json(self, status, obj)

        self.httpd, self.thread = serve_tls(Handler, cert, key)
        self.port = self.httpd.server_address[1]
        self.issuer = f"https://127.0.0.1:{self.port}"
        self.discovery: dict | None = {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/jwks",
            "introspection_endpoint": f"{self.issuer}/introspect",
        }

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
