"""tokenwarden.jwt against PyJWT itself: the same calls give the same payloads and the same
exception classes (so an application changes one import line)."""

from __future__ import annotations

import datetime as dt
import time

import jwt as pyjwt
import pytest

import tokenwarden.jwt as tjwt
from conftest import AUDIENCE, HMAC_SECRET, ISSUER

NOW = int(time.time())

# (name, claims changes, decode kwargs)
CASES = [
    ("valid", {}, dict(audience=AUDIENCE, issuer=ISSUER)),
    ("valid-no-checks-asked", {"aud": None}, {}),
    ("aud-present-not-asked", {}, {}),
    ("aud-mismatch", {}, dict(audience="api://other")),
    ("aud-list", {"aud": ["a", AUDIENCE]}, dict(audience=AUDIENCE)),
    ("aud-any-of", {}, dict(audience=["x", AUDIENCE])),
    ("aud-missing", {"aud": None}, dict(audience=AUDIENCE)),
    ("aud-not-verified", {}, dict(options={"verify_aud": False})),
    ("iss-mismatch", {}, dict(audience=AUDIENCE, issuer="https://other")),
    ("iss-missing", {"iss": None}, dict(audience=AUDIENCE, issuer=ISSUER)),
    ("iss-container", {}, dict(audience=AUDIENCE, issuer=[ISSUER, "x"])),
    ("iss-container-miss", {}, dict(audience=AUDIENCE, issuer=["x", "y"])),
    ("expired", {"exp": NOW - 100}, dict(audience=AUDIENCE)),
    ("expired-within-leeway", {"exp": NOW - 100}, dict(audience=AUDIENCE, leeway=300)),
    ("expired-timedelta-leeway", {"exp": NOW - 100},
     dict(audience=AUDIENCE, leeway=dt.timedelta(minutes=5))),
    ("expired-not-verified", {"exp": NOW - 100},
     dict(audience=AUDIENCE, options={"verify_exp": False})),
    ("nbf-future", {"nbf": NOW + 3600}, dict(audience=AUDIENCE)),
    ("nbf-not-verified", {"nbf": NOW + 3600},
     dict(audience=AUDIENCE, options={"verify_nbf": False})),
    ("iat-future", {"iat": NOW + 3600}, dict(audience=AUDIENCE)),
    ("iat-not-verified", {"iat": NOW + 3600},
     dict(audience=AUDIENCE, options={"verify_iat": False})),
    ("no-exp-allowed", {"exp": None}, dict(audience=AUDIENCE)),
    ("require-exp", {"exp": None}, dict(audience=AUDIENCE, options={"require": ["exp"]})),
    ("require-jti", {}, dict(audience=AUDIENCE, options={"require": ["jti"]})),
    ("require-present", {"jti": "j1"}, dict(audience=AUDIENCE, options={"require": ["jti"]})),
    ("subject-ok", {}, dict(audience=AUDIENCE, subject="user-1")),
    ("subject-mismatch", {}, dict(audience=AUDIENCE, subject="user-2")),
    ("strict-aud-ok", {}, dict(audience=AUDIENCE, options={"strict_aud": True})),
    ("strict-aud-list", {"aud": [AUDIENCE]}, dict(audience=AUDIENCE,
                                                  options={"strict_aud": True})),
]


def outcome(module, token, key, algorithms, kwargs):
    try:
        return ("ok", module.decode(token, key, algorithms=algorithms, **kwargs))
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return ("error", type(e).__name__)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
@pytest.mark.parametrize("name, changes, kwargs", CASES, ids=[c[0] for c in CASES])
def test_same_result_as_pyjwt(keys, alg, name, changes, kwargs):
    token = keys.mint(alg, kid=None, **changes)
    key = keys.pem(alg)
    want = outcome(pyjwt, token, key, [alg], kwargs)
    got = outcome(tjwt, token, key, [alg], kwargs)
    assert got == want


def test_signature_algorithm_and_key_errors_match(keys):
    token = keys.mint("RS256", kid=None)
    pem = keys.pem("RS256")
    head, body, sig = token.split(".")
    forged = f"{head}.{body}.{sig[::-1]}"
    cases = [
        (forged, pem, ["RS256"]),                                # bad signature
        (token, pem, ["ES256"]),                                 # alg not allowed
        (token, keys.pem("ES256"), ["RS256"]),                   # wrong key
        ("a.b", pem, ["RS256"]),                                 # not enough segments
        ("!!.!!.!!", pem, ["RS256"]),                            # not base64url
        (keys.mint("HS256", kid=None), pem, ["HS256"]),          # PEM as an HMAC secret
    ]
    for token_, key, algs in cases:
        want = outcome(pyjwt, token_, key, algs, {})
        got = outcome(tjwt, token_, key, algs, {})
        assert got[0] == want[0] == "error"
        # tokenwarden's class is PyJWT's, or a subclass of the same family.
        assert issubclass(getattr(tjwt, got[1]), tjwt.InvalidTokenError) or got[1] == want[1]


