"""End to end: real nginx (auth_request) in front of an upstream, asking tokenwarden's /validate.

    client -> nginx :N -- auth_request /_auth --> tokenwarden /validate
                       \\-- proxy_pass ----------> upstream (Python; echoes the headers it got)

The nginx configuration is the one a user would write (README.md, "Behind nginx"):
claim headers from /validate are copied into the upstream request with auth_request_set +
proxy_set_header, and the RFC 6750 challenge reaches the client on 401 and 403.
"""

from __future__ import annotations

import http.server
import json
import urllib.parse
from pathlib import Path

import pytest

from nginxkit import app_server, run_nginx, stop_nginx, write_conf
from servekit import ISS_A, ISS_B, bearer, free_port, parse_challenge, request, revoke

NGINX_SERVER = """
  upstream upstream {{ server 127.0.0.1:{upstream}; }}
  server {{
    listen 127.0.0.1:{port};
{locations}
  }}
"""

LOCATIONS = """
    location = /_auth {
      internal;
      proxy_pass http://127.0.0.1:8080/validate;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Forwarded-Uri "";
      proxy_set_header X-Forwarded-Method "";
    }

    location / {
      auth_request /_auth;
      auth_request_set $auth_sub $upstream_http_x_auth_subject;
      auth_request_set $auth_scope $upstream_http_x_auth_scope;
      auth_request_set $auth_www $upstream_http_www_authenticate;
      proxy_set_header X-Auth-Subject $auth_sub;
      proxy_set_header X-Auth-Scope $auth_scope;
      proxy_pass http://upstream;
      # auth_request answers 401 and 403 with the subrequest's status. On a 401 it copies the
      # subrequest's WWW-Authenticate itself (an error_page 401 that adds it again would send
      # it twice); on a 403 it copies nothing, so the insufficient_scope challenge is added here.
      error_page 403 = @forbidden;
    }

    location @forbidden {
      add_header WWW-Authenticate $auth_www always;
      return 403;
    }
"""


def readme_locations() -> str:
    """The nginx snippet of README.md ("Behind nginx"), as a user would paste it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("**Behind nginx**")
    block = readme[readme.index("```nginx", start) + len("```nginx"):]
    return block[:block.index("```")]



class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with the method, path, headers (as a list) and body it received."""

    seen: list[dict] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("latin-1") if length else ""
        record = {"method": self.command, "path": self.path, "headers": list(self.headers.items()),
                  "body": body}
        Echo.seen.append(record)
        data = json.dumps(record).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def upstream():
    with app_server(Echo) as port:
        yield port


def start_nginx(directory: Path, locations: str, tw_base: str, upstream: int):
    port = free_port()
    tw = urllib.parse.urlsplit(tw_base).port
    locations = locations.replace("http://127.0.0.1:8080/", f"http://127.0.0.1:{tw}/")
    conf = write_conf(directory, NGINX_SERVER.format(port=port, upstream=upstream, locations=locations))
    return run_nginx(directory, conf, port)


@pytest.fixture(scope="module")
def nginx(shared, upstream, tmp_path_factory):
    proc, base = start_nginx(tmp_path_factory.mktemp("nginx"), LOCATIONS, shared.base, upstream)
    yield base
    stop_nginx(proc)


@pytest.fixture(scope="module")
def nginx_readme(shared, upstream, tmp_path_factory):
    proc, base = start_nginx(tmp_path_factory.mktemp("nginx-readme"), readme_locations(), shared.base,
                             upstream)
    yield base
    stop_nginx(proc)


def upstream_view(reply) -> dict:
    assert reply.status == 200, reply
    record = reply.json()
    headers: dict[str, list[str]] = {}
    for name, value in record["headers"]:
        headers.setdefault(name.lower(), []).append(value)
    record["h"] = headers
    return record


def test_valid_token_reaches_the_upstream_with_claim_headers(nginx, world):
    token = world.token("a", sub="alice", scope="read write")
    seen = upstream_view(request(nginx, "GET", "/orders/17?x=1", [bearer(token)]))
    assert seen["path"] == "/orders/17?x=1"
    assert seen["h"]["x-auth-subject"] == ["alice"]
    assert seen["h"]["x-auth-scope"] == ["read write"]


