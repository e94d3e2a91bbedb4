"""Fixtures for the end-to-end suite against a real OpenID Provider (oidc-provider from npm).

The provider runs under Node on 127.0.0.1 over HTTPS with a CA and certificate made here; its
signing keys are RSA keys made here too, so a test can rotate them (the provider is restarted
on the same port with a new JWK Set; its file-backed store keeps the tokens it issued).
tokenwarden is $TOKENWARDEN_BIN, configured with `"discovery": true` against the provider.
Nothing is skipped: without Node or the provider's node_modules every test fails saying so.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
PROVIDER_DIR = HERE / "provider"
sys.path.insert(0, str(HERE.parent / "serve"))

from https_idp import make_tls  # noqa: E402  (tests/serve/https_idp.py)
from servekit import SLOW, Server, basic  # noqa: E402

JWT_API = "https://api.jwt.test"
OPAQUE_API = "https://api.opaque.test"
APP = ("app", "app-secret-0123456789abcdef0123456789")              # gets tokens
TW = ("tokenwarden", "tw-secret:with+odd chars/0123456789abcdef")  # introspects at the provider
GATEWAY = ("gateway", "gateway-secret-0123456789abcdef")            # calls tokenwarden
# Gets tokens bound to the TLS client certificate it presents (RFC 8705).
MTLS_APP = ("mtls-app", "mtls-app-secret-0123456789abcdef01234")


def b64u(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_private_jwk(kid: str) -> dict:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    n = key.private_numbers()
    pub = n.public_numbers
    return {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": b64u(pub.n),
            "e": b64u(pub.e), "d": b64u(n.d), "p": b64u(n.p), "q": b64u(n.q),
            "dp": b64u(n.dmp1), "dq": b64u(n.dmq1), "qi": b64u(n.iqmp)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_with(package: str) -> str:
    """The path of node, failing the test unless node and `package` (npm, in
    provider/node_modules) are installed."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/bootstrap", pytrace=False)
    if not (PROVIDER_DIR / "node_modules" / package).is_dir():
        pytest.fail(f"{package} is not installed: run scripts/bootstrap "
                    "(tests/live/provider/install)", pytrace=False)
    return node


class Provider:
    """oidc-provider on https://127.0.0.1:PORT; restartable on the same port with new keys."""

    def __init__(self, directory: Path, client_ca: Path | None = None,
                 relying_parties: list[dict] | None = None):
        self.node = node_with("oidc-provider")
        self.dir = directory
        self.client_ca = client_ca  # the CA of TLS client certificates, when a test has one
        # Clients that sign users in (provider.mjs: redirect_uris, backchannel_logout_uri, ...).
        self.relying_parties = relying_parties or []
        self.ca, self.cert, self.key = make_tls(directory)
        self.port = free_port()
        self.issuer = f"https://127.0.0.1:{self.port}"
        (directory / "store").mkdir()
        self.keys = [rsa_private_jwk("k1")]
        self.proc: subprocess.Popen | None = None
        self.log: list[str] = []
        self.ssl = ssl.create_default_context(cafile=str(self.ca))
        self.start()
        self.meta = self.get_json("/.well-known/openid-configuration")

    def start(self) -> None:
        (self.dir / "jwks.json").write_text(json.dumps({"keys": self.keys}))
        cfg = {"issuer": self.issuer, "port": self.port, "cert": str(self.cert),
               "key": str(self.key), "jwks": str(self.dir / "jwks.json"),
               "data_dir": str(self.dir / "store"), "access_token_ttl": 300,
               "clients": [{"client_id": APP[0], "client_secret": APP[1]},
                           {"client_id": TW[0], "client_secret": TW[1]},
                           {"client_id": MTLS_APP[0], "client_secret": MTLS_APP[1],
                            "mtls": True}, *self.relying_parties],
               # tokenwarden forwards /revoke of tokens other clients got (forward_revocations).
               "revokers": [TW[0]]}
        if self.client_ca is not None:
            cfg["client_ca"] = str(self.client_ca)
        (self.dir / "provider.json").write_text(json.dumps(cfg))
        self.proc = subprocess.Popen([self.node, str(PROVIDER_DIR / "provider.mjs"),
                                      str(self.dir / "provider.json")],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        ready = threading.Event()

        def pump(stream):
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace")
                self.log.append(line)
                if "provider: listening on" in line:
                    ready.set()
        threading.Thread(target=pump, args=(self.proc.stdout,), daemon=True).start()
        if not ready.wait(20):
            self.stop()
            raise AssertionError("oidc-provider did not start:\n" + "".join(self.log))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rotate(self, keys: list[dict]) -> None:
        """Restarts the provider signing with keys[0] and publishing all of `keys`."""
        self.stop()
        self.keys = keys
        self.start()

    # HTTP -----------------------------------------------------------------

    def call(self, method: str, path_or_url: str, data: dict | None = None,
             auth: tuple[str, str] | None = None) -> tuple[int, dict]:
        url = path_or_url if path_or_url.startswith("https://") else self.issuer + path_or_url
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        if auth is not None:
            name, value = basic(*auth)
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, context=self.ssl, timeout=10) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else {})
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, (json.loads(raw) if raw else {})

    def get_json(self, path: str) -> dict:
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body

    def token(self, resource: str) -> str:
        status, body = self.call("POST", self.meta["token_endpoint"],
                                 {"grant_type": "client_credentials", "scope": "read write",
                                  "resource": resource}, auth=APP)
        assert status == 200, body
        return body["access_token"]

    def introspect(self, token: str) -> dict:
        status, body = self.call("POST", self.meta["introspection_endpoint"], {"token": token},
                                 auth=TW)
        assert status == 200, body
        return body

    def revoke(self, token: str) -> None:
        status, body = self.call("POST", self.meta["revocation_endpoint"], {"token": token},
                                 auth=APP)
        assert status == 200, body


