"""Several `tokenwarden serve` instances sharing one Redis (issue 8), against real redis-server.

What it proves, black-box (HTTP to the instances, RESP to Redis):
- a revocation at any instance is in force at every other one within 100 ms of its 200
  (× SLOW for sanitizer builds), through /introspect and /validate, for a token another
  instance had in its verified-token cache too;
- Redis down: JWTs still validate, /readyz is 200 "degraded" (not 503), revocations are still
  acknowledged and counted as pending; Redis back *empty*: the instances flush what they
  accepted meanwhile and heal the keys it lost, and every instance converges;
- kill -9 of an instance holding an acknowledged, unsent revocation loses nothing;
- a late joiner is in sync once its /readyz is 200, and keeps what it received in its own log;
- the Redis data model: `<prefix>revoked:<64 hex>` = expires_at with EXAT, the
  `<prefix>revocations` channel message, and no raw token anywhere in Redis;
- configuration errors name the `redis` field (and never echo a password);
- AUTH with password_file / password_env and an ACL user; a wrong password is logged
  without the password and reported as not connected;
- opaque-token introspection results are shared (one upstream call for two instances).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest

from rediskit import (FakeIntrospection, RedisClient, RedisServer, SilentServer, denylist_key,
                      ensure_redis_server, token_parts)
from servekit import (FORM, INACTIVE, SLOW, Server, bearer, expect_active, expect_inactive,
                      form, introspect, request_on, revoke, wait_until)
from test_revoke import expect_revoked_everywhere

PREFIX = "tokenwarden:"
# The propagation requirement: revoked at one instance, inactive at all within 100 ms.
PROPAGATION_S = 0.1 * SLOW
# Small backoff bounds so that a Redis coming back is noticed within about half a second.
REDIS_DEFAULTS = {"reconnect_min_ms": 50, "reconnect_max_ms": 500, "connect_timeout_ms": 1000,
                  "command_timeout_ms": 1000}
ISS_O = "https://issuer-o.test"  # an issuer of opaque tokens (FakeIntrospection)


def validate(server, token):
    return server.get("/validate", [bearer(token)])


def short(token: str) -> str:
    """A name for a token in messages: never the token itself."""
    return f"...{token[-8:]}"


# --------------------------------------------------------------------------
# /readyz and /metrics
# --------------------------------------------------------------------------

def readiness(server: Server) -> tuple[int, dict]:
    reply = server.get("/readyz")
    body = reply.json()
    assert isinstance(body.get("redis"), dict), f"/readyz has no redis object: {reply}"
    return reply.status, body


def wait_readiness(server: Server, predicate, what: str, timeout: float = 5.0) -> dict:
    last: list = [None]

    def check() -> bool:
        last[0] = readiness(server)
        return predicate(*last[0])

    if not wait_until(check, timeout, interval=0.02):
        raise AssertionError(f"{what}: not within {timeout * SLOW:.1f}s; last /readyz {last[0]}; "
                             f"stderr tail:\n{tail(server.stderr)}")
    return last[0][1]


def wait_synced(server: Server, timeout: float = 5.0) -> dict:
    return wait_readiness(
        server, lambda code, b: code == 200 and b["status"] == "ready"
        and b["redis"]["connected"] is True and b["redis"]["synced"] is True,
        "ready and synced with Redis", timeout)


def wait_degraded(server: Server, timeout: float = 5.0) -> dict:
    return wait_readiness(
        server, lambda code, b: code == 200 and b["status"] == "degraded"
        and b["redis"]["connected"] is False,
        "200 degraded with redis.connected false", timeout)


def redis_metric(server: Server, name: str, **labels: str) -> float:
    m = server.metrics()
    full = f"tokenwarden_redis_{name}"
    assert m.has(full, **labels), f"/metrics has no {full}{labels or ''}"
    return m.get(full, **labels)


def tail(text: str, lines: int = 30) -> str:
    return "".join(text.splitlines(True)[-lines:])


# --------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------

class Cluster:
    """Instances sharing world.config() plus a `redis` section; instance NAME has its config in
    NAME.json and its denylist log in NAME.revocations.log, in the test's folder."""

    def __init__(self, serve, world, redis: RedisServer):
        self.serve = serve
        self.world = world
        self.redis = redis

    def config(self, name: str, **redis_fields) -> dict:
        cfg = self.world.config(denylist={"log": f"{name}.revocations.log"})
        cfg["redis"] = {"url": self.redis.url, **REDIS_DEFAULTS, **redis_fields}
        return cfg

    def start(self, name: str, cfg: dict | None = None, *, synced: bool = True,
              env: dict | None = None, **redis_fields) -> Server:
        """Starts instance `name` (again, with the same log, when it ran before)."""
        server = self.serve(cfg if cfg is not None else self.config(name, **redis_fields),
                            name=f"{name}.json", env=env)
        if synced:
            wait_synced(server)
        return server

    def log_entries(self, name: str) -> dict[str, int]:
        """The instance's denylist log: 64-hex key -> expires_at."""
        lines = (self.serve.dir / f"{name}.revocations.log").read_text().splitlines()
        assert lines[0] == "tokenwarden-revocations 1", lines[:1]
        return {k: int(v) for k, v in (line.split(" ") for line in lines[1:] if line)}


