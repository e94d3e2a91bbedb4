"""tokenwarden against a real OpenID Provider: discovery, JWT access tokens (RFC 9068), opaque
tokens introspected upstream, key rotation without a restart, an outage, revocation.

oidc-provider by design refuses to introspect or revoke its own JWT access tokens
(unsupported_token_type), so JWTs are compared with the claims the provider put in them, and
opaque tokens with the provider's own introspection of the same token.
"""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import time

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import GATEWAY, JWT_API, OPAQUE_API, rsa_private_jwk, wait_ready
from servekit import (SLOW, Server, basic, bearer, expect_active, expect_inactive, introspect,
                      revoke)

AUTH = basic(*GATEWAY)
RELAYED = ("iss", "aud", "exp", "scope", "client_id", "token_type")


def payload_of(token: str) -> dict:
    seg = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def header_of(token: str) -> dict:
    seg = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def validate(server, token):
    return server.get("/validate", [bearer(token)])


def eventually(check, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout * SLOW
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout * SLOW:.0f}s: {what}")
        time.sleep(0.1)


def test_jwt_access_tokens_validate_through_discovery(provider, tokenwarden):
    tw = tokenwarden()
    token = provider.token(JWT_API)
    assert header_of(token)["typ"] == "at+jwt"
    claims = payload_of(token)
    reply = validate(tw, token)
    assert reply.status == 200, (reply, tw.stderr)
    assert reply.header("X-Auth-Client-Id") == claims["client_id"]
    assert reply.header("X-Auth-Scope") == claims["scope"]
    body = expect_active(introspect(tw, token, AUTH))
    for name in ("iss", "aud", "exp", "iat", "scope", "client_id", "jti"):
        assert body[name] == claims[name], (name, body, claims)
    assert body["iss"] == provider.issuer
    ready = tw.get("/readyz").json()
    keys = ready["issuers"][provider.issuer]["keys"]
    assert keys["kids"] == ["k1"] and keys["stale"] is False, ready
    assert keys["jwks_uri"] == provider.meta["jwks_uri"], ready


def test_opaque_tokens_match_the_providers_own_introspection(provider, tokenwarden):
    tw = tokenwarden()
    token = provider.token(OPAQUE_API)
    assert token.count(".") != 2, "the provider was expected to issue an opaque token"
    theirs = provider.introspect(token)
    assert theirs["active"] is True, theirs
    ours = expect_active(introspect(tw, token, AUTH))
    for name in RELAYED:
        assert ours.get(name) == theirs.get(name), (name, ours, theirs)
    # The second answer comes from tokenwarden's cache, and says the same.
    assert expect_active(introspect(tw, token, AUTH)) == ours
    reply = validate(tw, token)
    assert reply.status == 200, reply
    assert reply.header("X-Auth-Client-Id") == theirs["client_id"]
    # A token the provider never issued is inactive, and so says tokenwarden.
    assert provider.introspect("not-a-token-it-issued") == {"active": False}
    expect_inactive(introspect(tw, "not-a-token-it-issued", AUTH))
    assert validate(tw, "not-a-token-it-issued").status == 401


def test_rotation_needs_no_restart(provider, tokenwarden):
    tw = tokenwarden()
    old = provider.token(JWT_API)
    assert validate(tw, old).status == 200
    k1 = provider.keys[0]
    k2 = rsa_private_jwk("k2")
    provider.rotate([k2, k1])  # k2 signs from now on; k1 is still published
    new = provider.token(JWT_API)
    assert header_of(new)["kid"] == "k2"
    # The unknown kid makes tokenwarden refetch once, and this very request waits for it.
    reply = validate(tw, new)
    assert reply.status == 200, (reply, tw.stderr)
    assert validate(tw, old).status == 200, "k1 is still published: old tokens stay valid"
    k3 = rsa_private_jwk("k3")
    provider.rotate([k3, k2])  # k1 leaves the set
    time.sleep(1.1)  # the unknown-kid cooldown (1 s) since the last refetch
    newest = provider.token(JWT_API)
    assert validate(tw, newest).status == 200, tw.stderr
    reply = validate(tw, old)
    assert reply.status == 401, reply
    assert "key" in reply.header("WWW-Authenticate"), reply
    assert validate(tw, new).status == 200
    metrics = tw.get("/metrics").body.decode()
    assert 'tokenwarden_jwks_events_total{issuer="%s",event="rotated"}' % provider.issuer in metrics


