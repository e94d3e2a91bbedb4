"""tokenwarden.Validator: the core's verdicts, as Python values and exceptions."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import time

import pytest

import tokenwarden
from conftest import AUDIENCE, ISSUER, hs256_token, ticks_while

ALGS = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256"]


def make(keys, **kw):
    options = dict(issuer=ISSUER, audience=AUDIENCE, algorithms=ALGS)
    options.update(kw)
    return tokenwarden.Validator(keys.jwks, **options)


@pytest.mark.parametrize("alg", ALGS)
def test_valid_tokens_of_every_algorithm(keys, alg):
    v = make(keys)
    token = keys.mint(alg, extra={"nested": [1, 2.5, None, True, {"x": "é"}]})
    claims = v.validate(token)
    assert claims["sub"] == "user-1"
    assert claims["extra"] == {"nested": [1, 2.5, None, True, {"x": "é"}]}
    assert v.validate(token.encode()) == claims  # bytes too, and the cached path agrees


def test_integers_are_exact_to_64_bits_and_beyond(keys):
    claims = make(keys).validate(keys.mint(top=2**64 - 1, bottom=-(2**63), f=0.1 + 0.2))
    assert claims["top"] == 2**64 - 1 and claims["bottom"] == -(2**63)
    assert claims["f"] == 0.1 + 0.2
    # Beyond 64 bits (PyJWT, jose and jwcrypto sign such tokens): accepted, exact, on the
    # cached path too.
    v = make(keys)
    token = keys.mint(big=2**70, neg=-(10**30), nested=[2**100])
    for _ in range(2):
        claims = v.validate(token)
        assert claims["big"] == 2**70 and claims["neg"] == -(10**30)
        assert claims["nested"] == [2**100]


@pytest.mark.parametrize("change, cls, code", [
    (dict(exp=1), tokenwarden.ExpiredTokenError, "expired"),
    (dict(nbf=int(time.time()) + 3600), tokenwarden.NotYetValidError, "not_yet_valid"),
    (dict(iss="https://evil.example"), tokenwarden.InvalidIssuerError, "invalid_issuer"),
    (dict(aud="api://other"), tokenwarden.InvalidAudienceError, "invalid_audience"),
    (dict(exp=None), tokenwarden.MissingClaimError, "missing_claim"),
])
def test_claim_failures_raise_their_class_and_code(keys, change, cls, code):
    with pytest.raises(cls) as info:
        make(keys).validate(keys.mint("ES256", **change))
    assert info.value.code == code
    assert isinstance(info.value, tokenwarden.InvalidTokenError)
    # The signature verified, so the claims are available for diagnostics.
    assert info.value.payload["sub"] == "user-1"


def test_signature_and_key_failures(keys):
    v = make(keys)
    token = keys.mint("RS256")
    head, body, sig = token.split(".")
    bad = f"{head}.{body}.{sig[:-4]}{'AAAA' if sig[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(tokenwarden.InvalidSignatureError) as info:
        v.validate(bad)
    assert info.value.code == "invalid_signature" and info.value.payload is None
    with pytest.raises(tokenwarden.KeyNotFoundError):
        v.validate(keys.mint("RS256", kid="unknown"))
    with pytest.raises(tokenwarden.AlgorithmNotAllowedError):
        make(keys, algorithms=["ES256"]).validate(token)
    with pytest.raises(tokenwarden.MalformedTokenError):
        v.validate("not-a-token")
    with pytest.raises(tokenwarden.TokenTooLargeError):
        make(keys, max_token_bytes=64).validate(token)
    with pytest.raises(TypeError):
        v.validate(12345)


def test_required_claims_scopes_typ_leeway(keys):
    with pytest.raises(tokenwarden.MissingClaimError) as info:
        make(keys, required_claims=["sub", "jti"]).validate(keys.mint())
    assert info.value.claim == "jti"
    assert make(keys, scopes=["orders:read"]).validate(keys.mint())
    with pytest.raises(tokenwarden.InsufficientScopeError):
        make(keys, scopes=["admin"]).validate(keys.mint())
    with pytest.raises(tokenwarden.InvalidTypeError):
        make(keys, typ="at+jwt").validate(keys.mint())
    assert make(keys, typ="at+jwt").validate(keys.mint(headers={"typ": "at+jwt"}))
    just_expired = keys.mint(exp=int(time.time()) - 5)
    assert make(keys, leeway=30).validate(just_expired)
    with pytest.raises(tokenwarden.ExpiredTokenError):
        make(keys, leeway=0).validate(just_expired)
    assert make(keys, require_exp=False).validate(keys.mint(exp=None))


def test_now_argument_and_cache_rechecks_time(keys):
    v = make(keys)
    token = keys.mint(exp=2_000_000_000)
    assert v.validate(token, now=1_900_000_000)
    with pytest.raises(tokenwarden.ExpiredTokenError):
        v.validate(token, now=2_000_000_000)  # the cached verdict re-checks exp


def test_validate_many_returns_claims_or_errors(keys):
    v = make(keys)
    good, expired = keys.mint(), keys.mint(exp=1)
    out = v.validate_many([good, expired, "garbage", good.encode()])
    assert out[0]["sub"] == "user-1" and out[3] == out[0]
    assert isinstance(out[1], tokenwarden.ExpiredTokenError)
    assert isinstance(out[2], tokenwarden.MalformedTokenError)
    assert v.validate_many([]) == []


# Validly signed payloads the core refuses: not JSON, a BOM, bytes that are not UTF-8 (0xff;
# an encoded surrogate).
REFUSED_PAYLOADS = [b"not json", b'\xef\xbb\xbf{"a":1}', b'{"a":"\xff"}', b'{"a":"\xed\xa0\x80"}']


@pytest.mark.parametrize("payload", REFUSED_PAYLOADS)
def test_a_refused_payload_is_a_malformed_token_error(keys, payload):
    # Regression (issue 19): attaching such a payload to the error raised JSONDecodeError or
    # UnicodeDecodeError instead, from validate and from validate_many alike.
    v = tokenwarden.Validator(keys.jwks, algorithms=["HS256"], require_exp=False)
    token = hs256_token(payload)
    with pytest.raises(tokenwarden.MalformedTokenError) as info:
        v.validate(token)
    assert info.value.payload is None
    [out] = v.validate_many([token])
    assert isinstance(out, tokenwarden.MalformedTokenError)


def test_now_and_leeway_keep_their_fractions(keys):
    # Regression (issue 19): both were cut to whole seconds (leeway rounded up, now down).
    token = keys.mint(exp=2_000_000_000)
    for leeway in (1.5, dt.timedelta(milliseconds=1500)):
        v = make(keys, leeway=leeway)
        assert v.validate(token, now=2_000_000_001.4)
        with pytest.raises(tokenwarden.ExpiredTokenError):
            v.validate(token, now=2_000_000_001.6)  # a cache hit: re-checked with the fraction
    fractional = keys.mint(exp=2_000_000_000.5)
    v = make(keys)
    assert v.validate(fractional, now=2_000_000_000.2)
    with pytest.raises(tokenwarden.ExpiredTokenError):
        v.validate(fractional, now=2_000_000_000.7)


def test_the_default_clock_keeps_its_fraction(keys):
    # Once the second is 0.9 old, exp = now - 0.85 lies in the same whole second as now: only
    # a fractional clock sees that it has passed.
    while time.time() % 1 < 0.9:
        time.sleep(0.005)
    token = keys.mint(exp=time.time() - 0.85, iat=None)
    with pytest.raises(tokenwarden.ExpiredTokenError):
        make(keys, cache=False).validate(token)


def test_keys_in_every_form(keys):
    token = keys.mint("ES256", kid=None)
    for form in (keys.pem("ES256"), keys.pem("ES256").decode(),
                 keys.private["ES256"].public_key(), keys.private["ES256"],
                 [k for k in keys.jwks["keys"] if k["kid"] == "k-ES256"][0],
                 json.dumps(keys.jwks)):
        assert tokenwarden.Validator(form, issuer=ISSUER, audience=AUDIENCE,
                                     algorithms=["ES256"]).validate(token)["sub"] == "user-1"


def test_bad_configuration_is_refused(keys):
    with pytest.raises(ValueError):
        tokenwarden.Validator({"keys": []})
    with pytest.raises(ValueError):
        tokenwarden.Validator(keys.jwks, algorithms=["none"])
    with pytest.raises(ValueError):
        tokenwarden.Validator(keys.jwks, leeway=-1)
    with pytest.raises(TypeError):
        tokenwarden.Validator(42)
    with pytest.raises(ValueError):  # RFC 7518 §3.2: an HMAC key shorter than the hash
        tokenwarden.Validator({"kty": "oct", "k": "c2hvcnQ"}, algorithms=["HS256"])


def test_update_keys_rotates(keys):
    v = make(keys)
    token = keys.mint("RS256")
    assert v.validate(token)
    only_ec = {"keys": [k for k in keys.jwks["keys"] if k["kty"] == "EC"]}
    v.update_keys(only_ec)
    with pytest.raises(tokenwarden.KeyNotFoundError):
        v.validate(token)  # the cached verdict of the old key set no longer serves
    with pytest.raises(ValueError):
        v.update_keys({"keys": []})  # refused; the set in place stays
    assert v.validate(keys.mint("ES256"))


def test_revoke(keys):
    v = make(keys)
    token = keys.mint()
    assert v.validate(token)
    assert v.revoke(token) is True
    with pytest.raises(tokenwarden.RevokedTokenError) as info:
        v.validate(token)
    assert info.value.code == "revoked"
    assert v.revoke(keys.mint(kid="unknown")) is False


def test_threads_share_one_validator(keys):
    v = make(keys)
    tokens = [keys.mint(alg) for alg in ALGS] + [keys.mint(exp=1)]

    def run(i):
        token = tokens[i % len(tokens)]
        try:
            return v.validate(token)["sub"]
        except tokenwarden.ExpiredTokenError as e:
            return e.code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, range(2000)))
    expected = ["user-1"] * len(ALGS) + ["expired"]
    assert results == [expected[i % len(expected)] for i in range(2000)]


def test_every_stable_code_has_a_class():
    # The core's own list (appended to as codes are added): each code has its class.
    codes = {cls.code for cls in tokenwarden.ERROR_CLASSES.values()}
    assert codes == set(tokenwarden._native.ERROR_CODES)
    assert len(codes) == 24
    for code, cls in tokenwarden.ERROR_CLASSES.items():
        assert issubclass(cls, tokenwarden.InvalidTokenError) and cls.code == code


def test_verification_releases_the_gil(keys):
    """Another Python thread runs while a batch is verified: the GIL is released."""
    v = make(keys, cache=False)
    tokens = [keys.mint("ES256") for _ in range(100)] * 4  # cold: a signature check each
    # ~20 ms of ECDSA verification in one native call.
    out, during = ticks_while(lambda: v.validate_many(tokens))
    assert all(isinstance(c, dict) for c in out)
    # With the GIL held for the whole call the spinner could not have run at all.
    assert during > 10, during


def test_a_token_issued_this_instant_is_not_in_the_future(keys):
    """iat = int(time.time()) just after a second boundary must validate with no leeway:
    the core's clock must not lag CLOCK_REALTIME (glibc's time() reads a coarse clock that
    can still show the previous second; CI once caught exactly that)."""
    import jwt as pyjwt
    from conftest import HMAC_SECRET
    v = tokenwarden.Validator({"kty": "oct", "k": __import__("base64").urlsafe_b64encode(
        HMAC_SECRET).rstrip(b"=").decode()}, algorithms=["HS256"], cache=False)
    deadline = time.time() + 2.2  # crosses at least two second boundaries
    checked = 0
    while time.time() < deadline:
        now = int(time.time())
        token = pyjwt.encode({"iat": now, "nbf": now, "exp": now + 60}, HMAC_SECRET,
                             algorithm="HS256")
        v.validate(token)  # raises NotYetValidError if the clock lags
        checked += 1
    assert checked > 1000


def test_validate_takes_token_and_now_by_position_or_keyword(keys):
    # validate is a plain CPython method (module.cc: ValidateMethod), not nanobind's
    # dispatcher: the same signature, and TypeError for calls that do not fit it.
    v = make(keys)
    token = keys.mint("HS256")
    now = time.time()
    expected = v.validate(token)
    assert v.validate(token, now) == expected
    assert v.validate(token, now=now) == expected
    assert v.validate(token=token, now=now) == expected
    assert v.validate(token=token) == expected
    assert v.validate(token, None) == expected
    with pytest.raises(tokenwarden.ExpiredTokenError):
        v.validate(token, now + 3600)
    for bad_call in (lambda: v.validate(), lambda: v.validate(token, now, 1),
                     lambda: v.validate(token, token=token), lambda: v.validate(token, when=now),
                     lambda: v.validate(7), lambda: tokenwarden.Validator.validate(object(), token)):
        with pytest.raises(TypeError):
            bad_call()
    with pytest.raises(ValueError):
        v.validate(token, float("nan"))

    class NeverInitialized(tokenwarden.Validator):
        def __init__(self) -> None:  # does not call the base's
            pass

    with pytest.raises(TypeError):
        NeverInitialized().validate(token)
