"""The verifying path under PyJWT's decode functions (api_jwt.py), and get_unverified_header.

Each distinct (key, algorithms, claim options) gets one core Validator, kept in a small LRU,
so repeated decodes cost one native call (and hit the verified-token cache when the token
repeats)."""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import json
import math
import threading
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .. import ALGORITHMS, Validator, _leeway_seconds
from .. import _errors as tw
from .._keys import key_text
from . import exceptions as ex
from .api_jwk import PyJWK

DEFAULT_OPTIONS = {
    "verify_signature": True, "verify_exp": True, "verify_nbf": True, "verify_iat": True,
    "verify_aud": True, "verify_iss": True, "verify_sub": True, "verify_jti": True,
    "require": [], "strict_aud": False, "enforce_minimum_key_length": False,
}
_CLAIM_CHECKS = ("verify_exp", "verify_nbf", "verify_iat", "verify_aud", "verify_iss",
                 "verify_sub", "verify_jti")
_HMAC = ("HS256", "HS384", "HS512")
_KNOWN_ALGORITHMS = frozenset(ALGORITHMS)
_MAX_VALIDATORS = 64
# The verified-token cache of the validators made from now on (Validator's `cache`). Only
# benchmarks change it, to time every decode cold (bindings/python/bench/compare.py).
_VALIDATOR_CACHE: Union[bool, int] = True

_validators: "collections.OrderedDict[Tuple[Any, ...], Tuple[Validator, Any]]" = (
    collections.OrderedDict())
_validators_lock = threading.Lock()


def merge_options(base: Dict[str, Any], options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """PyJWT's merge: `options` over `base`; with verify_signature off, each claim check not
    named in `options` is off too. Neither argument is changed."""
    if options is None:
        return base
    merged = dict(options)
    if not merged.get("verify_signature", True):
        for name in _CLAIM_CHECKS:
            merged.setdefault(name, False)
    return {**base, **merged}


_BASE64URL_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64decode(segment: bytes, name: str) -> bytes:
    """A segment decoded by PyJWT's rules (for what the core does not read: unverified
    decodes, the header to pick a key, the signature decode_complete returns): up to two
    '=' of padding when the length is then a multiple of 4, the base64url alphabet, and
    canonical, so that no string decodes here that PyJWT refuses."""
    stripped = segment.rstrip(b"=")
    padding = len(segment) - len(stripped)
    if (padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1
            or not _BASE64URL_ALPHABET.issuperset(stripped)):
        raise ex.DecodeError(f"Invalid {name} padding")
    try:
        decoded = base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))
    except (TypeError, binascii.Error):
        raise ex.DecodeError(f"Invalid {name} padding") from None
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped:
        raise ex.DecodeError(f"Invalid {name} padding")
    return decoded


def _split(token: Union[str, bytes]) -> Tuple[bytes, bytes, bytes]:
    if isinstance(token, str):
        token = token.encode("utf-8")
    if not isinstance(token, bytes):
        raise ex.DecodeError(f"Invalid token type. Token must be a {bytes}")
    parts = token.split(b".")
    if len(parts) != 3:
        raise ex.DecodeError("Not enough segments")
    return parts[0], parts[1], parts[2]


def _json_object(raw: bytes, name: str) -> Dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise ex.DecodeError(f"Invalid {name} string: {e}") from e
    if not isinstance(value, dict):
        raise ex.DecodeError(f"Invalid {name} string: must be a json object")
    return value


def get_unverified_header(jwt: Union[str, bytes]) -> Dict[str, Any]:
    """The header, not verified (to pick a key), after PyJWT's header rules: a string kid,
    and a crit that is a non-empty list of the extensions PyJWT understands (b64), each
    present (RFC 7515 §4.1.11)."""
    header, _, _ = _split(jwt)
    value = _json_object(_b64decode(header, "header"), "header")
    if "kid" in value and not isinstance(value["kid"], str):
        raise ex.InvalidTokenError("Key ID header parameter must be a string")
    crit = value.get("crit", ["b64"])
    if not isinstance(crit, list) or not crit or not all(isinstance(c, str) for c in crit):
        raise ex.InvalidTokenError("Invalid 'crit' header: must be a non-empty list of strings")
    for extension in value.get("crit", ()):
        if extension != "b64":
            raise ex.InvalidTokenError(f"Unsupported critical extension: {extension}")
        if extension not in value:
            raise ex.InvalidTokenError(f"Critical extension '{extension}' is missing from headers")
    return value


