"""DPoP (RFC 9449): proof verification, the replay cache, JWK thumbprints and ``ath``.

Every check is the core's (core/dpop.h), the same the tokenwarden server runs; this module
checks and converts the arguments.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Mapping, NamedTuple, Optional, Sequence, Union

from . import _native
from ._errors import DpopReplayCacheFullError

_Seconds = Union[int, float, _dt.timedelta]


class DpopProof(NamedTuple):
    """A verified proof. ``jkt`` is its key's RFC 7638 thumbprint (compare it with the
    token's ``cnf.jkt``), ``jti`` its identifier, ``iat`` its time (whole Unix seconds),
    ``alg`` its signature algorithm and ``nonce`` its ``nonce`` (None without one), for a
    service that judges its own nonces rather than pass the one it expects."""

    jkt: str
    jti: str
    iat: int
    alg: str
    nonce: Optional[str] = None


class DpopReplayCache(_native.DpopReplayCache):
    """Remembers accepted proofs until they are too old to pass anyway, so that each proof
    is accepted once (``dpop_proof_replayed`` after). At most ``capacity`` proofs: when it is
    full of proofs still inside their window, verify_dpop_proof raises
    DpopReplayCacheFullError rather than forget one that could then be replayed. Local to this process. Thread-safe: share
    one between threads."""

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int):
            raise TypeError("capacity must be an int")
        super().__init__(float(capacity))


def _text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8")
    raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")


def _seconds(value: _Seconds, name: str) -> float:
    """Whole seconds (an int, a float without fraction, or a timedelta); the core checks the
    range and refuses a fraction."""
    if isinstance(value, _dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be seconds (int) or a timedelta")
    return float(value)


def verify_dpop_proof(proof: Union[str, bytes], *, method: str, url: str,
                      access_token: Optional[str] = None, nonce: Optional[str] = None,
                      now: Optional[Union[int, float]] = None,
                      algorithms: Optional[Sequence[str]] = None, max_age: _Seconds = 60,
                      max_future: _Seconds = 60, leeway: _Seconds = 0,
                      replay_cache: Optional[DpopReplayCache] = None) -> DpopProof:
    """Verify the DPoP proof (the ``DPoP`` header's value) of one request.

    Args:
        proof: the proof JWT.
        method: the request's HTTP method (``htm`` must equal it, case-sensitive).
        url: the request's absolute URL (``htu`` must equal it after RFC 3986
            normalisation; query and fragment ignored).
        access_token: the access token presented with the proof (``Authorization: DPoP
            <token>``): ``ath`` must be its hash. None for a proof sent without a token
            (a token request).
        nonce: the nonce the server expects (``use_dpop_nonce`` when the proof lacks it).
        now: Unix seconds; default the clock.
        algorithms: the allowed ``alg`` names; default every asymmetric one.
        max_age, max_future, leeway: the ``iat`` window, whole seconds (0 to 86400).
        replay_cache: a DpopReplayCache: a proof already accepted with it is refused with
            ``dpop_proof_replayed``. A proof refused for any other reason is not remembered.

    Returns a DpopProof. Raises InvalidDpopProofError, UseDpopNonceError or
    DpopProofReplayedError (DpopProofError subclasses, with ``code`` and ``detail``),
    ValueError for an argument out of range, DpopReplayCacheFullError when the replay cache
    is full.
    """
    if access_token is not None:
        access_token = _text(access_token, "access_token")
        if not access_token:
            raise ValueError("access_token is empty: pass the token, or None for a proof "
                             "sent without one")
    if nonce is not None:
        nonce = _text(nonce, "nonce")
    if now is not None and (isinstance(now, bool) or not isinstance(now, (int, float))):
        raise TypeError("now must be Unix seconds (int or float)")
    if algorithms is not None:
        if isinstance(algorithms, str):
            algorithms = [algorithms]
        algorithms = list(algorithms)
        if not all(isinstance(a, str) for a in algorithms):
            raise TypeError("algorithms must be a string or a sequence of strings")
    if replay_cache is not None and not isinstance(replay_cache, _native.DpopReplayCache):
        raise TypeError("replay_cache must be a tokenwarden.DpopReplayCache")
    args = (_text(proof, "proof"), _text(method, "method"), _text(url, "url"), access_token,
            nonce, None if now is None else float(now), algorithms, _seconds(max_age, "max_age"),
            _seconds(max_future, "max_future"), _seconds(leeway, "leeway"), replay_cache)
    try:
        return DpopProof(*_native.verify_dpop_proof(*args))
    except OverflowError as e:  # the only one it raises: the replay cache is full
        raise DpopReplayCacheFullError(str(e)) from None


def jwk_thumbprint(jwk: Union[str, bytes, Mapping[str, Any]]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK (dict or JSON text), base64url: what a
    DPoP-bound token's ``cnf.jkt`` holds. Raises ValueError for a JWK without one."""
    if isinstance(jwk, Mapping):
        text = json.dumps(dict(jwk))
    else:
        text = _text(jwk, "jwk")
    return _native.jwk_thumbprint(text)


def access_token_hash(token: Union[str, bytes]) -> str:
    """A proof's ``ath`` for ``token``: base64url(SHA-256(token)) (RFC 9449 section 4.2)."""
    return _native.access_token_hash(_text(token, "token"))
