"""CLI contract: output shape, exit codes, token input, key options, usage errors, --explain."""

from __future__ import annotations

import json

import pytest

from twkit import (NOW, VALID_CLAIMS_BASE, b64u, decode_part, expect_error, expect_usage, expect_valid, forge, mint,
                   resign, token_of_length)

# ---------------------------------------------------------------------------
# Output shape
# ---------------------------------------------------------------------------


def test_valid_token_prints_exactly_valid_header_claims_and_exits_0(verify, keys):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    res = verify(token, key=keys.rsa)
    js = expect_valid(res, claims=VALID_CLAIMS_BASE, header=decode_part(token.split(".")[0]))
    assert set(js) == {"valid", "header", "claims"}, res.describe()


def test_invalid_token_prints_exactly_valid_error_message_and_exits_1(verify, keys):
    token = mint("RS256", keys.rsa, {"sub": "user-1", "exp": NOW - 10})
    res = verify(token, key=keys.rsa)
    js = expect_error(res, "expired")
    assert set(js) == {"valid", "error", "message"}, res.describe()


def test_now_option_is_honoured(verify, keys):
    token = mint("RS256", keys.rsa, {"sub": "user-1", "exp": NOW + 100})
    expect_valid(verify(token, key=keys.rsa, now=NOW + 99))
    expect_error(verify(token, key=keys.rsa, now=NOW + 100), "expired")


def test_header_and_claims_are_returned_exactly_including_unicode_escapes_nesting(verify, keys):
    claims = {
        "sub": "user-1", "exp": NOW + 3600,
        "str": "quote\" backslash\\ tab\t nl\n ctl\u0001 nul\u0000 é 😀 \u2028",
        "nested": {"a": [1, 2.5, -3, True, False, None, {"b": []}], "e": {}},
        "float": 3.141592653589793, "small": 1e-7, "neg_zero_int": 0, "empty": "",
    }
    header = {"alg": "ES256", "typ": "JWT", "kid": "ec-p256", "x-custom": {"list": [1, "two", None]}}
    token = forge(header, claims, keys.p256)
    expect_valid(verify(token, key=keys.p256), claims=claims, header=header)


def test_large_integers_round_trip_exactly(verify, keys):
    big = {
        "sub": "user-1", "exp": NOW + 3600,
        "beyond_double": 9007199254740993,       # 2**53 + 1: not representable as a double
        "beyond_int64": 12345678901234567890,    # > 2**63 - 1, < 2**64
        "uint64_max": 18446744073709551615,
        "int64_min": -9223372036854775808,
        "neg_beyond_double": -9007199254740993,
        # Beyond 64 bits: valid JSON, signed as is by PyJWT, jose and jwcrypto.
        "beyond_uint64": 2**70,
        "neg_beyond_int64": -(10**30),
        "nested": {"list": [2**100]},
    }
    token = mint("RS256", keys.rsa, big)
    res = verify(token, key=keys.rsa)
    expect_valid(res, claims=big)
    for literal in ("9007199254740993", "12345678901234567890", "18446744073709551615", "-9223372036854775808",
                    str(2**70), str(-(10**30)), str(2**100)):
        assert literal in res.stdout, f"integer {literal} not printed verbatim{res.describe()}"


def test_large_integer_in_header_round_trips_exactly(verify, keys):
    header = {"alg": "HS256", "kid": "oct-32", "x-n": 12345678901234567890, "x-m": 9007199254740993}
    token = forge(header, VALID_CLAIMS_BASE, keys.hs256)
    expect_valid(verify(token, key=keys.hs256), claims=VALID_CLAIMS_BASE, header=header)


# ---------------------------------------------------------------------------
# Token input: argv, stdin, "-"
# ---------------------------------------------------------------------------

WRAPPINGS = {
    "bare": "{}",
    "trailing_newline": "{}\n",
    "spaces_and_newlines": "  \n{}  \n\n",
    "crlf_and_tabs": "\r\n\t{}\t\r\n",
}