# OpenSSH public key types (PyJWT's list, cryptography's): text starting with one is a key,
# never an HMAC secret.
_SSH_KEY_PREFIXES = (b"ssh-ed25519", b"ssh-rsa", b"ssh-dss", b"ecdsa-sha2-nistp256",
                     b"ecdsa-sha2-nistp384", b"ecdsa-sha2-nistp521")


def _key_material(key: Any, algorithms: Sequence[str]) -> str:
    """The key text for the core. Text that is not a PEM/SSH key is an HMAC secret, as in
    PyJWT; an asymmetric key never serves as an HMAC secret (the core's key-fit rules), and
    text holding a PEM block anywhere is never taken as a secret either (PyJWT's rule)."""
    if isinstance(key, PyJWK):
        if key.key_type == "RSA" and "d" in key._jwk_data:
            raise ex.InvalidKeyError(_RSA_PRIVATE)
        return key._text
    if not isinstance(key, (str, bytes)) and isinstance(key, (bytearray, dict, list, tuple)):
        # PyJWT reads str and bytes keys only (TypeError for the rest); a JWK is a PyJWK.
        raise TypeError(f"Expected a string value, a key object or a PyJWK, not "
                        f"{type(key).__name__}")
    if isinstance(key, (str, bytes)):
        raw = key.encode("utf-8") if isinstance(key, str) else key
        stripped = raw.strip()
        if stripped.startswith(b"-----BEGIN") or stripped.startswith(_SSH_KEY_PREFIXES):
            return _pem_spki(stripped)
        if not raw:
            raise ex.InvalidKeyError("HMAC key must not be empty.")
        if b"-----BEGIN " in raw:
            raise ex.InvalidKeyError(
                "The specified key is an asymmetric key or x509 certificate and should not "
                "be used as an HMAC secret.")
        if not any(a in _HMAC for a in algorithms):
            raise ex.InvalidKeyError("Could not parse the provided public key.")
        if _looks_like_jwk(raw):
            raise ex.InvalidKeyError(
                "The key looks like a JWK, and JWK text is never an HMAC secret (it is public "
                "for asymmetric keys): load it with PyJWK instead.")
        if _is_der_key(raw):
            raise ex.InvalidKeyError(
                "The specified key is an asymmetric key or x509 certificate and should not "
                "be used as an HMAC secret.")
        k = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        return json.dumps({"kty": "oct", "k": k})
    _refuse_rsa_private(key)
    return key_text(key)  # TypeError for what is no key (None, a number), as in PyJWT


def _looks_like_jwk(raw: bytes) -> bool:
    """Whether key text is JSON holding a JWK (an object with "kty", at any depth). Taken as an
    HMAC secret, a published public JWK would let anyone sign HS256 tokens with its text
    (algorithm confusion), so PyJWT refuses it and so do we. JSON nested too deep to read is
    refused when it opens like an object or an array."""
    try:
        value = json.loads(raw, parse_int=lambda _: 0)
    except RecursionError:
        return raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))
    except ValueError:  # not JSON (UnicodeDecodeError included): an ordinary secret
        return False
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if "kty" in item:
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _is_der_key(raw: bytes) -> bool:
    """Whether key bytes are a DER public key or certificate: asymmetric, never a secret."""
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_public_key
    for load in (load_der_public_key, x509.load_der_x509_certificate):
        try:
            load(raw)
            return True
        except (TypeError, ValueError, UnsupportedAlgorithm):
            pass
    return False


# PyJWT's RSA and RSA-PSS verification calls key.verify, which an RSA private key does not
# have (AttributeError); EC and Ed25519 private keys verify through their public half there.
# Refused here, so that tokenwarden never accepts a token PyJWT cannot verify.
_RSA_PRIVATE = "An RSA private key cannot verify a signature; give its public key"


