"""DPoP (RFC 9449): verify_dpop_proof, DpopReplayCache, jwk_thumbprint and access_token_hash
against the RFCs' own examples, every failure code and replay. Proofs made by a maintained
client library are in test_dpop_client.py."""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import json
import pathlib
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import tokenwarden
from conftest import AUDIENCE, ISSUER, ticks_while
from dpop_support import NOW, URL, refused
from tokenwarden import _native

VECTORS = json.loads((pathlib.Path(__file__).parent / "dpop_vectors.json").read_text())
TOKEN_REQUEST = VECTORS["token_request"]
RESOURCE = VECTORS["resource_request"]


def verify_resource(proof=RESOURCE["proof"], **overrides):
    args = dict(method=RESOURCE["method"], url=RESOURCE["url"],
                access_token=RESOURCE["access_token"], now=RESOURCE["now"])
    args.update(overrides)
    return tokenwarden.verify_dpop_proof(proof, **args)


# A proof of our own making for the failure paths (PyJWT signs it; the checks are the core's).
KEY = ec.generate_private_key(ec.SECP256R1())
JWK = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key()))


def proof(claims=None, header=None, key=KEY, alg="ES256") -> str:
    body = {"jti": "j-1", "htm": "GET", "htu": URL, "iat": NOW}
    body.update(claims or {})
    head = {"typ": "dpop+jwt", "jwk": JWK}
    head.update(header or {})
    return pyjwt.encode(body, key, algorithm=alg, headers=head)


# -- RFC 9449's and RFC 7638's own examples -------------------------------------------------

def test_rfc9449_token_request_proof():
    result = tokenwarden.verify_dpop_proof(
        TOKEN_REQUEST["proof"], method=TOKEN_REQUEST["method"], url=TOKEN_REQUEST["url"],
        now=TOKEN_REQUEST["now"])
    assert result == tokenwarden.DpopProof(VECTORS["jkt"], TOKEN_REQUEST["jti"],
                                           TOKEN_REQUEST["iat"], "ES256")
    assert result.jkt == VECTORS["jkt"]


def test_rfc9449_resource_request_proof_and_its_ath():
    assert tokenwarden.access_token_hash(RESOURCE["access_token"]) == RESOURCE["ath"]
    result = verify_resource()
    assert (result.jkt, result.jti, result.iat, result.alg) == (
        VECTORS["jkt"], RESOURCE["jti"], RESOURCE["iat"], "ES256")
    # The URL as a gateway may spell it: case, default port, a query.
    assert verify_resource(url="HTTPS://Resource.Example.ORG:443/protectedresource?p=2").jkt
    # The key's thumbprint is RFC 9449 section 6.1's cnf.jkt.
    header = json.loads(base64.urlsafe_b64decode(RESOURCE["proof"].split(".")[0] + "=="))
    assert tokenwarden.jwk_thumbprint(header["jwk"]) == VECTORS["jkt"]


def test_rfc9449_resource_proof_refused_for_another_request():
    for overrides, detail in [
        (dict(method="POST"), "the DPoP proof's htm is not the request's method"),
        (dict(url="https://resource.example.org/other"),
         "the DPoP proof's htu is not the request's URL"),
        (dict(access_token="another-token"),
         "the DPoP proof's ath is not the hash of this access token"),
        (dict(now=RESOURCE["now"] + 61), "the DPoP proof is too old (its iat)"),
        (dict(now=RESOURCE["now"] - 61), "the DPoP proof is issued in the future (its iat)"),
    ]:
        with pytest.raises(tokenwarden.InvalidDpopProofError) as info:
            verify_resource(**overrides)
        assert info.value.code == "invalid_dpop_proof"
        assert info.value.detail == detail, overrides
        assert detail in str(info.value)
    assert verify_resource(now=RESOURCE["now"] + 65, leeway=5).jti == RESOURCE["jti"]
    assert verify_resource(now=RESOURCE["now"] + 300, max_age=300).jti == RESOURCE["jti"]


def test_rfc7638_thumbprint():
    jwk = VECTORS["rfc7638"]["jwk"]
    want = VECTORS["rfc7638"]["thumbprint"]
    assert tokenwarden.jwk_thumbprint(jwk) == want
    assert tokenwarden.jwk_thumbprint(json.dumps(jwk)) == want
    assert tokenwarden.jwk_thumbprint(json.dumps(jwk).encode()) == want
    for bad in ({"kty": "oct", "k": "AAAA"}, {"kty": "RSA", "e": "AQAB"}, "[]", "not json"):
        with pytest.raises(ValueError):
            tokenwarden.jwk_thumbprint(bad)


