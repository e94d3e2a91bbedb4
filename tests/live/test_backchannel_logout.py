"""Logout that reaches the edge (issue 22), end to end: users sign in at the real OpenID
Provider through the authorization code flow, their access tokens are checked by three
tokenwarden instances sharing Redis, a user logs out at the provider (RP-initiated logout),
and the provider itself posts an OpenID Connect Back-Channel Logout token to instance A.

    browser (rpkit) --- code flow with PKCE; logout, confirmed ---> oidc-provider
    oidc-provider --- POST /backchannel-logout (logout token) ---> tokenwarden A
    A --- Redis ---> B, C

What it proves, at A, B and C alike:
- every access token of the ended session, JWT and opaque, is inactive on /introspect and
  refused on /validate within one second (x SLOW) of the logout; the opaque ones were cached
  as active by every instance, with a cache TTL far longer than the test, so only the logout
  can have ended them;
- a logout token naming the session (sid) leaves the user's other session working;
- one naming only the user (sub: the provider leaves sid out for a client registered with
  backchannel_logout_session_required false) ends every session of that user, and no one
  else's.
Invalid logout tokens, which the real provider never sends, are refused in the serve stage
(tests/serve/test_logout_tokens.py).
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from conftest import (GATEWAY, JWT_API, OPAQUE_API, Provider, start_tokenwarden, stop_all,
                      tokenwarden_config)
from rediskit import RedisServer, ensure_redis_server
from rpkit import Browser, claims_of
from servekit import SLOW, basic, bearer, free_port, parse_challenge, wait_until

WITHIN_S = 1.0 * SLOW  # the bound: ended everywhere within one second of the logout
REDIRECT_URI = "https://rp.test/callback"  # never called: the browser stops at it
RP_SID = "rp-sid"  # its logout tokens name the session (sid) and the user (sub)
RP_SUB = "rp-sub"  # its logout tokens name only the user (sub)


def relying_party(client_id: str, logout_uri: str, session_required: bool) -> dict:
    return {"client_id": client_id, "client_secret": f"{client_id}-secret-0123456789abcdef",
            "redirect_uris": [REDIRECT_URI], "backchannel_logout_uri": logout_uri,
            "backchannel_logout_session_required": session_required}


@pytest.fixture(scope="module")
def world(tokenwarden_bin, tmp_path_factory):
    """(the provider, {"rp-sid", "rp-sub"} -> client, {"a", "b", "c"} -> Server). The
    provider posts logout tokens to A, whose port is chosen before the provider starts."""
    directory = tmp_path_factory.mktemp("logout")
    a_port = free_port()
    logout_uri = f"http://127.0.0.1:{a_port}/backchannel-logout"
    clients = {RP_SID: relying_party(RP_SID, logout_uri, True),
               RP_SUB: relying_party(RP_SUB, logout_uri, False)}
    op = Provider(directory, relying_parties=list(clients.values()))
    ensure_redis_server()
    redis = RedisServer(directory / "redis").start()
    # Opaque answers stay cached far longer than the test: only a revocation ends them early.
    base = tokenwarden_config(tokenwarden_bin, op, directory, cache_ttl_seconds=300)
    base["issuers"][0]["backchannel_logout"] = {"client_ids": [RP_SID, RP_SUB]}
    started = []
    try:
        for name in ("a", "b", "c"):
            cfg = {**base, "denylist": {"log": str(directory / f"{name}.log")},
                   "redis": {"url": redis.url, "reconnect_min_ms": 50,
                             "reconnect_max_ms": 500}}
            if name == "a":
                cfg["listen"] = [f"127.0.0.1:{a_port}"]
            started.append(start_tokenwarden(tokenwarden_bin, cfg, directory / f"{name}.json"))
        yield op, clients, dict(zip("abc", started))
    finally:
        stop_all(started)
        redis.stop()
        op.stop()


def sign_in(browser: Browser, client: dict, user: str) -> tuple[list[str], str]:
    """`user` signs in to `client` in `browser`'s session twice, for a JWT and an opaque
    access token: ([both access tokens], the ID token)."""
    jwt_answer = browser.sign_in(client, user, JWT_API)
    opaque_answer = browser.sign_in(client, user, OPAQUE_API)
    assert opaque_answer["access_token"].count(".") != 2, "expected an opaque token"
    return [jwt_answer["access_token"], opaque_answer["access_token"]], jwt_answer["id_token"]


def verdict(server, token: str) -> str:
    """"working" when `server` calls `token` active on /introspect and accepts it on
    /validate, "ended" when it calls it inactive and refuses it as revoked; else what each
    said (a revocation landing between the two calls)."""
    reply = server.post("/introspect", urllib.parse.urlencode({"token": token}),
                        [basic(*GATEWAY), ("Content-Type", "application/x-www-form-urlencoded")])
    assert reply.status == 200, reply
    active = reply.json()["active"]
    validated = server.get("/validate", [bearer(token)])
    if active and validated.status == 200:
        return "working"
    description = ""
    if validated.status == 401:
        description = parse_challenge(validated.header("WWW-Authenticate"))[1].get(
            "error_description", "")
        if not active and "revoked" in description:
            return "ended"
    return f"introspect active={active}, validate {validated.status} {description!r}"


def expect_working(servers: dict, tokens: list[str]) -> None:
    for name, server in servers.items():
        for i, token in enumerate(tokens):
            said = verdict(server, token)
            assert said == "working", f"token {i} at {name}: {said}"


def seconds_until_ended(servers: dict, tokens: list[str], since: float, op: Provider,
                        log_from: int) -> float:
    """Polls every instance until each of `tokens` has ended there; the seconds from `since`
    until the last one did. Fails past WITHIN_S, with what the provider logged of its
    logout tokens since its log line `log_from`."""
    pending = {(name, i): "" for name in servers for i in range(len(tokens))}
    while True:
        said = {(n, i): verdict(servers[n], tokens[i]) for n, i in pending}
        pending = {where: what for where, what in said.items() if what != "ended"}
        elapsed = time.monotonic() - since
        if not pending:
            return elapsed
        assert elapsed < WITHIN_S, (
            f"not ended {elapsed:.2f} s after the logout: {pending} (instance, token);"
            f" provider: {logout_lines(op, log_from)}")
        time.sleep(0.01)


def logout_lines(op: Provider, log_from: int) -> list[str]:
    return [line for line in op.log[log_from:] if "backchannel" in line]


def delivered(op: Provider, client_id: str, log_from: int) -> None:
    """The provider logged one delivered logout token, for `client_id`, since its log line
    `log_from`, and no failed one (its log is read by a thread: allow it a moment)."""
    wait_until(lambda: logout_lines(op, log_from), 1.0)
    assert logout_lines(op, log_from) == [f"provider: backchannel.success client={client_id}\n"]


def upstream_lookups(servers: dict) -> float:
    """Opaque-token lookups by every instance that its own cache did not answer (Redis or
    the provider's introspection endpoint did)."""
    return sum(value for server in servers.values()
               for labels, value in server.metrics().series(
                   "tokenwarden_upstream_introspection_total")
               if labels["result"] in ("active", "inactive", "error"))


def test_logout_by_sid_ends_that_session_everywhere(world):
    op, clients, servers = world
    one, two = Browser(op), Browser(op)
    ended, id_token = sign_in(one, clients[RP_SID], "alice")
    kept, _ = sign_in(two, clients[RP_SID], "alice")  # alice's other session
    sid = claims_of(ended[0])["sid"]
    assert sid and sid != claims_of(kept[0])["sid"]
    assert op.introspect(ended[1])["sid"] == sid  # the opaque token is of the same session
    expect_working(servers, ended + kept)  # every instance has each token cached now
    lookups = upstream_lookups(servers)
    log_from = len(op.log)
    started = time.monotonic()
    one.log_out(id_token)
    elapsed = seconds_until_ended(servers, ended, started, op, log_from)
    delivered(op, RP_SID, log_from)
    expect_working(servers, kept)
    # No instance looked the opaque token up again: its cached "active" ended by the logout.
    assert upstream_lookups(servers) == lookups
    print(f"session ended at 3 instances {elapsed * 1000:.0f} ms after the logout")


def test_logout_by_sub_alone_ends_every_session_of_the_user(world):
    op, clients, servers = world
    one, two, other_user = Browser(op), Browser(op), Browser(op)
    first, id_token = sign_in(one, clients[RP_SUB], "carol")
    second, _ = sign_in(two, clients[RP_SUB], "carol")
    bystander, _ = sign_in(other_user, clients[RP_SUB], "dave")
    # The provider puts no sid in this client's tokens, nor in its logout tokens.
    assert "sid" not in claims_of(first[0]) and claims_of(first[0])["sub"] == "carol"
    expect_working(servers, first + second + bystander)
    log_from = len(op.log)
    started = time.monotonic()
    one.log_out(id_token)
    elapsed = seconds_until_ended(servers, first + second, started, op, log_from)
    delivered(op, RP_SUB, log_from)
    expect_working(servers, bystander)
    print(f"user's sessions ended at 3 instances {elapsed * 1000:.0f} ms after the logout")