def _refuse_rsa_private(key: Any) -> None:
    try:
        from cryptography.hazmat.primitives.asymmetric import rsa
    except ImportError:
        return
    if isinstance(key, rsa.RSAPrivateKey):
        raise ex.InvalidKeyError(_RSA_PRIVATE)


def _pem_spki(pem: bytes) -> str:
    """The core reads SubjectPublicKeyInfo PEM; other encodings PyJWT accepts (PKCS#1 RSA,
    certificates, private keys, OpenSSH) are converted by `cryptography` when it is
    installed."""
    if pem.startswith(b"-----BEGIN PUBLIC KEY-----"):
        return pem.decode("ascii")
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise ex.InvalidKeyError(
            "only SubjectPublicKeyInfo PEM keys are read without the cryptography package"
        ) from None
    try:
        if pem.startswith(_SSH_KEY_PREFIXES):
            public = serialization.load_ssh_public_key(pem)
        elif b"CERTIFICATE" in pem.split(b"\n", 1)[0]:
            public = x509.load_pem_x509_certificate(pem).public_key()
        elif b"PRIVATE KEY" in pem.split(b"\n", 1)[0]:
            private = serialization.load_pem_private_key(pem, password=None)
            _refuse_rsa_private(private)
            public = private.public_key()
        else:
            public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as e:
        raise ex.InvalidKeyError(f"Could not parse the provided public key: {e}") from None
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _key_identity(key: Any) -> Any:
    """What identifies a key in the validator cache without re-reading it: the text itself
    (a PyJWK's marked as such: the same text as a str key is an HMAC secret), or for key
    objects the object (the cache entry keeps it alive, so its id stays unique)."""
    if isinstance(key, PyJWK):
        return (PyJWK, key._text)
    if isinstance(key, (str, bytes)):
        return key
    return ("object", id(key))


def _validator(key: Any, algorithms: List[str], issuer: Optional[str],
               audiences: Tuple[str, ...], leeway: float, options: Dict[str, Any]) -> Validator:
    require = tuple(options["require"] or ())
    flags = (bool(options["verify_exp"]), bool(options["verify_nbf"]),
             bool(options["verify_iat"]))
    cache_key = (_key_identity(key), tuple(algorithms), issuer, audiences, leeway, require, flags)
    with _validators_lock:
        found = _validators.get(cache_key)
        if found is not None:
            _validators.move_to_end(cache_key)
            return found[0]
    text = _key_material(key, algorithms)
    try:
        validator = Validator(text, issuer=issuer, audience=list(audiences),
                              algorithms=algorithms, leeway=leeway, required_claims=require,
                              require_exp="exp" in require, cache=_VALIDATOR_CACHE,
                              _check_exp=flags[0], _check_nbf=flags[1], _check_iat=flags[2])
    except ValueError as e:
        message = str(e)
        if "algorithm" in message:
            raise ex.InvalidAlgorithmError(message) from None
        raise ex.InvalidKeyError(message) from None
    with _validators_lock:
        _validators[cache_key] = (validator, key)
        while len(_validators) > _MAX_VALIDATORS:
            _validators.popitem(last=False)
    return validator


def _header_error(token: Union[str, bytes], algorithms: Sequence[str],
                  structure: bool = False) -> Optional[ex.PyJWTError]:
    """The error PyJWT raises for `token`'s header before it looks at the key or the payload
    (a non-string kid, a bad crit, an alg that is missing or not allowed, b64 false; with
    `structure`, also a header that is not a base64url JSON object), else None. Picks the
    class of a rejection the core or the key already made; never accepts."""
    try:
        header = get_unverified_header(token)
    except ex.PyJWTError as e:
        return e if structure or not isinstance(e, ex.DecodeError) else None
    if header.get("b64", True) is False:
        return ex.DecodeError('It is required that you pass in a value for the '
                              '"detached_payload" argument to decode a message having the '
                              'b64 header set to false.')
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg or alg not in algorithms:
        return ex.InvalidAlgorithmError("The specified alg value is not allowed")
    return None


