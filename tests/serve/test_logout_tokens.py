"""POST /backchannel-logout against the real binary (issue 22): OpenID Connect Back-Channel
Logout 1.0 tokens made here with PyJWT, signed by issuer A's own key (a jwks_file issuer
whose `backchannel_logout` names the relying party RP).

* A valid logout token is answered 200 with an empty body, and the tokens of its session
  (`sid`) are inactive on /introspect and refused on /validate at once, a token the instance
  had cached included; another session of the same user is untouched.
* Each invalid logout token is 400 invalid_request whose description names the rule it broke
  (§2.6: wrong aud, no events, a nonce, a replayed jti, expired, unsigned, and more), and
  ends nothing.
* A logout once answered 200 holds after kill -9 and a restart (the denylist log), and its
  jti stays spent.

The live suite (tests/live/test_backchannel_logout.py) has the real provider send the valid
ones, to three instances.
"""

from __future__ import annotations

import os
import secrets
import signal
import time

import jwt as pyjwt
import pytest

from servekit import (FORM, ISS_A, ISS_B, bearer, expect_active, expect_inactive, form,
                      introspect)

RP = "rp-1"  # the relying party's client id at issuer A
EVENT = "http://schemas.openid.net/event/backchannel-logout"
OMIT = object()  # a claim left out of the logout token


def logout_claims(**changes) -> dict:
    """A valid logout token's claims for session s-1 of alice; `changes` replace or, with
    OMIT, drop claims."""
    now = int(time.time())
    claims = {"iss": ISS_A, "aud": RP, "iat": now, "exp": now + 120,
              "jti": secrets.token_hex(8), "sub": "alice", "sid": "s-1", "events": {EVENT: {}}}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not OMIT}


def logout_token(world, key=None, typ: str = "logout+jwt", **changes) -> str:
    """A logout token signed with RS256 by `key` (default: issuer A's own key, kid a-1)."""
    return pyjwt.encode(logout_claims(**changes), (key or world.key_a).signing_key,
                        algorithm="RS256", headers={"kid": "a-1", "typ": typ})


def post_logout(server, token: str):
    return server.post("/backchannel-logout", form(logout_token=token), [FORM])


def expect_refused(reply, says: str) -> None:
    """400 invalid_request (§2.8), its description naming `says`."""
    assert reply.status == 400, reply
    body = reply.json()
    assert body["error"] == "invalid_request", body
    assert says in body["error_description"], body


@pytest.fixture
def config(world):
    cfg = world.config()  # with a denylist log
    cfg["issuers"][0]["backchannel_logout"] = {"client_ids": [RP]}
    return cfg


@pytest.fixture
def server(serve, config):
    return serve(config)


def test_logout_token_ends_that_session_only(server, world):
    session = world.token("a", sid="s-1")
    other_session = world.token("a", sid="s-2")
    assert server.get("/validate", [bearer(session)]).status == 200  # now in the cache
    reply = post_logout(server, logout_token(world))
    assert (reply.status, reply.body) == (200, b""), reply
    assert reply.header("Cache-Control") == "no-store", reply
    expect_inactive(introspect(server, session, world.auth()))
    assert server.get("/validate", [bearer(session)]).status == 401
    expect_active(introspect(server, other_session, world.auth()))
    assert server.get("/validate", [bearer(other_session)]).status == 200


def test_replayed_logout_token_is_refused(server, world):
    token = logout_token(world, sid="s-9")
    assert post_logout(server, token).status == 200
    expect_refused(post_logout(server, token), "used before")


def test_acknowledged_logout_survives_kill_9(serve, config, server, world):
    # The 200 is the OP's cue that the logout is done (§2.8): it must hold across a crash,
    # and so must the spent jti.
    session = world.token("a", sid="s-1")
    other_session = world.token("a", sid="s-2")
    token = logout_token(world)
    assert post_logout(server, token).status == 200
    os.kill(server.proc.pid, signal.SIGKILL)
    server.kill()
    again = serve(config)
    expect_inactive(introspect(again, session, world.auth()))
    assert again.get("/validate", [bearer(session)]).status == 401
    expect_active(introspect(again, other_session, world.auth()))
    expect_refused(post_logout(again, token), "used before")


def unsigned(world) -> str:
    return pyjwt.encode(logout_claims(), None, algorithm="none",
                        headers={"typ": "logout+jwt"})


# (name, token maker, what the description must name)
INVALID = [
    ("wrong aud", lambda w: logout_token(w, aud="another-rp"), "invalid_audience"),
    ("no events", lambda w: logout_token(w, events=OMIT), "events"),
    ("events without the logout event",
     lambda w: logout_token(w, events={"http://example.test/other": {}}), "logout event"),
    ("nonce present", lambda w: logout_token(w, nonce="n-0S6_WzA2Mj"), "nonce"),
    ("expired", lambda w: logout_token(w, iat=int(time.time()) - 200,
                                       exp=int(time.time()) - 80), "expired"),
    ("iat too old", lambda w: logout_token(w, iat=int(time.time()) - 3600, exp=OMIT),
     "too_old"),
    ("unsigned (alg none)", unsigned, "unsupported_algorithm"),
    ("signed by another key", lambda w: logout_token(w, key=w.key_a2), "invalid_signature"),
    ("an access token's typ", lambda w: logout_token(w, typ="at+jwt"), "typ"),
    ("no jti", lambda w: logout_token(w, jti=OMIT), "jti"),
    ("neither sub nor sid", lambda w: logout_token(w, sub=OMIT, sid=OMIT), "sub, sid"),
    ("an issuer that sends none",
     lambda w: pyjwt.encode(logout_claims(iss=ISS_B), w.key_b.signing_key, algorithm="ES256",
                            headers={"kid": "b-1", "typ": "logout+jwt"}), "not accepted"),
]


@pytest.mark.parametrize("make,says", [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_invalid_logout_token_is_refused_with_its_reason(server, world, make, says):
    session = world.token("a", sid="s-1")
    expect_refused(post_logout(server, make(world)), says)
    expect_active(introspect(server, session, world.auth()))
    assert server.get("/validate", [bearer(session)]).status == 200
