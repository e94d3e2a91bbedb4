"""A real RFC 9728 client against tokenwarden: the MCP TypeScript SDK's OAuth discovery
(@modelcontextprotocol/sdk from npm, tests/live/rfc9728_client), from /validate's first 401
to the protected resource's metadata and on to the real OpenID Provider of this suite, whose
token for the resource the SDK would ask for then passes /validate.

tokenwarden stands behind a gateway that routes /.well-known/oauth-protected-resource* to it
(the README's gateway note); discover.mjs plays that gateway with a fetch that sends the
resource's origin to tokenwarden with X-Forwarded-Host / X-Forwarded-Proto.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import JWT_API, wait_ready
from servekit import SLOW, Server, bearer

CLIENT_DIR = Path(__file__).resolve().parent / "rfc9728_client"
SERVER_URL = JWT_API + "/mcp/tools"  # a tool endpoint of the protected resource JWT_API
WELL_KNOWN = "/.well-known/oauth-protected-resource"


def discover(provider, tw) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: run scripts/bootstrap", pytrace=False)
    if not (CLIENT_DIR / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        pytest.fail("the MCP SDK is not installed: run scripts/bootstrap "
                    "(tests/live/rfc9728_client/install)", pytrace=False)
    proc = subprocess.run(
        [node, str(CLIENT_DIR / "discover.mjs"),
         json.dumps({"tokenwarden": tw.base, "server_url": SERVER_URL})],
        capture_output=True, timeout=30 * SLOW, stdin=subprocess.DEVNULL,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(provider.ca)})
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


@pytest.fixture
def tw(tokenwarden_bin, provider, tmp_path):
    cfg = {
        "listen": ["127.0.0.1:0"],
        "workers": 1,
        "issuers": [{"issuer": provider.issuer, "discovery": True, "audiences": [JWT_API],
                     "algorithms": ["RS256"], "fetch": {"ca_file": str(provider.ca)}}],
        # authorization_servers left to its default: the configured issuer.
        "protected_resources": [{"resource": JWT_API, "scopes_supported": ["read", "write"],
                                 "resource_name": "JWT API"}],
    }
    path = tmp_path / "tokenwarden.json"
    path.write_text(json.dumps(cfg, indent=1))
    server = Server(tokenwarden_bin, ["--config", str(path)])
    wait_ready(server)
    yield server
    server.stop()


def test_mcp_sdk_finds_the_authorization_server_from_a_401(provider, tw):
    found = discover(provider, tw)
    assert found["status"] == 401, found
    # extractWWWAuthenticateParams read resource_metadata from the challenge (RFC 9728 §5.1).
    assert found["resource_metadata_url"] == JWT_API + WELL_KNOWN, found
    metadata = found["metadata"]
    assert metadata["resource"] == JWT_API, metadata
    assert metadata["authorization_servers"] == [provider.issuer], metadata
    assert metadata["scopes_supported"] == ["read", "write"], metadata
    assert metadata["bearer_methods_supported"] == ["header"], metadata
    # Without the challenge the SDK probes WELL_KNOWN + "/mcp/tools" (404 here: no resource
    # has that path), then the origin's WELL_KNOWN: the same document.
    assert found["probed"] == metadata, found
    # The SDK accepted the resource as covering the server URL, and found the provider.
    assert found["selected_resource"] == JWT_API + "/", found
    assert found["authorization_server"] == {"issuer": provider.issuer,
                                             "token_endpoint": provider.meta["token_endpoint"]}
    # The token the client then gets for that resource (RFC 8707: the metadata's string, as
    # the SDK sends it) is one /validate lets through for the same request.
    token = provider.token(metadata["resource"])
    reply = tw.get("/validate", [("X-Forwarded-Proto", "https"),
                                 ("X-Forwarded-Host", "api.jwt.test"),
                                 ("X-Forwarded-Uri", "/mcp/tools"), bearer(token)])
    assert reply.status == 200, (reply, tw.stderr)