def _translate(error: tw.InvalidTokenError, key: Any, token: Union[str, bytes],
               algorithms: Sequence[str], strict_aud: bool) -> ex.PyJWTError:
    """The PyJWT exception for a core rejection, carrying the core's code and detail."""
    code = error.code
    payload = error.payload or {}
    out: ex.PyJWTError
    header_error = (_header_error(token, algorithms)
                    if code in ("malformed", "unsupported_critical_header") else None)
    if header_error is not None:
        out = header_error
    elif code in ("malformed", "token_too_large"):
        out = ex.DecodeError(f"Invalid token: {error}")
    elif code == "unsupported_algorithm":
        out = ex.InvalidAlgorithmError("Algorithm not supported")
    elif code == "algorithm_not_allowed":
        out = ex.InvalidAlgorithmError("The specified alg value is not allowed")
    elif code == "key_not_found":
        out = (ex.InvalidAlgorithmError("The token's algorithm does not match the key's")
               if isinstance(key, PyJWK) else
               ex.InvalidKeyError("The key does not fit the token's algorithm"))
    elif code == "invalid_signature":
        out = ex.InvalidSignatureError("Signature verification failed")
    elif code == "expired":
        out = ex.ExpiredSignatureError("Signature has expired")
    elif code == "not_yet_valid":
        which = "iat" if "iat" in error.detail else "nbf"
        out = ex.ImmatureSignatureError(f"The token is not yet valid ({which})")
    elif code == "invalid_issuer":
        out = (ex.MissingRequiredClaimError("iss") if "iss" not in payload
               else ex.InvalidIssuerError("Invalid issuer"))
    elif code == "invalid_audience":
        out = (ex.MissingRequiredClaimError("aud") if not payload.get("aud") else
               ex.InvalidAudienceError("Audience doesn't match" +
                                       (" (strict)" if strict_aud else "")))
    elif code == "missing_claim":
        out = ex.MissingRequiredClaimError(error.claim or "")
    elif code == "unsupported_critical_header":
        out = ex.InvalidTokenError(f"Unsupported critical extension: {error}")  # PyJWT's words
    else:
        out = ex.InvalidTokenError(str(error))
    out.code = code
    out.detail = error.detail
    return out


def _check_pyjwt_rules(payload: Dict[str, Any], options: Dict[str, Any],
                       audience: Any, audiences: Tuple[str, ...], issuer: Any,
                       subject: Optional[str]) -> None:
    """PyJWT's rules that are about Python values rather than token validity: null
    required claims, an aud the caller did not ask about, an audience with no string in it
    (b"api", []: nothing can match, as in PyJWT), strict_aud, issuer containers, and the
    sub / jti types."""
    for claim in options["require"] or ():
        if payload.get(claim) is None:
            raise ex.MissingRequiredClaimError(claim)
    if options["verify_aud"]:
        if audience is None:
            if payload.get("aud"):
                raise ex.InvalidAudienceError("Invalid audience")
        elif not audiences:
            if not payload.get("aud"):
                raise ex.MissingRequiredClaimError("aud")
            raise ex.InvalidAudienceError("Audience doesn't match")
        elif options.get("strict_aud", False):
            if not isinstance(audience, str):
                raise ex.InvalidAudienceError("Invalid audience (strict)")
            if not isinstance(payload.get("aud"), str):
                raise ex.InvalidAudienceError("Invalid claim format in token (strict)")
    if options["verify_iss"] and issuer is not None and not (isinstance(issuer, str) and issuer):
        # Containers, and "" (which the core does not take as an expected issuer).
        if "iss" not in payload:
            raise ex.MissingRequiredClaimError("iss")
        iss = payload["iss"]
        if not isinstance(iss, str):
            raise ex.InvalidIssuerError("Payload Issuer (iss) must be a string")
        try:
            if iss != issuer if isinstance(issuer, str) else iss not in issuer:
                raise ex.InvalidIssuerError("Invalid issuer")
        except TypeError:
            raise ex.InvalidIssuerError('Issuer param must be "str" or "Container[str]"') from None
    if options["verify_sub"] and "sub" in payload:
        if not isinstance(payload["sub"], str):
            raise ex.InvalidSubjectError("Subject must be a string")
        if subject is not None and payload["sub"] != subject:
            raise ex.InvalidSubjectError("Invalid subject")
    if options["verify_jti"] and "jti" in payload and not isinstance(payload["jti"], str):
        raise ex.InvalidJTIError("JWT ID must be a string")


