"""A JWK Set served over HTTPS on loopback, for tests of issuers whose keys tokenwarden fetches.

* ``make_tls()``  -- a throwaway CA and a leaf certificate for 127.0.0.1 / localhost.
* ``JwksServer``  -- GET /jwks on https://127.0.0.1:<port> with the keys the test sets; records
                     when each fetch arrived; can go down (connection refused) and come back
                     on the same port.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a leaf for 127.0.0.1/localhost; returns (ca.pem, cert.pem, key.pem)."""
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
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


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