@pytest.mark.parametrize("dash", [False, True], ids=["no_token_arg", "dash_arg"])
@pytest.mark.parametrize("wrapping", list(WRAPPINGS), ids=list(WRAPPINGS))
def test_token_from_stdin_with_surrounding_whitespace_stripped(verify, keys, dash, wrapping):
    token = mint("ES256", keys.p256, VALID_CLAIMS_BASE)
    res = verify("-" if dash else None, key=keys.p256, stdin=WRAPPINGS[wrapping].format(token))
    expect_valid(res, claims=VALID_CLAIMS_BASE)


def test_stdin_token_with_whitespace_inside_is_malformed(verify, keys):
    h, p, s = mint("ES256", keys.p256, VALID_CLAIMS_BASE).split(".")
    res = verify(None, key=keys.p256, stdin=f"{h}.{p[:10]}\n{p[10:]}.{s}\n")
    expect_error(res, "malformed")


def test_empty_stdin_is_malformed(verify, keys):
    expect_error(verify(None, key=keys.p256, stdin=" \n"), "malformed")


def test_stdin_token_of_exactly_16384_bytes_plus_newline_is_not_too_large(verify, keys):
    # The limit applies to the token after stripping surrounding whitespace.
    token = token_of_length(keys.rsa, "RS256", 16384)
    res = verify("-", key=keys.rsa, stdin=token + "\n")
    expect_valid(res)


# ---------------------------------------------------------------------------
# --key: PEM and single JWK; kid ignored
# ---------------------------------------------------------------------------

KEY_KINDS = [("RS256", "rsa"), ("PS384", "rsa"), ("ES256", "p256"), ("ES384", "p384"), ("ES512", "p521"),
             ("EdDSA", "ed25519")]


@pytest.mark.parametrize("alg, keyname", KEY_KINDS)
def test_key_option_accepts_pem_subject_public_key_info(verify, keys, kfiles, alg, keyname):
    key = getattr(keys, keyname)
    res = verify(mint(alg, key, VALID_CLAIMS_BASE), key=kfiles.pem(key))
    expect_valid(res, claims=VALID_CLAIMS_BASE)


@pytest.mark.parametrize("alg, keyname", KEY_KINDS + [("HS256", "hs256"), ("HS512", "hs512")])
def test_key_option_accepts_single_jwk_object(verify, keys, kfiles, alg, keyname):
    key = getattr(keys, keyname)
    res = verify(mint(alg, key, VALID_CLAIMS_BASE), key=kfiles.jwk(key))
    expect_valid(res, claims=VALID_CLAIMS_BASE)


@pytest.mark.parametrize("fmt", ["pem", "jwk_with_other_kid", "jwk_without_kid"])
@pytest.mark.parametrize("token_kid", ["no-such-kid", None], ids=["token_kid_unknown", "token_without_kid"])
def test_kid_plays_no_part_with_key_option(verify, keys, kfiles, fmt, token_kid):
    key = keys.rsa
    path = {"pem": lambda: kfiles.pem(key),
            "jwk_with_other_kid": lambda: kfiles.jwk(key.jwk(kid="some-other-kid")),
            "jwk_without_kid": lambda: kfiles.jwk(key.jwk(kid=False))}[fmt]()
    token = mint("RS256", key, VALID_CLAIMS_BASE, kid=token_kid)
    expect_valid(verify(token, key=path), claims=VALID_CLAIMS_BASE)


def test_key_option_with_wrong_key_is_invalid_signature(verify, keys):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE, kid=None)
    expect_error(verify(token, key=keys.rsa_b), "invalid_signature")


# ---------------------------------------------------------------------------
# --algorithms
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("allow, outcome", [
    ("RS256", "valid"),
    ("PS256,RS256", "valid"),
    ("RS256,ES256,EdDSA", "valid"),
    ("PS256", "algorithm_not_allowed"),
    ("RS384,RS512", "algorithm_not_allowed"),
])
def test_algorithms_allow_list(verify, keys, allow, outcome):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    res = verify(token, jwks=[keys.rsa, keys.p256], args=["--algorithms", allow])
    if outcome == "valid":
        expect_valid(res, claims=VALID_CLAIMS_BASE)
    else:
        expect_error(res, outcome)