@pytest.fixture
def provider(tmp_path):
    p = Provider(tmp_path)
    yield p
    p.stop()


@pytest.fixture(scope="session")
def tokenwarden_bin() -> str:
    value = os.environ.get("TOKENWARDEN_BIN")
    if not value or not Path(value).is_file():
        pytest.fail(f"TOKENWARDEN_BIN={value!r} is not a built tokenwarden binary", pytrace=False)
    return value


@functools.cache  # a PBKDF2 hash costs time, and any one of them will do
def hash_secret(binary: str, secret: str) -> str:
    proc = subprocess.run([binary, "hash-secret"], input=secret.encode(), capture_output=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode().strip()


def tokenwarden_config(binary: str, provider: Provider, directory: Path,
                       keys: dict | None = None, **introspection) -> dict:
    """A configuration trusting `provider` (discovery, its CA) and the GATEWAY client; the
    introspection credentials go to directory/tw-secret.txt."""
    (directory / "tw-secret.txt").write_text(TW[1] + "\n")
    return {
        "listen": ["127.0.0.1:0"],
        "workers": 2,
        "issuers": [{
            "issuer": provider.issuer,
            "discovery": True,
            "audiences": [JWT_API, OPAQUE_API],
            "algorithms": ["RS256"],
            "fetch": {"ca_file": str(provider.ca)},
            "keys": {"min_refresh_seconds": 1, "unknown_kid_cooldown_seconds": 1,
                     "default_refresh_seconds": 300, **(keys or {})},
            "introspection": {"client_id": TW[0],
                              "client_secret_file": str(directory / "tw-secret.txt"),
                              "negative_ttl_seconds": 1, **introspection},
        }],
        "clients": [{"id": GATEWAY[0], "secret_hash": hash_secret(binary, GATEWAY[1])}],
    }


def start_tokenwarden(binary: str, config: dict, path: Path) -> Server:
    """Writes `config` to `path` and starts tokenwarden with it; returns it once ready."""
    path.write_text(json.dumps(config, indent=1))
    server = Server(binary, ["--config", str(path)])
    wait_ready(server)
    return server


def stop_all(servers: list[Server]) -> None:
    """Stops every server; fails the test with what any of them reported at exit."""
    problems = []
    for server in servers:
        try:
            server.stop()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("tokenwarden teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def tokenwarden(tokenwarden_bin, provider, tmp_path):
    """tokenwarden(**introspection_overrides) -> a started Server trusting the provider."""
    started: list[Server] = []

    def start(keys: dict | None = None, **introspection) -> Server:
        cfg = tokenwarden_config(tokenwarden_bin, provider, tmp_path, keys, **introspection)
        path = tmp_path / f"tokenwarden-{len(started)}.json"
        server = start_tokenwarden(tokenwarden_bin, cfg, path)
        started.append(server)
        return server

    yield start
    stop_all(started)


def wait_ready(server: Server, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout * SLOW
    while True:
        reply = server.get("/readyz")
        if reply.status == 200:
            return reply.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"/readyz not 200: {reply.body!r}\n{server.stderr}")
        time.sleep(0.1)
