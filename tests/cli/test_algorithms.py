"""Every supported algorithm, signature tampering, key/algorithm fit, weak keys."""

from __future__ import annotations

import pytest

from twkit import (ALGORITHMS, NOW, VALID_CLAIMS_BASE, b64u, encode_segment, expect_error, expect_usage,
                   expect_valid, forge, mint, replace_sig, sig_bytes, token_from_segments)

CLAIMS = dict(VALID_CLAIMS_BASE, iat=NOW - 10, jti="alg-test")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_valid_token_with_key_option(verify, keys, alg):
    key = keys.for_alg(alg)
    token = mint(alg, key, CLAIMS)
    expect_valid(verify(token, key=key), claims=CLAIMS)


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_valid_token_with_single_key_jwks(verify, keys, alg):
    key = keys.for_alg(alg)
    token = mint(alg, key, CLAIMS)
    expect_valid(verify(token, jwks=[key]), claims=CLAIMS)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
@pytest.mark.parametrize("bits", [3072, 4096])
def test_larger_rsa_keys_are_accepted(verify, keys, alg, bits):
    key = getattr(keys, f"rsa{bits}")
    token = mint(alg, key, CLAIMS)
    expect_valid(verify(token, key=key), claims=CLAIMS)
    expect_valid(verify(token, jwks=[keys.rsa, key]), claims=CLAIMS)


# --- signature tampering ----------------------------------------------------

