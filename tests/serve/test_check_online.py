"""`tokenwarden serve --check --online`: every issuer asked once, over real HTTPS, one line each.

The offline `--check` contacts nothing, so a wrong CA, a DNS typo, an issuer spelt with or
without the provider's trailing slash, a JWK Set without a usable key or a wrong introspection
secret would pass it and show only later in /readyz. The online check must name each of them
in a line a user can act on, exit 1, never print a secret, and end within its timeouts. The
issuer is HttpsIdp (tests/serve/https_idp.py): discovery, JWK Set and RFC 7662 endpoint on
https://127.0.0.1:PORT with a CA made for the test.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

from https_idp import HttpsIdp, make_tls
from servekit import ISS_A, ISS_B, SLOW

KEYS_ONLY = "https://keys-only.test"


@pytest.fixture
def idp(world, tmp_path):
    server = HttpsIdp(tmp_path / "idp", {"keys": [world.key_a.jwk()]})
    yield server
    server.close()


def idp_issuer(idp: HttpsIdp, secret_file, **changes) -> dict:
    """A discovery issuer at `idp` with introspection, trusting the IdP's CA."""
    issuer = {
        "issuer": idp.issuer,
        "discovery": True,
        "audiences": ["api-idp"],
        "algorithms": ["RS256"],
        "fetch": {"ca_file": str(idp.ca), "connect_timeout_ms": 2000, "timeout_ms": 3000},
        "introspection": {"client_id": idp.client_id, "client_secret_file": str(secret_file)},
    }
    issuer.update(changes)
    return issuer


