"""Fixtures for the black-box `tokenwarden serve` suite: HTTP on loopback against the real binary.

The binary comes from $TOKENWARDEN_BIN (e.g. build/debug/server/tokenwarden). Nothing is
skipped: when the variable is unset or the file is missing, every test errors saying so.

Two issuers with different keys and algorithms:
  A  https://issuer-a.test  RSA 2048 (RS256, kid a-1), audiences api-a / api-shared
  B  https://issuer-b.test  P-256 (ES256, kid b-1),    audiences api-b / api-shared
Tokens are minted with tests/cli/twkit.py (PyJWT / cryptography) at the real current time:
the server reads the wall clock.
"""

from __future__ import annotations

import copy
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "cli"))

import twkit  # noqa: E402  (tests/cli/twkit.py)
from servekit import ISS_A, ISS_B, Server, basic  # noqa: E402



@dataclass
class Client:
    id: str
    secret: str
    hash: str


class World:
    """Keys, JWK Set files, client secrets and their stored hashes, token minting, configs."""

    def __init__(self, binary: str, directory: Path):
        self.bin = binary
        self.dir = directory
        self.key_a = twkit.gen_rsa("a", 2048, "a-1")
        self.key_a2 = twkit.gen_rsa("a2", 2048, "a-2")  # a rotation of issuer A
        self.key_b = twkit.gen_ec("b", "P-256", "b-1")
        self.jwks_a = self.write_jwks("a.jwks.json", [self.key_a])
        self.jwks_a2 = self.write_jwks("a2.jwks.json", [self.key_a2])
        self.jwks_b = self.write_jwks("b.jwks.json", [self.key_b])
        self.clients = {
            "gateway": self.client("gateway", "gateway-secret-0123456789abcdef"),
            "tenant-a": self.client("tenant-a", "tenant-a-secret-0123456789abcdef"),
            "shared-aud": self.client("shared-aud", "shared-aud-secret-0123456789abc"),
            # RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic credentials.
            "odd": self.client("odd+client%id", "p+ss:w%rd/\u00fc &=x-0123456789"),
            "human": self.client("human", "correct horse battery", iterations=10000),
        }

    def write_jwks(self, name: str, keys) -> Path:
        path = self.dir / name
        path.write_text(json.dumps({"keys": [k.jwk() for k in keys]}))
        return path

    def hash_secret(self, secret: str, iterations: int | None = None) -> str:
        argv = [self.bin, "hash-secret"]
        if iterations is not None:
            argv += ["--pbkdf2-iterations", str(iterations)]
        proc = subprocess.run(argv, input=secret.encode("utf-8"), capture_output=True, timeout=30)
        assert proc.returncode == 0, f"hash-secret failed: {proc.stderr!r}"
        return proc.stdout.decode().strip()

    def client(self, cid: str, secret: str, iterations: int | None = None) -> Client:
        return Client(cid, secret, self.hash_secret(secret, iterations))

    def auth(self, name: str = "gateway") -> tuple[str, str]:
        """Authorization: Basic for a configured client."""
        c = self.clients[name]
        return basic(c.id, c.secret)

    # Tokens -------------------------------------------------------------------

    def claims(self, issuer: str = "a", **claims: Any) -> dict:
        now = int(time.time())
        base = {
            "iss": ISS_A if issuer == "a" else ISS_B,
            "sub": "alice" if issuer == "a" else "bob",
            "aud": "api-a" if issuer == "a" else "api-b",
            "exp": now + 600,
            "iat": now - 5,
            "nbf": now - 5,
            "jti": secrets.token_hex(8),
            "scope": "read write",
            "client_id": "app-a" if issuer == "a" else "app-b",
        }
        base.update(claims)
        return {k: v for k, v in base.items() if v is not None}

    def token(self, issuer: str = "a", *, key: Any = None, alg: str | None = None,
              kid: Any = True, headers: dict | None = None, **claims: Any) -> str:
        """A token of issuer 'a' (RS256) or 'b' (ES256); claims=None drops a default claim."""
        key = key or (self.key_a if issuer == "a" else self.key_b)
        alg = alg or ("RS256" if key.kty == "RSA" else "ES256")
        return twkit.mint(alg, key, self.claims(issuer, **claims), headers=headers, kid=kid)

    # Configuration ------------------------------------------------------------

    def config(self, **top: Any) -> dict:
        """The base configuration; keyword arguments replace top-level fields."""
        cfg = {
            "listen": ["127.0.0.1:0"],
            "workers": 2,
            "issuers": [
                {
                    "issuer": ISS_A,
                    "jwks_file": str(self.jwks_a),
                    "audiences": ["api-a", "api-shared"],
                    # ES256 too: only key-set isolation may stop issuer B's key verifying an
                    # issuer A token, not the allow-list.
                    "algorithms": ["RS256", "ES256"],
                    "route_scopes": [
                        {"path_prefix": "/admin", "scopes": ["admin"]},
                        {"method": "POST", "path_prefix": "/orders", "scopes": ["orders:write"]},
                    ],
                },
                {
                    "issuer": ISS_B,
                    "jwks_file": str(self.jwks_b),
                    "audiences": ["api-b", "api-shared"],
                    "algorithms": ["ES256", "RS256"],
                },
            ],
            "clients": [
                {"id": "gateway", "secret_hash": self.clients["gateway"].hash},
                {"id": "tenant-a", "secret_hash": self.clients["tenant-a"].hash, "issuers": [ISS_A]},
                {"id": "shared-aud", "secret_hash": self.clients["shared-aud"].hash,
                 "audiences": ["api-shared"]},
                {"id": self.clients["odd"].id, "secret_hash": self.clients["odd"].hash},
                {"id": "human", "secret_hash": self.clients["human"].hash},
            ],
            "bearer_callers": {"issuers": [ISS_B], "scopes": ["introspect"]},
            "denylist": {"log": "revocations.log"},
            "limits": {"drain_timeout_ms": 3000},
        }
        cfg.update(copy.deepcopy(top))
        return cfg


