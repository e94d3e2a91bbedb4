"""Fixtures for the black-box `tokenwarden verify` suite.

The binary comes from $TOKENWARDEN_BIN (e.g. build/debug/server/tokenwarden).
Nothing is skipped: when the variable is unset or the file is missing, every
test that runs the binary errors with a message saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import twkit  # noqa: E402
from twkit import NOW, KeyRing, TKey  # noqa: E402,F401


@pytest.fixture(scope="session")
def tokenwarden_bin() -> str:
    value = os.environ.get("TOKENWARDEN_BIN")
    if not value:
        pytest.fail("TOKENWARDEN_BIN is not set: export TOKENWARDEN_BIN=/path/to/tokenwarden "
                    "(e.g. build/debug/server/tokenwarden) to run the CLI suite", pytrace=False)
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        pytest.fail(f"TOKENWARDEN_BIN={value!r}: no such file ({path}); build the binary first", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"TOKENWARDEN_BIN={value!r}: {path} is not executable", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def run_verify(tokenwarden_bin):
    """run_verify(args, token=None, stdin=None) -> Result(code, json|None, stdout, stderr).

    Runs `tokenwarden verify ARGS [TOKEN]` with ARGS verbatim (no --now added).
    """
    def _run(args: Sequence[Any], token: Any = None, stdin: Any = None, timeout: float = 30):
        return twkit.run_binary(tokenwarden_bin, [str(a) if isinstance(a, Path) else a for a in args],
                                token=token, stdin=stdin, timeout=timeout)
    return _run


@pytest.fixture(scope="session")
def keys() -> KeyRing:
    return KeyRing()


class KeyFiles:
    """Content-addressed key files in a session temp dir."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def write(self, content: bytes | str, suffix: str = ".txt") -> Path:
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = self.dir / (hashlib.sha256(data).hexdigest()[:24] + suffix)
        if not path.exists():
            path.write_bytes(data)
        return path

    def write_json(self, obj: Any, suffix: str = ".json") -> Path:
        return self.write(json.dumps(obj, indent=1), suffix)

    def pem(self, key: TKey) -> Path:
        return self.write(key.pem(), ".pem")

    def jwk(self, key: TKey | dict, **extra: Any) -> Path:
        d = key if isinstance(key, dict) else key.jwk(**extra)
        return self.write_json(d, ".jwk.json")

    def jwks(self, items: Iterable[TKey | dict]) -> Path:
        return self.write_json({"keys": [i if isinstance(i, dict) else i.jwk() for i in items]}, ".jwks.json")

    def for_key(self, key: TKey) -> Path:
        """--key file: PEM for asymmetric keys, JWK for oct."""
        return self.jwk(key) if key.kty == "oct" else self.pem(key)


@pytest.fixture(scope="session")
def kfiles(tmp_path_factory) -> KeyFiles:
    return KeyFiles(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def verify(run_verify, kfiles):
    """verify(token, key=..., jwks=..., args=(), now=NOW, stdin=None) -> Result.

    key: TKey (PEM, or JWK for oct), JWK dict, or a path.
    jwks: list of TKey/JWK dicts, a JWK Set dict, or a path.
    --now is always passed (now=NOW unless given).
    """
    def _verify(token: Any = None, *, key: Any = None, jwks: Any = None, args: Sequence[Any] = (),
                now: int | None = NOW, stdin: Any = None):
        argv: list[Any] = []
        if key is not None:
            if isinstance(key, TKey):
                path = kfiles.for_key(key)
            elif isinstance(key, dict):
                path = kfiles.jwk(key)
            else:
                path = key
            argv += ["--key", str(path)]
        if jwks is not None:
            if isinstance(jwks, (list, tuple)):
                path = kfiles.jwks(jwks)
            elif isinstance(jwks, dict):
                path = kfiles.write_json(jwks)
            else:
                path = jwks
            argv += ["--jwks", str(path)]
        if now is not None:
            argv += ["--now", str(now)]
        argv += [str(a) if isinstance(a, Path) else a for a in args]
        return run_verify(argv, token=token, stdin=stdin)
    return _verify
