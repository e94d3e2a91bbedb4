"""Interop with PyJWT: tokens minted by jwt.encode, JWK Sets exported by PyJWT's to_jwk, kid selection."""

from __future__ import annotations

import base64
import hashlib

import jwt
import pytest

from twkit import ALGORITHMS, NOW, b64u, expect_error, expect_usage, expect_valid, mint

# Two keys per kind where it matters, so kid selection is exercised.
SIGNERS = {
    "RS256": ["rsa", "rsa_b"], "RS384": ["rsa", "rsa_b"], "RS512": ["rsa_b"],
    "PS256": ["rsa", "rsa_b"], "PS384": ["rsa_b"], "PS512": ["rsa"],
    "ES256": ["p256", "p256_b"], "ES384": ["p384"], "ES512": ["p521"],
    "EdDSA": ["ed25519", "ed25519_b"],
    "HS256": ["hs256", "hs384", "hs512"], "HS384": ["hs384", "hs512"], "HS512": ["hs512"],
}
SET_MEMBERS = ["rsa", "rsa_b", "p256", "p256_b", "p384", "p521", "ed25519", "ed25519_b", "hs256", "hs384", "hs512"]
SIGNER_PARAMS = [(alg, s) for alg in ALGORITHMS for s in SIGNERS[alg]]


@pytest.fixture(scope="module")
def pyjwt_set(keys):
    """The big JWK Set, every member exported by PyJWT itself."""
    return {"keys": [getattr(keys, n).pyjwt_jwk() for n in SET_MEMBERS]}


def _claims(alg):
    return {"iss": "https://issuer.example", "sub": f"subject-{alg}", "aud": ["api", "other"],
            "iat": NOW - 30, "nbf": NOW - 30, "exp": NOW + 600, "jti": f"jti-{alg}", "roles": ["a", "b"]}


@pytest.mark.parametrize("alg, signer", SIGNER_PARAMS)
def test_pyjwt_token_with_kid_selects_its_key_in_a_multi_key_set(verify, keys, pyjwt_set, alg, signer):
    key = getattr(keys, signer)
    token = jwt.encode(_claims(alg), key.signing_key, algorithm=alg, headers={"kid": key.kid})
    res = verify(token, jwks=pyjwt_set, args=["--issuer", "https://issuer.example", "--audience", "api"])
    expect_valid(res, claims=_claims(alg), header=jwt.get_unverified_header(token))


@pytest.mark.parametrize("alg, signer", SIGNER_PARAMS)
def test_pyjwt_token_without_kid_tries_every_fitting_key(verify, keys, pyjwt_set, alg, signer):
    key = getattr(keys, signer)
    token = jwt.encode(_claims(alg), key.signing_key, algorithm=alg)
    assert "kid" not in jwt.get_unverified_header(token)
    expect_valid(verify(token, jwks=pyjwt_set), claims=_claims(alg))


@pytest.mark.parametrize("alg, signer, other", [
    ("RS256", "rsa", "rsa_b"), ("PS256", "rsa_b", "rsa"), ("ES256", "p256", "p256_b"),
    ("EdDSA", "ed25519_b", "ed25519"), ("HS256", "hs256", "hs512"),
])
def test_kid_naming_another_key_of_same_type_is_invalid_signature(verify, keys, pyjwt_set, alg, signer, other):
    """The kid selects the key; no fallback to other keys."""
    token = jwt.encode(_claims(alg), getattr(keys, signer).signing_key, algorithm=alg,
                       headers={"kid": getattr(keys, other).kid})
    expect_error(verify(token, jwks=pyjwt_set), "invalid_signature")


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA", "HS256"])
def test_unknown_kid_in_pyjwt_token_is_key_not_found(verify, keys, pyjwt_set, alg):
    token = mint(alg, keys.for_alg(alg), _claims(alg), kid="kid-that-is-not-in-the-set")
    expect_error(verify(token, jwks=pyjwt_set), "key_not_found")


@pytest.mark.parametrize("alg, name", [("RS256", "rsa"), ("ES384", "p384"), ("EdDSA", "ed25519"),
                                       ("HS256", "hs256")])