def test_client_supplied_auth_headers_are_overwritten(nginx, world):
    token = world.token("a", sub="alice")
    seen = upstream_view(request(nginx, "GET", "/x", [bearer(token), ("X-Auth-Subject", "mallory"),
                                                      ("X-Auth-Scope", "admin")]))
    assert seen["h"]["x-auth-subject"] == ["alice"]
    assert seen["h"]["x-auth-scope"] == ["read write"]
    # A valid token without `sub`: the header is dropped, never the client's value passed on.
    token = world.token("a", sub=None)
    seen = upstream_view(request(nginx, "GET", "/x", [bearer(token), ("X-Auth-Subject", "mallory")]))
    assert "x-auth-subject" not in seen["h"], seen["h"]


def test_invalid_token_is_401_with_the_challenge(nginx, world):
    before = len(Echo.seen)
    for token in ("garbage", world.token("a", aud="elsewhere"), world.token("a", iss="https://evil.test")):
        reply = request(nginx, "GET", "/orders", [bearer(token)])
        assert reply.status == 401, reply
        challenges = reply.all("WWW-Authenticate")
        assert len(challenges) == 1, reply
        scheme, params = parse_challenge(challenges[0])
        assert scheme == "Bearer" and params["error"] == "invalid_token", reply
        assert params["error_description"]
    assert len(Echo.seen) == before, "the upstream was called for an invalid token"


def test_no_token_is_401_with_a_bare_challenge(nginx):
    before = len(Echo.seen)
    reply = request(nginx, "GET", "/orders")
    assert reply.status == 401, reply
    challenges = reply.all("WWW-Authenticate")
    assert len(challenges) == 1, reply
    scheme, params = parse_challenge(challenges[0])
    assert scheme == "Bearer" and "error" not in params, reply
    assert len(Echo.seen) == before


def test_route_scope_missing_is_403_insufficient_scope(nginx, world):
    before = len(Echo.seen)
    reply = request(nginx, "GET", "/admin/users", [bearer(world.token("a", scope="read"))])
    assert reply.status == 403, reply
    challenges = reply.all("WWW-Authenticate")
    assert len(challenges) == 1, reply
    scheme, params = parse_challenge(challenges[0])
    assert scheme == "Bearer" and params["error"] == "insufficient_scope", reply
    assert params["scope"] == "admin"
    assert len(Echo.seen) == before
    seen = upstream_view(request(nginx, "GET", "/admin/users", [bearer(world.token("a", scope="read admin"))]))
    assert seen["path"] == "/admin/users"


def test_route_scope_by_method_sees_the_original_method(nginx, world):
    body = '{"item": 1}'
    reply = request(nginx, "POST", "/orders/new", [bearer(world.token("a", scope="read")),
                                                  ("Content-Type", "application/json")], body)
    assert reply.status == 403, reply
    seen = upstream_view(request(nginx, "POST", "/orders/new",
                                 [bearer(world.token("a", scope="read orders:write")),
                                  ("Content-Type", "application/json")], body))
    assert seen["method"] == "POST" and seen["body"] == body  # the body still reaches the upstream
    seen = upstream_view(request(nginx, "GET", "/orders/new", [bearer(world.token("a", scope="read"))]))
    assert seen["method"] == "GET"


def test_revoked_token_is_refused_through_nginx(nginx, shared, world):
    token = world.token("b", sub="bob")
    assert upstream_view(request(nginx, "GET", "/x", [bearer(token)]))["h"]["x-auth-subject"] == ["bob"]
    assert revoke(shared, token, world.auth()).status == 200
    reply = request(nginx, "GET", "/x", [bearer(token)])
    assert reply.status == 401, reply
    assert "revoked" in parse_challenge(reply.header("WWW-Authenticate"))[1]["error_description"]


# --------------------------------------------------------------------------
# The snippet README.md shows, pasted as is
# --------------------------------------------------------------------------

def test_readme_snippet_sets_the_subject_header(nginx_readme, world):
    token = world.token("a", sub="alice")
    seen = upstream_view(request(nginx_readme, "GET", "/x", [bearer(token), ("X-Auth-Subject", "mallory")]))
    assert seen["h"]["x-auth-subject"] == ["alice"]
    assert request(nginx_readme, "GET", "/x", [bearer("garbage")]).status == 401
    assert request(nginx_readme, "GET", "/admin/x", [bearer(world.token("a", scope="read"))]).status == 403


