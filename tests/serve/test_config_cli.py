"""`tokenwarden serve` command line: configuration errors, --check, usage, port in use, --demo."""

from __future__ import annotations

import base64
import json
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from servekit import (SLOW, Server, expect_active, expect_inactive, parse_challenge, request,
                      wait_until)


def run(binary, *args, timeout=15, cwd=None):
    proc = subprocess.run([binary, "serve", *args], capture_output=True, timeout=timeout * SLOW,
                          stdin=subprocess.DEVNULL, cwd=cwd)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def _broken(world, case):
    cfg = world.config()
    if case == "unknown_top_field":
        cfg["listn"] = ["127.0.0.1:0"]
        return cfg, '(root): unknown field "listn"'
    if case == "unknown_nested_field":
        cfg["issuers"][1]["audience"] = ["x"]
        return cfg, 'issuers[1]: unknown field "audience"'
    if case == "bad_algorithm":
        cfg["issuers"][0]["algorithms"] = ["RS256", "RS257"]
        return cfg, "issuers[0].algorithms[1]"
    if case == "alg_none":
        cfg["issuers"][1]["algorithms"] = ["none"]
        return cfg, "issuers[1].algorithms[0]"
    if case == "missing_jwks":
        cfg["issuers"][1]["jwks_file"] = "no-such.jwks.json"
        return cfg, "issuers[1].jwks_file"
    if case == "bad_secret_hash":
        cfg["clients"][2]["secret_hash"] = "sha256$abc$def"
        return cfg, "clients[2].secret_hash"
    if case == "duplicate_client":
        cfg["clients"][1]["id"] = "gateway"
        return cfg, "clients[1].id"
    if case == "limit_out_of_range":
        cfg["limits"] = {"max_body_bytes": 0}
        return cfg, "limits.max_body_bytes"
    if case == "wrong_type":
        cfg["workers"] = "2"
        return cfg, "workers"
    if case == "no_issuers":
        del cfg["issuers"]
        return cfg, "issuers"
    if case == "bearer_caller_unknown_issuer":
        cfg["bearer_callers"]["issuers"] = ["https://nobody.test"]
        return cfg, "bearer_callers.issuers[0]"
    if case == "route_scope_bad_prefix":
        cfg["issuers"][0]["route_scopes"] = [{"path_prefix": "admin", "scopes": ["x"]}]
        return cfg, "issuers[0].route_scopes[0].path_prefix"
    if case == "protected_resource_unknown_server":
        cfg["protected_resources"] = [{"resource": "https://api.test",
                                       "authorization_servers": ["https://nobody.test"]}]
        return cfg, "protected_resources[0].authorization_servers[0]"
    if case == "protected_resource_plain_http":
        cfg["protected_resources"] = [{"resource": "https://api.test/a"},
                                      {"resource": "http://api.test/b"}]
        return cfg, "protected_resources[1].resource"
    raise AssertionError(case)


CASES = ["unknown_top_field", "unknown_nested_field", "bad_algorithm", "alg_none", "missing_jwks",
         "bad_secret_hash", "duplicate_client", "limit_out_of_range", "wrong_type", "no_issuers",
         "bearer_caller_unknown_issuer", "route_scope_bad_prefix",
         "protected_resource_unknown_server", "protected_resource_plain_http"]


@pytest.mark.parametrize("check", [False, True], ids=["serve", "check"])
@pytest.mark.parametrize("case", CASES)
def test_configuration_error_names_the_field(tokenwarden_bin, world, tmp_path, case, check):
    cfg, field = _broken(world, case)
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(cfg))
    code, out, err = run(tokenwarden_bin, "--config", str(path), *(["--check"] if check else []))
    assert code == 2, (code, out, err)
    assert field in err, err
    assert "listening" not in err
    if case == "bad_secret_hash":
        assert "sha256$abc$def" not in err  # hashes are not echoed into logs


def test_invalid_json(tokenwarden_bin, tmp_path):
    path = tmp_path / "tw.json"
    path.write_text('{"issuers": [')
    code, _, err = run(tokenwarden_bin, "--config", str(path))
    assert code == 2 and "invalid JSON" in err, err


