"""The differential's cases: valid tokens for each algorithm PyJWT and tokenwarden both
implement, and mutations of them, each with the decode arguments both libraries get.

Deterministic for a seed: keys are derived from it (derived_keys.py), every choice is the
seeded generator's, and each case carries the frozen time (``now``) both libraries' clocks
read.
Every case has a ``category``: the id the allow-list (allow.json) names when the libraries
disagree on it."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import random
from typing import Any, Dict, Iterator, List, Optional, Union

import jwt as pyjwt

from derived_keys import make_keys, public_pem

HMAC = ("HS256", "HS384", "HS512")
ALGORITHMS = HMAC + ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                     "ES512", "EdDSA")
# Frozen clocks: 2026-01-01T00:00:00Z plus three fractions, so truncation shows either way.
BASE = 1767225600
NOWS = (BASE + 0.0, BASE + 0.25, BASE + 0.75)
AUDIENCE = "api://orders"
ISSUER = "https://issuer.example"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclasses.dataclass
class Case:
    category: str
    token: Any
    key: Any                      # the verification key, or module -> key
    kwargs: Dict[str, Any]
    now: float = NOWS[1]
    complete: bool = False        # decode_complete (header and signature compared too)

    def key_for(self, module: Any) -> Any:
        return self.key(module) if callable(self.key) else self.key


class Generator:
    """Builds the cases for one seed; ``cases()`` yields them in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.private = make_keys(seed)
        self.pem = {alg: public_pem(k) for alg, k in self.private.items()
                    if not isinstance(k, bytes)}

    # -- tokens -----------------------------------------------------------------------
    def verify_key(self, alg: str) -> Any:
        return self.private[alg] if alg in HMAC else self.pem[alg]

    def sign(self, alg: str, signing_input: bytes, key: Any = None) -> bytes:
        algorithm = pyjwt.get_algorithm_by_name(alg)
        return algorithm.sign(signing_input, self.private[alg] if key is None else key)

    def token(self, alg: str, payload: Union[Dict[str, Any], bytes],
              header: Union[None, Dict[str, Any], bytes] = None,
              sign_as: Optional[str] = None) -> str:
        """A compact JWS of `payload` (a dict, or raw bytes), signed for `alg` (or
        `sign_as`, with the header still naming `alg`)."""
        if header is None:
            header = {"alg": alg, "typ": "JWT"}
        head = header if isinstance(header, bytes) else dumps(header)
        body = payload if isinstance(payload, bytes) else dumps(payload)
        signing_input = f"{b64(head)}.{b64(body)}"
        signature = self.sign(sign_as or alg, signing_input.encode("ascii"))
        return f"{signing_input}.{b64(signature)}"

    def claims(self, now: float, **changes: Any) -> Dict[str, Any]:
        base = {"iss": ISSUER, "sub": "user-1", "aud": AUDIENCE, "iat": int(now) - 60,
                "nbf": int(now) - 60, "exp": int(now) + 600, "jti": f"j{self.rng.random()}"}
        base.update(changes)
        return {k: v for k, v in base.items() if v is not _ABSENT}

    def pick(self, seq: List[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    # -- the cases --------------------------------------------------------------------
    def cases(self) -> Iterator[Case]:
        from categories import ALL  # the category builders, one function each

        index = 0
        for build in ALL:
            for case in build(self):
                # One case in five through decode_complete, the rest through decode.
                case.complete = index % 5 == 0
                index += 1
                yield case


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


_ABSENT = _Absent()
ABSENT = _ABSENT


def decode_kwargs(alg: Union[str, List[str]], **extra: Any) -> Dict[str, Any]:
    out: Dict[str, Any] = {"algorithms": [alg] if isinstance(alg, str) else list(alg)}
    out.update(extra)
    return out


def leeways() -> List[Any]:
    return [0, 0.5, 1, 1.5, 2, 10, dt.timedelta(seconds=1.5)]