def expect_route_rule_holds_against_forged_headers(base, world):
    token = world.token("a", scope="read")
    for forged in ([("X-Forwarded-Uri", "/public")],
                   [("X-Forwarded-Uri", "/public"), ("X-Forwarded-Method", "GET")],
                   [("X-Original-URI", "/public")]):
        reply = request(base, "GET", "/admin/x", [bearer(token), *forged])
        assert reply.status == 403, (forged, reply)
    assert request(base, "GET", "/admin/x", [bearer(world.token("a", scope="read admin")),
                                             ("X-Forwarded-Uri", "/public")]).status == 200


@pytest.mark.parametrize("path", ["/public/../admin/x", "/public/%2e%2e/admin/x", "/%61dmin/x",
                                  "//admin/x"])
def test_route_rule_holds_for_every_spelling_of_the_path(nginx, world, path):
    # nginx hands $request_uri over as the client sent it; the upstream reads /admin/x.
    assert request(nginx, "GET", path, [bearer(world.token("a", scope="read"))]).status == 403


def test_client_cannot_pick_the_route_rule_with_its_own_headers(nginx, world):
    expect_route_rule_holds_against_forged_headers(nginx, world)


def test_readme_snippet_keeps_the_client_from_picking_the_route_rule(nginx_readme, world):
    # Regression: the README snippet forwarded the client's X-Forwarded-Uri, which tokenwarden
    # read before nginx's X-Original-URI: "/admin" with "X-Forwarded-Uri: /public" was let in.
    expect_route_rule_holds_against_forged_headers(nginx_readme, world)


def test_readme_snippet_passes_the_challenge_once(nginx_readme, world):
    for headers in ([], [bearer("garbage")]):
        reply = request(nginx_readme, "GET", "/x", headers)
        assert reply.status == 401
        assert len(reply.all("WWW-Authenticate")) == 1, reply
    reply = request(nginx_readme, "GET", "/admin/x", [bearer(world.token("a", scope="read"))])
    assert reply.status == 403
    assert len(reply.all("WWW-Authenticate")) == 1, reply
    assert parse_challenge(reply.all("WWW-Authenticate")[0])[1]["error"] == "insufficient_scope"


# --------------------------------------------------------------------------
# RFC 9728: the README's well-known location beside the auth_request ones
# --------------------------------------------------------------------------

def readme_metadata_location() -> str:
    """The nginx snippet of README.md's "Protected-resource metadata (RFC 9728)"."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("### Protected-resource metadata (RFC 9728)")
    block = readme[readme.index("```nginx", start) + len("```nginx"):]
    return block[:block.index("```")]


def test_readme_routes_the_metadata_and_passes_resource_metadata(serve, world, upstream,
                                                                 tmp_path):
    resource = "https://api.example.test/orders"
    tw = serve(world.config(protected_resources=[{"resource": resource}]))
    tw_port = urllib.parse.urlsplit(tw.base).port
    metadata_location = readme_metadata_location().replace(
        "http://127.0.0.1:8080;", f"http://127.0.0.1:{tw_port};")
    proc, base = start_nginx(tmp_path, LOCATIONS + metadata_location, tw.base, upstream)
    try:
        before = len(Echo.seen)
        reply = request(base, "GET", "/.well-known/oauth-protected-resource/orders")
        assert reply.status == 200, reply
        body = reply.json()
        assert body["resource"] == resource and body["authorization_servers"] == [ISS_A, ISS_B]
        assert request(base, "GET", "/.well-known/oauth-protected-resource").status == 404
        assert len(Echo.seen) == before, "the metadata went to the upstream"
        # auth_request hands the client the challenge, resource_metadata included: nginx
        # forwards no scheme here, and the only resource is the one named.
        for headers in ([], [bearer("garbage")]):
            reply = request(base, "GET", "/orders/7", headers)
            assert reply.status == 401, reply
            _, params = parse_challenge(reply.header("WWW-Authenticate"))
            assert params["resource_metadata"] == \
                "https://api.example.test/.well-known/oauth-protected-resource/orders", reply
        assert len(Echo.seen) == before
    finally:
        stop_nginx(proc)
