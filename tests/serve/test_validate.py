"""/validate: forward authentication for gateways; RFC 6750 §3 challenges."""

from __future__ import annotations

import time

import pytest

import twkit
from servekit import ISS_A, bearer, parse_challenge, request

AUTH_HEADERS = ("x-auth-subject", "x-auth-scope", "x-auth-client-id")


def validate(server, token=None, headers=(), method="GET", body=None):
    hs = list(headers)
    if token is not None:
        hs.append(bearer(token))
    return request(server.base, method, "/validate", hs, body)


def challenge(reply) -> dict:
    values = reply.all("WWW-Authenticate")
    assert len(values) == 1, reply
    scheme, params = parse_challenge(values[0])
    assert scheme == "Bearer", reply
    assert params.get("realm"), reply
    return params


def expect_ok(reply):
    assert reply.status == 200, reply
    assert "www-authenticate" not in reply.names(), reply
    return reply


def expect_invalid(reply) -> dict:
    assert reply.status == 401, reply
    params = challenge(reply)
    assert params["error"] == "invalid_token", reply
    assert params["error_description"].strip(), reply
    assert not reply.names() & set(AUTH_HEADERS), f"claim headers on a 401: {reply}"
    assert reply.json()["error"] == "invalid_token"
    return params


def expect_scope(reply, scopes: str) -> dict:
    assert reply.status == 403, reply
    params = challenge(reply)
    assert params["error"] == "insufficient_scope", reply
    assert set(params["scope"].split(" ")) == set(scopes.split(" ")), reply
    assert not reply.names() & set(AUTH_HEADERS), f"claim headers on a 403: {reply}"
    return params


def test_no_authorization_is_a_bare_challenge(shared):
    reply = validate(shared)
    assert reply.status == 401, reply
    params = challenge(reply)
    # RFC 6750 §3.1: no error code when the request carried no credentials at all.
    assert set(params) == {"realm"}, reply


def test_non_bearer_scheme_is_401(shared, world):
    reply = validate(shared, headers=[world.auth()])
    assert reply.status == 401, reply
    challenge(reply)


def _invalid_tokens(world):
    now = int(time.time())
    good = world.token("a")
    h, p, s = good.split(".")
    return {
        "garbage": ("garbage", None),
        "not_b64token": ("abc def\"x", None),
        "bad_signature": (f"{h}.{p}.{s[:-4]}{'AAAA' if s[-4:] != 'AAAA' else 'BBBB'}", None),
        "expired": (world.token("a", exp=now - 120, iat=now - 900, nbf=now - 900), "expired"),
        "wrong_audience": (world.token("a", aud="elsewhere"), "audience"),
        "unknown_issuer": (world.token("a", iss="https://evil.test"), "issuer"),
        "other_issuers_key": (twkit.mint("ES256", world.key_b, world.claims("a")), None),
        "other_issuers_key_no_kid": (twkit.mint("ES256", world.key_b, world.claims("a"), kid=None), None),
        "alg_none": (twkit.forge({"alg": "none"}, world.claims("a")), None),
    }


@pytest.mark.parametrize("case", ["garbage", "not_b64token", "bad_signature", "expired", "wrong_audience",
                                  "unknown_issuer", "other_issuers_key", "other_issuers_key_no_kid",
                                  "alg_none"])
def test_invalid_token_is_401_invalid_token(shared, world, case):
    token, word = _invalid_tokens(world)[case]
    params = expect_invalid(validate(shared, token))
    if word:
        assert word in params["error_description"], params


def test_valid_token_gets_claim_headers(shared, world):
    token = world.token("a", sub="alice", scope="read write", client_id="app-a")
    reply = expect_ok(validate(shared, token))
    assert reply.header("X-Auth-Subject") == "alice"
    assert reply.header("X-Auth-Scope") == "read write"
    assert reply.header("X-Auth-Client-Id") == "app-a"
    token_b = world.token("b", sub="bob", client_id=None)
    reply = expect_ok(validate(shared, token_b))
    assert reply.header("X-Auth-Subject") == "bob"
    assert reply.header("X-Auth-Client-Id") is None