def _unverified(jwt: Union[str, bytes]) -> Dict[str, Any]:
    header_seg, payload_seg, signature_seg = _split(jwt)
    header = get_unverified_header(jwt)
    payload = _json_object(_b64decode(payload_seg, "payload"), "payload")
    return {"header": header, "payload": payload,
            "signature": _b64decode(signature_seg, "crypto")}


def _truncated_exp_check(payload: Dict[str, Any], now: float, leeway: float) -> None:
    """PyJWT compares int(exp), the claim truncated toward zero, with the time: a token whose
    exp is 100.7 is expired from 100.0 on. The core compares the exact value; this makes
    tokenwarden.jwt never accept what PyJWT calls expired. (nbf and iat, truncated by PyJWT,
    only make the core the stricter one: README, differences.)"""
    exp = payload.get("exp")
    if isinstance(exp, float) and math.isfinite(exp) and int(exp) <= now - leeway:
        raise ex.ExpiredSignatureError("Signature has expired")


def _unverified_checked(jwt: Union[str, bytes], merged: Dict[str, Any]) -> Dict[str, Any]:
    checks = [n for n in _CLAIM_CHECKS[:5] if merged[n]]
    if checks:
        raise ex.PyJWTError(
            "tokenwarden checks claims only on verified tokens; with verify_signature "
            f"False, set {', '.join(checks)} False too")
    decoded = _unverified(jwt)
    for claim in merged["require"] or ():  # presence, which PyJWT checks here too
        if decoded["payload"].get(claim) is None:
            raise ex.MissingRequiredClaimError(claim)
    return decoded


def _core_algorithms(key: Any, algorithms: Optional[Sequence[str]]) -> List[str]:
    """The allow-list the core gets: a PyJWK's own algorithm, or the names in `algorithms`
    the core implements. PyJWT only tests the token's alg for membership, so a name it does
    not know ("none", "ES256K", "Ed25519") allows nothing and refuses nothing: it is dropped,
    and a token with such an alg is refused by the core (InvalidAlgorithmError)."""
    if isinstance(key, PyJWK):
        allowed = list(algorithms) if algorithms else [key.algorithm_name]
        return [a for a in allowed if a == key.algorithm_name]
    if not algorithms:
        raise ex.DecodeError('It is required that you pass in a value for the '
                             '"algorithms" argument when calling decode().')
    return [a for a in algorithms if a in _KNOWN_ALGORITHMS]


def _core_audiences(audience: Any, merged: Dict[str, Any]) -> Tuple[str, ...]:
    """The audiences the core matches. PyJWT compares the token's (string) audiences with the
    members of `audience`: a member that is not a string, such as the ints of b"api", can
    never match, nor can "" (a token's empty aud counts as no aud in PyJWT; the core takes no
    "" either)."""
    if audience is not None and not isinstance(audience, (str, Iterable)):
        raise TypeError("audience must be a string, iterable or None")
    if not merged["verify_aud"] or audience is None:
        return ()
    return tuple(a for a in ((audience,) if isinstance(audience, str) else audience)
                 if isinstance(a, str) and a)


