"""One token flow: every request parses a token's payload at most once.

The core parses a token once (ParsedToken) and both the issuer routing and the validation
use that parse; a cache hit returns the typed claims without parsing. The server's
`tokenwarden_token_parses_total` counts every payload the engine parsed, so these tests
watch it around single requests: with one issuer and with three, on a cache miss and on a
hit, on /validate (with the route's own scope requirements), /introspect and /revoke.
"""

from __future__ import annotations

import pytest

from servekit import ISS_A, bearer, introspect, revoke

ISS_C = "https://issuer-c.test"


def one_issuer(world) -> dict:
    cfg = world.config()
    cfg["issuers"] = cfg["issuers"][:1]
    cfg.pop("bearer_callers")
    return cfg


def three_issuers(world) -> dict:
    cfg = world.config()
    cfg["issuers"].append({"issuer": ISS_C, "jwks_file": str(world.jwks_a2),
                           "audiences": ["api-c"], "algorithms": ["RS256"]})
    return cfg


def parses(server) -> float:
    return server.metrics().get("tokenwarden_token_parses_total")


def parses_during(server, request) -> tuple[float, object]:
    before = parses(server)
    reply = request()
    return parses(server) - before, reply


# With one issuer nothing needs routing: a cache hit parses nothing at all. With several,
# routing reads `iss` from the one parse, which the issuer's Validator then reuses.
@pytest.mark.parametrize("layout,hit_parses", [(one_issuer, 0), (three_issuers, 1)],
                         ids=["one-issuer", "three-issuers"])
def test_validate_parses_once(serve, world, layout, hit_parses):
    server = serve(layout(world))
    token = world.token("a", scope="read admin")
    ask = lambda: server.get("/validate", [bearer(token), ("X-Original-URI", "/admin/x")])  # noqa: E731
    n, reply = parses_during(server, ask)
    assert reply.status == 200, reply
    assert n == 1, "a cache miss parses the payload exactly once"
    n, reply = parses_during(server, ask)
    assert reply.status == 200, reply
    assert n == hit_parses
    # A route requirement the token does not meet is judged from the same parse (or none).
    other = world.token("a", scope="read")
    n, reply = parses_during(
        server, lambda: server.get("/validate", [bearer(other), ("X-Original-URI", "/admin/x")]))
    assert reply.status == 403, reply
    assert n == 1
    n, reply = parses_during(
        server, lambda: server.get("/validate", [bearer(other), ("X-Original-URI", "/admin/x")]))
    assert reply.status == 403, reply
    assert n == hit_parses


@pytest.mark.parametrize("layout,hit_parses", [(one_issuer, 0), (three_issuers, 1)],
                         ids=["one-issuer", "three-issuers"])
def test_introspect_parses_once(serve, world, layout, hit_parses):
    server = serve(layout(world))
    token = world.token("a", big=123456789012345678901234567890)
    n, reply = parses_during(server, lambda: introspect(server, token, world.auth()))
    assert reply.status == 200 and reply.json()["active"] is True, reply
    assert n == 1
    n, reply = parses_during(server, lambda: introspect(server, token, world.auth()))
    assert reply.json()["active"] is True, reply
    assert n == hit_parses
    # The answer keeps an integer beyond 64 bits digit for digit, on a hit too.
    assert b'"big":123456789012345678901234567890' in reply.body, reply.body


def test_third_issuer_tokens_route_to_their_own_keys(serve, world):
    server = serve(three_issuers(world))
    token_c = world.token("a", key=world.key_a2, iss=ISS_C, aud="api-c")
    assert server.get("/validate", [bearer(token_c)]).status == 200
    # Issuer A's key signing a token that names issuer C: C's keys must verify it, and fail.
    forged = world.token("a", iss=ISS_C, aud="api-c")
    assert server.get("/validate", [bearer(forged)]).status == 401
    # And C's key does not make an issuer A token valid.
    assert server.get("/validate", [bearer(world.token("a", key=world.key_a2))]).status == 401


@pytest.mark.parametrize("layout", [one_issuer, three_issuers], ids=["one-issuer", "three-issuers"])
def test_revoke_parses_once(serve, world, layout):
    server = serve(layout(world))
    token = world.token("a")
    n, reply = parses_during(server, lambda: revoke(server, token, world.auth()))
    assert reply.status == 200, reply
    assert n == 1
    assert introspect(server, token, world.auth()).json() == {"active": False}


def test_scope_array_grants_scopes_on_validate_and_introspect(serve, world):
    # IdentityServer / Duende issue `scope` as a JSON array: each item is a granted scope,
    # /introspect renders it as the space-separated string RFC 7662 requires.
    server = serve(world.config())
    token = world.token("a", scope=["read", "admin"])
    assert server.get("/validate", [bearer(token), ("X-Original-URI", "/admin/x")]).status == 200
    assert server.get("/validate", [bearer(token), ("X-Required-Scopes", "write")]).status == 403
    body = introspect(server, token, world.auth()).json()
    assert body["active"] is True and body["scope"] == "read admin", body
