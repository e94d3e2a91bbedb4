"""The client side of tests/live/test_sender_constrained.py; no fixtures.

* ``DpopClient``      -- provider/dpop_client.mjs as a child process: DPoP keys, tokens from the
                         provider's token endpoint and proofs, all made by panva's `dpop`
                         package from npm (so no proof here comes from tokenwarden's own code).
* ``make_client_pki`` -- a client CA and client certificates it signed, for mutual TLS.
* ``https_request``   -- one HTTPS request (optionally with a client certificate and another
                         Host), answered as a servekit Reply.
"""

from __future__ import annotations

import datetime
import http.client
import json
import queue
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import PROVIDER_DIR, node_with
from servekit import SLOW, Reply


class DpopClient:
    """provider/dpop_client.mjs: one JSON request per line in, one answer per line out."""

    def __init__(self, directory: Path, ca: list[Path]):
        node = node_with("dpop")
        config = directory / "dpop-client.json"
        config.write_text(json.dumps({"ca": [str(p) for p in ca]}))
        self.proc = subprocess.Popen([node, str(PROVIDER_DIR / "dpop_client.mjs"), str(config)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.answers: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.answers.put),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.errors.append),
                         daemon=True).start()

    @staticmethod
    def _pump(stream, sink) -> None:
        for line in iter(stream.readline, ""):
            sink(line)

    def ask(self, op: str, **fields) -> dict:
        """Sends one request (fields that are None left out) and returns its answer."""
        fields = {k: v for k, v in fields.items() if v is not None}
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        try:
            line = self.answers.get(timeout=20 * SLOW)
        except queue.Empty:
            raise AssertionError(f"dpop_client.mjs did not answer {op}:\n{''.join(self.errors)}")
        answer = json.loads(line)
        assert answer.pop("ok"), f"dpop_client.mjs {op}: {answer['error']}"
        return answer

    def key(self, alg: str = "ES256") -> tuple[str, str]:
        """A new key pair in the client; returns (its name, its RFC 7638 thumbprint)."""
        answer = self.ask("key", alg=alg)
        return answer["key"], answer["jkt"]

    def token(self, provider, resource: str, client: tuple[str, str], key: str | None = None,
              cert: tuple[Path, Path] | None = None) -> dict:
        """client_credentials at the provider: DPoP-bound with `key`, certificate-bound when
        the TLS connection presents `cert` (certificate, private key). Returns the JSON answer
        with "nonces", how many use_dpop_nonce answers the client retried after."""
        answer = self.ask("token", url=provider.meta["token_endpoint"], client_id=client[0],
                          client_secret=client[1],
                          form={"grant_type": "client_credentials", "scope": "read write",
                                "resource": resource},
                          key=key, cert=str(cert[0]) if cert else None,
                          cert_key=str(cert[1]) if cert else None)
        assert answer["status"] == 200, answer
        return {**answer["body"], "nonces": answer["nonces"]}

    def proof(self, key: str, htm: str, htu: str, access_token: str | None = None,
              nonce: str | None = None, clock_offset_seconds: int = 0) -> str:
        return self.ask("proof", key=key, htm=htm, htu=htu, access_token=access_token,
                        nonce=nonce, clock_offset_seconds=clock_offset_seconds)["proof"]

    def call(self, key: str, method: str, url: str, access_token: str) -> list[Reply]:
        """A resource request with the DPoP scheme, retried once with the server's nonce after
        a use_dpop_nonce challenge (the client's logic, RFC 9449 §9); returns every answer."""
        answer = self.ask("call", key=key, method=method, url=url, access_token=access_token)
        return [Reply(a["status"], "", [tuple(h) for h in a["headers"]], a["body"].encode())
                for a in answer["attempts"]]

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_client_pki(directory: Path,
                    names: Iterable[str]) -> tuple[Path, dict[str, tuple[Path, Path]]]:
    """A client CA and, for each of `names`, a client certificate it signed; returns
    (ca.pem, {name: (cert.pem, key.pem)})."""
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("tokenwarden e2e client CA"))
          .issuer_name(_name("tokenwarden e2e client CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(valid[0]).not_valid_after(valid[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_pem = directory / "client-ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out = {}
    for name in names:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(valid[0]).not_valid_after(valid[1])
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        cert_pem, key_pem = directory / f"{name}.pem", directory / f"{name}.key"
        cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        out[name] = (cert_pem, key_pem)
    return ca_pem, out


def https_request(base: str, method: str, path: str, headers: Iterable[tuple[str, str]] = (),
                  ca: Path | None = None, cert: tuple[Path, Path] | None = None,
                  host: str | None = None, timeout: float = 10.0) -> Reply:
    """One request on a fresh TLS connection to `base` (https://127.0.0.1:PORT), trusting `ca`,
    presenting `cert` when given; `host` replaces the Host header (and the TLS server name)."""
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    address = base.removeprefix("https://")
    hostname, port = address.rsplit(":", 1)
    if host is not None:
        ctx.check_hostname = False  # the certificate names 127.0.0.1, the Host header another
    conn = http.client.HTTPSConnection(hostname, int(port), context=ctx, timeout=timeout * SLOW)
    try:
        conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return Reply(resp.status, resp.reason, resp.getheaders(), resp.read())
    finally:
        conn.close()
