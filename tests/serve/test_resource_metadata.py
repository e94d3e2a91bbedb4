"""RFC 9728 protected-resource metadata: /.well-known/oauth-protected-resource[/path] and the
resource_metadata of /validate's challenges (§5.1).

The resources are RFC 9728's own example (§3.2: https://resource.example.com, described by
two authorization servers, with scopes and documentation) and a resource with a path, so
its metadata sits at the path-suffixed URL of §3.1. The authorization servers are
configured issuers named as in the RFC's example, with the suite's keys.
"""

from __future__ import annotations

import signal

import pytest

from conftest import Servers
from servekit import bearer, parse_challenge, parse_challenges, request

WELL_KNOWN = "/.well-known/oauth-protected-resource"
AS1 = "https://as1.example.com"
AS2 = "https://as2.example.net"
EXAMPLE = "https://resource.example.com"
MCP = "https://resource.example.com/mcp"
# Every asymmetric algorithm tokenwarden verifies: the default for DPoP proofs (EdDSA also
# by RFC 9864's name, as the DPoP challenges give it).
DPOP_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
             "EdDSA", "Ed25519"]


def issuers(world):
    return [{"issuer": AS1, "jwks_file": str(world.jwks_a), "audiences": ["api-a"],
             "required_scopes": ["read"]},
            {"issuer": AS2, "jwks_file": str(world.jwks_b), "audiences": ["api-b"]}]


def config(world, resources):
    cfg = world.config(issuers=issuers(world), protected_resources=resources)
    cfg["bearer_callers"]["issuers"] = [AS2]
    for client in cfg["clients"]:
        client.pop("issuers", None)
    return cfg


RFC_EXAMPLE = {
    "resource": EXAMPLE,
    "authorization_servers": [AS1, AS2],
    "scopes_supported": ["profile", "email", "phone"],
    "resource_documentation": "https://resource.example.com/resource_documentation.html",
}


@pytest.fixture(scope="module")
def server(tokenwarden_bin, tmp_path_factory, world):
    servers = Servers(tokenwarden_bin, tmp_path_factory.mktemp("resource-metadata"))
    resources = [RFC_EXAMPLE,
                 {"resource": MCP, "authorization_servers": [AS2], "resource_name": "Tools \"MCP\"",
                  "dpop_bound_access_tokens_required": True,
                  "dpop_signing_alg_values_supported": ["ES256", "EdDSA"]}]
    yield servers(config(world, resources))
    servers.teardown()


def token(world, issuer, **claims):
    key = world.key_a if issuer == AS1 else world.key_b
    return world.token("a" if issuer == AS1 else "b", key=key, iss=issuer, **claims)


def metadata(reply) -> dict:
    assert reply.status == 200, reply
    assert reply.header("Content-Type") == "application/json", reply
    assert reply.header("Cache-Control") == "public, max-age=300", reply
    return reply.json()


def test_publishes_rfc9728_example(server):
    body = metadata(server.get(WELL_KNOWN))
    # RFC 9728 §3.2's example, as tokenwarden can publish it: tokens are read from the
    # Authorization header only, and the DPoP members say which proofs it accepts.
    assert body == {**RFC_EXAMPLE, "bearer_methods_supported": ["header"],
                    "dpop_signing_alg_values_supported": DPOP_ALGS,
                    "dpop_bound_access_tokens_required": False}, body


def test_path_suffixed_metadata(server):
    # §3.1: https://resource.example.com/mcp is described at WELL_KNOWN + "/mcp", and §3.3:
    # its `resource` is the identifier exactly.
    body = metadata(server.get(WELL_KNOWN + "/mcp"))
    assert body == {"resource": MCP, "authorization_servers": [AS2],
                    "bearer_methods_supported": ["header"], "resource_name": 'Tools "MCP"',
                    "dpop_signing_alg_values_supported": ["ES256", "EdDSA", "Ed25519"],
                    "dpop_bound_access_tokens_required": True}, body
    # The query names no other resource (identifiers have none).
    assert metadata(server.get(WELL_KNOWN + "/mcp?x=1"))["resource"] == MCP


def test_head_and_other_methods(server):
    reply = request(server.base, "HEAD", WELL_KNOWN)
    assert reply.status == 200 and reply.body == b"", reply
    for method in ("POST", "PUT", "DELETE"):
        reply = request(server.base, method, WELL_KNOWN, body="")
        assert reply.status == 405, reply
        assert reply.header("Allow") == "GET, HEAD", reply


@pytest.mark.parametrize("path", ["/mcp/", "/MCP", "/mcp/tools", "/other"])
def test_404_for_a_path_of_no_resource(server, path):
    reply = server.get(WELL_KNOWN + path)
    assert reply.status == 404, reply
    assert reply.json()["error"] == "not_found", reply


def test_404_without_protected_resources(shared):
    assert shared.get(WELL_KNOWN).status == 404
    assert shared.get(WELL_KNOWN + "/mcp").status == 404


def test_no_caller_authentication(server, world):
    # Public metadata: credentials, good or bad, change nothing.
    for headers in ([world.auth()], [bearer("not-a-token")]):
        assert metadata(server.get(WELL_KNOWN, headers))["resource"] == EXAMPLE


def test_the_host_chooses_among_origins(serve, world):
    server = serve(config(world, [{"resource": "https://a.example/mcp"},
                                  {"resource": "https://b.example/mcp"}]))
    path = WELL_KNOWN + "/mcp"
    assert metadata(server.get(path, [("X-Forwarded-Host", "b.example")]))["resource"] == \
        "https://b.example/mcp"
    assert metadata(server.get(path, [("X-Forwarded-Host", "A.Example:443")]))["resource"] == \
        "https://a.example/mcp"
    # http.client's own Host (127.0.0.1:PORT) names neither.
    assert server.get(path).status == 404
    reply = server.get(path, [("X-Forwarded-Host", "a.example"), ("X-Forwarded-Host", "b.example")])
    assert reply.status == 400 and reply.json()["error"] == "invalid_request", reply