def check(binary, cfg: dict, directory, *flags: str, timeout: float = 60):
    path = directory / "tw.json"
    path.write_text(json.dumps(cfg))
    proc = subprocess.run([binary, "serve", "--config", str(path), "--check", *flags],
                          capture_output=True, timeout=timeout * SLOW, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def secret_file(directory, secret: str):
    path = directory / "idp.secret"
    path.write_text(secret + "\n")
    return path


def one_issuer(world, issuer: dict) -> dict:
    """The base configuration with `issuer` only, and the one client that names no issuer
    (bearer callers and the other clients name issuers A and B)."""
    cfg = world.config(issuers=[issuer])
    cfg["clients"] = cfg["clients"][:1]
    del cfg["bearer_callers"]
    return cfg


def line_of(out: str, issuer: str) -> str:
    """The one line about `issuer` (the space or colon after it tells "X" from "X/")."""
    lines = [ln for ln in out.splitlines()
             if ln.startswith((f"ok issuer {issuer} ", f"FAIL issuer {issuer}: "))]
    assert len(lines) == 1, (issuer, out)
    return lines[0]


def test_all_issuers_ok(tokenwarden_bin, world, idp, tmp_path):
    cfg = world.config()
    cfg["issuers"].append(idp_issuer(idp, secret_file(tmp_path, idp.client_secret)))
    cfg["issuers"].append({"issuer": KEYS_ONLY, "jwks_uri": f"{idp.issuer}/jwks",
                           "algorithms": ["RS256", "ES256"], "fetch": {"ca_file": str(idp.ca)}})
    code, out, err = check(tokenwarden_bin, cfg, tmp_path, "--online")
    assert code == 0, (out, err)
    assert out.splitlines() == [
        "configuration OK: 4 issuers, 5 clients",
        f"ok issuer {ISS_A} keys 1 (jwks_file)",
        f"ok issuer {ISS_B} keys 1 (jwks_file)",
        f"ok issuer {idp.issuer} keys 1, introspection credentials accepted",
        f"ok issuer {KEYS_ONLY} keys 1",
        "online check OK: 4 issuers",
    ], out
    # The credentials were tried once, about a random token the check names as its own.
    assert len(idp.tokens) == 1 and idp.tokens[0].startswith("tokenwarden-check-"), idp.tokens
    assert idp.refused == 0
    assert idp.client_secret not in out + err


def test_offline_check_still_asks_nothing(tokenwarden_bin, world, idp, tmp_path):
    cfg = one_issuer(world, idp_issuer(idp, secret_file(tmp_path, idp.client_secret)))
    code, out, err = check(tokenwarden_bin, cfg, tmp_path)
    assert code == 0, err
    assert out == "configuration OK: 1 issuers, 1 clients\n"
    assert idp.hits == 0


@pytest.mark.parametrize("trust", ["another_ca", "system_bundle"])
def test_wrong_ca(tokenwarden_bin, world, idp, tmp_path, trust):
    issuer = idp_issuer(idp, secret_file(tmp_path, idp.client_secret))
    if trust == "another_ca":
        other_ca, _, _ = make_tls(tmp_path / "other")
        issuer["fetch"]["ca_file"] = str(other_ca)
        hint = f'(fetch.ca_file "{other_ca}" does not hold the CA that issued it)'
    else:
        del issuer["fetch"]["ca_file"]
        hint = ("(the system CA bundle does not trust it: set fetch.ca_file to the PEM file of "
                "the CA that issued it)")
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    line = line_of(out, idp.issuer)
    assert line.startswith(f"FAIL issuer {idp.issuer}: discovery: {idp.issuer}/.well-known/"
                           "openid-configuration: certificate refused: "), line
    assert hint in line, line
    # The introspection endpoint comes from the document that could not be read.
    assert "introspection: not checked" in line, line
    assert out.splitlines()[-1] == "online check FAILED: 1 of 1 issuers", out
    assert idp.tokens == []


def test_unresolvable_host(tokenwarden_bin, world, tmp_path):
    # RFC 6761 §6.4: .invalid names never resolve.
    issuer = {"issuer": "https://idp.no-such-host.invalid", "discovery": True,
              "algorithms": ["RS256"], "fetch": {"timeout_ms": 3000}}
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    assert line_of(out, "https://idp.no-such-host.invalid").startswith(
        "FAIL issuer https://idp.no-such-host.invalid: discovery: https://idp.no-such-host.invalid"
        '/.well-known/openid-configuration: DNS: cannot resolve host "idp.no-such-host.invalid" ('
    ), out


@pytest.mark.parametrize("slash_in", ["configuration", "discovery"])
def test_issuer_differs_by_a_trailing_slash(tokenwarden_bin, world, idp, tmp_path, slash_in):
    configured, discovered = idp.issuer, idp.issuer
    if slash_in == "configuration":
        configured += "/"
    else:
        discovered += "/"
        idp.discovery["issuer"] = discovered
    issuer = idp_issuer(idp, secret_file(tmp_path, idp.client_secret), issuer=configured)
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    line = line_of(out, configured)
    assert line.startswith(
        f'FAIL issuer {configured}: discovery document: issuer mismatch: discovery says '
        f'"{discovered}", which is not the configured issuer "{configured}" (they differ only by '
        f'a trailing slash: configure "{discovered}", exactly as the provider spells it)'), line


def test_issuer_mismatch(tokenwarden_bin, world, idp, tmp_path):
    idp.discovery["issuer"] = "https://login.example.com/tenant"
    issuer = idp_issuer(idp, secret_file(tmp_path, idp.client_secret))
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    line = line_of(out, idp.issuer)
    assert ('issuer mismatch: discovery says "https://login.example.com/tenant", which is not the '
            f'configured issuer "{idp.issuer}" (OpenID Connect Discovery §4.3: they must be '
            'identical)') in line, line
    assert "trailing slash" not in line


@pytest.mark.parametrize("case", ["encryption_key_only", "no_key_for_the_algorithms"])
def test_key_set_without_a_usable_key(tokenwarden_bin, world, idp, tmp_path, case):
    if case == "encryption_key_only":
        idp.jwks = {"keys": [world.key_a.jwk(use="enc")]}
        says = f"key set: {idp.issuer}/jwks: JWK Set has no usable key: key 0 (kid \"a-1\"): "
    else:
        idp.jwks = {"keys": [world.key_b.jwk()]}  # P-256, while the issuer allows RS256 only
        says = (f"key set: {idp.issuer}/jwks: no key can verify RS256 (its keys support ES256): "
                'the issuer signs with other keys than "algorithms" allows')
    issuer = idp_issuer(idp, secret_file(tmp_path, idp.client_secret))
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    line = line_of(out, idp.issuer)
    assert line.startswith(f"FAIL issuer {idp.issuer}: {says}"), line
    # The credentials are still checked, and they are fine: the one line says so by omission.
    assert "introspection" not in line and len(idp.tokens) == 1, line


def test_introspection_credentials_refused(tokenwarden_bin, world, idp, tmp_path):
    wrong = "not-the-secret-0123456789"
    issuer = idp_issuer(idp, secret_file(tmp_path, wrong))
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 1, (out, err)
    assert line_of(out, idp.issuer) == (
        f"FAIL issuer {idp.issuer}: introspection credentials refused (401 from "
        f"{idp.issuer}/introspect): check introspection.client_id, the client secret and "
        "auth_method"), out
    assert idp.refused == 1
    assert wrong not in out + err and idp.client_secret not in out + err


def test_introspection_credentials_accepted_with_a_key_file(tokenwarden_bin, world, idp,
                                                             tmp_path):
    # An issuer whose JWTs are checked with a key file and whose opaque tokens go upstream:
    # nothing to discover or fetch, but the credentials are tried all the same.
    issuer = {"issuer": "https://opaque.test", "jwks_file": str(world.jwks_a),
              "fetch": {"ca_file": str(idp.ca)},
              "introspection": {"endpoint": f"{idp.issuer}/introspect",
                                "client_id": idp.client_id,
                                "client_secret_file": str(secret_file(tmp_path,
                                                                      idp.client_secret))}}
    code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
    assert code == 0, (out, err)
    assert line_of(out, "https://opaque.test") == (
        "ok issuer https://opaque.test keys 1 (jwks_file), introspection credentials accepted")
    assert len(idp.tokens) == 1 and idp.refused == 0


def test_a_silent_issuer_fails_within_its_timeouts(tokenwarden_bin, world, tmp_path):
    # A port that accepts connections (the kernel's backlog) and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"https://127.0.0.1:{silent.getsockname()[1]}/jwks"
        issuer = {"issuer": KEYS_ONLY, "jwks_uri": url, "algorithms": ["RS256"],
                  "fetch": {"connect_timeout_ms": 300, "timeout_ms": 600}}
        start = time.monotonic()
        code, out, err = check(tokenwarden_bin, one_issuer(world, issuer), tmp_path, "--online")
        took = time.monotonic() - start
    assert code == 1, (out, err)
    line = line_of(out, KEYS_ONLY)
    assert line.startswith(f"FAIL issuer {KEYS_ONLY}: key set: {url}: TLS handshake timed out "
                           "(is the host reachable from here?"), line
    assert took < 5 * SLOW, took


def test_online_needs_check(tokenwarden_bin, world, tmp_path):
    path = tmp_path / "tw.json"
    path.write_text("{}")
    proc = subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--online"],
                          capture_output=True, timeout=15 * SLOW, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc
    assert b"--online applies to --check" in proc.stderr
    assert b"usage: tokenwarden serve" in proc.stderr