def test_bearer_scheme_is_case_insensitive(shared, world):
    token = world.token("a")
    expect_ok(validate(shared, headers=[("Authorization", f"bearer {token}")]))


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"])
def test_any_method(shared, world, method):
    token = world.token("a")
    body = b"a=1" if method in ("POST", "PUT", "PATCH") else None
    reply = expect_ok(validate(shared, token, method=method, body=body))
    assert reply.header("X-Auth-Subject") == "alice"
    assert validate(shared, "garbage", method=method).status == 401


def test_two_authorization_headers_are_400(shared, world):
    token = world.token("a")
    reply = validate(shared, token, headers=[bearer(token)])
    assert reply.status == 400, reply
    assert not reply.names() & set(AUTH_HEADERS)


def test_claim_headers_mapping(serve, world):
    cfg = world.config(claim_headers={"sub": "X-User", "email": "X-Email", "roles": "X-Roles",
                                      "tenant": "X-Tenant", "missing": "X-Missing"})
    server = serve(cfg)
    token = world.token("a", sub="u-1", email="u@example.com", roles=["admin", "ops"], tenant={"id": 7})
    reply = expect_ok(validate(server, token))
    assert reply.header("X-User") == "u-1"
    assert reply.header("X-Email") == "u@example.com"
    assert reply.header("X-Roles") == "admin ops"
    assert reply.header("X-Tenant") == '{"id":7}'
    assert reply.header("X-Missing") is None
    # The mapping replaces the defaults.
    assert not reply.names() & set(AUTH_HEADERS), reply


def test_claim_with_cr_lf_is_not_a_header(serve, world):
    server = serve(world.config(claim_headers={"sub": "X-User", "email": "X-Email"}))
    token = world.token("a", email="x@example.com\r\nX-Injected: 1", sub="ok")
    reply = expect_ok(validate(server, token))
    assert reply.header("X-User") == "ok"
    assert "x-injected" not in reply.names(), reply
    assert reply.header("X-Email") is None, reply


def test_claim_headers_off(serve, world):
    server = serve(world.config(claim_headers={}))
    reply = expect_ok(validate(server, world.token("a")))
    assert not reply.names() & set(AUTH_HEADERS), reply


def test_issuer_required_scopes(serve, world):
    cfg = world.config()
    cfg["issuers"][0]["required_scopes"] = ["read", "api"]
    server = serve(cfg)
    reply = validate(server, world.token("a", scope="read write"))
    expect_scope(reply, "read api")
    expect_ok(validate(server, world.token("a", scope="api read")))
    expect_ok(validate(server, world.token("a", scope=None, scp=["read", "api"])))
    # The other issuer has no such requirement.
    expect_ok(validate(server, world.token("b", scope="")))


@pytest.mark.parametrize("headers,needs", [
    ([("X-Forwarded-Uri", "/admin/users")], "admin"),
    ([("X-Forwarded-Uri", "/admin")], "admin"),
    ([("X-Original-URI", "/admin/users?page=2")], "admin"),
    ([("X-Forwarded-Method", "POST"), ("X-Forwarded-Uri", "/orders/17")], "orders:write"),
    ([("X-Original-Method", "POST"), ("X-Original-URI", "/orders")], "orders:write"),
    ([("X-Forwarded-Method", "POST"), ("X-Forwarded-Uri", "/admin/orders")], "admin"),
    # Spellings the application behind the gateway reads as /admin (regression: the rules
    # matched the raw path, so these dodged them).
    ([("X-Original-URI", "/public/../admin/users")], "admin"),
    ([("X-Original-URI", "/public/%2e%2e/admin")], "admin"),
    ([("X-Forwarded-Uri", "/%61dmin/users")], "admin"),
    ([("X-Original-URI", "//admin")], "admin"),
    ([("X-Original-Method", "POST"), ("X-Original-URI", "/x/../orders/./17")], "orders:write"),
])
def test_route_scopes_forbid(shared, world, headers, needs):
    reply = validate(shared, world.token("a", scope="read"), headers=headers)
    expect_scope(reply, needs)
    expect_ok(validate(shared, world.token("a", scope=f"read {needs}"), headers=headers))


