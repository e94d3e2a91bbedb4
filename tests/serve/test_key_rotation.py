"""Rotation that junk cannot block: unknown kids under a flood, a rotation and an outage.

Issuer R's keys come from its jwks_uri, a JWK Set served over HTTPS on loopback (jwks_https.py).
A token whose kid the fetched set lacks is refused (401 key_not_found) only once a refetch that
started after the request arrived found the kid missing; until then the request waits for that
refetch (keys.unknown_kid_wait_ms) or gets 503 with Retry-After, because a client told 401
throws away a token that may be signed by a key the issuer has just rotated in. Refetches start
at most once per keys.unknown_kid_cooldown_seconds, however many junk kids arrive.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import time
import urllib.parse

import pytest

import twkit
from jwks_https import JwksServer
from servekit import (SLOW, bearer, expect_inactive, introspect, parse_challenge,
                      wait_until)

ISS_R = "https://issuer-r.test"
COOLDOWN = 2  # seconds: keys.unknown_kid_cooldown_seconds
WAIT_MS = 300  # keys.unknown_kid_wait_ms


@pytest.fixture(scope="module")
def keys():
    return twkit.gen_ec("r1", "P-256", "r-1"), twkit.gen_ec("r2", "P-256", "r-2")


@pytest.fixture
def jwks(tmp_path, keys):
    server = JwksServer(tmp_path, [keys[0]])
    yield server
    server.close()


def start(serve, world, jwks, wait_ms: int = WAIT_MS):
    cfg = world.config()
    cfg["issuers"].append({
        "issuer": ISS_R,
        "jwks_uri": jwks.uri,
        "audiences": ["api-r"],
        "algorithms": ["ES256"],
        "fetch": {"ca_file": str(jwks.ca), "connect_timeout_ms": 500, "timeout_ms": 1000},
        "keys": {"unknown_kid_cooldown_seconds": COOLDOWN, "unknown_kid_wait_ms": wait_ms},
    })
    server = serve(cfg)
    assert wait_until(lambda: server.get("/readyz").status == 200), server.get("/readyz")
    return server


def token(world, key) -> str:
    return twkit.mint("ES256", key, world.claims("a", iss=ISS_R, aud="api-r"))


def junk(world) -> str:
    """A token of issuer R naming a random kid (its signature is never reached)."""
    header = twkit.b64u(twkit.jdump({"alg": "ES256", "typ": "JWT", "kid": secrets.token_hex(8)}))
    payload = twkit.b64u(twkit.jdump(world.claims("a", iss=ISS_R, aud="api-r")))
    return f"{header}.{payload}.{twkit.b64u(os.urandom(64))}"


def expect_unavailable(reply, outcome: str = "") -> int:
    """A 503 to retry: temporarily_unavailable, no-store, Retry-After in whole seconds."""
    assert reply.status == 503, reply
    assert reply.json()["error"] == "temporarily_unavailable", reply
    assert reply.header("Cache-Control") == "no-store", reply
    retry_after = int(reply.header("Retry-After"))
    assert 1 <= retry_after <= COOLDOWN, reply
    return retry_after


def expect_key_not_found(reply) -> None:
    assert reply.status == 401, reply
    _, params = parse_challenge(reply.header("WWW-Authenticate"))
    assert params["error"] == "invalid_token", reply


# --------------------------------------------------------------------------
# A flood of junk kids on keep-alive connections (asyncio), paced to a rate
# --------------------------------------------------------------------------

async def _exchange(reader, writer, raw: bytes) -> tuple[int, dict[str, str]]:
    writer.write(raw)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    await reader.readexactly(int(headers.get("content-length", "0")))
    return int(head[0].split(" ")[1]), headers


async def _flood(base: str, tokens: list[str], rate: float, connections: int) -> list:
    """Sends /validate for every token, the i-th at start + i/rate; returns
    (sent_at, status, headers) per request."""
    url = urllib.parse.urlsplit(base)
    results = []
    order = itertools.count()
    start_at = time.monotonic()

    async def connection():
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            while (i := next(order)) < len(tokens):
                delay = start_at + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                raw = (f"GET /validate HTTP/1.1\r\nHost: {url.netloc}\r\n"
                       f"Authorization: Bearer {tokens[i]}\r\n\r\n").encode()
                sent = time.monotonic()
                status, headers = await _exchange(reader, writer, raw)
                results.append((sent, status, headers))
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    return results


async def _probe(server, world, key, until: float) -> list:
    """/validate with a token of `key` every 50 ms until `until`; (sent_at, reply) each."""
    seen = []
    while time.monotonic() < until:
        sent = time.monotonic()
        reply = await asyncio.to_thread(server.get, "/validate", [bearer(token(world, key))])
        seen.append((sent, reply))
        await asyncio.sleep(0.05)
    return seen


def test_junk_kids_cost_one_fetch_per_cooldown_and_never_block_a_rotated_key(
        serve, world, jwks, keys):
    old, new = keys
    server = start(serve, world, jwks)
    rate, seconds = 1000, 5
    tokens = [junk(world) for _ in range(rate * seconds)]

    async def scenario():
        flood = asyncio.create_task(_flood(server.base, tokens, rate, connections=128))
        await asyncio.sleep(1.0)
        jwks.publish([old, new])  # the issuer rotates a new key in, mid-flood
        rotated = time.monotonic()
        probe = await _probe(server, world, new, until=rotated + COOLDOWN + 1.5 * SLOW)
        return await flood, rotated, probe

    flood, rotated, probe = asyncio.run(scenario())

    # The flood ran at the rate asked (within what a loaded test machine allows).
    assert len(flood) == len(tokens)
    sent = sorted(r[0] for r in flood)
    achieved = len(sent) / (sent[-1] - sent[0])
    assert achieved >= 400, f"only {achieved:.0f} requests/s"
    # Junk is refused (after its refetch) or told to retry, never anything else.
    statuses = {}
    for _, status, headers in flood:
        statuses[status] = statuses.get(status, 0) + 1
        if status == 503:
            assert 1 <= int(headers["retry-after"]) <= COOLDOWN, headers
        else:
            assert status == 401, (status, headers)
            assert 'error="invalid_token"' in headers["www-authenticate"], headers
    assert statuses.get(503, 0) > 0 and statuses.get(401, 0) > 0, statuses

    # The issuer saw one fetch per cooldown at most: the initial fetch, then refetches each
    # at least a cooldown after the one before.
    fetches = jwks.fetch_times()
    refetches = fetches[1:]
    assert len(refetches) >= 2, fetches
    gaps = [b - a for a, b in zip(refetches, refetches[1:])]
    assert all(gap >= COOLDOWN - 0.05 for gap in gaps), gaps
    assert len(refetches) <= 1 + (sent[-1] - sent[0]) / COOLDOWN + 1, (refetches, sent[0])

    # The new key's tokens: never 401, accepted within a cooldown (plus slack) of the rotation.
    assert not [r for _, r in probe if r.status == 401], probe
    for _, reply in probe:
        if reply.status == 503:
            expect_unavailable(reply)
        else:
            assert reply.status == 200, reply
    accepted = [sent for sent, r in probe if r.status == 200]
    assert accepted, probe
    assert accepted[0] - rotated <= COOLDOWN + 0.5 * SLOW, accepted[0] - rotated
    assert server.get("/validate", [bearer(token(world, old))]).status == 200

    metrics = server.metrics()
    assert metrics.get("tokenwarden_validations_total", result="key_refetch_pending") > 0
    assert metrics.get("tokenwarden_validations_total", result="key_not_found") > 0
    assert metrics.get("tokenwarden_validations_total", result="key_refetch_failed") == 0


def test_a_kid_seen_during_the_cooldown_gets_503_and_a_refetch_at_its_end(serve, world, jwks):
    server = start(serve, world, jwks)
    # The first unknown kid is fetched for at once and waits for it: a genuine unknown key.
    expect_inactive(introspect(server, junk(world), world.auth()))
    assert len(jwks.fetch_times()) == 2
    # Within the cooldown the next refetch is due later than a request may wait: 503 on both
    # routes, and that refetch is scheduled for the cooldown's end.
    retry_after = expect_unavailable(introspect(server, junk(world), world.auth()))
    assert retry_after == COOLDOWN
    expect_unavailable(server.get("/validate", [bearer(junk(world))]))
    assert wait_until(lambda: len(jwks.fetch_times()) == 3, timeout=COOLDOWN + 1)
    first, second = jwks.fetch_times()[1:]
    assert COOLDOWN - 0.05 <= second - first <= COOLDOWN + 0.5 * SLOW, second - first
    # A cooldown after that one, an unknown kid is fetched for at once again.
    time.sleep(COOLDOWN)
    expect_key_not_found(server.get("/validate", [bearer(junk(world))]))
    assert len(jwks.fetch_times()) == 4
    metrics = server.metrics()
    assert metrics.get("tokenwarden_validations_total", result="key_refetch_pending") == 2
    assert metrics.get("tokenwarden_validations_total", result="key_not_found") == 2


def test_issuer_outage_means_503_with_retry_after_for_an_unknown_kid(serve, world, jwks, keys):
    old, new = keys
    # Long enough to see the refetch fail (refused, one quick retry a second later).
    server = start(serve, world, jwks, wait_ms=int(3000 * SLOW))
    jwks.down()
    new_token = token(world, new)
    started = time.monotonic()
    retry_after = expect_unavailable(server.get("/validate", [bearer(new_token)]))
    assert time.monotonic() - started >= 0.9, "it waited for the refetch, which failed"
    assert server.metrics().get("tokenwarden_validations_total",
                                result="key_refetch_failed") == 1
    expect_unavailable(introspect(server, junk(world), world.auth()))
    # The keys fetched before the outage still serve (stale-if-error).
    assert server.get("/validate", [bearer(token(world, old))]).status == 200
    # The issuer is back with the new key: a retry after Retry-After gets its token accepted.
    jwks.publish([old, new])
    jwks.up()
    time.sleep(retry_after)
    replies = []

    def accepted():
        reply = server.get("/validate", [bearer(new_token)])
        replies.append(reply)
        return reply.status == 200

    assert wait_until(accepted, timeout=COOLDOWN + 2), replies[-1]
    assert not [r for r in replies if r.status == 401], replies
