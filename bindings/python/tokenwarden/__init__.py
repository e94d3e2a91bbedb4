"""tokenwarden: JWT validation on tokenwarden's C++ core.

    import tokenwarden
    v = tokenwarden.Validator(jwks=jwks_json, issuer="https://issuer.example",
                              audience="api", algorithms=["RS256"])
    claims = v.validate(token)          # dict, or raises tokenwarden.InvalidTokenError
    claims.code                          # (on the exception) "expired", "invalid_signature", ...

Every check is the core's (the same code as the tokenwarden server and CLI); a verification
that may check a public-key signature runs with the GIL released (an HMAC one, about a
microsecond, keeps it). For a PyJWT-compatible API, see ``tokenwarden.jwt``; for DPoP proofs
(RFC 9449), ``verify_dpop_proof`` and ``DpopReplayCache``.
"""

from __future__ import annotations

import datetime as _dt
import math as _math
from typing import Any, Iterable, List, Optional, Sequence, Union

from . import _native
from ._errors import *  # noqa: F401,F403 - the exception classes are public
from ._errors import ERROR_CLASSES, InvalidTokenError, _make_error
from ._dpop import (DpopProof, DpopReplayCache, access_token_hash, jwk_thumbprint,
                    verify_dpop_proof)
from ._keys import key_text as _key_text

__version__ = "0.1.0"

_native._set_error_factory(_make_error)

#: Default bound on a compact token, as in the core (16 KiB).
DEFAULT_MAX_TOKEN_BYTES = 16384

#: The ``alg`` names the core implements (``algorithms`` may name only these).
ALGORITHMS = _native.ALGORITHMS


def _strings(value: Union[None, str, Iterable[str]], name: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    out = list(value)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"{name} must be a string or a sequence of strings")
    return out


def _leeway_seconds(leeway: Union[int, float, _dt.timedelta]) -> float:
    """Seconds with their fraction (a timedelta too, as PyJWT takes it): the core compares
    NumericDates, the time and the leeway as doubles, so leeway=1.5 stays 1.5."""
    if isinstance(leeway, _dt.timedelta):
        leeway = leeway.total_seconds()
    if isinstance(leeway, bool) or not isinstance(leeway, (int, float)):
        raise TypeError("leeway must be seconds (int, float) or a timedelta")
    if not leeway >= 0 or not _math.isfinite(leeway):
        raise ValueError("leeway must be a finite, non-negative number of seconds")
    return float(leeway)


class Validator(_native.Validator):
    """Validates compact JWS tokens against one key set and policy.

    Args:
        jwks: the keys: a JWK Set or one JWK (dict or JSON text), a PEM public key, or a
            ``cryptography`` key object.
        issuer: ``iss`` must equal it exactly.
        audience: ``aud`` must contain it (or one of them, for a sequence).
        algorithms: the allow-list, e.g. ``["RS256"]``; empty or None allows every
            algorithm the keys can verify (``none`` never).
        leeway: clock skew allowed on exp, nbf and iat (seconds or timedelta; fractions
            count).
        typ: the required ``typ`` header, e.g. ``"at+jwt"`` (RFC 9068).
        required_claims: claims that must be present.
        scopes: scopes that ``scope`` / ``scp`` must grant.
        require_exp: reject tokens without ``exp`` (default True).
        cache: keep verified tokens (True: 16384 entries; an int: that many; False/0: off).
            A cache hit re-checks time claims and revocation.
        max_token_bytes: larger tokens fail as ``token_too_large``.
        check_binding: judge every token's ``cnf`` binding (RFC 9449 DPoP ``jkt``, RFC 8705
            ``x5t#S256``) against what each ``validate`` call presents (``dpop_jkt``: the
            jkt of the request's verified DPoP proof; ``certificate_thumbprint``: its client
            certificate's x5t#S256): a bound token without them fails with
            ``proof_of_possession_required``. Off (the default), a call judges the binding only
            when it presents one of them, and a bound token otherwise passes as a bearer token.
        dpop_required: accept DPoP-bound tokens only (implies check_binding).

    Thread-safe: share one Validator between threads.
    """

    def __init__(self, jwks: Any, *, issuer: Optional[str] = None,
                 audience: Union[None, str, Sequence[str]] = None,
                 algorithms: Optional[Sequence[str]] = None,
                 leeway: Union[int, float, _dt.timedelta] = 0, typ: Optional[str] = None,
                 required_claims: Optional[Sequence[str]] = None,
                 scopes: Optional[Sequence[str]] = None, require_exp: bool = True,
                 cache: Union[bool, int] = True,
                 max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES, check_binding: bool = False,
                 dpop_required: bool = False, _check_exp: bool = True, _check_nbf: bool = True,
                 _check_iat: bool = True) -> None:
        if cache is True:
            entries = 16384
        elif cache is False:
            entries = 0
        elif isinstance(cache, int) and cache >= 0:
            entries = cache
        else:
            raise ValueError("cache must be True, False or a number of entries")
        super().__init__(
            _key_text(jwks), issuer, _strings(audience, "audience"),
            _strings(algorithms, "algorithms"), _leeway_seconds(leeway), typ,
            _strings(required_claims, "required_claims"), _strings(scopes, "scopes"),
            bool(require_exp), bool(_check_exp), bool(_check_nbf), bool(_check_iat), entries,
            int(max_token_bytes), bool(check_binding), bool(dpop_required))

    def update_keys(self, jwks: Any) -> None:
        """Replace the key set (a rotation). In-flight validations finish on the old keys;
        cached verdicts of the old keys stop serving. Raises ValueError for unusable keys
        (the old set stays)."""
        self._update_keys(_key_text(jwks))


__all__ = ["Validator", "DEFAULT_MAX_TOKEN_BYTES", "ERROR_CLASSES", "ALGORITHMS",
           "verify_dpop_proof", "DpopProof", "DpopReplayCache", "jwk_thumbprint",
           "access_token_hash"] + [
    name for name in dir() if name.endswith("Error")]