@pytest.fixture(scope="session")
def tokenwarden_bin() -> str:
    value = os.environ.get("TOKENWARDEN_BIN")
    if not value:
        pytest.fail("TOKENWARDEN_BIN is not set: export TOKENWARDEN_BIN=/path/to/tokenwarden "
                    "(e.g. build/debug/server/tokenwarden) to run the server suite", pytrace=False)
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        pytest.fail(f"TOKENWARDEN_BIN={value!r}: no such file ({path}); build the binary first",
                    pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"TOKENWARDEN_BIN={value!r}: {path} is not executable", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def world(tokenwarden_bin, tmp_path_factory) -> World:
    return World(tokenwarden_bin, tmp_path_factory.mktemp("world"))


class Servers:
    """Starts servers whose configuration lives in `dir`; stops them all at teardown."""

    def __init__(self, binary: str, directory: Path):
        self.bin = binary
        self.dir = directory
        self.started: list[Server] = []

    def write(self, cfg: dict, name: str = "tokenwarden.json") -> Path:
        path = self.dir / name
        path.write_text(json.dumps(cfg, indent=1))
        return path

    def __call__(self, cfg: dict | None = None, *, args: tuple = (), name: str = "tokenwarden.json",
                 wait: bool = True, env: dict | None = None, umask: int = -1) -> Server:
        argv = list(args)
        if cfg is not None:
            argv = ["--config", str(self.write(cfg, name)), *argv]
        server = Server(self.bin, argv, env=env, wait=False, umask=umask)
        self.started.append(server)
        if wait:
            m = server.wait_for_stderr(r"tokenwarden: listening on (http://\S+)", timeout=10)
            server.base = m.group(1)
        return server

    def teardown(self) -> None:
        problems = []
        for server in self.started:
            if server.running():
                try:
                    server.stop(timeout=10)
                except AssertionError as e:  # a crash, a hang or a sanitizer report at exit
                    problems.append(str(e))
                finally:
                    server.kill()
        if problems:
            pytest.fail("server teardown: " + "\n".join(problems), pytrace=False)


@pytest.fixture
def serve(tokenwarden_bin, tmp_path):
    """serve(cfg_dict=None, args=(), name=..., wait=True) -> Server (config written to tmp_path)."""
    servers = Servers(tokenwarden_bin, tmp_path)
    yield servers
    servers.teardown()


@pytest.fixture(scope="module")
def shared(tokenwarden_bin, tmp_path_factory, world):
    """One server with the base configuration for a whole module's read-only tests."""
    servers = Servers(tokenwarden_bin, tmp_path_factory.mktemp("shared"))
    server = servers(world.config())
    yield server
    servers.teardown()