def test_token_with_kid_never_matches_a_set_key_without_kid(verify, keys, alg, name):
    key = getattr(keys, name)
    jwks = {"keys": [key.pyjwt_jwk(kid=False)]}
    expect_error(verify(mint(alg, key, _claims(alg)), jwks=jwks), "key_not_found")
    expect_valid(verify(mint(alg, key, _claims(alg), kid=None), jwks=jwks), claims=_claims(alg))


def test_pyjwt_decodes_what_tokenwarden_accepts(verify, keys, pyjwt_set):
    """Cross-check: PyJWT and tokenwarden agree on a token and on its claims."""
    token = mint("PS384", keys.rsa_b, _claims("PS384"))
    res = verify(token, jwks=pyjwt_set)
    js = expect_valid(res)
    pk = jwt.PyJWKSet.from_dict(pyjwt_set)[keys.rsa_b.kid].key
    ref = jwt.decode(token, pk, algorithms=["PS384"], audience="api",
                     options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    assert js["claims"] == ref


# ---------------------------------------------------------------------------
# JWK Set tolerance
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def messy_set(keys):
    cert = keys.rsa.cert_der()
    legit = keys.rsa.jwk(
        use="sig",
        x5c=[base64.b64encode(cert).decode()],
        x5t=b64u(hashlib.sha1(cert).digest()),
        **{"x5t#S256": b64u(hashlib.sha256(cert).digest()), "x-vendor": {"anything": [1, 2]}},
    )
    return {"keys": [
        keys.x25519.jwk(),
        keys.ed448.jwk(),
        keys.secp256k1.jwk(),
        {"kty": "AKP", "alg": "ML-DSA-44", "pub": b64u(b"\x01" * 64), "kid": "pq-1"},
        {"kty": "foo", "kid": "weird"},
        keys.rsa_b.jwk(kid="enc-1", use="enc", alg="RSA-OAEP"),
        keys.rsa3072.jwk(kid="ops-encrypt", key_ops=["encrypt", "wrapKey"]),
        keys.rsa4096.jwk(kid="ops-empty", key_ops=[]),
        legit,
        keys.p256.jwk(key_ops=["verify"]),
        keys.p384.jwk(key_ops=["sign", "verify"], use="sig"),
        keys.ed25519.jwk(extra_member="tolerated"),
    ], "x-set-member": "tolerated"}


@pytest.mark.parametrize("alg, name", [("RS256", "rsa"), ("PS512", "rsa"), ("ES256", "p256"), ("ES384", "p384"),
                                       ("EdDSA", "ed25519")])
def test_messy_set_loads_and_usable_keys_verify(verify, keys, messy_set, alg, name):
    key = getattr(keys, name)
    expect_valid(verify(mint(alg, key, _claims(alg)), jwks=messy_set), claims=_claims(alg))
    expect_valid(verify(mint(alg, key, _claims(alg), kid=None), jwks=messy_set), claims=_claims(alg))


@pytest.mark.parametrize("signer, kid", [("rsa_b", "enc-1"), ("rsa3072", "ops-encrypt"), ("rsa4096", "ops-empty")])
def test_encryption_keys_in_set_are_skipped(verify, keys, messy_set, signer, kid):
    signer_key = getattr(keys, signer)
    expect_error(verify(mint("RS256", signer_key, _claims("RS256"), kid=kid), jwks=messy_set), "key_not_found")
    expect_error(verify(mint("RS256", signer_key, _claims("RS256"), kid=None), jwks=messy_set), "invalid_signature")


@pytest.mark.parametrize("name, alg", [("secp256k1", "ES256"), ("ed448", "EdDSA")])
def test_unsupported_curve_keys_in_set_are_skipped(verify, keys, messy_set, name, alg):
    from twkit import forge
    key = getattr(keys, name)
    token = forge({"alg": alg, "kid": key.kid}, _claims(alg), key.private,
                  "ES256" if alg == "ES256" else "EdDSA")
    expect_error(verify(token, jwks=messy_set), "key_not_found")


def test_set_with_only_unusable_keys_is_exit_2(verify, keys, messy_set):
    unusable = {"keys": messy_set["keys"][:8]}
    expect_usage(verify(mint("RS256", keys.rsa, _claims("RS256")), jwks=unusable))