def test_missing_config_file(tokenwarden_bin, tmp_path):
    code, _, err = run(tokenwarden_bin, "--config", str(tmp_path / "absent.json"))
    assert code == 2 and "absent.json" in err, err
    assert "No such file or directory" in err, err  # the errno text: what to act on


# Hand-edited configurations, each broken the way people break them: the message says where,
# as line and column, and what JSON wanted there.
@pytest.mark.parametrize("text,where", [
    ('{\n  "issuers": [],\n  "workers": 2,\n}\n',
     "line 3, column 15: a comma before '}'"),
    ('{\n  "listen": ["127.0.0.1:0"]\n  "workers": 2\n}\n',
     "line 3, column 3: expected ',' or '}' after an object member"),
    ('{\n  // a comment\n  "workers": 2\n}\n',
     "line 2, column 3: expected a member name in double quotes"),
    ("{\n  'workers': 2\n}\n",
     "line 2, column 3: expected a member name in double quotes"),
    ('{\n  "issuers": [\n', "line 3, column 1: the text ends where a value is expected"),
    ('{"audiences": ["caf\u00e9" "x"]}', "line 1, column 23: expected ',' or ']'"),
], ids=["trailing_comma", "missing_comma", "comment", "single_quotes", "truncated", "utf8_column"])
@pytest.mark.parametrize("check", [False, True], ids=["serve", "check"])
def test_invalid_json_gives_line_and_column(tokenwarden_bin, tmp_path, text, where, check):
    path = tmp_path / "tw.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(tokenwarden_bin, "--config", str(path), *(["--check"] if check else []))
    assert code == 2, (code, out, err)
    assert f"config: invalid JSON at {where}" in err, err


def test_check_accepts_a_good_configuration(tokenwarden_bin, world, tmp_path):
    # Relative paths are resolved against the configuration's folder, not the working directory.
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "a.jwks.json").write_text(world.jwks_a.read_text())
    cfg = world.config()
    cfg["issuers"][0]["jwks_file"] = "keys/a.jwks.json"
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(cfg))
    code, out, err = run(tokenwarden_bin, "--config", str(path), "--check", cwd="/")
    assert code == 0, err
    assert "configuration OK: 2 issuers, 5 clients" in out
    assert not (tmp_path / "revocations.log").exists()  # --check starts nothing


def test_example_configuration_checks(tokenwarden_bin):
    example = Path(__file__).resolve().parents[2] / "examples" / "serve" / "tokenwarden.json"
    code, out, err = run(tokenwarden_bin, "--config", str(example), "--check")
    assert code == 0, err


@pytest.mark.parametrize("args", [["--bogus"], ["--config"], [], ["--demo", "--config", "x.json"],
                                  ["--demo", "--check"], ["--demo", "--workers", "0"],
                                  ["--demo", "--workers", "many"]])
def test_usage_errors_exit_2(tokenwarden_bin, args):
    code, out, err = run(tokenwarden_bin, *args)
    assert code == 2, (args, code, err)
    assert "usage: tokenwarden serve" in err
    assert out == ""


def test_unknown_option_is_named(tokenwarden_bin):
    code, _, err = run(tokenwarden_bin, "--demo", "--lsten", "127.0.0.1:0")
    assert code == 2 and '"--lsten"' in err, err


def test_help(tokenwarden_bin):
    code, out, err = run(tokenwarden_bin, "--help")
    assert code == 0, err
    assert "usage: tokenwarden serve" in out and "--config" in out and "SIGHUP" in out


@pytest.mark.parametrize("admin", [False, True], ids=["listen", "admin_listen"])
def test_port_in_use_exits_1(tokenwarden_bin, world, tmp_path, admin):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        path = tmp_path / "tw.json"
        if admin:  # the admin listener's address (admin.listen) is the one taken
            path.write_text(json.dumps(world.config(admin={"listen": [address]})))
            code, out, err = run(tokenwarden_bin, "--config", str(path))
        else:
            path.write_text(json.dumps(world.config()))
            code, out, err = run(tokenwarden_bin, "--config", str(path), "--listen", address)
    assert code == 1, (code, err)
    assert f"listen {address}: Address already in use" in err, err
    assert "listening on" not in err