@pytest.mark.parametrize("allow", ["none", "RS256,none", "NONE", "None,RS256", "RS256,FOO256", "XYZ"])
def test_algorithms_with_none_or_unknown_name_is_usage_error(verify, keys, allow):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    expect_usage(verify(token, key=keys.rsa, args=["--algorithms", allow]))


# ---------------------------------------------------------------------------
# Usage errors: exit 2, nothing on stdout
# ---------------------------------------------------------------------------

def _usage_cases(kfiles, keys, tmp_path):
    rsa_pem = str(kfiles.pem(keys.rsa))
    jwks = str(kfiles.jwks([keys.rsa]))
    missing = str(tmp_path / "does-not-exist.pem")
    garbage = kfiles.write(b"this is neither PEM nor JSON\n", ".txt")
    empty = kfiles.write(b"", ".empty")
    json_array = kfiles.write(b"[1,2,3]", ".json")
    json_string = kfiles.write(b'"hello"', ".json")
    json_other = kfiles.write(b'{"foo": "bar"}', ".json")
    no_keys = kfiles.write(b'{"keys": []}', ".json")
    keys_not_list = kfiles.write(b'{"keys": {"kty": "RSA"}}', ".json")
    bad_pem = kfiles.write(b"-----BEGIN PUBLIC KEY-----\nnot base64 !!!\n-----END PUBLIC KEY-----\n", ".pem")
    truncated_pem = kfiles.write(keys.rsa.pem()[:200], ".pem")
    rsa_jwk_no_n = dict(keys.rsa.jwk()); rsa_jwk_no_n.pop("n")
    ec_jwk_off_curve = dict(keys.p256.jwk(), y=keys.p256_b.jwk()["y"])
    return {
        "unknown_option": ["--key", rsa_pem, "--frobnicate"],
        "unknown_option_with_value": ["--key", rsa_pem, "--color", "blue"],
        "both_jwks_and_key": ["--key", rsa_pem, "--jwks", jwks],
        "neither_jwks_nor_key": [],
        "key_missing_value": ["--key"],
        "jwks_missing_value": ["--jwks"],
        "issuer_missing_value_at_end": ["--key", rsa_pem, "--issuer"],
        "leeway_not_integer": ["--key", rsa_pem, "--leeway", "ten"],
        "leeway_fractional": ["--key", rsa_pem, "--leeway", "1.5"],
        "leeway_empty": ["--key", rsa_pem, "--leeway", ""],
        "leeway_negative": ["--key", rsa_pem, "--leeway", "-5"],
        "now_not_integer": ["--key", rsa_pem, "--now", "yesterday"],
        "now_fractional": ["--key", rsa_pem, "--now", "1700000000.5"],
        "max_age_not_integer": ["--key", rsa_pem, "--max-age", "1h"],
        "key_file_missing": ["--key", missing],
        "jwks_file_missing": ["--jwks", missing],
        "key_path_is_directory": ["--key", str(tmp_path)],
        "key_file_garbage": ["--key", str(garbage)],
        "key_file_empty": ["--key", str(empty)],
        "jwks_file_garbage": ["--jwks", str(garbage)],
        "jwks_file_empty": ["--jwks", str(empty)],
        "jwks_json_array": ["--jwks", str(json_array)],
        "jwks_json_string": ["--jwks", str(json_string)],
        "jwks_object_without_keys": ["--jwks", str(json_other)],
        "jwks_with_empty_key_list": ["--jwks", str(no_keys)],
        "jwks_keys_not_a_list": ["--jwks", str(keys_not_list)],
        "key_json_not_a_jwk": ["--key", str(json_other)],
        "key_pem_bad_base64": ["--key", str(bad_pem)],
        "key_pem_truncated": ["--key", str(truncated_pem)],
        "key_rsa_jwk_without_n": ["--key", str(kfiles.jwk(rsa_jwk_no_n))],
        "key_ec_jwk_point_not_on_curve": ["--key", str(kfiles.jwk(ec_jwk_off_curve))],
    }