class _Plan:
    """What one decode's arguments decide before any token is read: the core Validator, the
    allow-list errors are judged against, and the PyJWT rules left to check on the payload.
    Made once per distinct arguments (plans below), so that a repeated call costs the
    native validation and a few dictionary reads."""

    __slots__ = ("validator", "key", "options", "audience", "audiences", "issuer", "subject",
                 "seconds", "allowed", "strict_aud", "check_exp", "types_only", "check_sub",
                 "check_jti")

    def __init__(self, validator: Validator, key: Any, options: Dict[str, Any], audience: Any,
                 audiences: Tuple[str, ...], issuer: Any, subject: Optional[str],
                 seconds: float, allowed: Sequence[str]) -> None:
        self.validator, self.key, self.options = validator, key, options
        self.audience, self.audiences, self.issuer, self.subject = (
            audience, audiences, issuer, subject)
        self.seconds, self.allowed = seconds, allowed
        self.strict_aud = bool(options.get("strict_aud"))
        self.check_exp = bool(options["verify_exp"])
        self.check_sub, self.check_jti = bool(options["verify_sub"]), bool(options["verify_jti"])
        # When _check_pyjwt_rules can only fail on the types of sub and jti: nothing required,
        # the audience matched by the core (or not checked), the issuer a plain string (or
        # none), no expected subject. run() then reads those two claims itself.
        self.types_only = (
            not options["require"] and subject is None
            and (not options["verify_aud"] or (bool(audiences) and not self.strict_aud))
            and (not options["verify_iss"] or issuer is None
                 or (isinstance(issuer, str) and bool(issuer))))

    def run(self, jwt: Union[str, bytes], complete: bool) -> Dict[str, Any]:
        """verify()'s result for `jwt`, a str or bytes."""
        header, payload = self.claims(jwt, complete)
        if not complete:
            return {"header": None, "payload": payload, "signature": b""}
        signature_seg = jwt.rsplit("." if isinstance(jwt, str) else b".", 1)[1]
        if isinstance(signature_seg, str):
            signature_seg = signature_seg.encode("ascii")
        return {"header": header, "payload": payload,
                "signature": _b64decode(signature_seg, "crypto")}

    def claims(self, jwt: Union[str, bytes], complete: bool) -> Tuple[Any, Dict[str, Any]]:
        """(header, payload) of `jwt` (a str or bytes) verified and checked; the header is
        None unless `complete`."""
        now = time.time()  # one clock reading for the core and the exp rule below
        try:
            if complete:
                header, payload = self.validator.validate_complete(jwt, now)
            else:
                header, payload = None, self.validator.validate(jwt, now)
        except tw.InvalidTokenError as error:
            raise _translate(error, self.key, jwt, self.allowed, self.strict_aud) from None
        if self.check_exp and isinstance(payload.get("exp"), float):
            _truncated_exp_check(payload, now, self.seconds)
        if not self.types_only:
            _check_pyjwt_rules(payload, self.options, self.audience, self.audiences,
                               self.issuer, self.subject)
        else:  # _check_pyjwt_rules' last two rules, as they read there
            if self.check_sub and not isinstance(payload.get("sub", ""), str):
                raise ex.InvalidSubjectError("Subject must be a string")
            if self.check_jti and not isinstance(payload.get("jti", ""), str):
                raise ex.InvalidJTIError("JWT ID must be a string")
        return header, payload


def _plan(jwt: Union[str, bytes], key: Any, algorithms: Optional[Sequence[str]],
          merged: Dict[str, Any], audience: Any, issuer: Any, subject: Optional[str],
          leeway: Any) -> _Plan:
    """The plan of a verifying decode, raising what PyJWT raises for such arguments (`jwt` is
    read only to choose between two of those errors)."""
    if isinstance(algorithms, str):
        # PyJWT tests `alg in algorithms`, a substring test for a string: "HS256" allows
        # HS256 there, and so it does here; "HS256,RS256" allows nothing here.
        algorithms = [algorithms]
    algs = _core_algorithms(key, algorithms)
    if not isinstance(jwt, (str, bytes)):  # PyJWT takes str and bytes only (no bytearray)
        raise ex.DecodeError(f"Invalid token type. Token must be a {bytes}")
    if not algs:
        raise ex.InvalidAlgorithmError("The specified alg value is not allowed")
    audiences = _core_audiences(audience, merged)
    core_issuer = issuer if merged["verify_iss"] and isinstance(issuer, str) and issuer else None
    seconds = _leeway_seconds(leeway)  # ValueError / TypeError here, not as a key error
    allowed = algorithms or [key.algorithm_name]
    try:
        validator = _validator(key, algs, core_issuer, audiences, seconds, merged)
    except ex.InvalidKeyError as key_error:
        # PyJWT reads the token and tests its alg against `algorithms` before the key: a
        # token whose alg is not allowed is InvalidAlgorithmError whatever the key.
        raise (_header_error(jwt, allowed, structure=True) or key_error) from None
    return _Plan(validator, key, merged, audience, audiences, issuer, subject, seconds, allowed)


