"""Identity providers' hosts over HTTPS on one loopback port, for the provider matrix.

The server under test is configured with each provider's real issuer URL (from
examples/providers/*.json) and reaches this server through `fetch.connect_to`
("dev-123456.okta.com:443" -> "127.0.0.1:PORT"): the Host header, the TLS server name and the
certificate check keep the provider's host name, so the leaf certificate names every host, and
each request is routed by its Host header to that host's `Site`.

A `Site` serves GET documents by path (discovery, JWK Set) and an RFC 7662 endpoint that wants
client_secret_basic. Tests change a site's documents, count its requests, or take it down
(`down = True`: every request is answered 503, as an issuer in an outage).
"""

from __future__ import annotations

import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from fake_introspection import basic_matches, send_json
from https_idp import TlsHandler, make_tls, serve_tls


@dataclass
class Site:
    """What one host answers. `documents` maps a path to a JSON document."""

    documents: dict[str, dict] = field(default_factory=dict)
    introspection_path: str | None = None
    client_id: str = ""
    client_secret: str = ""
    answers: dict[str, dict] = field(default_factory=dict)  # token -> RFC 7662 answer
    down: bool = False
    hits: dict[str, int] = field(default_factory=dict)  # path -> requests
    refused: int = 0  # introspection calls with wrong client credentials


class ProviderIdp:
    """https://127.0.0.1:PORT answering for every host in `sites` (host name -> Site)."""

    def __init__(self, directory: Path, sites: dict[str, Site]):
        self.sites = sites
        self.lock = threading.Lock()
        self.ca, cert, key = make_tls(directory, tuple(sorted(sites)))
        idp = self

        class Handler(TlsHandler):
            def _site(self) -> Site | None:
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                site = idp.sites.get(host)
                path = self.path.split("?")[0]
                if site is not None:
                    with idp.lock:
                        site.hits[path] = site.hits.get(path, 0) + 1
                return site

            def do_GET(self) -> None:
                site = self._site()
                if site is None:
                    return send_json(self, 421, {"error": "misdirected_request"})
                if site.down:
                    return send_json(self, 503, {"error": "temporarily_unavailable"})
                document = site.documents.get(self.path.split("?")[0])
                if document is None:
                    return send_json(self, 404, {"error": "not_found"})
                send_json(self, 200, document)

            def do_POST(self) -> None:
                site = self._site()
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode("utf-8", "replace")
                if site is None:
                    return send_json(self, 421, {"error": "misdirected_request"})
                if site.down:
                    return send_json(self, 503, {"error": "temporarily_unavailable"})
                if self.path != site.introspection_path:
                    return send_json(self, 404, {"error": "not_found"})
                if not basic_matches(self.headers.get("Authorization", ""), site.client_id,
                                     site.client_secret):
                    with idp.lock:
                        site.refused += 1
                    return send_json(self, 401, {"error": "invalid_client"})
                token = urllib.parse.parse_qs(body).get("token", [""])[0]
                send_json(self, 200, site.answers.get(token, {"active": False}))

        self.httpd, self.thread = serve_tls(Handler, cert, key)
        self.port = self.httpd.server_address[1]

    def connect_to(self) -> dict[str, str]:
        """The `fetch.connect_to` object sending every site's host here."""
        return {f"{host}:443": f"127.0.0.1:{self.port}" for host in self.sites}

    def hits(self, host: str, path: str) -> int:
        with self.lock:
            return self.sites[host].hits.get(path, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