# --- /validate's challenges (RFC 9728 §5.1) ---------------------------------------------

def forwarded(uri, host="resource.example.com", proto="https"):
    return [("X-Forwarded-Proto", proto), ("X-Forwarded-Host", host), ("X-Forwarded-Uri", uri)]


def challenge(reply, status=401) -> dict:
    assert reply.status == status, reply
    values = reply.all("WWW-Authenticate")
    assert len(values) == 1, reply
    scheme, params = parse_challenge(values[0])
    assert scheme == "Bearer", reply
    return params


def test_401_names_the_metadata_of_the_resource(server, world):
    root = "https://resource.example.com" + WELL_KNOWN
    # No token at all: the bare challenge of RFC 6750 §3.1, with resource_metadata.
    params = challenge(server.get("/validate", forwarded("/orders/7")))
    assert params == {"realm": "tokenwarden", "resource_metadata": root}, params
    params = challenge(server.get("/validate", forwarded("/mcp/tools/call")))
    assert params == {"realm": "tokenwarden", "resource_metadata": root + "/mcp"}, params
    # An invalid token: the RFC 6750 error and the metadata URL.
    params = challenge(server.get("/validate", [*forwarded("/mcp"), bearer("abc.def.ghi")]))
    assert params["error"] == "invalid_token", params
    assert params["resource_metadata"] == root + "/mcp", params
    expired = token(world, AS2, exp=1000, iat=900, nbf=900)
    params = challenge(server.get("/validate", [*forwarded("/x"), bearer(expired)]))
    assert params["error"] == "invalid_token" and params["resource_metadata"] == root, params


def test_both_schemes_challenges_name_it(server):
    # DPoP is offered beside Bearer (the default): each challenge of the header names the
    # metadata, whichever scheme the request used (RFC 9728 §5.1 is not Bearer's alone).
    mcp = "https://resource.example.com" + WELL_KNOWN + "/mcp"
    for headers, first in (([], "Bearer"), ([("Authorization", "DPoP abc.def.ghi")], "DPoP")):
        reply = server.get("/validate", [*forwarded("/mcp/x"), *headers])
        assert reply.status == 401, reply
        challenges = parse_challenges(reply.header("WWW-Authenticate"))
        assert [scheme for scheme, _ in challenges] == [first, "DPoP" if first == "Bearer"
                                                        else "Bearer"], reply
        assert all(params["resource_metadata"] == mcp for _, params in challenges), reply


def test_other_challenges_name_it_too_and_a_pass_has_none(server, world):
    root = "https://resource.example.com" + WELL_KNOWN
    no_scope = token(world, AS1, scope="write")
    params = challenge(server.get("/validate", [*forwarded("/a"), bearer(no_scope)]), 403)
    assert params["error"] == "insufficient_scope" and params["resource_metadata"] == root
    reply = server.get("/validate", [*forwarded("/a"), bearer(token(world, AS1))])
    assert reply.status == 200 and not reply.all("WWW-Authenticate"), reply


def test_no_metadata_for_a_request_of_no_resource(server):
    for headers in (forwarded("/mcp", host="elsewhere.example"), forwarded("/mcp", proto="http"),
                    # nginx as the README configures it: no scheme, so no URL, and two
                    # resources to choose from.
                    [("X-Original-URI", "/mcp")]):
        params = challenge(server.get("/validate", headers))
        assert params == {"realm": "tokenwarden"}, (headers, params)


def test_the_only_resource_when_the_url_is_unknown(serve, world):
    server = serve(config(world, [{"resource": MCP}]))
    params = challenge(server.get("/validate", [("X-Original-URI", "/mcp/tools")]))
    assert params["resource_metadata"] == "https://resource.example.com" + WELL_KNOWN + "/mcp"
    # A URL the gateway did forward must belong to it.
    params = challenge(server.get("/validate", forwarded("/mcp", host="other.example")))
    assert "resource_metadata" not in params, params


def test_a_reload_publishes_the_new_resources(serve, world):
    server = serve(config(world, [{"resource": MCP}]))
    assert server.get(WELL_KNOWN + "/mcp").status == 200
    serve.write(config(world, [{"resource": EXAMPLE + "/tools", "authorization_servers": [AS1]}]))
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reloaded", start=mark)
    assert server.get(WELL_KNOWN + "/mcp").status == 404
    assert metadata(server.get(WELL_KNOWN + "/tools"))["authorization_servers"] == [AS1]
    params = challenge(server.get("/validate", forwarded("/tools/x")))
    assert params["resource_metadata"] == EXAMPLE + WELL_KNOWN + "/tools", params
    # A configuration the reader refuses leaves the last good one in force.
    serve.write(config(world, [{"resource": "http://plain.example"}]))
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reload failed.*protected_resources\[0\]\.resource", start=mark)
    assert server.get(WELL_KNOWN + "/tools").status == 200


def test_metrics_count_the_route(server):
    before = server.metrics()
    server.get(WELL_KNOWN)
    server.get(WELL_KNOWN + "/nothing")
    after = server.metrics()
    req = "tokenwarden_http_requests_total"
    for status, n in (("200", 1), ("404", 1)):
        assert after.get(req, route="resource_metadata", status=status) - \
            before.get(req, route="resource_metadata", status=status) == n