def verify(jwt: Union[str, bytes], key: Any, algorithms: Optional[Sequence[str]],
           merged: Dict[str, Any], verify_signature: bool, detached_payload: Optional[bytes],
           audience: Any, issuer: Any, subject: Optional[str], leeway: Any,
           complete: bool) -> Dict[str, Any]:
    """PyJWT's decode_complete: {"header", "payload", "signature"} of `jwt` verified with
    `key` and checked under `merged` options (verify_signature as PyJWT takes it: from the
    call's own options only). The header and signature are only read when `complete`."""
    if detached_payload is not None:
        raise ex.DecodeError("tokenwarden does not support detached payloads (RFC 7797)")
    if not verify_signature:
        return _unverified_checked(jwt, merged)
    return _plan(jwt, key, algorithms, merged, audience, issuer, subject, leeway).run(
        jwt, complete)


# Plans of recent verifying decodes that passed no per-call options, by their arguments (the
# instance options by identity, and checked equal to a copy kept in the plan, so that changes
# made to them in place are seen). Bounded: emptied when full. Read and written under the
# GIL; two threads missing at once both make a plan, and one of them stays.
_plans: Dict[Tuple[Any, ...], _Plan] = {}
_MAX_PLANS = 64
_PLAIN = (str, type(None))


def _plan_key(options: Dict[str, Any], key: Any, algorithms: Any, audience: Any, issuer: Any,
              subject: Any, leeway: Any) -> Optional[Tuple[Any, ...]]:
    """What identifies a plan, or None for arguments the plans leave to the general path. A
    list and a tuple of the same names are the same to every rule (membership, iteration);
    values that are equal across types where a rule tells the types apart (a str secret and
    a PyJWK's text, 0 and False as a leeway) never meet in one key."""
    if (issuer.__class__ not in _PLAIN or subject.__class__ not in _PLAIN
            or (leeway.__class__ is not int and leeway.__class__ is not float)):
        return None
    if audience.__class__ is list or audience.__class__ is tuple:
        audience = tuple(audience)
    elif audience.__class__ not in _PLAIN:
        return None
    if algorithms.__class__ is list:
        algorithms = tuple(algorithms)
    if key.__class__ is not str and key.__class__ is not bytes:
        if isinstance(key, PyJWK):  # its algorithm is the allow-list when algorithms is None
            key = (PyJWK, key._text, key.algorithm_name)
        else:
            key = ("object", id(key))  # the plan keeps the key, so the id stays its own
    return (id(options), key, algorithms, audience, issuer, subject, leeway)


def planned(jwt: Union[str, bytes], key: Any, algorithms: Optional[Sequence[str]],
            options: Dict[str, Any], audience: Any, issuer: Any, subject: Optional[str],
            leeway: Any) -> _Plan:
    """The plan of verify(jwt, key, algorithms, options, True, None, audience, issuer,
    subject, leeway, ...) — the signature verified, no per-call options — kept for these
    arguments (made on the first call), checked to fit `jwt`'s type."""
    try:
        plan_key = _plan_key(options, key, algorithms, audience, issuer, subject, leeway)
        plan = None if plan_key is None else _plans.get(plan_key)
    except TypeError:  # an unhashable member: no plan for these arguments
        plan_key = plan = None
    if plan_key is None:
        plan = _plan(jwt, key, algorithms, options, audience, issuer, subject, leeway)
    elif plan is None or plan.options != options:
        plan = _plan(jwt, key, algorithms, copy.deepcopy(options), audience, issuer, subject,
                     leeway)
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        _plans[plan_key] = plan
    elif jwt.__class__ is not str and jwt.__class__ is not bytes:
        raise ex.DecodeError(f"Invalid token type. Token must be a {bytes}")
    return plan