# -- every failure code ----------------------------------------------------------------------

def test_every_check_of_the_proof_refuses_with_invalid_dpop_proof():
    ok = proof()
    assert tokenwarden.verify_dpop_proof(ok, method="GET", url=URL, now=NOW).jti == "j-1"
    refused(proof(header={"typ": "JWT"}), "invalid_dpop_proof",
            "the DPoP proof's typ is not dpop+jwt")
    refused(proof(), "invalid_dpop_proof",
            "the DPoP proof's alg is not an allowed asymmetric algorithm", algorithms=["ES384"])
    refused(pyjwt.encode({"jti": "j", "htm": "GET", "htu": URL, "iat": NOW}, "s" * 32,
                         algorithm="HS256", headers={"typ": "dpop+jwt", "jwk": JWK}),
            "invalid_dpop_proof", "the DPoP proof's alg is not an allowed asymmetric algorithm")
    private = dict(JWK, d=pyjwt.algorithms.ECAlgorithm.to_jwk(KEY, as_dict=True)["d"])
    refused(proof(header={"jwk": private}), "invalid_dpop_proof",
            "the DPoP proof's jwk holds a private key")
    other = ec.generate_private_key(ec.SECP256R1())
    refused(proof(key=other), "invalid_dpop_proof",
            "the DPoP proof's signature does not verify with its jwk")
    refused(proof(claims={"jti": ""}), "invalid_dpop_proof",
            "the DPoP proof's jti is empty or longer than 256 bytes")
    refused(proof(claims={"iat": NOW - 61}), "invalid_dpop_proof",
            "the DPoP proof is too old (its iat)")
    refused(ok, "invalid_dpop_proof", "the DPoP proof lacks ath, the hash of the access token",
            access_token="the-token")
    for garbage in ("", "a.b", "a.b.c", ok + "x" * 9000):
        refused(garbage, "invalid_dpop_proof")


def test_use_dpop_nonce():
    err = refused(proof(), "use_dpop_nonce", "the DPoP proof lacks the server's nonce",
                  nonce="n-2")
    assert isinstance(err, tokenwarden.UseDpopNonceError)
    refused(proof(claims={"nonce": "n-1"}), "use_dpop_nonce",
            "the DPoP proof's nonce is not the current one", nonce="n-2")
    assert tokenwarden.verify_dpop_proof(proof(claims={"nonce": "n-2"}), method="GET", url=URL,
                                         now=NOW, nonce="n-2").nonce == "n-2"
    # Without an expected nonce the proof's is handed back, for the service to judge.
    assert tokenwarden.verify_dpop_proof(proof(claims={"nonce": "n-9"}), method="GET", url=URL,
                                         now=NOW).nonce == "n-9"
    assert tokenwarden.verify_dpop_proof(proof(), method="GET", url=URL, now=NOW).nonce is None


def test_replay_is_refused_and_only_accepted_proofs_spend_their_jti():
    cache = tokenwarden.DpopReplayCache(1000)
    ath = tokenwarden.access_token_hash("tok")
    first = proof(claims={"ath": ath})
    tokenwarden.verify_dpop_proof(first, method="GET", url=URL, now=NOW, access_token="tok",
                                  replay_cache=cache)
    assert len(cache) == 1
    err = refused(first, "dpop_proof_replayed", "the DPoP proof's jti was used before",
                  access_token="tok", replay_cache=cache)
    assert isinstance(err, tokenwarden.DpopProofReplayedError)
    # Refused for its method, a proof does not enter the cache: it still passes once after.
    second = proof(claims={"jti": "j-2", "ath": ath})
    refused(second, "invalid_dpop_proof", method="POST", access_token="tok", replay_cache=cache)
    refused(second, "invalid_dpop_proof", method="POST", access_token="tok", replay_cache=cache)
    assert len(cache) == 1
    tokenwarden.verify_dpop_proof(second, method="GET", url=URL, now=NOW, access_token="tok",
                                  replay_cache=cache)
    refused(second, "dpop_proof_replayed", access_token="tok", replay_cache=cache)
    # The same jti under another key is another proof; past its window the entry may go.
    other = ec.generate_private_key(ec.SECP256R1())
    other_jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(other.public_key()))
    tokenwarden.verify_dpop_proof(proof(header={"jwk": other_jwk}, key=other), method="GET",
                                  url=URL, now=NOW, replay_cache=cache)
    # Without a cache, nothing is remembered.
    tokenwarden.verify_dpop_proof(first, method="GET", url=URL, now=NOW, access_token="tok")