@pytest.fixture
def redis(tmp_path):
    ensure_redis_server()
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def cluster(redis, serve, world):
    # `redis` before `serve`: instances are stopped before Redis at teardown.
    return Cluster(serve, world, redis)


# --------------------------------------------------------------------------
# Watching an instance until a token turns inactive
# --------------------------------------------------------------------------

class Watch:
    """A keep-alive connection to one instance asking about one token, via /introspect
    (inactive: {"active":false}) or /validate (inactive: 401)."""

    def __init__(self, server: Server, world, token: str, via: str = "introspect"):
        url = urllib.parse.urlsplit(server.base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5 * SLOW)
        self.world = world
        self.token = token
        self.via = via

    def inactive(self) -> bool:
        if self.via == "introspect":
            reply = request_on(self.conn, "POST", "/introspect", [FORM, self.world.auth()],
                               form(token=self.token))
            assert reply.status == 200, reply
            return reply.json() == INACTIVE
        reply = request_on(self.conn, "GET", "/validate", [bearer(self.token)])
        assert reply.status in (200, 401), reply
        return reply.status == 401

    def close(self) -> None:
        self.conn.close()


def seconds_to_inactive(watches: dict[str, Watch], t0: float, give_up: float) -> dict:
    """Polls every watch in its own thread; name -> seconds from `t0` until inactive, or None
    when still active `give_up` seconds after t0."""
    out: dict = {}

    def run(name: str, watch: Watch) -> None:
        try:
            while True:
                if watch.inactive():
                    out[name] = time.monotonic() - t0
                    return
                if time.monotonic() - t0 > give_up:
                    out[name] = None
                    return
        except Exception as e:  # reported by the caller's assertion
            out[name] = e

    threads = [threading.Thread(target=run, args=item) for item in watches.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def wait_inactive(server: Server, world, token: str, timeout: float = 5.0, via="introspect"):
    watch = Watch(server, world, token, via)
    try:
        assert wait_until(watch.inactive, timeout, interval=0.02), \
            f"token {short(token)} still active at {server.base} after {timeout * SLOW:.1f}s;" \
            f" stderr tail:\n{tail(server.stderr)}"
    finally:
        watch.close()


# --------------------------------------------------------------------------
# 1. Propagation
# --------------------------------------------------------------------------

def test_revocation_reaches_every_other_instance_within_100ms(cluster, world):
    servers = {"a": cluster.start("a"), "b": cluster.start("b"), "c": cluster.start("c")}
    tokens = [world.token("a"), world.token("b"), world.token("b", jti=None),
              world.token("a", aud=["api-a", "api-shared"]), world.token("a", sub="zed"),
              world.token("b", jti=None, sub="yan")]
    before = {n: (redis_metric(s, "revocations_sent_total"),
                  redis_metric(s, "revocations_received_total")) for n, s in servers.items()}
    revoked_at = {n: 0 for n in servers}
    slowest = 0.0
    for i, token in enumerate(tokens):
        at = "abc"[i % 3]  # each instance revokes in turn; the other two must follow
        others = {n: Watch(s, world, token) for n, s in servers.items() if n != at}
        try:
            for n, w in others.items():
                assert not w.inactive(), f"token {i} inactive at {n} before its revocation"
            reply = revoke(servers[at], token, world.auth())
            assert reply.status == 200, reply
            t0 = time.monotonic()
            seen = seconds_to_inactive(others, t0, give_up=2.0 * SLOW)
        finally:
            for w in others.values():
                w.close()
        revoked_at[at] += 1
        for n, dt in seen.items():
            assert isinstance(dt, float), f"token {i} revoked at {at}: at {n}: {dt!r}"
            assert dt < PROPAGATION_S, \
                f"token {i} revoked at {at}: inactive at {n} only {dt * 1000:.1f} ms after the " \
                f"200 (limit {PROPAGATION_S * 1000:.0f} ms)"
            slowest = max(slowest, dt)
        for n, s in servers.items():
            if n != at:
                expect_revoked_everywhere(s, world, token)

    # A token b holds in its verified-token cache: a cache hit must see the new revocation.
    cached = world.token("a")
    for _ in range(2):
        assert validate(servers["b"], cached).status == 200
    watch = Watch(servers["b"], world, cached, via="validate")
    try:
        reply = revoke(servers["a"], cached, world.auth())
        assert reply.status == 200, reply
        t0 = time.monotonic()
        seen = seconds_to_inactive({"b": watch}, t0, give_up=2.0 * SLOW)
    finally:
        watch.close()
    revoked_at["a"] += 1
    assert isinstance(seen["b"], float) and seen["b"] < PROPAGATION_S, \
        f"cached token revoked at a: /validate at b gave 401 after {seen['b']!r} s"
    expect_revoked_everywhere(servers["b"], world, cached)
    expect_revoked_everywhere(servers["c"], world, cached)
    print(f"slowest propagation {slowest * 1000:.1f} ms, cached {seen['b'] * 1000:.1f} ms")

    # Counters: sent = script calls that changed Redis (one per revocation made here);
    # received = revocations new to this instance (its own coming back is not new).
    total = len(tokens) + 1
    for n, s in servers.items():
        assert wait_until(lambda: redis_metric(s, "revocations_pending") == 0, 2.0), n
        sent = redis_metric(s, "revocations_sent_total") - before[n][0]
        received = redis_metric(s, "revocations_received_total") - before[n][1]
        assert sent == revoked_at[n], (n, sent, revoked_at)
        assert received == total - revoked_at[n], (n, received, revoked_at)


# --------------------------------------------------------------------------
# 2. Redis down, Redis back empty
# --------------------------------------------------------------------------

def test_redis_outage_degrades_then_heals_when_redis_comes_back_empty(cluster, redis, world):
    a, b, c = cluster.start("a"), cluster.start("b"), cluster.start("c")
    earlier = world.token("a")
    assert revoke(a, earlier, world.auth()).status == 200
    wait_inactive(b, world, earlier)
    connects = redis_metric(a, "connects_total")
    assert connects >= 1

    redis.stop()
    for s in (a, b, c):
        wait_degraded(s)
        assert redis_metric(s, "connected") == 0
    # JWT validation goes on with local state, cached or not; known revocations still hold.
    good = world.token("b")
    assert validate(b, good).status == 200
    expect_active(introspect(c, world.token("a"), world.auth()))
    expect_revoked_everywhere(b, world, earlier)

    late = world.token("a")
    reply = revoke(a, late, world.auth())
    assert reply.status == 200, reply  # durable in a's log: acknowledged
    expect_revoked_everywhere(a, world, late)
    assert redis_metric(a, "revocations_pending") >= 1
    assert readiness(a)[1]["redis"]["pending"] >= 1
    expect_active(introspect(b, late, world.auth()))  # b cannot know yet

    redis.start()  # same port, no data
    for s in (b, c):
        wait_inactive(s, world, late)
    for s in (a, b, c):
        wait_synced(s)
        expect_revoked_everywhere(s, world, earlier)
    with redis.client() as r:
        keys = set(r.keys(f"{PREFIX}revoked:*"))
    assert f"{PREFIX}revoked:{denylist_key(late)}" in keys, keys  # flushed
    assert f"{PREFIX}revoked:{denylist_key(earlier)}" in keys, keys  # healed
    assert wait_until(lambda: redis_metric(a, "revocations_pending") == 0, 3.0)
    assert readiness(a)[1]["redis"]["pending"] == 0
    assert redis_metric(a, "connected") == 1
    assert redis_metric(a, "connects_total") > connects


# --------------------------------------------------------------------------
# 3. kill -9 while Redis is down
# --------------------------------------------------------------------------

def test_acknowledged_revocation_survives_kill_9_during_an_outage(cluster, redis, world):
    a, b = cluster.start("a"), cluster.start("b")
    redis.stop()
    wait_degraded(a)
    wait_degraded(b)
    token = world.token("a")
    assert revoke(a, token, world.auth()).status == 200
    os.kill(a.proc.pid, signal.SIGKILL)
    a.kill()

    again = cluster.start("a", synced=False)  # the same configuration and log
    body = wait_degraded(again)  # its first attempt failed: degraded, not 503
    assert body["redis"]["pending"] >= 1, body
    expect_revoked_everywhere(again, world, token)
    expect_active(introspect(b, token, world.auth()))

    redis.start()
    wait_inactive(b, world, token)
    expect_revoked_everywhere(b, world, token)
    with redis.client() as r:
        assert r.call("EXISTS", f"{PREFIX}revoked:{denylist_key(token)}") == 1


# --------------------------------------------------------------------------
# 4. Late joiner
# --------------------------------------------------------------------------

def test_late_joiner_is_in_sync_once_ready_and_keeps_what_it_received(cluster, redis, world):
    a, b = cluster.start("a"), cluster.start("b")
    at_a = [world.token("a"), world.token("b", jti=None), world.token("b")]
    at_b = [world.token("a", sub="x"), world.token("a", jti=None), world.token("b", sub="y")]
    for server, tokens in ((a, at_a), (b, at_b)):
        for t in tokens:
            assert revoke(server, t, world.auth()).status == 200
    for s in (a, b):
        assert wait_until(lambda: redis_metric(s, "revocations_pending") == 0, 3.0)
    kept = world.token("a")

    c = cluster.start("c", synced=False)
    body = wait_readiness(c, lambda code, body: code == 200, "/readyz 200")
    assert body["status"] == "ready" and body["redis"]["synced"] is True, body
    for t in at_a + at_b:  # at once: ready means synced
        expect_inactive(introspect(c, t, world.auth()))
    expect_active(introspect(c, kept, world.auth()))
    assert redis_metric(c, "revocations_received_total") == len(at_a + at_b)
    assert set(cluster.log_entries("c")) >= {denylist_key(t) for t in at_a + at_b}

    # What c received is in its own log: a restart without Redis still knows it.
    c.stop()
    redis.stop()
    c2 = cluster.start("c", synced=False)
    wait_degraded(c2)
    for t in at_a + at_b:
        expect_revoked_everywhere(c2, world, t)


def test_revocations_a_full_denylist_cannot_hold_are_counted_and_logged(cluster, world):
    a = cluster.start("a")
    small = cluster.config("b")
    small["denylist"]["capacity"] = 4  # one 4-way set: the fifth distinct key has no room
    b = cluster.start("b", small)
    tokens = [world.token("a") for _ in range(12)]
    for t in tokens:
        assert revoke(a, t, world.auth()).status == 200

    def heard() -> float:
        return (redis_metric(b, "revocations_received_total")
                + redis_metric(b, "revocations_refused_total"))

    assert wait_until(lambda: heard() == len(tokens), 3.0), heard()
    refused = redis_metric(b, "revocations_refused_total")
    assert 1 <= refused <= len(tokens) - 4, refused
    assert "a shared revocation could not be applied" in b.stderr
    assert all(t not in b.stderr for t in tokens)
    assert redis_metric(a, "revocations_refused_total") == 0


def test_readyz_is_503_until_the_first_sync_then_degraded_when_redis_hangs(cluster, world):
    silent = SilentServer()
    try:
        server = cluster.start("a", synced=False, url=silent.url, connect_timeout_ms=2000,
                               command_timeout_ms=2000)
        code, body = readiness(server)
        assert code == 503, (code, body)
        assert body["redis"]["connected"] is False and body["redis"]["synced"] is False, body
        # The attempt times out: not ready would take every instance out of the balancer.
        wait_degraded(server, timeout=8.0)
        assert validate(server, world.token("a")).status == 200
    finally:
        silent.close()


# --------------------------------------------------------------------------
# 5. The Redis data model
# --------------------------------------------------------------------------

def test_redis_keys_values_expiry_and_channel(cluster, redis, world):
    prefix = f"tw-test-{secrets.token_hex(4)}:"
    cfgs = {}
    for name in ("a", "b"):
        cfg = cluster.config(name, key_prefix=prefix)
        cfg["issuers"][0]["leeway_seconds"] = 30
        cfg["issuers"][0]["require_exp"] = False  # so a token without exp is active, revocable
        cfgs[name] = cfg
    a, b = cluster.start("a", cfgs["a"]), cluster.start("b", cfgs["b"])
    with_jti, no_jti, forever = world.token("a"), world.token("b", jti=None), world.token("a", exp=None)
    tokens = {"with_jti": with_jti, "no_jti": no_jti, "forever": forever}
    for t in tokens.values():
        expect_active(introspect(b, t, world.auth()))

    sub = redis.client(timeout=3 * SLOW)
    try:
        channel = f"{prefix}revocations"
        assert sub.call("SUBSCRIBE", channel) == [b"subscribe", channel.encode(), 1]
        messages = []
        for t in tokens.values():
            assert revoke(a, t, world.auth()).status == 200
            messages.append(sub.read())
    finally:
        sub.close()
    logged = cluster.log_entries("a")
    for (what, t), message in zip(tokens.items(), messages):
        key = denylist_key(t)
        assert key in logged, (what, logged)
        assert message == [b"message", channel.encode(), f"{key} {logged[key]}".encode()], \
            (what, message)

    now = int(time.time())
    exp = json.loads(_b64(with_jti.split(".")[1]))["exp"]
    with redis.client() as r:
        revoked = {k for k in r.keys(f"{prefix}revoked:*")}
        assert revoked == {f"{prefix}revoked:{denylist_key(t)}" for t in tokens.values()}, revoked
        assert all(k.startswith(prefix) for k in r.keys("*")), r.keys("*")
        for what, t in tokens.items():
            key = f"{prefix}revoked:{denylist_key(t)}"
            assert r.call("GET", key) == str(logged[denylist_key(t)]).encode(), what
        # EXAT expires_at: exp + leeway (+1 s: core/validator.cc rounds past the last second).
        at = logged[denylist_key(with_jti)]
        assert exp + 30 <= at <= exp + 31, (exp, at)
        assert r.call("EXPIRETIME", f"{prefix}revoked:{denylist_key(with_jti)}") == at
        assert 0 < r.call("TTL", f"{prefix}revoked:{denylist_key(with_jti)}") <= at - now + 1
        exp_b = json.loads(_b64(no_jti.split(".")[1]))["exp"]
        at_b = logged[denylist_key(no_jti)]
        assert exp_b <= at_b <= exp_b + 1 and \
            r.call("EXPIRETIME", f"{prefix}revoked:{denylist_key(no_jti)}") == at_b
        assert r.call("TTL", f"{prefix}revoked:{denylist_key(forever)}") == -1  # no expiry
        assert_no_token_in_redis(r, tokens.values())
    for t in tokens.values():
        wait_inactive(b, world, t)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def assert_no_token_in_redis(r: RedisClient, tokens) -> None:
    dump = r.dump_all()
    assert dump, "Redis is empty"
    for t in tokens:
        for part in token_parts(t):
            raw = part.encode()
            for key, values in dump.items():
                assert part not in key, f"a key holds (part of) token {short(t)}"
                assert not any(raw in v for v in values), f"{key} holds (part of) token {short(t)}"


def test_redis_settings_change_only_on_restart(cluster, redis, world):
    a = cluster.start("a")
    cluster.serve.write(cluster.config("a", key_prefix="elsewhere:"), "a.json")
    mark = a.stderr_lines()
    a.send_signal(signal.SIGHUP)
    a.wait_for_stderr(r"(?i)redis.*restart", start=mark)
    token = world.token("a")
    assert revoke(a, token, world.auth()).status == 200
    assert wait_until(lambda: redis_metric(a, "revocations_pending") == 0, 2.0)
    with redis.client() as r:
        assert r.keys("elsewhere:*") == []
        assert r.call("EXISTS", f"{PREFIX}revoked:{denylist_key(token)}") == 1


# --------------------------------------------------------------------------
# 6. Configuration errors
# --------------------------------------------------------------------------

CONFIG_ERRORS = {
    # case: (redis fields, other changes, text the message must hold, text it must not)
    "userinfo": ({"url": "redis://tw:hunter2-pw@127.0.0.1:6379/0"}, None, "redis.url", "hunter2"),
    "password_only_userinfo": ({"url": "redis://:hunter2-pw@127.0.0.1/0"}, None, "redis.url",
                               "hunter2"),
    "http_scheme": ({"url": "http://127.0.0.1:6379/0"}, None, "redis.url", None),
    "no_scheme": ({"url": "127.0.0.1:6379"}, None, "redis.url", None),
    "port_out_of_range": ({"url": "redis://127.0.0.1:65536/0"}, None, "redis.url", None),
    "db_not_a_number": ({"url": "redis://127.0.0.1:6379/zero"}, None, "redis.url", None),
    "missing_url": ({"url": None}, None, "redis.url", None),
    "no_denylist_log": ({}, "no_log", "denylist.log", None),
    "both_password_sources": ({"password_file": "redis.pass", "password_env": "TW_TEST_PW"}, None,
                              "redis", "s3cret"),
    "missing_password_file": ({"password_file": "absent.pass"}, None, "redis.password_file",
                              None),
    "unset_password_env": ({"password_env": "TW_TEST_UNSET_PASSWORD_VAR"}, None,
                           "redis.password_env", None),
    "inline_password": ({"password": "hunter2-pw"}, None, "redis.password", "hunter2"),
    "ca_file_without_tls": ({"ca_file": "ca.pem"}, None, "redis.ca_file", None),
    "key_prefix_with_wildcard": ({"key_prefix": "tw:*"}, None, "redis.key_prefix", None),
    "reconnect_min_above_max": ({"reconnect_min_ms": 600, "reconnect_max_ms": 500}, None,
                                "redis.reconnect_m", None),
    "unknown_field": ({"pasword": "x"}, None, 'redis: unknown field "pasword"', None),
    "wrong_type": ({"reconnect_max_ms": "500"}, None, "redis.reconnect_max_ms", None),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_redis_configuration_error_names_the_field(tokenwarden_bin, world, tmp_path, case):
    fields, change, needle, secret = CONFIG_ERRORS[case]
    (tmp_path / "redis.pass").write_text("s3cret-redis-pw\n")
    (tmp_path / "ca.pem").write_text(world.jwks_a.read_text())  # exists; never read as a CA
    cfg = world.config(denylist={"log": "r.log"})
    cfg["redis"] = {"url": "redis://127.0.0.1:6379/0", **fields}
    cfg["redis"] = {k: v for k, v in cfg["redis"].items() if v is not None}
    if change == "no_log":
        del cfg["denylist"]
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(cfg))
    env = dict(os.environ, TW_TEST_PW="s3cret-env-pw")
    env.pop("TW_TEST_UNSET_PASSWORD_VAR", None)
    proc = subprocess.run([tokenwarden_bin, "serve", "--check", "--config", str(path)],
                          capture_output=True, timeout=15 * SLOW, env=env, stdin=subprocess.DEVNULL)
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, err)
    assert needle in err, err
    if case == "both_password_sources":
        assert "password_file" in err or "password_env" in err, err
    if case == "no_denylist_log":
        assert "redis" in err, err
    if secret is not None:
        assert secret not in err, "the message repeats a secret"
        assert "s3cret" not in err


