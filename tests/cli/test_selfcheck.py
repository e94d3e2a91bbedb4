"""Self-checks of the suite's own token minting (no binary needed).

If these fail, the bug is in twkit.py, not in tokenwarden.
"""

from __future__ import annotations

import jwt
import pytest

from twkit import (ALGORITHMS, NOW, VALID_CLAIMS_BASE, at_hash, b64u, decode_part, forge, json_depth, mint,
                   nested_claims, sig_bytes)


def _pyjwt_key(key, use_pyjwk=True):
    if key.kty == "oct":
        return key.private
    return jwt.PyJWK(key.jwk()).key if use_pyjwk else key.public


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_forged_token_verifies_with_pyjwt_using_hand_built_jwk(keys, alg):
    key = keys.for_alg(alg)
    claims = dict(VALID_CLAIMS_BASE, n=1)
    token = forge({"alg": alg, "kid": key.kid}, claims, key)
    pub = jwt.PyJWK(key.jwk(), algorithm=alg).key
    decoded = jwt.decode(token, pub, algorithms=[alg], options={"verify_exp": False})
    assert decoded == claims


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_minted_token_verifies_with_pyjwt_and_has_kid(keys, alg):
    key = keys.for_alg(alg)
    token = mint(alg, key, VALID_CLAIMS_BASE)
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    pub = key.private if key.kty == "oct" else key.public
    assert jwt.decode(token, pub, algorithms=[alg], options={"verify_exp": False}) == VALID_CLAIMS_BASE


@pytest.mark.parametrize("name", ["rsa", "p256", "p384", "p521", "ed25519", "hs256"])
def test_hand_built_jwk_matches_pyjwt_to_jwk(keys, name):
    key = getattr(keys, name)
    mine, theirs = key.jwk(kid=False), key.pyjwt_jwk(kid=False)
    for member in mine:
        assert mine[member] == theirs[member], member


@pytest.mark.parametrize("alg, size", [("ES256", 64), ("ES384", 96), ("ES512", 132), ("EdDSA", 64),
                                       ("RS256", 256), ("HS384", 48)])
def test_signature_sizes(keys, alg, size):
    token = forge({"alg": alg}, VALID_CLAIMS_BASE, keys.for_alg(alg))
    assert len(sig_bytes(token)) == size


def test_pss_salt_override_still_verifies_under_lenient_pyjwt_check(keys):
    # cryptography's verify with AUTO salt accepts any salt: proves the forged
    # signature is a real PSS signature, only with the wrong salt length.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    token = forge({"alg": "PS256"}, VALID_CLAIMS_BASE, keys.rsa, pss_salt=0)
    h, p, _ = token.split(".")
    keys.rsa.public.verify(sig_bytes(token), f"{h}.{p}".encode(),
                           padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                           hashes.SHA256())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, keys.rsa.public, algorithms=["PS256"])


def test_at_hash_matches_openid_connect_core_example():
    # OpenID Connect Core 1.0, appendix A.4 (RS256).
    assert at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == "77QmUPtjPfzWtF2AnpK9RQ"


def test_nested_claims_depths():
    assert json_depth(nested_claims(64, VALID_CLAIMS_BASE)) == 64
    assert json_depth(nested_claims(65, VALID_CLAIMS_BASE, "array")) == 65


def test_forge_keeps_raw_bytes():
    token = forge(b'{"alg":"HS256","alg":"HS256"}', b"{}", None)
    assert token.split(".")[0] == b64u(b'{"alg":"HS256","alg":"HS256"}')
    assert token.endswith(".")
    assert decode_part(token.split(".")[1]) == {}
    assert NOW == 1_700_000_000
