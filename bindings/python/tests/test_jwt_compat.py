"""tokenwarden.jwt against PyJWT itself: the same calls give the same payloads and the same
exception classes (so an application changes one import line)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

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
    assert tjwt.decode(rs, keys.private["RS256"].public_key(), algorithms=["RS256"],
                       audience=AUDIENCE)["sub"] == "user-1"
    # PyJWT cannot verify with an RSA private key (AttributeError); tokenwarden refuses it
    # rather than accept tokens PyJWT rejects (differential: rsa-private-key).
    for key in (keys.private["RS256"], private_pem):
        with pytest.raises(AttributeError):
            pyjwt.decode(rs, key, algorithms=["RS256"], audience=AUDIENCE)
        with pytest.raises(tjwt.InvalidKeyError, match="private key"):
            tjwt.decode(rs, key, algorithms=["RS256"], audience=AUDIENCE)


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


# Found by PyJWT's own suite (tests/pyjwt_suite) and the differential (tests/differential).

def test_an_openssh_ecdsa_key_is_never_an_hmac_secret():
    # GHSA-ffqj-6fqr-9h24: a token HMAC-signed with the verifier's public key text. An
    # "ecdsa-sha2-nistp256 ..." key was read as an HMAC secret, so with HS256 allowed next to
    # ES256 the forged token verified; a PEM block after other text was too.
    private = ec.generate_private_key(ec.SECP256R1())
    ssh = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    good = pyjwt.encode({"sub": "x"}, private, algorithm="ES256")
    for key in (ssh, ssh.decode(), b"comment\n" + pem):
        forged = hs256_with(key, {"sub": "admin"})
        with pytest.raises(tjwt.InvalidKeyError):
            tjwt.decode(forged, key, algorithms=["ES256", "HS256"])
        with pytest.raises(pyjwt.InvalidKeyError):
            pyjwt.decode(forged, key, algorithms=["ES256", "HS256"])
    assert tjwt.decode(good, ssh, algorithms=["ES256", "HS256"]) == {"sub": "x"}


def test_jwk_text_and_der_keys_are_never_hmac_secrets():
    # Algorithm confusion through a published key in another form: a token HMAC-signed with
    # the text of the issuer's public JWK (alone, in a set, nested, or a symmetric one), or
    # with its DER bytes, must not verify when HS256 is allowed beside the real algorithm.
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key()
    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(public))
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    texts = [json.dumps(jwk), json.dumps({"keys": [jwk]}), " \n" + json.dumps(jwk),
             json.dumps({"kty": "oct", "k": "c2VjcmV0"}), json.dumps([{"a": {"kty": "EC"}}])]
    for key in texts + [t.encode() for t in texts] + [der]:
        forged = hs256_with(key if isinstance(key, bytes) else key.encode(), {"sub": "admin"})
        with pytest.raises(tjwt.InvalidKeyError):
            tjwt.decode(forged, key, algorithms=["ES256", "HS256"])
        with pytest.raises(pyjwt.InvalidKeyError):
            pyjwt.decode(forged, key, algorithms=["ES256", "HS256"])
    deep = "[" * 100000 + "]" * 100000
    with pytest.raises(tjwt.InvalidKeyError):
        tjwt.decode(hs256_with(deep.encode(), {"sub": "x"}), deep, algorithms=["HS256"])
    # JSON that holds no JWK, and ordinary text, stay usable secrets.
    for secret in ('{"purpose": "signing", "version": 2, "note": "rotate yearly"}',
                   "correct horse battery staple, thirty-two bytes at least"):
        token = hs256_with(secret.encode(), {"sub": "ok"})
        assert tjwt.decode(token, secret, algorithms=["HS256"]) == {"sub": "ok"}


def hs256_with(secret, claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    raw = secret.encode() if isinstance(secret, str) else secret
    signing_input = b64(b'{"alg":"HS256"}') + "." + b64(json.dumps(claims).encode())
    return signing_input + "." + b64(hmac.new(raw, signing_input.encode(),
                                              hashlib.sha256).digest())


def test_a_fractional_exp_is_truncated_as_pyjwt_truncates_it():
    # PyJWT compares int(exp): exp = now + 0.5 truncates to a second already begun, so PyJWT
    # says expired; the core alone compared 0.5 s ahead and accepted.
    while time.time() % 1 > 0.4:  # so that exp's fraction, 0.5 later, stays below 1
        time.sleep(0.01)
    token = pyjwt.encode({"exp": time.time() + 0.5}, HMAC_SECRET, algorithm="HS256")
    assert outcome(pyjwt, token, HMAC_SECRET, ["HS256"], {}) == ("error", "ExpiredSignatureError")
    assert outcome(tjwt, token, HMAC_SECRET, ["HS256"], {}) == ("error", "ExpiredSignatureError")
    # With leeway covering the truncation both accept it.
    assert outcome(tjwt, token, HMAC_SECRET, ["HS256"], dict(leeway=2))[0] == "ok"


def test_pyjwt_class_with_options_as_in_pyjwt():
    token = pyjwt.encode({"exp": NOW - 100, "sub": "x"}, HMAC_SECRET, algorithm="HS256")
    for module in (pyjwt, tjwt):
        # Instance options are the defaults of each decode ...
        assert module.PyJWT(options={"verify_exp": False}).decode(
            token, HMAC_SECRET, algorithms=["HS256"])["sub"] == "x"
        with pytest.raises(module.ExpiredSignatureError):
            module.PyJWT().decode(token, HMAC_SECRET, algorithms=["HS256"])
        # ... and verify_signature=False given to the constructor turns the claim checks off
        # but not the signature check (it follows the call's options only).
        lenient = module.PyJWT(options={"verify_signature": False})
        assert lenient.options["verify_exp"] is False and lenient.options["strict_aud"] is False
        with pytest.raises(module.InvalidSignatureError):
            lenient.decode(token[:-4] + "AAAA", HMAC_SECRET, algorithms=["HS256"])


def test_pyjwt_warnings_for_unknown_arguments():
    token = pyjwt.encode({"exp": NOW + 100}, HMAC_SECRET, algorithm="HS256")
    with pytest.warns(tjwt.warnings.RemovedInPyjwt3Warning, match="foo"):
        tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"], foo="bar")
    with pytest.warns(tjwt.warnings.RemovedInPyjwt3Warning, match="foo"):
        tjwt.decode_complete(token, HMAC_SECRET, algorithms=["HS256"], foo="bar")
    with pytest.warns(DeprecationWarning, match="verify"):
        tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"], verify=False)


def test_required_claims_are_checked_without_the_signature_too():
    token = pyjwt.encode({"sub": "x"}, HMAC_SECRET, algorithm="HS256")
    options = {"verify_signature": False, "require": ["exp"]}
    for module in (pyjwt, tjwt):
        with pytest.raises(module.MissingRequiredClaimError):
            module.decode(token, options=options)


def _forged_header(token, header):
    return pyjwt.utils.base64url_encode(json.dumps(header).encode()).decode() + token[
        token.index("."):]


@pytest.mark.parametrize("case", [
    "bytearray-token", "bytearray-key", "jwk-dict-key", "empty-audience", "empty-issuer",
    "kid-number", "crit-empty", "alg-missing", "alg-list",
])
def test_what_the_differential_found_matches_pyjwt(case):
    # Each of these was an accept where PyJWT rejects (bytearray token and key, a JWK dict
    # as the key), a configuration error for a plain mismatch ("" as audience or issuer:
    # InvalidKeyError), or a DecodeError where PyJWT names the header rule.
    token = pyjwt.encode({"exp": NOW + 600, "aud": AUDIENCE, "iss": ISSUER}, HMAC_SECRET,
                         algorithm="HS256")
    key, kwargs = HMAC_SECRET, {}
    if case == "bytearray-token":
        token = bytearray(token.encode())
    elif case == "bytearray-key":
        key = bytearray(HMAC_SECRET)
    elif case == "jwk-dict-key":
        key = {"kty": "oct", "k": pyjwt.utils.base64url_encode(HMAC_SECRET).decode()}
    elif case == "empty-audience":
        kwargs = {"audience": ""}
    elif case == "empty-issuer":
        kwargs = {"audience": AUDIENCE, "issuer": ""}
    else:
        header = {"kid-number": {"alg": "HS256", "kid": 7}, "crit-empty": {"alg": "HS256",
                  "crit": []}, "alg-missing": {"typ": "JWT"}, "alg-list": {"alg": ["HS256"]}}
        token = _forged_header(token, header[case])
        kwargs = {"audience": AUDIENCE}
    want = outcome(pyjwt, token, key, ["HS256"], kwargs)
    got = outcome(tjwt, token, key, ["HS256"], kwargs)
    assert want[0] == "error" and got == want


def test_an_alg_not_allowed_is_reported_before_a_key_that_does_not_fit(keys):
    # PyJWT tests the token's alg against `algorithms` before it reads the key: an HS256
    # token checked with a secret and algorithms=["RS256"] is InvalidAlgorithmError there;
    # tokenwarden said InvalidKeyError (a secret cannot serve RS256).
    token = pyjwt.encode({"exp": NOW + 600}, HMAC_SECRET, algorithm="HS256")
    for key, algorithms in ((HMAC_SECRET, ["RS256"]), (keys.pem("ES256"), ["EdDSA"])):
        want = outcome(pyjwt, token, key, algorithms, {})
        assert outcome(tjwt, token, key, algorithms, {}) == want == (
            "error", "InvalidAlgorithmError")
    # A key that cannot serve an allowed alg is still InvalidKeyError.
    assert outcome(tjwt, token, keys.pem("ES256"), ["HS256"], {}) == ("error",
                                                                        "InvalidKeyError")


def test_encode_takes_our_pyjwk_as_pyjwt_takes_its_own():
    # PyJWT's encode signs with its own PyJWK (and its algorithm); code that mixes both
    # libraries hands it ours.
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private))
    token = tjwt.encode({"sub": "x"}, tjwt.PyJWK(jwk))
    assert pyjwt.get_unverified_header(token)["alg"] == "ES256"
    public = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    assert tjwt.decode(token, tjwt.PyJWK(public)) == {"sub": "x"}


@pytest.mark.parametrize("mutant", ["crit-unknown", "crit-absent-member", "signature-junk",
                                    "signature-noncanonical", "payload-over-padded"])
def test_unverified_decoding_refuses_what_pyjwt_refuses(mutant):
    # verify_signature False decoded headers with any crit and segments in any base64 form
    # Python's decoder takes; PyJWT applies its header and base64url rules there too.
    header = {"crit-unknown": {"alg": "HS256", "crit": ["x"], "x": 1},
              "crit-absent-member": {"alg": "HS256", "crit": ["b64"]}}.get(mutant)
    token = pyjwt.encode({"sub": "x"}, HMAC_SECRET, algorithm="HS256",
                         headers={k: v for k, v in (header or {}).items() if k != "alg"})
    head, body, sig = token.split(".")
    if mutant == "signature-junk":
        token = f"{head}.{body}.{sig[:-2]}!!"
    elif mutant == "signature-noncanonical":  # 43 characters: the last has 2 unused bits
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        token = f"{head}.{body}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) ^ 1]}"
    elif mutant == "payload-over-padded":
        token = f"{head}.{body}===.{sig}"
    options = {"verify_signature": False}
    for module in (pyjwt, tjwt):
        with pytest.raises(module.InvalidTokenError):
            module.decode(token, options=options)
        if mutant.startswith("crit"):
            with pytest.raises(module.InvalidTokenError):
                module.get_unverified_header(token)


def test_algorithms_as_one_string_and_keys_that_are_no_key_as_in_pyjwt():
    token = pyjwt.encode({"exp": NOW + 600}, HMAC_SECRET, algorithm="HS256")
    # A common slip: algorithms="HS256". PyJWT allows HS256 then (a substring test).
    assert outcome(tjwt, token, HMAC_SECRET, "HS256", {}) == outcome(
        pyjwt, token, HMAC_SECRET, "HS256", {})
    for key in (None, 7, object()):  # TypeError in both, as before a key is read
        assert outcome(tjwt, token, key, ["HS256"], {}) == outcome(
            pyjwt, token, key, ["HS256"], {}) == ("error", "TypeError")