def _mutate(sig: bytes, how: str) -> bytes:
    b = bytearray(sig)
    if how == "truncated_by_one_byte":
        return bytes(b[:-1])
    if how == "first_byte_removed":
        return bytes(b[1:])
    if how == "extended_by_zero_byte":
        return bytes(b) + b"\x00"
    if how == "prefixed_by_zero_byte":
        return b"\x00" + bytes(b)
    if how == "bit_flipped_in_first_byte":
        b[0] ^= 0x01
    elif how == "bit_flipped_in_middle":
        b[len(b) // 2] ^= 0x80
    elif how == "bit_flipped_in_last_byte":
        b[-1] ^= 0x01
    elif how == "bit_flipped_at_quarter":
        b[len(b) // 4] ^= 0x10
    elif how == "empty":
        return b""
    else:  # pragma: no cover
        raise ValueError(how)
    return bytes(b)


MUTATIONS = ["truncated_by_one_byte", "first_byte_removed", "extended_by_zero_byte", "prefixed_by_zero_byte",
             "bit_flipped_in_first_byte", "bit_flipped_in_middle", "bit_flipped_at_quarter",
             "bit_flipped_in_last_byte", "empty"]


@pytest.mark.parametrize("how", MUTATIONS)
@pytest.mark.parametrize("alg", ALGORITHMS)
def test_tampered_signature_is_invalid_signature(verify, keys, alg, how):
    key = keys.for_alg(alg)
    token = mint(alg, key, CLAIMS)
    bad = replace_sig(token, _mutate(sig_bytes(token), how))
    assert bad != token
    expect_error(verify(bad, key=key), "invalid_signature")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_payload_changed_without_resigning_is_invalid_signature(verify, keys, alg):
    key = keys.for_alg(alg)
    h, _, s = mint(alg, key, CLAIMS).split(".")
    evil = encode_segment(dict(CLAIMS, sub="admin"))
    expect_error(verify(f"{h}.{evil}.{s}", key=key), "invalid_signature")


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_header_changed_without_resigning_is_invalid_signature(verify, keys, alg):
    key = keys.for_alg(alg)
    _, p, s = mint(alg, key, CLAIMS).split(".")
    evil = encode_segment({"alg": alg, "kid": key.kid, "typ": "JWT", "x": 1})
    expect_error(verify(f"{evil}.{p}.{s}", key=key), "invalid_signature")


@pytest.mark.parametrize("header_alg, signed_as", [
    ("RS256", "PS256"), ("PS256", "RS256"), ("RS384", "RS256"), ("RS256", "RS512"),
    ("PS512", "PS384"), ("HS384", "HS256"), ("HS256", "HS512"),
])
def test_signature_made_with_a_different_algorithm_of_the_family_is_invalid(verify, keys, header_alg, signed_as):
    key = keys.rsa if header_alg[0] in "RP" else keys.hs512
    hseg = encode_segment({"alg": header_alg})
    pseg = encode_segment(CLAIMS)
    token = token_from_segments(hseg, pseg, key, signed_as)
    expect_error(verify(token, key=key), "invalid_signature")


# --- PSS salt length ---------------------------------------------------------

@pytest.mark.parametrize("alg, salt", [
    ("PS256", 0), ("PS256", 20), ("PS256", 48), ("PS256", 64), ("PS256", 222),
    ("PS384", 0), ("PS384", 32), ("PS384", 64),
    ("PS512", 0), ("PS512", 32), ("PS512", 48),
])
def test_pss_salt_length_different_from_hash_length_is_invalid_signature(verify, keys, alg, salt):
    token = forge({"alg": alg, "kid": keys.rsa.kid}, CLAIMS, keys.rsa, pss_salt=salt)
    expect_error(verify(token, key=keys.rsa), "invalid_signature")


@pytest.mark.parametrize("alg, salt", [("PS256", 32), ("PS384", 48), ("PS512", 64)])
def test_pss_salt_length_equal_to_hash_length_is_valid(verify, keys, alg, salt):
    token = forge({"alg": alg}, CLAIMS, keys.rsa, pss_salt=salt)
    expect_valid(verify(token, key=keys.rsa), claims=CLAIMS)


# --- key / algorithm fit -----------------------------------------------------

@pytest.mark.parametrize("header_alg, signer, kid_of", [
    ("ES256", "p384", "p384"),
    ("ES384", "p256", "p256"),
    ("ES512", "p384", "p384"),
    ("ES256", "p521", "p521"),
    ("RS256", "rsa", "p256"),
    ("ES256", "p256", "rsa"),
    ("EdDSA", "ed25519", "p256"),
    ("HS256", "hs256", "rsa"),
])
def test_kid_naming_a_key_of_the_wrong_type_or_curve_is_key_not_found(verify, keys, header_alg, signer, kid_of):
    """ES* need the exact curve, RS* need RSA etc.: a kid naming a key that doesn't fit the alg finds nothing."""
    jwks = [keys.rsa, keys.p256, keys.p384, keys.p521, keys.ed25519, keys.hs256]
    hash_alg = {"p256": "ES256", "p384": "ES384", "p521": "ES512"}.get(signer, header_alg)
    hseg = encode_segment({"alg": header_alg, "kid": getattr(keys, kid_of).kid})
    token = token_from_segments(hseg, encode_segment(CLAIMS), getattr(keys, signer), hash_alg)
    expect_error(verify(token, jwks=jwks), "key_not_found")


@pytest.mark.parametrize("header_alg, signer", [("ES256", "p384"), ("ES384", "p521"), ("ES512", "p256")])
def test_wrong_curve_signature_without_kid_is_invalid_signature(verify, keys, header_alg, signer):
    jwks = [keys.p256, keys.p384, keys.p521]
    signer_key = getattr(keys, signer)
    sign_as = {"p256": "ES256", "p384": "ES384", "p521": "ES512"}[signer]
    token = token_from_segments(encode_segment({"alg": header_alg}), encode_segment(CLAIMS), signer_key, sign_as)
    expect_error(verify(token, jwks=jwks), "invalid_signature")


def test_secp256k1_signature_labelled_es256_is_invalid_signature(verify, keys):
    token = forge({"alg": "ES256"}, CLAIMS, keys.secp256k1)
    expect_error(verify(token, key=keys.p256), "invalid_signature")


@pytest.mark.parametrize("keyname, alg", [
    ("rsa", "ES256"), ("rsa", "EdDSA"), ("rsa", "HS256"),
    ("p384", "ES256"), ("p256", "ES512"), ("p256", "RS256"), ("p521", "ES384"),
    ("ed25519", "ES256"), ("ed25519", "RS256"),
    ("hs256", "RS256"), ("hs256", "EdDSA"),
])
def test_algorithm_the_single_key_cannot_do_is_not_allowed_by_default(verify, keys, keyname, alg):
    """Default allow-list = algorithms the loaded key supports."""
    token = forge({"alg": alg}, CLAIMS, keys.for_alg(alg))
    expect_error(verify(token, key=getattr(keys, keyname)), "algorithm_not_allowed")


@pytest.mark.parametrize("alg, keyname", [("HS384", "hs256"), ("HS512", "hs256"), ("HS512", "hs384")])
def test_hmac_key_shorter_than_hash_is_not_used(verify, keys, alg, keyname):
    """oct keys must be at least hash-length bytes; the exact error depends on where the check sits."""
    key = getattr(keys, keyname)
    token = forge({"alg": alg, "kid": key.kid}, CLAIMS, key)
    expect_error(verify(token, key=key), {"algorithm_not_allowed", "key_not_found", "invalid_signature"})
    expect_error(verify(token, jwks=[key]), {"algorithm_not_allowed", "key_not_found", "invalid_signature"})


def test_hmac_longer_key_supports_shorter_hashes(verify, keys):
    for alg in ("HS256", "HS384", "HS512"):
        token = forge({"alg": alg}, CLAIMS, keys.hs512)
        expect_valid(verify(token, key=keys.hs512), claims=CLAIMS)


def test_hmac_key_shorter_than_32_bytes_is_refused(verify, keys):
    token = forge({"alg": "HS256"}, CLAIMS, keys.oct16)
    expect_usage(verify(token, key=keys.oct16))
    expect_usage(verify(token, jwks=[keys.oct16]))


def test_hmac_short_key_skipped_in_set_with_usable_key(verify, keys):
    jwks = [keys.oct16, keys.hs256]
    expect_valid(verify(forge({"alg": "HS256", "kid": "oct-32"}, CLAIMS, keys.hs256), jwks=jwks), claims=CLAIMS)
    expect_error(verify(forge({"alg": "HS256", "kid": keys.oct16.kid}, CLAIMS, keys.oct16), jwks=jwks),
                 "key_not_found")


# --- weak RSA keys -------------------------------------------------------------

def test_rsa_1024_pem_key_is_refused_at_load(verify, keys):
    token = forge({"alg": "RS256"}, CLAIMS, keys.rsa1024)
    expect_usage(verify(token, key=keys.rsa1024))


def test_rsa_1024_jwk_key_is_refused_at_load(verify, keys, kfiles):
    token = forge({"alg": "RS256"}, CLAIMS, keys.rsa1024)
    expect_usage(verify(token, key=kfiles.jwk(keys.rsa1024)))


def test_jwks_with_only_rsa_1024_has_no_usable_key(verify, keys):
    token = forge({"alg": "RS256"}, CLAIMS, keys.rsa1024)
    expect_usage(verify(token, jwks=[keys.rsa1024]))


@pytest.mark.parametrize("fmt", ["pem", "jwk"])
def test_rsa_2047_bit_key_is_just_below_the_minimum_and_refused(verify, keys, kfiles, fmt):
    assert keys.rsa2047.public.key_size == 2047
    token = forge({"alg": "RS256"}, CLAIMS, keys.rsa2047)
    path = kfiles.pem(keys.rsa2047) if fmt == "pem" else kfiles.jwk(keys.rsa2047)
    expect_usage(verify(token, key=path))


def test_rsa_1024_is_skipped_in_a_set(verify, keys):
    jwks = [keys.rsa1024, keys.rsa]
    expect_valid(verify(mint("RS256", keys.rsa, CLAIMS), jwks=jwks), claims=CLAIMS)
    weak_with_kid = forge({"alg": "RS256", "kid": keys.rsa1024.kid}, CLAIMS, keys.rsa1024)
    expect_error(verify(weak_with_kid, jwks=jwks), "key_not_found")
    weak_without_kid = forge({"alg": "RS256"}, CLAIMS, keys.rsa1024)
    expect_error(verify(weak_without_kid, jwks=jwks), "invalid_signature")


# --- unsupported curves --------------------------------------------------------

@pytest.mark.parametrize("keyname", ["secp256k1", "ed448", "x25519"])
def test_single_key_of_unsupported_curve_is_refused(verify, keys, kfiles, keyname):
    key = getattr(keys, keyname)
    token = mint("RS256", keys.rsa, CLAIMS)
    expect_usage(verify(token, key=kfiles.pem(key)))
    expect_usage(verify(token, key=kfiles.jwk(key)))


def test_ed448_key_in_set_is_skipped_and_never_used(verify, keys):
    jwks = [keys.ed448, keys.ed25519]
    expect_valid(verify(mint("EdDSA", keys.ed25519, CLAIMS), jwks=jwks), claims=CLAIMS)
    token = token_from_segments(encode_segment({"alg": "EdDSA", "kid": keys.ed448.kid}), encode_segment(CLAIMS),
                                keys.ed448.private, "EdDSA")
    expect_error(verify(token, jwks=jwks), "key_not_found")


def test_signature_segment_is_base64url_of_exact_bytes(verify, keys):
    """A valid ES256 token re-encoded: 64-byte R||S stays valid, proving the harness sends it as minted."""
    token = mint("ES256", keys.p256, CLAIMS)
    assert len(sig_bytes(token)) == 64
    assert token.split(".")[2] == b64u(sig_bytes(token))
    expect_valid(verify(token, key=keys.p256), claims=CLAIMS)
