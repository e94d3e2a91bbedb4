"""tokenwarden.jwt against PyJWT itself: the same calls give the same payloads and the same
exception classes (so an application changes one import line)."""

from __future__ import annotations

import datetime as dt
import time

import jwt as pyjwt
import pytest

import tokenwarden.jwt as tjwt
from conftest import AUDIENCE, HMAC_SECRET, ISSUER, hs256_token

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


# Regressions of issue 19: each compared with PyJWT where PyJWT decides the same question.

@pytest.mark.parametrize("payload", [b"not json", b'{"a":"\xff"}', b"[1]"])
def test_an_unreadable_payload_is_a_decode_error_as_in_pyjwt(payload):
    token = hs256_token(payload)
    with pytest.raises(pyjwt.DecodeError):
        pyjwt.decode(token, HMAC_SECRET, algorithms=["HS256"])
    with pytest.raises(tjwt.DecodeError):  # not JSONDecodeError / UnicodeDecodeError
        tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"])


@pytest.mark.parametrize("payload", [b'\xef\xbb\xbf{"a":1}', b'{"a":"\xed\xa0\x80"}'])
def test_a_payload_only_the_core_refuses_is_a_decode_error(payload):
    # PyJWT reads a BOM and an encoded surrogate; the core does not (README: strict parsing).
    with pytest.raises(tjwt.DecodeError):
        tjwt.decode(hs256_token(payload), HMAC_SECRET, algorithms=["HS256"])


@pytest.mark.parametrize("algorithms", [
    ["none", "HS256"], ["ES256K", "HS256"], ["Ed25519", "HS256"], ["HS256", "nonsense"],
    ["none"], ["ES256K"], ["Ed25519", "HS384"],
])
def test_unknown_names_in_algorithms_are_ignored_as_in_pyjwt(keys, algorithms):
    token = keys.mint("HS256", kid=None)
    want = outcome(pyjwt, token, HMAC_SECRET, algorithms, dict(audience=AUDIENCE))
    got = outcome(tjwt, token, HMAC_SECRET, algorithms, dict(audience=AUDIENCE))
    assert got == want


def test_a_token_alg_the_core_lacks_is_refused_even_when_listed(keys):
    head, body, sig = keys.mint("HS256", kid=None).split(".")
    for alg in ("ES256K", "none", "Ed25519"):
        forged = pyjwt.utils.base64url_encode(
            f'{{"alg":"{alg}","typ":"JWT"}}'.encode()).decode() + f".{body}.{sig}"
        with pytest.raises(tjwt.InvalidAlgorithmError):
            tjwt.decode(forged, HMAC_SECRET, algorithms=[alg, "HS256"], audience=AUDIENCE)


@pytest.mark.parametrize("audience", [b"api", bytearray(b"api"), [], [b"api"], [b"api", "api"],
                                      ("x", "api"), {"api"}])
@pytest.mark.parametrize("aud", ["api", None, ["api", "b"]])
def test_audience_of_any_iterable_as_in_pyjwt(audience, aud):
    # audience=b"api" raised TypeError, which `except jwt.InvalidTokenError` does not catch.
    token = pyjwt.encode({"exp": NOW + 600, **({} if aud is None else {"aud": aud})},
                         HMAC_SECRET, algorithm="HS256")
    want = outcome(pyjwt, token, HMAC_SECRET, ["HS256"], dict(audience=audience))
    got = outcome(tjwt, token, HMAC_SECRET, ["HS256"], dict(audience=audience))
    assert got == want


def _wait_for_fraction(low):
    """Sleeps until the current second is at least `low` old (at most a second)."""
    while time.time() % 1 < low:
        time.sleep(0.005)


def test_fractional_leeway_and_time_as_in_pyjwt():
    # exp a whole second ahead of the last second boundary, now 1.6 to 1.9 s past it: expired
    # with leeway 1.5 (PyJWT; whole seconds made it 2 and accepted), valid with 2.
    _wait_for_fraction(0.6)
    exp = int(time.time()) - 1
    token = pyjwt.encode({"exp": exp}, HMAC_SECRET, algorithm="HS256")
    for leeway in (1.5, dt.timedelta(seconds=1.5), 2, dt.timedelta(seconds=2)):
        want = outcome(pyjwt, token, HMAC_SECRET, ["HS256"], dict(leeway=leeway))
        got = outcome(tjwt, token, HMAC_SECRET, ["HS256"], dict(leeway=leeway))
        assert got == want, leeway
    assert outcome(tjwt, token, HMAC_SECRET, ["HS256"], dict(leeway=1.5))[1] == \
        "ExpiredSignatureError"


def test_exp_that_passed_a_fraction_ago_is_expired_as_in_pyjwt():
    _wait_for_fraction(0.9)  # exp = now - 0.85 then lies in the same whole second as now
    token = pyjwt.encode({"exp": time.time() - 0.85}, HMAC_SECRET, algorithm="HS256")
    assert outcome(pyjwt, token, HMAC_SECRET, ["HS256"], {}) == ("error", "ExpiredSignatureError")
    assert outcome(tjwt, token, HMAC_SECRET, ["HS256"], {}) == ("error", "ExpiredSignatureError")