USAGE_CASE_IDS = [
    "unknown_option", "unknown_option_with_value", "both_jwks_and_key", "neither_jwks_nor_key",
    "key_missing_value", "jwks_missing_value", "issuer_missing_value_at_end", "leeway_not_integer",
    "leeway_fractional", "leeway_empty", "leeway_negative", "now_not_integer", "now_fractional",
    "max_age_not_integer", "key_file_missing", "jwks_file_missing", "key_path_is_directory",
    "key_file_garbage", "key_file_empty", "jwks_file_garbage", "jwks_file_empty", "jwks_json_array",
    "jwks_json_string", "jwks_object_without_keys", "jwks_with_empty_key_list", "jwks_keys_not_a_list",
    "key_json_not_a_jwk", "key_pem_bad_base64", "key_pem_truncated", "key_rsa_jwk_without_n",
    "key_ec_jwk_point_not_on_curve",
]


@pytest.mark.parametrize("case", USAGE_CASE_IDS)
def test_usage_error_exits_2_with_stderr_only(run_verify, kfiles, keys, tmp_path, case):
    args = _usage_cases(kfiles, keys, tmp_path)[case]
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    now = [] if any(a == "--now" for a in args) else ["--now", str(NOW)]
    # Options needing a value are placed last so that "missing value" really is missing.
    if case.endswith("missing_value") or case.endswith("missing_value_at_end"):
        res = run_verify(now + args, stdin=token)
    else:
        res = run_verify(now + args, token=token)
    expect_usage(res)


def test_usage_case_table_is_complete(kfiles, keys, tmp_path):
    assert sorted(_usage_cases(kfiles, keys, tmp_path)) == sorted(USAGE_CASE_IDS)


def test_usage_error_takes_precedence_over_an_invalid_token(verify, keys):
    expect_usage(verify("not-a-token", key=keys.rsa, args=["--frobnicate"]))


# ---------------------------------------------------------------------------
# --explain
# ---------------------------------------------------------------------------

def _out(res):
    return res.stdout + res.stderr


def test_explain_valid_token(verify, keys):
    claims = {"sub": "explain-subject-42", "iss": "https://issuer.example", "exp": NOW + 7200, "iat": NOW - 60}
    token = mint("RS256", keys.rsa, claims)
    res = verify(token, key=keys.rsa, args=["--explain", "--issuer", "https://issuer.example"])
    assert res.code == 0, res.describe()
    out = res.stdout
    assert "explain-subject-42" in out, "claims must be decoded" + res.describe()
    assert "RS256" in out, "header must be decoded" + res.describe()
    assert "UTC" in out, "times must be shown as UTC dates" + res.describe()
    assert "2023" in out, "exp (2023-11-15 UTC) must be shown as a date" + res.describe()
    assert "signature" in out.lower(), "the signature check must be mentioned" + res.describe()
    for check in ("signature", "exp", "nbf", "iss", "aud", "typ"):
        assert check in out.lower(), f"the report must mention the {check!r} check" + res.describe()
    assert token not in _out(res), "the whole token must never be printed" + res.describe()


def test_explain_expired_token_shows_relative_time_and_error_code(verify, keys):
    token = mint("ES256", keys.p256, {"sub": "user-1", "exp": NOW - 3 * 3600})
    res = verify(token, key=keys.p256, args=["--explain"])
    assert res.code == 1, res.describe()
    assert "ago" in res.stdout, "an expired token's exp must be shown relative ('... ago')" + res.describe()
    assert "UTC" in res.stdout, res.describe()
    assert "expired" in res.stdout, "error code must be named" + res.describe()
    assert token not in _out(res), res.describe()


