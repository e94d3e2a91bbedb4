"""POST /revoke: RFC 7009 revocation, its effect on /introspect and /validate, durability."""

from __future__ import annotations

import os
import signal
import stat
import time

import twkit
from servekit import (FORM, basic, bearer, expect_active, expect_inactive, form, introspect,
                      parse_challenge, revoke)

# The order of the P-256 group (SEC 2 §2.4.2 / FIPS 186-4 D.1.2.3).
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def flip_s(token: str) -> str:
    """The same ES256 token with its signature re-encoded as (r, n - s): still valid."""
    sig = twkit.sig_bytes(token)
    assert len(sig) == 64
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    return twkit.replace_sig(token, r.to_bytes(32, "big") + (P256_N - s).to_bytes(32, "big"))


def validate(server, token):
    return server.get("/validate", [bearer(token)])


def expect_revoked_everywhere(server, world, token):
    expect_inactive(introspect(server, token, world.auth()))
    reply = validate(server, token)
    assert reply.status == 401, reply
    _, params = parse_challenge(reply.header("WWW-Authenticate"))
    assert params["error"] == "invalid_token", reply
    assert "revoked" in params["error_description"], reply
    assert "revoked" in reply.json()["error_description"], reply


def test_unknown_and_invalid_tokens_get_200(serve, world):
    server = serve(world.config())
    now = int(time.time())
    good = world.token("a")
    h, p, s = good.split(".")
    for token in ["garbage", "a.b.c", world.token("a", iss="https://unknown.test"),
                  f"{h}.{p}.{s[:-4]}AAAA", twkit.mint("ES256", world.key_b, world.claims("a")),
                  world.token("a", exp=now - 60, iat=now - 600, nbf=now - 600)]:
        reply = revoke(server, token, world.auth())
        assert reply.status == 200, (token, reply)
    # None of them was worth a denylist entry; the good token is untouched.
    assert server.metrics().get("tokenwarden_denylist_entries") == 0
    expect_active(introspect(server, good, world.auth()))


def test_revoked_token_is_inactive_and_rejected(serve, world):
    server = serve(world.config())
    token = world.token("a")
    expect_active(introspect(server, token, world.auth()))  # cached as valid first
    assert validate(server, token).status == 200
    reply = revoke(server, token, world.auth())
    assert reply.status == 200, reply
    expect_revoked_everywhere(server, world, token)
    other = world.token("a")
    expect_active(introspect(server, other, world.auth()))
    # Revoking again is fine.
    assert revoke(server, token, world.auth()).status == 200
    assert server.metrics().get("tokenwarden_denylist_entries") == 1


def test_repeating_a_revocation_records_nothing_new(serve, world):
    # Each recorded revocation costs an fsync, a log line and (with Redis) a message; a caller
    # repeating one must not make the log, or the memory held until compaction, grow.
    server = serve(world.config())
    token = world.token("a")
    log = serve.dir / "revocations.log"
    assert revoke(server, token, world.auth()).status == 200
    lines = log.read_text().count("\n")
    for _ in range(50):
        assert revoke(server, token, world.auth()).status == 200
    assert log.read_text().count("\n") == lines
    assert server.metrics().get("tokenwarden_denylist_entries") == 1
    expect_revoked_everywhere(server, world, token)


def test_tokens_expiring_beyond_int64_or_fractionally_stay_revoked(serve, world):
    # An exp past int64's range once became a denylist entry that had already expired (an
    # out-of-range conversion), so the revocation was silently lost; a fractional exp was cut
    # down, leaving the token's last fraction of a second unrevoked.
    server = serve(world.config())
    for exp in (1e19, 1e300, time.time() + 600.75):
        token = world.token("a", exp=exp)
        expect_active(introspect(server, token, world.auth()))
        assert revoke(server, token, world.auth()).status == 200
        expect_revoked_everywhere(server, world, token)


def test_client_secret_post_and_token_type_hint(serve, world):
    server = serve(world.config())
    token = world.token("b")
    c = world.clients["odd"]
    reply = server.post("/revoke", form(token=token, token_type_hint="refresh_token", client_id=c.id,
                                        client_secret=c.secret), [FORM])
    assert reply.status == 200, reply
    expect_revoked_everywhere(server, world, token)


def test_revoking_by_jti_covers_every_token_with_that_jti(serve, world):
    server = serve(world.config())
    now = int(time.time())
    first = world.token("a", jti="same-id", iat=now - 10)
    second = world.token("a", jti="same-id", iat=now - 20, sub="alice-again")
    of_b = world.token("b", jti="same-id")  # another issuer's jti is another token
    assert first != second
    assert revoke(server, first, world.auth()).status == 200
    expect_revoked_everywhere(server, world, first)
    expect_revoked_everywhere(server, world, second)
    expect_active(introspect(server, of_b, world.auth()))