def test_outage_keeps_cached_keys_and_reports_staleness(provider, tokenwarden):
    tw = tokenwarden()
    token = provider.token(JWT_API)
    assert validate(tw, token).status == 200
    provider.stop()
    assert validate(tw, token).status == 200
    # A token naming a kid the set lacks makes tokenwarden try the (stopped) provider. That
    # fetch fails, so nothing is known about the kid: 503 to retry, not 401 (which would make
    # a client discard a token the provider may just have started signing with).
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = pyjwt.encode({**payload_of(token), "jti": "x"}, stranger, algorithm="RS256",
                          headers={"kid": "unknown-kid", "typ": "at+jwt"})
    reply = validate(tw, forged)
    assert reply.status == 503, reply
    assert reply.header("Retry-After"), reply

    def stale():
        body = tw.get("/readyz").json()
        return body if body["issuers"][provider.issuer]["keys"]["stale"] else None
    body = eventually(stale, "/readyz reports the keys as stale")
    assert body["status"] == "ready"
    assert body["issuers"][provider.issuer]["keys"]["last_error"], body
    assert validate(tw, token).status == 200, "cached keys keep validating during the outage"
    metrics = tw.get("/metrics").body.decode()
    assert 'tokenwarden_jwks_stale{issuer="%s"} 1' % provider.issuer in metrics
    # The provider comes back: the next attempt recovers.
    provider.start()
    time.sleep(1.1)
    forged2 = pyjwt.encode({**payload_of(token), "jti": "y"}, stranger, algorithm="RS256",
                           headers={"kid": "other-unknown", "typ": "at+jwt"})
    assert validate(tw, forged2).status == 401
    eventually(lambda: not tw.get("/readyz").json()["issuers"][provider.issuer]["keys"]["stale"],
               "the keys are fresh again after the provider came back")


def test_reload_keeps_the_fetched_keys(provider, tokenwarden):
    tw = tokenwarden()
    token = provider.token(JWT_API)
    assert validate(tw, token).status == 200
    fetched = tw.get("/metrics").body.decode().count("event=\"refreshed\"} 1")
    lines = tw.stderr_lines()
    tw.send_signal(signal.SIGHUP)
    tw.wait_for_stderr(r"reloaded", start=lines)
    # Same settings: the same key source, so no window without keys and no refetch.
    assert tw.get("/readyz").status == 200
    assert validate(tw, token).status == 200
    assert tw.get("/metrics").body.decode().count("event=\"refreshed\"} 1") == fetched


def test_check_validates_without_fetching(provider, tokenwarden_bin, tmp_path):
    provider.stop()  # nothing answers: --check must not need the issuer
    cfg = {"issuers": [{"issuer": provider.issuer, "discovery": True, "algorithms": ["RS256"],
                        "fetch": {"ca_file": str(provider.ca)}}]}
    path = tmp_path / "check.json"
    path.write_text(json.dumps(cfg))
    proc = subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--check"],
                          capture_output=True, timeout=30 * SLOW)
    assert proc.returncode == 0, proc.stderr
    assert b"configuration OK" in proc.stdout
    cfg["issuers"][0]["fetch"]["ca_file"] = str(tmp_path / "missing.pem")
    path.write_text(json.dumps(cfg))
    proc = subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--check"],
                          capture_output=True, timeout=30 * SLOW)
    assert proc.returncode == 2, proc
    assert b"issuers[0].fetch.ca_file: cannot read" in proc.stderr


def test_revocation_at_the_provider_shows_after_the_cache_ttl(provider, tokenwarden):
    tw = tokenwarden(cache_ttl_seconds=2)
    token = provider.token(OPAQUE_API)
    expect_active(introspect(tw, token, AUTH))
    provider.revoke(token)
    assert provider.introspect(token) == {"active": False}
    # Until the positive cache entry expires tokenwarden may still say active; after it, not.
    time.sleep(2.2)
    expect_inactive(introspect(tw, token, AUTH))
    assert validate(tw, token).status == 401


def test_revocation_through_tokenwarden_is_immediate(provider, tokenwarden):
    tw = tokenwarden()
    token = provider.token(OPAQUE_API)
    expect_active(introspect(tw, token, AUTH))
    reply = revoke(tw, token, AUTH)
    assert reply.status == 200, reply
    expect_inactive(introspect(tw, token, AUTH))
    assert validate(tw, token).status == 401
    assert provider.introspect(token)["active"] is True, "the revocation is tokenwarden's own"


def test_revocation_forwarded_to_the_provider(provider, tokenwarden):
    tw = tokenwarden(forward_revocations=True)  # the endpoint from the discovery document
    token = provider.token(OPAQUE_API)
    expect_active(introspect(tw, token, AUTH))
    reply = revoke(tw, token, AUTH)
    assert reply.status == 200, (reply, tw.stderr)
    # The provider itself now refuses the token, as well as tokenwarden.
    assert provider.introspect(token) == {"active": False}
    expect_inactive(introspect(tw, token, AUTH))
    assert validate(tw, token).status == 401
    # Once more: the provider says inactive, so there is nothing left to forward.
    assert revoke(tw, token, AUTH).status == 200


def test_provider_down_at_start_means_503_not_401(provider, tokenwarden_bin, tmp_path):
    token = provider.token(JWT_API)
    provider.stop()
    tw_cfg = {
        "listen": ["127.0.0.1:0"], "workers": 1,
        "issuers": [{"issuer": provider.issuer, "discovery": True, "algorithms": ["RS256"],
                     "fetch": {"ca_file": str(provider.ca), "timeout_ms": 1000}}],
    }
    path = tmp_path / "down.json"
    path.write_text(json.dumps(tw_cfg))
    tw = Server(tokenwarden_bin, ["--config", str(path)])
    try:
        assert tw.get("/readyz").status == 503
        reply = validate(tw, token)
        assert reply.status == 503, reply
        assert reply.header("Retry-After"), reply
        provider.start()
        wait_ready(tw, timeout=20)
        assert validate(tw, token).status == 200
    finally:
        tw.stop()