def test_threads_sharing_a_replay_cache_accept_each_proof_once():
    cache = tokenwarden.DpopReplayCache(1000)
    proofs = [proof(claims={"jti": f"t-{i}"}) for i in range(20)]

    def attempt(p):
        try:
            return tokenwarden.verify_dpop_proof(p, method="GET", url=URL, now=NOW,
                                                 replay_cache=cache).jti
        except tokenwarden.DpopProofReplayedError:
            return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, proofs * 4))
    assert sorted(r for r in results if r is not None) == sorted(f"t-{i}" for i in range(20))
    assert results.count(None) == 60
    assert len(cache) == 20


def test_a_full_replay_cache_refuses_rather_than_forget():
    cache = tokenwarden.DpopReplayCache(1)  # one proof per shard, 16 shards
    with pytest.raises(tokenwarden.DpopReplayCacheFullError) as info:
        for i in range(17):
            tokenwarden.verify_dpop_proof(proof(claims={"jti": f"j-{i}"}), method="GET",
                                          url=URL, now=NOW, replay_cache=cache)
    assert isinstance(info.value, OverflowError)
    assert "full" in str(info.value)


def test_every_core_code_has_its_class_and_the_dpop_family():
    assert set(tokenwarden.ERROR_CLASSES) == set(_native.ERROR_CODES)
    for code in ("invalid_dpop_proof", "dpop_proof_replayed", "use_dpop_nonce"):
        assert issubclass(tokenwarden.ERROR_CLASSES[code], tokenwarden.DpopProofError)
    for code in ("dpop_key_mismatch", "proof_of_possession_required", "certificate_mismatch"):
        cls = tokenwarden.ERROR_CLASSES[code]
        assert issubclass(cls, tokenwarden.TokenBindingError) and cls.code == code
    assert tokenwarden.DpopKeyMismatchError.code == "dpop_key_mismatch"
    assert tokenwarden.ProofOfPossessionRequiredError.code == "proof_of_possession_required"
    assert tokenwarden.CertificateMismatchError.code == "certificate_mismatch"


def test_arguments_are_checked():
    ok = proof()
    for kwargs, exc in [
        (dict(algorithms=["HS256"]), ValueError),
        (dict(algorithms=["none"]), ValueError),
        (dict(algorithms=[]), ValueError),
        (dict(algorithms=[1]), TypeError),
        (dict(leeway=1.5), ValueError),
        (dict(max_age=-1), ValueError),
        (dict(max_future=86401), ValueError),
        (dict(leeway="5"), TypeError),
        (dict(now=float("nan")), ValueError),
        (dict(now=1e300), ValueError),
        (dict(now="1800000000"), TypeError),
        (dict(access_token=""), ValueError),
        (dict(replay_cache=object()), TypeError),
    ]:
        args = dict(method="GET", url=URL, now=NOW)
        args.update(kwargs)
        with pytest.raises(exc):
            tokenwarden.verify_dpop_proof(ok, **args)
    with pytest.raises(TypeError):
        tokenwarden.verify_dpop_proof(ok, "GET", URL)  # keyword-only
    for capacity, exc in [(0, ValueError), (1 << 25, ValueError), (2.0, TypeError),
                          (True, TypeError)]:
        with pytest.raises(exc):
            tokenwarden.DpopReplayCache(capacity)
    assert tokenwarden.verify_dpop_proof(
        proof(claims={"iat": NOW - 70}), method="GET", url=URL, now=NOW,
        leeway=datetime.timedelta(seconds=10)).iat == NOW - 70
    assert tokenwarden.verify_dpop_proof(ok.encode(), method="GET", url=URL, now=NOW,
                                         algorithms="ES256").alg == "ES256"


def test_verification_releases_the_gil():
    """Another Python thread runs while proofs are verified: each call gives the GIL up
    around its signature check, as Validator.validate does for a public-key token."""
    proofs = [proof(claims={"jti": f"g-{i}"}) for i in range(100)]
    results, during = ticks_while(lambda: [
        tokenwarden.verify_dpop_proof(p, method="GET", url=URL, now=NOW) for p in proofs])
    assert [r.jti for r in results] == [f"g-{i}" for i in range(100)]
    # With the GIL held through every call the spinner could not have run at all.
    assert during > 10, during


# -- token binding (cnf): validate with what the request presented ---------------------------