@pytest.mark.parametrize("scenario, code", [
    ("bad_signature", "invalid_signature"),
    ("wrong_issuer", "invalid_issuer"),
    ("missing_exp", "missing_claim"),
    ("not_yet_valid", "not_yet_valid"),
    ("malformed", "malformed"),
])
def test_explain_invalid_token_names_error_code_and_exits_1(verify, keys, scenario, code):
    key = keys.p256
    args = ["--explain"]
    if scenario == "bad_signature":
        token = mint("ES256", keys.p256_b, VALID_CLAIMS_BASE, kid=None)
    elif scenario == "wrong_issuer":
        token = mint("ES256", key, dict(VALID_CLAIMS_BASE, iss="https://evil.example"))
        args += ["--issuer", "https://issuer.example"]
    elif scenario == "missing_exp":
        token = mint("ES256", key, {"sub": "user-1"})
    elif scenario == "not_yet_valid":
        token = mint("ES256", key, dict(VALID_CLAIMS_BASE, nbf=NOW + 600))
    else:
        token = forge({"alg": "ES256"}, b"[1,2,3]", key)
    res = verify(token, key=key, args=args)
    assert res.code == 1, res.describe()
    assert code in res.stdout, f"error code {code} must appear in the report" + res.describe()
    assert token not in _out(res), res.describe()


def test_explain_usage_error_still_exits_2(verify, keys, tmp_path):
    res = verify(mint("RS256", keys.rsa, VALID_CLAIMS_BASE), key=tmp_path / "missing.pem", args=["--explain"])
    assert res.code == 2, res.describe()
    assert res.stdout.strip() == "", res.describe()


def test_explain_never_prints_hmac_secret(verify, keys):
    key = keys.hs256
    for claims in (VALID_CLAIMS_BASE, {"sub": "x", "exp": NOW - 1}):
        token = mint("HS256", key, claims)
        res = verify(token, key=key, args=["--explain"])
        assert res.code in (0, 1), res.describe()
        for secret in (b64u(key.private), key.private.hex()):
            assert secret not in _out(res), "HMAC secret leaked" + res.describe()
        assert token not in _out(res), res.describe()


# ---------------------------------------------------------------------------
# Security: messages never echo the token or a secret
# ---------------------------------------------------------------------------

PRINTABLE_SECRET = b"s3cret-hmac-key-for-tokenwarden-tests!!"


@pytest.mark.parametrize("scenario, code", [
    ("expired", "expired"), ("bad_signature", "invalid_signature"), ("wrong_issuer", "invalid_issuer"),
    ("bad_payload_json", "malformed"), ("too_large", "token_too_large"), ("missing_claim", "missing_claim"),
])
def test_error_message_never_contains_token_or_secret(verify, kfiles, scenario, code):
    jwk = {"kty": "oct", "k": b64u(PRINTABLE_SECRET), "kid": "printable"}
    keyfile = kfiles.jwk(jwk)
    claims = dict(VALID_CLAIMS_BASE)
    args = []
    secret = PRINTABLE_SECRET
    if scenario == "expired":
        claims["exp"] = NOW - 5
    elif scenario == "wrong_issuer":
        claims["iss"] = "https://evil.example"
        args = ["--issuer", "https://issuer.example"]
    elif scenario == "missing_claim":
        args = ["--require-claim", "jti"]
    elif scenario == "too_large":
        claims["pad"] = "A" * 17000
    token = forge({"alg": "HS256", "kid": "printable"}, claims, secret)
    if scenario == "bad_signature":
        token = forge({"alg": "HS256"}, claims, b"another-secret-another-secret-0123")
    elif scenario == "bad_payload_json":
        token = forge({"alg": "HS256"}, b'{"sub": "user-1", "exp": ', secret)
    res = verify(token, key=keyfile, args=args)
    expect_error(res, code)
    combined = res.stdout + res.stderr
    assert token not in combined, "the whole token was echoed" + res.describe()
    for s in (PRINTABLE_SECRET.decode(), b64u(PRINTABLE_SECRET), PRINTABLE_SECRET.hex()):
        assert s not in combined, "the secret leaked" + res.describe()


def test_unknown_header_members_are_tolerated(verify, keys):
    token = mint("PS256", keys.rsa, VALID_CLAIMS_BASE)
    h, p, _ = token.split(".")
    h2 = b64u(json.dumps({"alg": "PS256", "kid": "rsa-1", "typ": "JWT", "x": 1}).encode())
    expect_valid(verify(resign(f"{h2}.{p}.", keys.rsa), key=keys.rsa), claims=VALID_CLAIMS_BASE)