def test_port_used_by_another_tokenwarden_exits_1(tokenwarden_bin, serve, world, tmp_path):
    first = serve(world.config())
    port = first.base.rsplit(":", 1)[1]
    other = tmp_path / "other"
    other.mkdir()
    path = other / "tw.json"
    path.write_text(json.dumps(world.config()))
    second = Server(tokenwarden_bin, ["--config", str(path), "--listen", f"127.0.0.1:{port}"], wait=False)
    try:
        code = second.wait_exit(timeout=3)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        second.kill()
    assert code == 1, f"the second server is running on the same port; stderr:\n{second.stderr}"


def test_listen_and_workers_override(serve, world):
    cfg = world.config(listen=["127.0.0.1:1"])  # overridden: port 1 would need root
    server = serve(cfg, args=("--listen", "127.0.0.1:0", "--workers", "3"))
    assert "with 3 workers, 2 issuers" in server.stderr
    assert server.get("/healthz").status == 200


# --------------------------------------------------------------------------
# --demo: run the printed requests
# --------------------------------------------------------------------------

def curl(line: str, token: str):
    """Runs one printed curl line with http.client: -s -i -u -d -H and the URL."""
    argv = shlex.split(line.replace("$TOKEN", token))
    assert argv[0] == "curl", line
    method, headers, body, url = "GET", [], None, None
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("-s", "-i", "-si"):
            pass
        elif a == "-u":
            i += 1
            headers.append(("Authorization", "Basic " + base64.b64encode(argv[i].encode()).decode()))
        elif a == "-d":
            i += 1
            method, body = "POST", argv[i]
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        elif a == "-H":
            i += 1
            name, _, value = argv[i].partition(":")
            headers.append((name.strip(), value.strip()))
        elif a.startswith("http://"):
            url = a
        else:
            raise AssertionError(f"unexpected curl argument {a!r} in {line!r}")
        i += 1
    assert url, line
    m = re.match(r"(http://[^/]+)(/.*)$", url)
    return request(m.group(1), method, m.group(2), headers, body)


def test_demo_prints_working_requests(serve):
    server = serve(args=("--demo", "--listen", "127.0.0.1:0"))
    assert server.wait_for_stderr(r"listening on")
    assert wait_until(lambda: "Ctrl-C" in server.stdout, timeout=5), server.stdout
    out = server.stdout
    assert server.base in out
    token = re.search(r"^\s*TOKEN=(\S+)$", out, re.M).group(1)
    lines = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("curl ")]
    by_path = {}
    for ln in lines:
        key = re.search(r"http://\S+(/\w+)", ln).group(1)
        if "X-Forwarded-Uri" in ln:
            key += "+route"
        by_path[key] = ln
    assert set(by_path) >= {"/introspect", "/validate", "/validate+route", "/revoke", "/metrics", "/readyz"}

    body = expect_active(curl(by_path["/introspect"], token))
    assert body["sub"] == "alice"
    reply = curl(by_path["/validate"], token)
    assert reply.status == 200 and reply.header("X-Auth-Subject") == "alice", reply
    reply = curl(by_path["/validate+route"], token)
    assert reply.status == 403, reply
    assert parse_challenge(reply.header("WWW-Authenticate"))[1]["error"] == "insufficient_scope"
    assert curl(by_path["/metrics"], token).status == 200
    assert curl(by_path["/readyz"], token).status == 200
    # "RFC 7009 revocation; then the two calls above say inactive / 401"
    assert curl(by_path["/revoke"], token).status == 200
    expect_inactive(curl(by_path["/introspect"], token))
    reply = curl(by_path["/validate"], token)
    assert reply.status == 401, reply
    assert "revoked" in parse_challenge(reply.header("WWW-Authenticate"))[1]["error_description"]