@pytest.mark.parametrize("headers", [
    [("X-Forwarded-Uri", "/public")],
    [("X-Original-URI", "/public?next=/admin")],
    [("X-Forwarded-Method", "GET"), ("X-Forwarded-Uri", "/orders/17")],
    [("X-Original-Method", "GET"), ("X-Original-URI", "/orders")],
    [],
])
def test_route_scopes_allow(shared, world, headers):
    expect_ok(validate(shared, world.token("a", scope="read"), headers=headers))


@pytest.mark.parametrize("headers", [
    # A gateway that forwards its client's headers next to its own: the client must not be
    # able to pick the rule (regression: X-Forwarded-Uri used to win over X-Original-URI).
    [("X-Forwarded-Uri", "/public"), ("X-Original-URI", "/admin/users")],
    [("X-Original-URI", "/public"), ("X-Forwarded-Uri", "/admin/users")],
    [("X-Forwarded-Uri", "/public"), ("X-Forwarded-Uri", "/admin")],
    [("X-Original-URI", "/admin"), ("X-Original-URI", "/admin")],
    [("X-Forwarded-Method", "GET"), ("X-Original-Method", "POST"), ("X-Original-URI", "/orders")],
])
def test_route_scopes_refuse_conflicting_original_request(shared, world, headers):
    reply = validate(shared, world.token("a", scope="read admin orders:write"), headers=headers)
    assert reply.status == 400, reply
    assert challenge(reply)["error"] == "invalid_request", reply
    assert not reply.names() & set(AUTH_HEADERS), reply


@pytest.mark.parametrize("uri", ["/admin%2Fusers", "/public%5C..%5Cadmin", "/admin%00",
                                 "/admin%zz", "admin/users"])
def test_route_scopes_refuse_paths_applications_read_differently(shared, world, uri):
    reply = validate(shared, world.token("a", scope="read admin orders:write"),
                     headers=[("X-Original-URI", uri)])
    assert reply.status == 400, reply
    assert challenge(reply)["error"] == "invalid_request", reply


def test_route_scopes_accept_agreeing_original_request(shared, world):
    headers = [("X-Forwarded-Uri", "/admin/users?x=1"), ("X-Original-URI", "/admin/users"),
               ("X-Forwarded-Method", "GET"), ("X-Original-Method", "GET")]
    expect_scope(validate(shared, world.token("a", scope="read"), headers=headers), "admin")
    expect_ok(validate(shared, world.token("a", scope="read admin"), headers=headers))


def test_route_scopes_all_matching_rules_apply(shared, world):
    headers = [("X-Forwarded-Method", "POST"), ("X-Forwarded-Uri", "/admin/orders")]
    # /admin (any method) -> admin; POST /orders does not match /admin/orders.
    expect_ok(validate(shared, world.token("a", scope="admin"), headers=headers))


def test_route_scopes_are_per_issuer(shared, world):
    # Issuer B has no route rules.
    expect_ok(validate(shared, world.token("b", scope="read"), headers=[("X-Forwarded-Uri", "/admin")]))


def test_x_required_scopes(shared, world):
    token = world.token("a", scope="read write")
    expect_ok(validate(shared, token, headers=[("X-Required-Scopes", "read")]))
    expect_ok(validate(shared, token, headers=[("X-Required-Scopes", "read write")]))
    expect_scope(validate(shared, token, headers=[("X-Required-Scopes", "read deploy")]), "read deploy")
    # Combined with a route rule.
    expect_scope(validate(shared, token, headers=[("X-Required-Scopes", "read"),
                                                  ("X-Forwarded-Uri", "/admin/x")]), "admin read")