def test_check_accepts_a_redis_section_without_connecting(tokenwarden_bin, world, tmp_path):
    (tmp_path / "redis.pass").write_text("s3cret-redis-pw\n")
    cfg = world.config(denylist={"log": "r.log"})
    cfg["redis"] = {"url": "redis://127.0.0.1:1/3", "username": "tw", "password_file": "redis.pass",
                    "key_prefix": "x:", "connect_timeout_ms": 100, "command_timeout_ms": 100,
                    "reconnect_min_ms": 10, "reconnect_max_ms": 20, "share_opaque_results": False}
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(cfg))
    proc = subprocess.run([tokenwarden_bin, "serve", "--check", "--config", str(path)],
                          capture_output=True, timeout=15 * SLOW, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"s3cret" not in proc.stdout + proc.stderr


# --------------------------------------------------------------------------
# 7. AUTH
# --------------------------------------------------------------------------

REDIS_PASSWORD = "redis-default-pw-6f1d2c"
ACL_PASSWORD = "redis-acl-pw-93ab7e"


@pytest.fixture
def locked_redis(tmp_path):
    ensure_redis_server()
    server = RedisServer(tmp_path / "redis-locked", password=REDIS_PASSWORD).start()
    with server.client() as r:
        # An ACL user limited to tokenwarden's keys and channels.
        assert r.call("ACL", "SETUSER", "tw", "on", f">{ACL_PASSWORD}", f"~{PREFIX}*",
                      f"&{PREFIX}*", "+@all") == "OK"
    yield server
    server.stop()


def test_password_file_and_acl_user_with_password_env(cluster, locked_redis, world, tmp_path):
    (tmp_path / "redis.pass").write_text(REDIS_PASSWORD + "\n")
    a = cluster.start("a", url=locked_redis.url, password_file=str(tmp_path / "redis.pass"))
    b = cluster.start("b", url=locked_redis.url, username="tw", password_env="TW_TEST_REDIS_PW",
                      env={"TW_TEST_REDIS_PW": ACL_PASSWORD})
    for first, second in ((a, b), (b, a)):
        token = world.token("a")
        assert revoke(first, token, world.auth()).status == 200
        wait_inactive(second, world, token)
        with locked_redis.client() as r:
            assert r.call("EXISTS", f"{PREFIX}revoked:{denylist_key(token)}") == 1
    for s in (a, b):
        assert REDIS_PASSWORD not in s.stderr and ACL_PASSWORD not in s.stderr


def test_wrong_password_is_logged_without_it_and_not_connected(cluster, locked_redis, world,
                                                              tmp_path):
    wrong = "not-the-redis-pw-55c0"
    (tmp_path / "wrong.pass").write_text(wrong + "\n")
    a = cluster.start("a", url=locked_redis.url, password_file=str(tmp_path / "wrong.pass"),
                      synced=False)
    a.wait_for_stderr(r"(?i)redis.*(WRONGPASS|NOAUTH|auth\S* fail|authenticat|invalid (username|"
                      r"password))", timeout=5)
    body = wait_degraded(a)
    assert body["redis"]["synced"] is False, body
    assert redis_metric(a, "connected") == 0
    assert validate(a, world.token("a")).status == 200  # JWTs still validate
    assert wrong not in a.stderr and REDIS_PASSWORD not in a.stderr


# --------------------------------------------------------------------------
# 8. Opaque-token results
# --------------------------------------------------------------------------

@pytest.fixture
def upstream():
    fake = FakeIntrospection()
    yield fake
    fake.close()


def opaque_config(cluster: Cluster, upstream: FakeIntrospection, name: str, **redis_fields):
    secret = cluster.serve.dir / "upstream.secret"
    secret.write_text(upstream.client_secret + "\n")
    cfg = cluster.config(name, **redis_fields)
    cfg["issuers"].append({
        "issuer": ISS_O,
        "jwks_file": str(cluster.world.jwks_a),
        "audiences": ["api-o"],
        "fetch": {"allow_plain_http": True},
        "introspection": {"endpoint": upstream.endpoint, "client_id": upstream.client_id,
                          "client_secret_file": str(secret)},
    })
    return cfg


def opaque_token(upstream: FakeIntrospection) -> tuple[str, dict]:
    token = "opq_" + secrets.token_urlsafe(32)
    now = int(time.time())
    answer = {"active": True, "iss": ISS_O, "sub": "carol", "aud": "api-o", "exp": now + 600,
              "iat": now - 5, "scope": "read", "client_id": "app-o", "token_type": "Bearer"}
    upstream.answers[token] = answer
    return token, answer


def test_opaque_result_is_shared_through_redis(cluster, redis, upstream, world):
    a = cluster.start("a", opaque_config(cluster, upstream, "a"))
    b = cluster.start("b", opaque_config(cluster, upstream, "b"))
    token, answer = opaque_token(upstream)
    body_a = expect_active(introspect(a, token, world.auth()))
    assert upstream.calls(token) == 1
    with redis.client() as r:
        assert wait_until(lambda: r.keys(f"{PREFIX}opaque:*"), 2.0), "no opaque key in Redis"
        keys = r.keys(f"{PREFIX}opaque:*")
        assert len(keys) == 1 and re.fullmatch(rf"{re.escape(PREFIX)}opaque:[0-9a-f]{{64}}",
                                               keys[0]), keys
        value = r.call("GET", keys[0]).decode()
        expires_ms, _, stored = value.partition("\n")
        assert json.loads(stored) == answer
        now_ms = time.time() * 1000
        # Cached until min(exp, now + cache_ttl_seconds = 300 s).
        assert abs(int(expires_ms) - (now_ms + 300_000)) < 10_000 * SLOW, (expires_ms, now_ms)
        assert 0 < r.call("PTTL", keys[0]) <= 300_000
        assert_no_token_in_redis(r, [token])

    body_b = expect_active(introspect(b, token, world.auth()))
    assert upstream.calls(token) == 1, "b asked the upstream although Redis had the answer"
    assert body_b == body_a
    assert validate(b, token).status == 200
    assert upstream.calls(token) == 1
    assert redis_metric(b, "opaque_lookups_total", result="hit") >= 1
    assert redis_metric(a, "opaque_lookups_total", result="miss") >= 1

    # An opaque token revoked at a is inactive at b, whatever the shared answer says.
    assert revoke(a, token, world.auth()).status == 200
    wait_inactive(b, world, token)
    assert validate(b, token).status == 401
    assert upstream.unauthorized == 0


def test_opaque_results_stay_local_when_sharing_is_off(cluster, redis, upstream, world):
    a = cluster.start("a", opaque_config(cluster, upstream, "a", share_opaque_results=False))
    b = cluster.start("b", opaque_config(cluster, upstream, "b", share_opaque_results=False))
    token, _ = opaque_token(upstream)
    expect_active(introspect(a, token, world.auth()))
    expect_active(introspect(b, token, world.auth()))
    assert upstream.calls(token) == 2
    with redis.client() as r:
        assert r.keys(f"{PREFIX}opaque:*") == []
