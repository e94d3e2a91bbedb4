"""Table-driven claim rules: {claims, args, expected} with boundaries.

Every row runs `verify --key <key> --now NOW ARGS TOKEN` and asserts the exit
code and JSON result (for "valid": the claims echoed back exactly).
"""

from __future__ import annotations

import hashlib

import pytest

from twkit import NOW, at_hash, b64u, expect, forge, mint

ISS = "https://issuer.example"
DROP = object()


def C(**kw):
    """Base valid claims (sub, exp=NOW+3600) with overrides; value DROP removes a claim."""
    claims = {"sub": "user-1", "exp": NOW + 3600}
    for k, v in kw.items():
        if v is DROP:
            claims.pop(k, None)
        else:
            claims[k] = v
    return claims


def case(name, claims, args=(), expected="valid", *, alg="ES256", header=None, raw=None):
    return pytest.param(claims, [str(a) for a in args], expected, alg, header, raw, id=name)


def raw_case(name, raw: bytes, parsed, args=(), expected="valid", **kw):
    """Payload given as raw JSON text; `parsed` is what the tool must echo back when valid."""
    return case(name, parsed, args, expected, raw=raw, **kw)


AT = "ya29.a0AfH6SMBx-access-token_value.123"


def wrong_hash_at(access_token, hashname, half=True):
    d = hashlib.new(hashname, access_token.encode()).digest()
    return b64u(d[: len(d) // 2] if half else d)


CASES = [
    # --- exp -------------------------------------------------------------
    case("exp_equal_to_now_is_expired", C(exp=NOW), expected="expired"),
    case("exp_one_second_after_now_is_valid", C(exp=NOW + 1)),
    case("exp_one_second_before_now_is_expired", C(exp=NOW - 1), expected="expired"),
    case("exp_zero_is_expired", C(exp=0), expected="expired"),
    case("exp_negative_is_expired", C(exp=-1), expected="expired"),
    case("exp_absent_is_missing_claim", C(exp=DROP), expected="missing_claim"),
    case("exp_absent_with_allow_missing_exp_is_valid", C(exp=DROP), ["--allow-missing-exp"]),
    case("exp_past_with_allow_missing_exp_is_still_expired", C(exp=NOW), ["--allow-missing-exp"], "expired"),
    case("explicit_leeway_0_exp_equal_now_is_expired", C(exp=NOW), ["--leeway", 0], "expired"),
    case("leeway_10_exp_10s_ago_is_expired", C(exp=NOW - 10), ["--leeway", 10], "expired"),
    case("leeway_11_exp_10s_ago_is_valid", C(exp=NOW - 10), ["--leeway", 11]),
    case("leeway_1_exp_equal_now_is_valid", C(exp=NOW), ["--leeway", 1]),
    case("exp_fraction_half_second_after_now_is_valid", C(exp=NOW + 0.5)),
    case("exp_fraction_half_second_before_now_is_expired", C(exp=NOW - 0.5), expected="expired"),
    case("exp_float_equal_to_now_is_expired", C(exp=float(NOW)), expected="expired"),
    case("exp_fraction_with_leeway_10_exp_9_5s_ago_is_valid", C(exp=NOW - 9.5), ["--leeway", 10]),
    case("exp_fraction_with_leeway_10_exp_10_5s_ago_is_expired", C(exp=NOW - 10.5), ["--leeway", 10], "expired"),
    raw_case("exp_1e300_is_far_future_valid", b'{"sub":"user-1","exp":1e300}', {"sub": "user-1", "exp": 1e300}),
    raw_case("exp_1E300_exponent_capital_is_valid", b'{"sub":"user-1","exp":1E+300}', {"sub": "user-1", "exp": 1e300}),
    raw_case("exp_exponent_form_in_past_is_expired", b'{"sub":"user-1","exp":1.6e9}', None, (), "expired"),
    case("exp_huge_integer_is_valid", C(exp=12345678901234567890)),
    case("exp_string_is_malformed", C(exp=str(NOW + 3600)), expected="malformed"),
    case("exp_bool_is_malformed", C(exp=True), expected="malformed"),
    case("exp_null_is_malformed", C(exp=None), expected="malformed"),
    case("exp_array_is_malformed", C(exp=[NOW + 3600]), expected="malformed"),
    case("exp_object_is_malformed", C(exp={"t": NOW + 3600}), expected="malformed"),
    case("exp_string_is_malformed_even_with_allow_missing_exp", C(exp="soon"), ["--allow-missing-exp"], "malformed"),

    # --- nbf -------------------------------------------------------------
    case("nbf_equal_to_now_is_valid", C(nbf=NOW)),
    case("nbf_one_second_after_now_is_not_yet_valid", C(nbf=NOW + 1), expected="not_yet_valid"),
    case("nbf_in_past_is_valid", C(nbf=NOW - 1000)),
    case("leeway_10_nbf_10s_ahead_is_valid", C(nbf=NOW + 10), ["--leeway", 10]),
    case("leeway_10_nbf_11s_ahead_is_not_yet_valid", C(nbf=NOW + 11), ["--leeway", 10], "not_yet_valid"),
    case("nbf_fraction_half_second_ahead_is_not_yet_valid", C(nbf=NOW + 0.5), expected="not_yet_valid"),
    case("nbf_fraction_half_second_ago_is_valid", C(nbf=NOW - 0.5)),
    raw_case("nbf_minus_1e300_is_valid", b'{"sub":"user-1","exp":1e300,"nbf":-1e300}',
             {"sub": "user-1", "exp": 1e300, "nbf": -1e300}),
    raw_case("nbf_1e300_is_not_yet_valid", b'{"sub":"user-1","exp":1e300,"nbf":1e300}', None, (), "not_yet_valid"),
    case("nbf_string_is_malformed", C(nbf=str(NOW)), expected="malformed"),
    case("leeway_10_covers_both_nbf_and_exp", C(nbf=NOW + 5, exp=NOW - 5), ["--leeway", 10]),

    # --- iat -------------------------------------------------------------
    case("iat_equal_to_now_is_valid", C(iat=NOW)),
    case("iat_in_past_is_valid", C(iat=NOW - 86400 * 365)),
    case("iat_one_second_in_future_is_not_yet_valid", C(iat=NOW + 1), expected="not_yet_valid"),
    case("iat_half_second_in_future_is_not_yet_valid", C(iat=NOW + 0.5), expected="not_yet_valid"),
    case("leeway_5_iat_5s_ahead_is_valid", C(iat=NOW + 5), ["--leeway", 5]),
    case("leeway_5_iat_6s_ahead_is_not_yet_valid", C(iat=NOW + 6), ["--leeway", 5], "not_yet_valid"),
    case("iat_string_is_malformed", C(iat="yesterday"), expected="malformed"),

    # --- iss -------------------------------------------------------------
    case("iss_exact_match_is_valid", C(iss=ISS), ["--issuer", ISS]),
    case("iss_trailing_slash_is_invalid_issuer", C(iss=ISS + "/"), ["--issuer", ISS], "invalid_issuer"),
    case("iss_different_case_is_invalid_issuer", C(iss=ISS.upper()), ["--issuer", ISS], "invalid_issuer"),
    case("iss_with_suffix_is_invalid_issuer", C(iss=ISS + ".evil"), ["--issuer", ISS], "invalid_issuer"),
    case("iss_prefix_of_expected_is_invalid_issuer", C(iss="https://issuer"), ["--issuer", ISS], "invalid_issuer"),
    case("iss_empty_string_is_invalid_issuer", C(iss=""), ["--issuer", ISS], "invalid_issuer"),
    case("iss_absent_with_issuer_option_is_invalid_issuer", C(), ["--issuer", ISS], "invalid_issuer"),
    case("iss_any_value_without_issuer_option_is_valid", C(iss="https://whatever.example")),
    case("iss_number_is_malformed", C(iss=42), expected="malformed"),
    case("iss_number_is_malformed_with_issuer_option", C(iss=42), ["--issuer", "42"], "malformed"),
    case("iss_null_is_malformed", C(iss=None), expected="malformed"),
    case("iss_array_is_malformed", C(iss=[ISS]), ["--issuer", ISS], "malformed"),

    # --- other registered claim types ------------------------------------
    case("sub_number_is_malformed", C(sub=12345), expected="malformed"),
    case("jti_number_is_malformed", C(jti=12345), expected="malformed"),

    # --- aud -------------------------------------------------------------
    case("aud_string_match_is_valid", C(aud="api"), ["--audience", "api"]),
    case("aud_array_containing_audience_is_valid", C(aud=["other", "api"]), ["--audience", "api"]),
    case("aud_single_element_array_is_valid", C(aud=["api"]), ["--audience", "api"]),
    case("aud_string_mismatch_is_invalid_audience", C(aud="other"), ["--audience", "api"], "invalid_audience"),
    case("aud_array_without_audience_is_invalid_audience", C(aud=["a", "b"]), ["--audience", "api"],
         "invalid_audience"),
    case("aud_empty_array_is_invalid_audience", C(aud=[]), ["--audience", "api"], "invalid_audience"),
    case("aud_different_case_is_invalid_audience", C(aud="API"), ["--audience", "api"], "invalid_audience"),
    case("aud_substring_is_invalid_audience", C(aud="ap"), ["--audience", "api"], "invalid_audience"),
    case("aud_absent_with_audience_option_is_invalid_audience", C(), ["--audience", "api"], "invalid_audience"),
    case("audience_repeated_any_one_matches_is_valid", C(aud="api2"), ["--audience", "api1", "--audience", "api2"]),
    case("audience_repeated_none_matches_is_invalid_audience", C(aud=["x", "y"]),
         ["--audience", "api1", "--audience", "api2"], "invalid_audience"),
    case("aud_number_is_malformed", C(aud=7), ["--audience", "7"], "malformed"),
    case("aud_number_is_malformed_without_audience_option", C(aud=7), expected="malformed"),
    case("aud_array_with_number_is_malformed", C(aud=["api", 5]), ["--audience", "api"], "malformed"),
    case("aud_object_is_malformed", C(aud={"api": True}), ["--audience", "api"], "malformed"),

    # --- typ -------------------------------------------------------------
    case("typ_exact_is_valid", C(), ["--type", "at+jwt"], header={"typ": "at+jwt"}),
    case("typ_with_application_prefix_and_other_case_is_valid", C(), ["--type", "at+jwt"],
         header={"typ": "application/at+JWT"}),
    case("typ_upper_case_is_valid", C(), ["--type", "at+jwt"], header={"typ": "AT+JWT"}),
    case("typ_mixed_case_prefix_is_valid", C(), ["--type", "at+jwt"], header={"typ": "Application/At+Jwt"}),
    case("type_option_with_prefix_matches_bare_typ", C(), ["--type", "application/at+jwt"],
         header={"typ": "at+jwt"}),
    case("type_jwt_matches_lowercase_jwt", C(), ["--type", "JWT"], header={"typ": "jwt"}),
    case("typ_jwt_when_at_jwt_required_is_invalid_type", C(), ["--type", "at+jwt"], "invalid_type",
         header={"typ": "JWT"}),
    case("typ_absent_when_required_is_invalid_type", C(), ["--type", "at+jwt"], "invalid_type",
         header={"typ": None}),
    case("typ_with_suffix_is_invalid_type", C(), ["--type", "at+jwt"], "invalid_type", header={"typ": "at+jwt2"}),
    case("typ_application_jwt_when_at_jwt_required_is_invalid_type", C(), ["--type", "at+jwt"], "invalid_type",
         header={"typ": "application/jwt"}),
    case("typ_not_checked_without_type_option", C(), [], header={"typ": "something/odd"}),

    # --- required claims -------------------------------------------------
    case("require_claim_present_is_valid", C(), ["--require-claim", "sub"]),
    case("require_claim_absent_is_missing_claim", C(), ["--require-claim", "jti"], "missing_claim"),
    case("require_claim_repeated_one_absent_is_missing_claim", C(jti="j1"),
         ["--require-claim", "jti", "--require-claim", "tenant"], "missing_claim"),
    case("require_claim_repeated_all_present_is_valid", C(jti="j1", tenant="t"),
         ["--require-claim", "jti", "--require-claim", "tenant"]),
    case("require_claim_present_with_false_value_is_valid", C(flag=False), ["--require-claim", "flag"]),
    case("require_claim_present_with_zero_value_is_valid", C(count=0), ["--require-claim", "count"]),
    case("require_claim_exp_when_allowed_missing_is_missing_claim", C(exp=DROP),
         ["--allow-missing-exp", "--require-claim", "exp"], "missing_claim"),
    case("require_claim_name_is_case_sensitive", C(Sub="x"), ["--require-claim", "SUB"], "missing_claim"),

    # --- scopes ----------------------------------------------------------
    case("scope_string_grants", C(scope="read write"), ["--scope", "read"]),
    case("scope_string_grants_all_requested", C(scope="write read admin"), ["--scope", "read", "--scope", "write"]),
    case("scope_string_missing_one_is_insufficient", C(scope="read"), ["--scope", "read", "--scope", "write"],
         "insufficient_scope"),
    case("scope_not_granted_is_insufficient", C(scope="write"), ["--scope", "read"], "insufficient_scope"),
    case("scope_substring_is_not_a_grant", C(scope="readwrite"), ["--scope", "read"], "insufficient_scope"),
    case("scope_prefix_is_not_a_grant", C(scope="read:all"), ["--scope", "read"], "insufficient_scope"),
    case("scope_is_case_sensitive", C(scope="READ"), ["--scope", "read"], "insufficient_scope"),
    case("scp_array_grants", C(scp=["read", "write"]), ["--scope", "read", "--scope", "write"]),
    case("scp_array_missing_one_is_insufficient", C(scp=["read"]), ["--scope", "write"], "insufficient_scope"),
    case("scp_space_separated_string_grants", C(scp="read write"), ["--scope", "write"]),
    case("scope_or_scp_either_may_grant", C(scope="read", scp=["write"]), ["--scope", "read", "--scope", "write"]),
    case("no_scope_claim_is_insufficient", C(), ["--scope", "read"], "insufficient_scope"),
    case("empty_scope_is_insufficient", C(scope=""), ["--scope", "read"], "insufficient_scope"),
    case("empty_scp_array_is_insufficient", C(scp=[]), ["--scope", "read"], "insufficient_scope"),

    # --- nonce -----------------------------------------------------------
    case("nonce_match_is_valid", C(nonce="n-0S6_WzA2Mj"), ["--nonce", "n-0S6_WzA2Mj"]),
    case("nonce_mismatch_is_invalid_nonce", C(nonce="other"), ["--nonce", "n-0S6_WzA2Mj"], "invalid_nonce"),
    case("nonce_case_mismatch_is_invalid_nonce", C(nonce="N-0S6_WZA2MJ"), ["--nonce", "n-0S6_WzA2Mj"],
         "invalid_nonce"),
    case("nonce_absent_is_missing_claim", C(), ["--nonce", "n-0S6_WzA2Mj"], "missing_claim"),
    case("nonce_not_checked_without_option", C(nonce="anything")),

    # --- at_hash ---------------------------------------------------------
    *[case(f"at_hash_{alg}_correct_is_valid", C(at_hash=at_hash(AT, alg)), ["--access-token", AT], alg=alg)
      for alg in ("ES256", "RS384", "EdDSA", "PS512", "HS256", "ES512")],
    *[case(f"at_hash_{alg}_other_access_token_is_invalid_at_hash", C(at_hash=at_hash(AT + "x", alg)),
           ["--access-token", AT], "invalid_at_hash", alg=alg)
      for alg in ("ES256", "RS384", "EdDSA")],
    case("at_hash_RS384_computed_with_sha256_is_invalid", C(at_hash=wrong_hash_at(AT, "sha256")),
         ["--access-token", AT], "invalid_at_hash", alg="RS384"),
    case("at_hash_EdDSA_computed_with_sha256_is_invalid", C(at_hash=wrong_hash_at(AT, "sha256")),
         ["--access-token", AT], "invalid_at_hash", alg="EdDSA"),
    case("at_hash_ES256_full_hash_instead_of_left_half_is_invalid",
         C(at_hash=wrong_hash_at(AT, "sha256", half=False)), ["--access-token", AT], "invalid_at_hash"),
    case("at_hash_ES256_right_half_is_invalid",
         C(at_hash=b64u(hashlib.sha256(AT.encode()).digest()[16:])), ["--access-token", AT], "invalid_at_hash"),
    case("at_hash_absent_with_access_token_is_valid", C(), ["--access-token", AT]),
    case("at_hash_not_checked_without_access_token_option", C(at_hash="AAAAAAAAAAAAAAAAAAAAAA")),

    # --- auth_time / --max-age -------------------------------------------
    case("max_age_auth_time_exactly_max_age_ago_is_valid", C(auth_time=NOW - 100), ["--max-age", 100]),
    case("max_age_auth_time_one_second_too_old_is_too_old", C(auth_time=NOW - 100), ["--max-age", 99], "too_old"),
    case("max_age_leeway_1_rescues_one_second", C(auth_time=NOW - 100), ["--max-age", 99, "--leeway", 1]),
    case("max_age_leeway_1_does_not_rescue_two_seconds", C(auth_time=NOW - 100), ["--max-age", 98, "--leeway", 1],
         "too_old"),
    case("max_age_fractional_auth_time_half_second_too_old", C(auth_time=NOW - 100.5), ["--max-age", 100],
         "too_old"),
    case("max_age_zero_auth_time_now_is_valid", C(auth_time=NOW), ["--max-age", 0]),
    case("max_age_auth_time_absent_is_missing_claim", C(), ["--max-age", 3600], "missing_claim"),
    case("max_age_auth_time_string_is_malformed", C(auth_time=str(NOW)), ["--max-age", 3600], "malformed"),
    case("auth_time_not_checked_without_max_age", C(auth_time=0)),

    # --- azp in ID-token context (--nonce / --access-token / --max-age) --
    case("idtoken_multi_aud_without_azp_is_missing_claim", C(aud=["a", "b"], nonce="n"),
         ["--nonce", "n", "--audience", "a"], "missing_claim"),
    case("idtoken_multi_aud_without_azp_no_audience_option_is_missing_claim", C(aud=["a", "b"], nonce="n"),
         ["--nonce", "n"], "missing_claim"),
    case("idtoken_multi_aud_azp_in_audience_is_valid", C(aud=["a", "b"], azp="a", nonce="n"),
         ["--nonce", "n", "--audience", "a"]),
    case("idtoken_multi_aud_azp_not_in_audience_options_is_invalid_audience", C(aud=["a", "b"], azp="b", nonce="n"),
         ["--nonce", "n", "--audience", "a"], "invalid_audience"),
    case("idtoken_multi_aud_azp_without_audience_option_is_valid", C(aud=["a", "b"], azp="b", nonce="n"),
         ["--nonce", "n"]),
    case("idtoken_single_aud_azp_mismatch_is_invalid_audience", C(aud="a", azp="c", nonce="n"),
         ["--nonce", "n", "--audience", "a"], "invalid_audience"),
    case("idtoken_single_aud_azp_match_is_valid", C(aud="a", azp="a", nonce="n"),
         ["--nonce", "n", "--audience", "a"]),
    case("idtoken_single_element_aud_array_needs_no_azp", C(aud=["a"], nonce="n"),
         ["--nonce", "n", "--audience", "a"]),
    case("idtoken_via_access_token_multi_aud_without_azp_is_missing_claim", C(aud=["a", "b"]),
         ["--access-token", AT, "--audience", "a"], "missing_claim"),
    case("idtoken_via_max_age_multi_aud_without_azp_is_missing_claim", C(aud=["a", "b"], auth_time=NOW),
         ["--max-age", 60, "--audience", "b"], "missing_claim"),
    case("idtoken_second_audience_option_matches_azp", C(aud=["a", "b"], azp="b", nonce="n"),
         ["--nonce", "n", "--audience", "a", "--audience", "b"]),
    case("not_idtoken_multi_aud_without_azp_is_valid", C(aud=["a", "b"]), ["--audience", "a"]),
    case("not_idtoken_azp_not_checked", C(aud="a", azp="c"), ["--audience", "a"]),
]


@pytest.mark.parametrize("claims, args, expected, alg, header, raw", CASES)
def test_claim_rule(verify, keys, claims, args, expected, alg, header, raw):
    key = keys.for_alg(alg)
    if raw is not None:
        token = forge({"alg": alg, **(header or {})}, raw, key)
    else:
        try:
            token = mint(alg, key, claims, headers=header, kid=None)
        except TypeError:  # PyJWT refuses some wrong types (e.g. numeric iss): assemble by hand
            hdr = {"alg": alg, "typ": "JWT", **(header or {})}
            token = forge({k: v for k, v in hdr.items() if v is not None}, claims, key)
    res = verify(token, key=key, args=args)
    expect(res, expected, claims if expected == "valid" else None)


def test_claim_table_ids_are_unique():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))
