"""Hostile tokens: alg confusion, forged signatures, embedded keys, strict parsing, size and depth limits."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from twkit import (NOW, VALID_CLAIMS_BASE, b64u, b64u_decode, encode_segment, expect_error, expect_valid, forge,
                   jdump, mint, nested_claims, sig_bytes, sign_raw, token_from_segments, token_of_length)

CLAIMS = dict(VALID_CLAIMS_BASE)
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# ---------------------------------------------------------------------------
# alg "none" and unknown algorithms
# ---------------------------------------------------------------------------

NONE_SPELLINGS = ["none", "None", "NONE", "nOnE"]


@pytest.mark.parametrize("keysource", ["key", "jwks"])
@pytest.mark.parametrize("sig", ["empty", "junk", "real_rs256"])
@pytest.mark.parametrize("alg", NONE_SPELLINGS)
def test_alg_none_in_any_spelling_is_unsupported_algorithm(verify, keys, alg, sig, keysource):
    hseg = encode_segment({"alg": alg, "typ": "JWT", "kid": keys.rsa.kid})
    pseg = encode_segment(CLAIMS)
    if sig == "empty":
        token = token_from_segments(hseg, pseg, sseg="")
    elif sig == "junk":
        token = token_from_segments(hseg, pseg, sig=b"junk-signature-bytes!")
    else:
        token = token_from_segments(hseg, pseg, keys.rsa, "RS256")
    res = verify(token, key=keys.rsa) if keysource == "key" else verify(token, jwks=[keys.rsa, keys.hs256])
    expect_error(res, "unsupported_algorithm")


@pytest.mark.parametrize("alg", ["HS1", "RS1", "ES256K", "RSA-OAEP", "A256GCM", "PS", "foo",
                                 "rs256", "Rs256", "hs256", "RS256 ", " RS256", "EDDSA"])
def test_unknown_algorithm_is_unsupported_algorithm(verify, keys, alg):
    hseg = encode_segment({"alg": alg})
    token = token_from_segments(hseg, encode_segment(CLAIMS), keys.rsa, "RS256")
    expect_error(verify(token, jwks=[keys.rsa, keys.hs256, keys.p256]), "unsupported_algorithm")


@pytest.mark.parametrize("header", [{"typ": "JWT"}, {"alg": None}, {"alg": 256}, {"alg": ["RS256"]}, {"alg": ""}],
                         ids=["alg_missing", "alg_null", "alg_number", "alg_array", "alg_empty_string"])
def test_missing_or_non_string_alg_is_rejected(verify, keys, header):
    token = token_from_segments(encode_segment(header), encode_segment(CLAIMS), keys.rsa, "RS256")
    expect_error(verify(token, key=keys.rsa), {"malformed", "unsupported_algorithm"})


# ---------------------------------------------------------------------------
# Algorithm confusion: HS256 keyed with the RSA public key
# ---------------------------------------------------------------------------

def _confusion_secrets(key):
    pem = key.pem()
    from cryptography.hazmat.primitives import serialization
    der = key.public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "pem_bytes": pem,
        "pem_without_trailing_newline": pem.rstrip(b"\n"),
        "spki_der": der,
        "modulus_bytes": b64u_decode(key.jwk()["n"]),
        "jwk_json": jdump(key.jwk()),
    }


@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no_kid"])
@pytest.mark.parametrize("keysource", ["jwks", "pem_key", "jwk_key"])
def test_hs256_signed_with_rsa_public_key_is_not_allowed_by_default(verify, keys, kfiles, keysource, with_kid):
    header = {"alg": "HS256", "typ": "JWT"}
    if with_kid:
        header["kid"] = keys.rsa.kid
    token = forge(header, CLAIMS, keys.rsa.pem())
    src = {"jwks": {"jwks": [keys.rsa]}, "pem_key": {"key": kfiles.pem(keys.rsa)},
           "jwk_key": {"key": kfiles.jwk(keys.rsa)}}[keysource]
    expect_error(verify(token, **src), "algorithm_not_allowed")


@pytest.mark.parametrize("secret", ["pem_bytes", "pem_without_trailing_newline", "spki_der", "modulus_bytes",
                                    "jwk_json"])
@pytest.mark.parametrize("with_kid", [True, False], ids=["kid", "no_kid"])
@pytest.mark.parametrize("keysource", ["jwks", "pem_key"])
def test_hs256_signed_with_rsa_public_key_never_verifies_even_if_hs256_allowed(
        verify, keys, kfiles, keysource, with_kid, secret):
    header = {"alg": "HS256"}
    if with_kid:
        header["kid"] = keys.rsa.kid
    token = forge(header, CLAIMS, _confusion_secrets(keys.rsa)[secret])
    src = {"jwks": [keys.rsa]} if keysource == "jwks" else {"key": kfiles.pem(keys.rsa)}
    res = verify(token, **src, args=["--algorithms", "HS256,RS256"])
    expect_error(res, {"key_not_found", "invalid_signature"})


def test_hs256_token_against_rsa_only_jwks_is_not_allowed(verify, keys):
    token = forge({"alg": "HS256"}, CLAIMS, b"x" * 32)
    expect_error(verify(token, jwks=[keys.rsa, keys.rsa_b]), "algorithm_not_allowed")


def test_rs256_token_against_hmac_only_jwks_is_not_allowed(verify, keys):
    token = mint("RS256", keys.rsa, CLAIMS)
    expect_error(verify(token, jwks=[keys.hs256]), "algorithm_not_allowed")


# ---------------------------------------------------------------------------
# ECDSA / EdDSA signature forgeries
# ---------------------------------------------------------------------------

CURVE_ORDER = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    "ES512": int("6864797660130609714981900799081393217269435300143305409394463459185543183397655394245057746333"
                 "217197532963996371363321113864768612440380340372808892707005449"),
}
ES_SIZE = {"ES256": 32, "ES384": 48, "ES512": 66}
assert [CURVE_ORDER[a].bit_length() for a in ("ES256", "ES384", "ES512")] == [256, 384, 521]


@pytest.mark.parametrize("form", ["r_and_s_zero", "r_and_s_equal_order", "r_zero", "s_zero", "r_s_one"])
@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_ecdsa_degenerate_signature_values_are_invalid_signature(verify, keys, alg, form):
    key = keys.for_alg(alg)
    good = forge({"alg": alg}, CLAIMS, key)
    raw = sig_bytes(good)
    size, n = ES_SIZE[alg], CURVE_ORDER[alg]
    r, s = int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
    r, s = {"r_and_s_zero": (0, 0), "r_and_s_equal_order": (n, n), "r_zero": (0, s), "s_zero": (r, 0),
            "r_s_one": (1, 1)}[form]
    h, p, _ = good.split(".")
    token = token_from_segments(h, p, sig=r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    expect_error(verify(token, key=key), "invalid_signature")


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_ecdsa_der_encoded_signature_is_invalid_signature(verify, keys, alg):
    key = keys.for_alg(alg)
    token = forge({"alg": alg, "kid": key.kid}, CLAIMS, key, der=True)
    assert sig_bytes(token)[0] == 0x30
    expect_error(verify(token, key=key), "invalid_signature")
    expect_error(verify(token, jwks=[key]), "invalid_signature")


def test_ed25519_non_canonical_s_is_invalid_signature(verify, keys):
    L = 2**252 + 27742317777372353535851937790883648493
    good = forge({"alg": "EdDSA"}, CLAIMS, keys.ed25519)
    raw = sig_bytes(good)
    s = int.from_bytes(raw[32:], "little") + L
    assert s < 2**256
    h, p, _ = good.split(".")
    token = token_from_segments(h, p, sig=raw[:32] + s.to_bytes(32, "little"))
    expect_valid(verify(good, key=keys.ed25519))
    expect_error(verify(token, key=keys.ed25519), "invalid_signature")


def test_ed25519_all_zero_signature_is_invalid_signature(verify, keys):
    h, p, _ = forge({"alg": "EdDSA"}, CLAIMS, keys.ed25519).split(".")
    expect_error(verify(token_from_segments(h, p, sig=bytes(64)), key=keys.ed25519), "invalid_signature")


# ---------------------------------------------------------------------------
# Keys embedded in the token header are never used
# ---------------------------------------------------------------------------

def _embedded(keys, member):
    atk = keys.rsa_attacker
    if member == "jwk":
        return atk.jwk()
    if member == "jku":
        return "http://127.0.0.1:9/attacker/jwks.json"
    if member == "x5u":
        return "http://127.0.0.1:9/attacker/cert.pem"
    if member == "x5c":
        return [base64.b64encode(atk.cert_der()).decode()]
    raise ValueError(member)


@pytest.mark.parametrize("kid_mode, code", [("no_kid", "invalid_signature"), ("legit_kid", "invalid_signature"),
                                            ("attacker_kid", "key_not_found")])
@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c"])
def test_key_embedded_in_header_is_never_used(verify, keys, member, kid_mode, code):
    header = {"alg": "RS256", member: _embedded(keys, member)}
    if kid_mode == "legit_kid":
        header["kid"] = keys.rsa.kid
    elif kid_mode == "attacker_kid":
        header["kid"] = keys.rsa_attacker.kid
    token = forge(header, CLAIMS, keys.rsa_attacker)
    expect_error(verify(token, jwks=[keys.rsa, keys.rsa_b]), code)


@pytest.mark.parametrize("member", ["jwk", "x5c"])
def test_key_embedded_in_header_is_never_used_with_key_option(verify, keys, member):
    token = forge({"alg": "RS256", member: _embedded(keys, member)}, CLAIMS, keys.rsa_attacker)
    expect_error(verify(token, key=keys.rsa), "invalid_signature")


def test_embedded_hmac_jwk_is_never_used(verify, keys):
    secret = b"attacker-controlled-secret-0123456789"
    token = forge({"alg": "HS256", "jwk": {"kty": "oct", "k": b64u(secret)}}, CLAIMS, secret)
    expect_error(verify(token, jwks=[keys.rsa]), "algorithm_not_allowed")
    expect_error(verify(token, jwks=[keys.rsa, keys.hs256]), "invalid_signature")


def test_embedded_header_key_matching_the_legit_key_is_harmless(verify, keys):
    # Sanity for the test above: the member itself is tolerated when the signature is genuine.
    token = forge({"alg": "RS256", "kid": keys.rsa.kid, "jwk": keys.rsa.jwk()}, CLAIMS, keys.rsa)
    expect_valid(verify(token, jwks=[keys.rsa, keys.rsa_b]), claims=CLAIMS)


@pytest.mark.parametrize("kid", ["../../../../etc/passwd", "' OR '1'='1", "rsa-1\u0000", "rsa-1 ", "RSA-1",
                                 "k" * 2000, "%2e%2e%2f"])
def test_kid_that_matches_no_key_is_key_not_found(verify, keys, kid):
    token = forge({"alg": "RS256", "kid": kid}, CLAIMS, keys.rsa)
    expect_error(verify(token, jwks=[keys.rsa, keys.rsa_b]), "key_not_found")


# ---------------------------------------------------------------------------
# crit
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [
    {"crit": ["exp"]},
    {"crit": ["b64"], "b64": False},
    {"crit": ["b64"], "b64": True},
    {"crit": ["https://example.com/ext"], "https://example.com/ext": 1},
    {"crit": ["kid", "alg"]},
    {"crit": ["x-a", "x-b"], "x-a": 1, "x-b": 2},
], ids=["exp", "b64_false", "b64_true", "private_ext", "registered_names", "two_exts"])
def test_non_empty_crit_is_unsupported_critical_header(verify, keys, extra):
    header = {"alg": "ES256", "kid": keys.p256.kid, **extra}
    token = forge(header, CLAIMS, keys.p256)
    expect_error(verify(token, key=keys.p256), "unsupported_critical_header")


# ---------------------------------------------------------------------------
# Duplicate members
# ---------------------------------------------------------------------------

EXP = NOW + 3600


@pytest.mark.parametrize("raw_header", [
    b'{"alg":"RS256","alg":"RS256"}',
    b'{"alg":"none","alg":"RS256"}',
    b'{"alg":"RS256","alg":"none"}',
    b'{"alg":"RS256","kid":"rsa-1","kid":"rsa-2"}',
    b'{"alg":"RS256","typ":"JWT","typ":"JWT"}',
    b'{"alg":"RS256","x":1,"x":1}',
    b'{"alg":"RS256","\\u0061lg":"RS256"}',
], ids=["alg_twice_same", "alg_none_then_rs256", "alg_rs256_then_none", "kid_twice", "typ_twice",
        "custom_twice", "alg_escaped_twice"])
def test_duplicate_header_member_is_malformed(verify, keys, raw_header):
    token = forge(raw_header, CLAIMS, keys.rsa, "RS256")
    expect_error(verify(token, jwks=[keys.rsa, keys.rsa_b]), "malformed")


@pytest.mark.parametrize("raw_payload", [
    b'{"sub":"user-1","sub":"admin","exp":%d}' % EXP,
    b'{"sub":"user-1","exp":%d,"exp":%d}' % (NOW - 100, EXP),
    b'{"sub":"user-1","exp":%d,"exp":%d}' % (EXP, NOW - 100),
    b'{"sub":"user-1","exp":%d,"custom":1,"custom":2}' % EXP,
    b'{"sub":"user-1","exp":%d,"s\\u0075b":"admin"}' % EXP,
], ids=["sub_twice", "exp_expired_then_valid", "exp_valid_then_expired", "custom_twice", "sub_escaped_twice"])
def test_duplicate_claim_is_malformed(verify, keys, raw_payload):
    token = forge({"alg": "RS256"}, raw_payload, keys.rsa)
    expect_error(verify(token, key=keys.rsa), "malformed")


# ---------------------------------------------------------------------------
# base64url strictness
# ---------------------------------------------------------------------------

def _with_trailing_bits(obj_fn):
    """Encode obj_fn(pad) with growing pad until the segment has trailing bits (len % 4 in {2, 3})."""
    for i in range(8):
        seg = encode_segment(obj_fn("p" * i))
        if len(seg) % 4 in (2, 3):
            return seg
    raise AssertionError("unreachable")


def _noncanonical(seg: str) -> str:
    assert len(seg) % 4 in (2, 3)
    v = B64URL.index(seg[-1])
    bad = seg[:-1] + B64URL[v | 1]
    assert bad != seg and b64u_decode(bad) == b64u_decode(seg), "lenient decoders must see the same bytes"
    return bad


def _segments_for(keys):
    hseg = _with_trailing_bits(lambda p: {"alg": "RS256", "kid": keys.rsa.kid, "p": p})
    pseg = _with_trailing_bits(lambda p: dict(CLAIMS, p=p))
    return hseg, pseg


@pytest.mark.parametrize("where", ["header", "payload", "signature"])
def test_non_canonical_base64url_trailing_bits_is_malformed(verify, keys, where):
    hseg, pseg = _segments_for(keys)
    good = token_from_segments(hseg, pseg, keys.rsa, "RS256")
    expect_valid(verify(good, key=keys.rsa))
    if where == "header":
        token = token_from_segments(_noncanonical(hseg), pseg, keys.rsa, "RS256")
    elif where == "payload":
        token = token_from_segments(hseg, _noncanonical(pseg), keys.rsa, "RS256")
    else:
        h, p, s = good.split(".")
        assert len(s) % 4 == 2  # 256-byte RSA signature: 4 trailing bits
        token = f"{h}.{p}.{_noncanonical(s)}"
    expect_error(verify(token, key=keys.rsa), "malformed")


@pytest.mark.parametrize("where", ["header", "payload", "signature"])
def test_base64_padding_is_malformed(verify, keys, where):
    hseg, pseg = _segments_for(keys)
    good = token_from_segments(hseg, pseg, keys.rsa, "RS256")

    def pad(seg):
        return seg + "=" * (-len(seg) % 4)
    if where == "header":
        token = token_from_segments(pad(hseg), pseg, keys.rsa, "RS256")
    elif where == "payload":
        token = token_from_segments(hseg, pad(pseg), keys.rsa, "RS256")
    else:
        h, p, s = good.split(".")
        token = f"{h}.{p}.{pad(s)}"
    assert "=" in token
    expect_error(verify(token, key=keys.rsa), "malformed")


def _payload_with_url_chars():
    for i in range(200):
        seg = encode_segment(dict(CLAIMS, filler="?>" * i + "~"))
        if "-" in seg and "_" in seg:
            return seg
    raise AssertionError("unreachable")


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_standard_base64_alphabet_plus_slash_is_malformed(verify, keys, where):
    hseg = encode_segment({"alg": "RS256"})
    pseg = _payload_with_url_chars()
    good = token_from_segments(hseg, pseg, keys.rsa, "RS256")
    std = str.maketrans("-_", "+/")
    if where == "payload":
        token = token_from_segments(hseg, pseg.translate(std), keys.rsa, "RS256")
    else:
        h, p, s = good.split(".")
        if "-" not in s and "_" not in s:  # astronomically unlikely with a 256-byte signature
            pytest.fail("signature happened to contain no '-' or '_'; re-run")
        token = f"{h}.{p}.{s.translate(std)}"
    assert "+" in token or "/" in token
    expect_valid(verify(good, key=keys.rsa))
    expect_error(verify(token, key=keys.rsa), "malformed")


@pytest.mark.parametrize("ws", [" ", "\n", "\t", "\r\n"], ids=["space", "newline", "tab", "crlf"])
@pytest.mark.parametrize("where", ["header", "payload", "signature"])
def test_whitespace_inside_a_segment_is_malformed(verify, keys, where, ws):
    h, p, s = mint("RS256", keys.rsa, CLAIMS).split(".")
    if where == "header":
        token = token_from_segments(h[:8] + ws + h[8:], p, keys.rsa, "RS256")
    elif where == "payload":
        token = token_from_segments(h, p[:8] + ws + p[8:], keys.rsa, "RS256")
    else:
        token = f"{h}.{p}.{s[:8] + ws + s[8:]}"
    expect_error(verify(token, key=keys.rsa), "malformed")


@pytest.mark.parametrize("char", ["*", "!", "%", "~", "$", "\u00e9"])
def test_non_base64url_character_in_payload_is_malformed(verify, keys, char):
    h, p, _ = mint("RS256", keys.rsa, CLAIMS).split(".")
    token = token_from_segments(h, p[:5] + char + p[6:], keys.rsa, "RS256")
    expect_error(verify(token, key=keys.rsa), "malformed")


def test_base64url_segment_of_impossible_length_is_malformed(verify, keys):
    # Length % 4 == 1 can never be produced by base64.
    h, p, _ = mint("RS256", keys.rsa, CLAIMS).split(".")
    p = p + "A" * ((1 - len(p)) % 4)
    assert len(p) % 4 == 1
    expect_error(verify(token_from_segments(h, p, keys.rsa, "RS256"), key=keys.rsa), "malformed")


# ---------------------------------------------------------------------------
# Segment count
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["1_segment", "2_segments", "2_segments_trailing_dot_removed", "4_segments",
                                   "4_segments_trailing_dot", "5_segments_jwe", "three_empty_segments",
                                   "leading_dot"])
def test_wrong_number_of_segments_is_malformed(verify, keys, shape):
    token = mint("RS256", keys.rsa, CLAIMS)
    h, p, s = token.split(".")
    jwe_h = encode_segment({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": keys.rsa.kid})
    bad = {
        "1_segment": h + p + s,
        "2_segments": f"{h}.{p}",
        "2_segments_trailing_dot_removed": f"{h}.{p}{s}",
        "4_segments": f"{h}.{p}.{s}.{s}",
        "4_segments_trailing_dot": f"{token}.",
        "5_segments_jwe": ".".join([jwe_h] + [b64u(os.urandom(n)) for n in (256, 12, 40, 16)]),
        "three_empty_segments": "..",
        "leading_dot": f".{token}",
    }[shape]
    expect_error(verify(bad, key=keys.rsa), "malformed")


# ---------------------------------------------------------------------------
# Header / payload JSON
# ---------------------------------------------------------------------------

BAD_JSON_DOCS = {
    "array": b'["RS256"]',
    "string": b'"RS256"',
    "null": b"null",
    "number": b"42",
    "empty": b"",
    "unterminated": b'{"alg":"RS256"',
    "trailing_garbage": b'{"alg":"RS256"}garbage',
    "two_objects": b'{"alg":"RS256"}{}',
    "trailing_comma": b'{"alg":"RS256",}',
    "single_quotes": b"{'alg':'RS256'}",
    "unquoted_key": b'{alg:"RS256"}',
    "nan": b'{"alg":"RS256","x":NaN}',
    "invalid_utf8_ff": b'{"alg":"RS256","x":"\xff"}',
    "invalid_utf8_overlong": b'{"alg":"RS256","x":"\xc0\xaf"}',
    "invalid_utf8_surrogate": b'{"alg":"RS256","x":"\xed\xa0\x80"}',
    "invalid_utf8_truncated": b'{"alg":"RS256","x":"\xe2\x82"}',
    "control_char_in_string": b'{"alg":"RS256","x":"a\x01b"}',
    "bad_escape": b'{"alg":"RS256","x":"\\q"}',
}


@pytest.mark.parametrize("doc", list(BAD_JSON_DOCS))
def test_header_that_is_not_a_strict_json_object_is_malformed(verify, keys, doc):
    token = forge(BAD_JSON_DOCS[doc], CLAIMS, keys.rsa, "RS256")
    expect_error(verify(token, key=keys.rsa), "malformed")


@pytest.mark.parametrize("doc", list(BAD_JSON_DOCS))
def test_payload_that_is_not_a_strict_json_object_is_malformed(verify, keys, doc):
    raw = BAD_JSON_DOCS[doc].replace(b'"alg":"RS256"', b'"sub":"u","exp":%d' % EXP)
    token = forge({"alg": "RS256"}, raw, keys.rsa)
    expect_error(verify(token, key=keys.rsa), "malformed")


# ---------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------

def test_token_of_exactly_16384_bytes_is_not_too_large(verify, keys):
    token = token_of_length(keys.rsa, "RS256", 16384)
    expect_valid(verify(token, key=keys.rsa))


def test_token_of_16385_bytes_is_token_too_large(verify, keys):
    token = token_of_length(keys.rsa, "RS256", 16385)
    expect_error(verify(token, key=keys.rsa), "token_too_large")


@pytest.mark.parametrize("junk", ["one_segment", "two_segments", "bad_base64", "alg_none"])
def test_token_too_large_beats_malformed(verify, keys, junk):
    n = 20000
    token = {
        "one_segment": "A" * n,
        "two_segments": "A" * (n // 2) + "." + "A" * (n // 2),
        "bad_base64": "*" * (n // 2) + ".==." + "!" * (n // 2),
        "alg_none": encode_segment({"alg": "none"}) + "." + encode_segment({"pad": "x" * n}) + ".",
    }[junk]
    assert len(token) > 16384
    expect_error(verify(token, key=keys.rsa), "token_too_large")


def test_huge_token_on_stdin_is_token_too_large(verify, keys):
    res = verify("-", key=keys.rsa, stdin="A" * (4 * 1024 * 1024) + "." + "B" * 10 + ".C")
    expect_error(res, "token_too_large")


# ---------------------------------------------------------------------------
# JSON nesting depth
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["object", "array"])
def test_payload_nested_64_levels_is_ok(verify, keys, kind):
    claims = nested_claims(64, CLAIMS, kind)
    token = forge({"alg": "ES256"}, claims, keys.p256)
    expect_valid(verify(token, key=keys.p256), claims=claims)


@pytest.mark.parametrize("kind", ["object", "array"])
def test_payload_nested_65_levels_is_malformed(verify, keys, kind):
    token = forge({"alg": "ES256"}, nested_claims(65, CLAIMS, kind), keys.p256)
    expect_error(verify(token, key=keys.p256), "malformed")


def test_header_nested_65_levels_is_malformed(verify, keys):
    header = nested_claims(65, {"alg": "ES256"})
    token = forge(header, CLAIMS, keys.p256, "ES256")
    expect_error(verify(token, key=keys.p256), "malformed")


def test_header_nested_64_levels_is_ok(verify, keys):
    header = nested_claims(64, {"alg": "ES256"})
    token = forge(header, CLAIMS, keys.p256, "ES256")
    expect_valid(verify(token, key=keys.p256), claims=CLAIMS, header=header)


@pytest.mark.parametrize("opener", [b"[", b'{"a":'], ids=["arrays", "objects"])
def test_pathologically_deep_payload_is_malformed_not_a_crash(verify, keys, opener):
    raw = b'{"sub":"u","exp":%d,"d":' % EXP + opener * (11000 // len(opener))
    token = forge({"alg": "ES256"}, raw, keys.p256)
    assert len(token) <= 16384
    expect_error(verify(token, key=keys.p256), "malformed")


# ---------------------------------------------------------------------------
# Precedence (only the two orderings the contract asks to pin down)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA", "HS256"])
def test_invalid_signature_beats_expired(verify, keys, alg):
    key = keys.for_alg(alg)
    token = mint(alg, key, {"sub": "user-1", "exp": NOW - 3600})
    h, p, s = token.split(".")
    flipped = bytearray(sig_bytes(token))
    flipped[-1] ^= 1
    expect_error(verify(token, key=key), "expired")
    expect_error(verify(f"{h}.{p}.{b64u(bytes(flipped))}", key=key), "invalid_signature")


def test_sign_raw_matches_hashlib_for_hmac(keys):
    # harness sanity: raw HMAC signer is plain HMAC over the signing input
    import hmac as _hmac
    data = b"a.b"
    assert sign_raw("HS256", keys.hs256, data) == _hmac.new(keys.hs256.private, data, hashlib.sha256).digest()