def test_validate_judges_the_token_binding(keys):
    """A DPoP-bound token (cnf.jkt) passes with a proof by its key and nothing else once the
    binding is checked; a certificate-bound one (cnf x5t#S256) likewise with its certificate."""
    jkt = tokenwarden.jwk_thumbprint(JWK)
    dpop_bound = keys.mint("ES256", cnf={"jkt": jkt})
    cert_bound = keys.mint("ES256", cnf={"x5t#S256": "cert-1"})
    bearer = keys.mint("ES256")

    def validator(**kw):
        return tokenwarden.Validator(keys.jwks, issuer=ISSUER, audience=AUDIENCE, **kw)

    def code(v, token, **kw):
        with pytest.raises(tokenwarden.InvalidTokenError) as info:
            v.validate(token, **kw)
        assert type(info.value) is tokenwarden.ERROR_CLASSES[info.value.code]
        return info.value.code

    # Off by default: a bound token passes as a bearer token unless the call presents a proof.
    lenient = validator()
    assert lenient.validate(dpop_bound)["cnf"] == {"jkt": jkt}
    assert lenient.validate(dpop_bound, dpop_jkt=jkt)["sub"] == "user-1"
    assert code(lenient, dpop_bound, dpop_jkt="another-key") == "dpop_key_mismatch"
    assert code(lenient, bearer, dpop_jkt=jkt) == "dpop_key_mismatch"

    strict = validator(check_binding=True)
    assert strict.validate(bearer)["sub"] == "user-1"
    for _ in range(2):  # the second is a cache hit: the binding is judged on each call
        assert code(strict, dpop_bound) == "proof_of_possession_required"
    assert strict.validate(dpop_bound, dpop_jkt=jkt)["sub"] == "user-1"
    assert strict.validate_complete(dpop_bound, dpop_jkt=jkt)[1]["cnf"]["jkt"] == jkt
    with pytest.raises(tokenwarden.ProofOfPossessionRequiredError):
        strict.validate_complete(dpop_bound)
    assert code(strict, cert_bound) == "proof_of_possession_required"
    assert code(strict, cert_bound, certificate_thumbprint="cert-2") == "certificate_mismatch"
    assert strict.validate(cert_bound, certificate_thumbprint="cert-1")["sub"] == "user-1"
    err = pytest.raises(tokenwarden.DpopKeyMismatchError, strict.validate, dpop_bound,
                        dpop_jkt="another-key").value
    assert isinstance(err, tokenwarden.TokenBindingError) and "cnf.jkt" in err.detail

    # validate_many presents nothing: each bound token comes back refused.
    many = strict.validate_many([bearer, dpop_bound, cert_bound])
    assert many[0]["sub"] == "user-1"
    assert [type(e) for e in many[1:]] == [tokenwarden.ProofOfPossessionRequiredError] * 2

    dpop_only = validator(dpop_required=True)
    assert code(dpop_only, bearer) == "proof_of_possession_required"
    assert dpop_only.validate(dpop_bound, dpop_jkt=jkt)["sub"] == "user-1"

    for bad, exc in [(dict(dpop_jkt=""), ValueError), (dict(dpop_jkt=b"x"), TypeError),
                     (dict(certificate_thumbprint=3), TypeError), (dict(dpop=1), TypeError)]:
        with pytest.raises(exc):
            strict.validate(dpop_bound, **bad)


def test_a_verified_proof_then_its_bound_token(keys):
    """The flow of a resource server: verify the DPoP proof, then the token with its jkt."""
    jkt = tokenwarden.jwk_thumbprint(JWK)
    token = keys.mint("ES256", cnf={"jkt": jkt})
    v = tokenwarden.Validator(keys.jwks, issuer=ISSUER, audience=AUDIENCE, check_binding=True)
    now = int(time.time())
    p = proof(claims={"ath": tokenwarden.access_token_hash(token), "iat": now})
    checked = tokenwarden.verify_dpop_proof(p, method="GET", url=URL, access_token=token)
    assert v.validate(token, dpop_jkt=checked.jkt)["cnf"]["jkt"] == jkt
    other = ec.generate_private_key(ec.SECP256R1())
    other_jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(other.public_key()))
    stranger = tokenwarden.verify_dpop_proof(
        proof(claims={"ath": tokenwarden.access_token_hash(token), "iat": now},
              header={"jwk": other_jwk}, key=other),
        method="GET", url=URL, access_token=token)
    with pytest.raises(tokenwarden.DpopKeyMismatchError):
        v.validate(token, dpop_jkt=stranger.jkt)