def test_unknown_issuer_is_401(shared, world):
    params = expect_invalid(validate(shared, world.token("a", iss="https://other.test")))
    assert "issuer" in params["error_description"]


# A compact JWE: five segments (RFC 7516 §7.1), all b64token characters.
JWE = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn"


def test_malformed_description_carries_the_cores_detail(shared, world):
    # The challenge keeps to RFC 6750's characters (expect_invalid parses it strictly); the
    # JSON body carries the same sentence.
    params = expect_invalid(validate(shared, JWE))
    assert "encrypted token (JWE), which is not supported" in params["error_description"], params
    assert "JWE" in validate(shared, JWE).json()["error_description"]
    params = expect_invalid(validate(shared, "abc.d~f.ghi"))
    assert "base64url (RFC 7515 section 2)" in params["error_description"], params
    assert "RFC 7515 \u00a72" in validate(shared, "abc.d~f.ghi").json()["error_description"]
    # Nothing of the token is echoed.
    assert "dGFn" not in validate(shared, JWE).header("WWW-Authenticate")


def test_one_issuer_says_issuer_not_trusted_as_two_do(shared, serve, world):
    cfg = world.config()
    cfg["issuers"] = cfg["issuers"][:1]  # issuer A only
    del cfg["bearer_callers"]            # it names issuer B
    one = serve(cfg)
    foreign = [
        world.token("b", iss="https://other.test"),   # B's key and kid: unknown to A
        world.token("a", iss="https://other.test"),   # A's own key, another iss
        world.token("a", iss=None),                   # no iss at all
    ]
    for token in foreign:
        params = expect_invalid(validate(one, token))
        assert params["error_description"] == "the token's issuer is not trusted", params
        # Exactly what the two-issuer server says about the same token.
        assert params == expect_invalid(validate(shared, token))
    assert one.metrics().get("tokenwarden_validations_total", result="unknown_issuer") == 3
    assert one.metrics().get("tokenwarden_validations_total", result="invalid_issuer") == 0
    expect_ok(validate(one, world.token("a")))


def test_issuer_a_token_signed_with_issuer_b_key_is_401(shared, world):
    # Same kid as issuer A's key, issuer B's private key.
    for token in (twkit.mint("ES256", world.key_b, world.claims("a")),
                  twkit.mint("ES256", world.key_b, world.claims("a"), kid="a-1"),
                  twkit.mint("ES256", world.key_b, world.claims("a"), kid=None)):
        expect_invalid(validate(shared, token))
    # The same claims signed with the right key pass.
    expect_ok(validate(shared, twkit.mint("RS256", world.key_a, world.claims("a"))))
    assert ISS_A == world.claims("a")["iss"]


@pytest.mark.parametrize("method,path,needs", [
    ("GET", "/validate/admin/users", "admin"),
    ("POST", "/validate/orders/17", "orders:write"),
    ("DELETE", "/validate/admin", "admin"),
])
def test_envoy_ext_authz_path_prefix(shared, world, method, path, needs):
    # Envoy ext_authz (HTTP mode) asks path_prefix + the original path, with the original
    # method and no forwarded-URI header: the rules apply to that original request.
    token = world.token("a", scope="read")
    reply = request(shared.base, method, path, [bearer(token)])
    expect_scope(reply, needs)
    expect_ok(request(shared.base, method, path, [bearer(world.token("a", scope=f"read {needs}"))]))


def test_envoy_ext_authz_unprotected_path(shared, world):
    token = world.token("a", scope="read")
    expect_ok(request(shared.base, "GET", "/validate/orders/17", [bearer(token)]))
    expect_ok(request(shared.base, "POST", "/validate/public", [bearer(token)]))