def test_token_without_jti_is_revoked_with_its_signature_variants(serve, world):
    server = serve(world.config())
    original = world.token("b", jti=None)
    flipped = flip_s(original)
    resigned = twkit.resign(original, world.key_b, "ES256")  # a fresh ECDSA nonce
    assert len({original, flipped, resigned}) == 3
    for t in (original, flipped, resigned):
        expect_active(introspect(server, t, world.auth()))  # all three verify
    assert revoke(server, original, world.auth()).status == 200
    for t in (original, flipped, resigned):
        expect_revoked_everywhere(server, world, t)

    # The other way round: revoking the re-encoded signature revokes the original.
    second = world.token("b", jti=None, sub="dave")
    expect_active(introspect(server, second, world.auth()))
    assert revoke(server, flip_s(second), world.auth()).status == 200
    expect_revoked_everywhere(server, world, second)
    # Tokens with other payloads are untouched.
    expect_active(introspect(server, world.token("b", jti=None, sub="erin"), world.auth()))


def test_revocation_survives_restart(serve, world):
    cfg = world.config()
    server = serve(cfg)
    token = world.token("a")
    no_jti = world.token("b", jti=None)
    kept = world.token("a")
    for t in (token, no_jti):
        assert revoke(server, t, world.auth()).status == 200
    server.stop()
    log = serve.dir / "revocations.log"
    assert log.is_file()

    again = serve(cfg)
    assert "replayed 2 revocations" in again.stderr
    expect_revoked_everywhere(again, world, token)
    expect_revoked_everywhere(again, world, flip_s(no_jti))
    expect_active(introspect(again, kept, world.auth()))


def test_revocation_survives_reload(serve, world):
    server = serve(world.config())
    token = world.token("a")
    assert revoke(server, token, world.auth()).status == 200
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr("reloaded", start=mark)
    expect_revoked_everywhere(server, world, token)


def test_caller_authentication_is_required(serve, world):
    server = serve(world.config())
    token = world.token("a")
    for auth in (None, basic("gateway", "wrong-secret"), basic("nobody", "x"),
                 bearer(world.token("b", scope="read"))):  # bearer caller without the scope
        reply = revoke(server, token, auth)
        assert reply.status == 401, (auth, reply)
        assert reply.header("WWW-Authenticate"), reply
    expect_active(introspect(server, token, world.auth()))
    # A bearer caller with the scope may revoke.
    assert revoke(server, token, bearer(world.token("b", scope="introspect"))).status == 200
    expect_revoked_everywhere(server, world, token)


def test_revoke_needs_post_form(serve, world):
    server = serve(world.config())
    token = world.token("a")
    assert server.get("/revoke", [world.auth()]).status == 405
    assert server.post(f"/revoke?token={token}", form(token=token), [FORM, world.auth()]).status == 405
    assert server.post("/revoke", form(token=token), [("Content-Type", "application/json"),
                                                      world.auth()]).status == 400
    assert server.post("/revoke", f"token={token}&token={token}", [FORM, world.auth()]).status == 400
    assert server.post("/revoke", "", [FORM, world.auth()]).status == 400
    expect_active(introspect(server, token, world.auth()))


def test_client_limited_to_an_issuer_cannot_revoke_anothers_token(serve, world):
    server = serve(world.config())
    tenant_a = world.auth("tenant-a")
    token_b = world.token("b")
    reply = revoke(server, token_b, tenant_a)
    assert reply.status == 200, reply  # RFC 7009 §2.2: nothing to tell
    expect_active(introspect(server, token_b, world.auth()))
    assert validate(server, token_b).status == 200
    token_a = world.token("a")
    assert revoke(server, token_a, tenant_a).status == 200
    expect_revoked_everywhere(server, world, token_a)


def test_client_limited_to_an_audience_cannot_revoke_outside_it(serve, world):
    server = serve(world.config())
    shared_aud = world.auth("shared-aud")
    outside = world.token("a", aud="api-a")
    assert revoke(server, outside, shared_aud).status == 200
    expect_active(introspect(server, outside, world.auth()))
    inside = world.token("a", aud=["api-a", "api-shared"])
    assert revoke(server, inside, shared_aud).status == 200
    expect_revoked_everywhere(server, world, inside)


def test_revocation_log_is_created_with_mode_0600(serve, world):
    server = serve(world.config(), umask=0)  # a umask may not be what protects it
    log = serve.dir / "revocations.log"
    assert log.is_file()
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600, oct(os.stat(log).st_mode)
    token = world.token("a")
    assert revoke(server, token, world.auth()).status == 200
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    # The log holds a digest, never the token or its signature.
    text = log.read_text()
    assert token not in text and token.split(".")[2] not in text
    assert len(text.splitlines()) == 2  # header + one revocation