def test_exception_classes_mirror_pyjwt():
    for name in ["PyJWTError", "InvalidTokenError", "DecodeError", "InvalidSignatureError",
                 "ExpiredSignatureError", "InvalidAudienceError", "InvalidIssuerError",
                 "InvalidIssuedAtError", "ImmatureSignatureError", "InvalidKeyError",
                 "InvalidAlgorithmError", "MissingRequiredClaimError", "PyJWKError",
                 "PyJWKSetError", "PyJWKClientError", "PyJWKClientConnectionError",
                 "InvalidSubjectError", "InvalidJTIError"]:
        ours, theirs = getattr(tjwt, name), getattr(pyjwt.exceptions, name)
        assert [c.__name__ for c in ours.__mro__ if c.__module__.startswith("tokenwarden")] == [
            c.__name__ for c in theirs.__mro__ if c.__module__.startswith("jwt")], name
        assert getattr(tjwt.exceptions, name) is ours


def test_errors_carry_the_stable_code(keys):
    with pytest.raises(tjwt.ExpiredSignatureError) as info:
        tjwt.decode(keys.mint("ES256", kid=None, exp=1), keys.pem("ES256"),
                    algorithms=["ES256"], audience=AUDIENCE)
    assert info.value.code == "expired"
    with pytest.raises(tjwt.MissingRequiredClaimError) as info:
        tjwt.decode(keys.mint("ES256", kid=None), keys.pem("ES256"), algorithms=["ES256"],
                    audience=AUDIENCE, options={"require": ["jti"]})
    assert info.value.claim == "jti" and str(info.value) == 'Token is missing the "jti" claim'


def test_hmac_secrets_and_key_forms(keys):
    token = keys.mint("HS256", kid=None)
    for key in (HMAC_SECRET, HMAC_SECRET.decode()):
        assert tjwt.decode(token, key, algorithms=["HS256"], audience=AUDIENCE) == \
            pyjwt.decode(token, key, algorithms=["HS256"], audience=AUDIENCE)
    # RFC 7518 §3.2: an HMAC key shorter than the hash is refused (PyJWT only warns).
    short = pyjwt.encode({"exp": NOW + 60}, "short", algorithm="HS256")
    with pytest.raises(tjwt.InvalidKeyError):
        tjwt.decode(short, "short", algorithms=["HS256"])
    rs = keys.mint("RS256", kid=None)
    private_pem = keys.private["RS256"].private_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization",
                            fromlist=["Encoding"]).Encoding.PEM,
        format=__import__("cryptography.hazmat.primitives.serialization",
                          fromlist=["PrivateFormat"]).PrivateFormat.PKCS8,
        encryption_algorithm=__import__("cryptography.hazmat.primitives.serialization",
                                        fromlist=["NoEncryption"]).NoEncryption())
    for key in (keys.private["RS256"].public_key(), private_pem):
        assert tjwt.decode(rs, key, algorithms=["RS256"], audience=AUDIENCE)["sub"] == "user-1"


def test_decode_complete_and_unverified_header(keys):
    token = keys.mint("ES256", kid="k-ES256")
    ours = tjwt.decode_complete(token, keys.pem("ES256"), algorithms=["ES256"],
                                audience=AUDIENCE)
    theirs = pyjwt.decode_complete(token, keys.pem("ES256"), algorithms=["ES256"],
                                   audience=AUDIENCE)
    assert ours == theirs
    assert tjwt.get_unverified_header(token) == pyjwt.get_unverified_header(token)


def test_algorithms_are_required_and_unverified_decode_is_explicit(keys):
    token = keys.mint("RS256", kid=None)
    with pytest.raises(tjwt.DecodeError):
        tjwt.decode(token, keys.pem("RS256"))
    unverified = tjwt.decode(token, options={"verify_signature": False})
    assert unverified == pyjwt.decode(token, options={"verify_signature": False})
    with pytest.raises(tjwt.PyJWTError):  # claim checks without a signature check: refused
        tjwt.decode(token, options={"verify_signature": False, "verify_exp": True})


def test_encode_is_pyjwts(keys):
    token = tjwt.encode({"sub": "x", "exp": NOW + 60}, HMAC_SECRET, algorithm="HS256")
    assert tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"])["sub"] == "x"
