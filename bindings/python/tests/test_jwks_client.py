"""PyJWKClient against a local JWKS endpoint, and the built module's exported symbols."""

from __future__ import annotations

import http.server
import json
import math
import pathlib
import subprocess
import threading
import urllib.error
import urllib.request

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import tokenwarden
import tokenwarden.jwt as tjwt
from conftest import AUDIENCE
from tokenwarden.jwt import jwks_client


class Endpoint:
    """A loopback HTTP server whose JWKS document and status the test changes."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.status = 200
        self.location = None
        self.raw = None  # bytes: sent as the whole response instead (a broken one)
        self.hits = 0
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                endpoint.hits += 1
                if endpoint.raw is not None:
                    self.wfile.write(endpoint.raw)
                    self.close_connection = True
                    return
                self.send_response(endpoint.status)
                if endpoint.location:
                    self.send_header("Location", endpoint.location)
                self.send_header("Content-Length", str(len(endpoint.body)))
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, jwks) -> None:
        self.body = json.dumps(jwks).encode()


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.server.shutdown()


def test_signing_key_from_jwt_verifies(keys, endpoint):
    endpoint.publish(keys.jwks)
    client = tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True)
    token = keys.mint("ES256")
    key = client.get_signing_key_from_jwt(token)
    assert key.key_id == "k-ES256" and key.algorithm_name == "ES256"
    claims = tjwt.decode(token, key.key, algorithms=["ES256"], audience=AUDIENCE)
    assert claims["sub"] == "user-1"
    client.get_signing_key_from_jwt(keys.mint("RS256"))
    assert endpoint.hits == 1  # the set is cached for its lifespan
    # A PyJWK pins its algorithm: an RS256 token cannot borrow the ES256 key.
    with pytest.raises(tjwt.InvalidAlgorithmError):
        tjwt.decode(keys.mint("RS256"), key, audience=AUDIENCE)


def test_unknown_kid_refetches_once_per_cooldown(keys, endpoint, monkeypatch):
    # As PyJWT: the cooldown runs from the last successful fetch of any kind (the first one
    # too), so a rotated-in key waits for it; then one refetch finds the key.
    clock = [1000.0]
    monkeypatch.setattr(jwks_client.time, "monotonic", lambda: clock[0])
    only_rsa = {"keys": [k for k in keys.jwks["keys"] if k["kty"] == "RSA"]}
    endpoint.publish(only_rsa)
    client = tjwt.PyJWKClient(endpoint.url, cooldown_duration=60, allow_insecure_http=True)
    client.get_signing_key("k-RS256")
    endpoint.publish(keys.jwks)  # rotation: the EC key appears
    with pytest.raises(tjwt.PyJWKClientError):
        client.get_signing_key("k-ES256")
    assert endpoint.hits == 1  # within the first fetch's cooldown: no refetch
    clock[0] += 61
    assert client.get_signing_key("k-ES256").key_id == "k-ES256"
    assert endpoint.hits == 2
    for _ in range(2):
        with pytest.raises(tjwt.PyJWKClientError):
            client.get_signing_key("k-nowhere")
    assert endpoint.hits == 2  # the rotation's refetch started the cooldown again
    # Without a JWK Set cache there is nothing to protect: every miss refetches (PyJWT).
    uncached = tjwt.PyJWKClient(endpoint.url, cache_jwk_set=False, cooldown_duration=60,
                                allow_insecure_http=True)
    with pytest.raises(tjwt.PyJWKClientError):
        uncached.get_signing_key("k-nowhere")
    assert endpoint.hits == 4


def test_fetches_go_through_urllib_build_opener_without_file_handlers(monkeypatch):
    # PyJWT fetches through urllib.request.build_opener (code mocking it for PyJWT mocks it
    # here); file:, ftp: and data: handlers are replaced by refusing ones all the same.
    seen = []
    real = urllib.request.build_opener

    def spy(*handlers):
        opener = real(*handlers)
        seen.append(opener)
        return opener

    monkeypatch.setattr(urllib.request, "build_opener", spy)
    client = tjwt.PyJWKClient("https://127.0.0.1:1/jwks", timeout=2)
    with pytest.raises(tjwt.PyJWKClientConnectionError):
        client.fetch_data()
    assert len(seen) == 1
    opener = seen[0]
    for scheme in ("file", "ftp", "data"):
        with pytest.raises(urllib.error.URLError, match="never fetched"):
            opener.open(f"{scheme}:/etc/passwd" if scheme != "data" else "data:,x")


def test_fetch_failures_are_client_errors(keys, endpoint):
    endpoint.status = 500
    with pytest.raises(tjwt.PyJWKClientConnectionError):
        tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True).get_signing_keys()
    endpoint.status, endpoint.location = 302, "http://127.0.0.1:1/elsewhere"
    with pytest.raises(tjwt.PyJWKClientConnectionError):
        tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True).get_signing_keys()  # redirects are refused
    endpoint.status, endpoint.location = 200, None
    endpoint.body = b"not json"
    with pytest.raises(tjwt.PyJWKClientError):
        tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True).get_signing_keys()
    endpoint.publish({"keys": []})
    with pytest.raises(tjwt.PyJWKClientError):
        tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True).get_signing_keys()


# Regressions of issue 19.

@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"keys\"",            # cut short
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"k",  # a cut chunk
])
def test_a_cut_off_response_is_a_connection_error(endpoint, raw):
    # http.client.IncompleteRead (or, read in pieces, a silently short body taken for bad
    # JSON) must be PyJWKClientConnectionError, as in PyJWT.
    endpoint.raw = raw
    client = tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True)
    with pytest.raises(tjwt.PyJWKClientConnectionError, match="IncompleteRead"):
        client.fetch_data()


def test_an_http_error_response_is_closed(endpoint):
    endpoint.status = 503
    with pytest.raises(tjwt.PyJWKClientConnectionError) as info:
        tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True).fetch_data()
    assert info.value.__cause__.code == 503
    assert info.value.__cause__.fp is None or info.value.__cause__.fp.closed


@pytest.mark.parametrize("cooldown", [math.inf, math.nan, -1])
def test_cooldown_must_be_finite_and_not_negative_as_in_pyjwt(cooldown):
    with pytest.raises(pyjwt.PyJWKClientError):
        pyjwt.PyJWKClient("https://issuer.example/jwks", cooldown_duration=cooldown)
    with pytest.raises(tjwt.PyJWKClientError, match="Cooldown"):
        tjwt.PyJWKClient("https://issuer.example/jwks", cooldown_duration=cooldown)


def test_jwk_set_cache_as_in_pyjwt(keys, endpoint):
    endpoint.publish(keys.jwks)
    client = tjwt.PyJWKClient(endpoint.url, allow_insecure_http=True)
    assert client.jwk_set_cache is not None and client.jwk_set_cache.get() is None
    fetched = client.get_jwk_set()
    assert client.jwk_set_cache.get() is fetched
    client.get_jwk_set()
    assert endpoint.hits == 1
    assert tjwt.PyJWKClient(endpoint.url, cache_jwk_set=False,
                            allow_insecure_http=True).jwk_set_cache is None


def _rsa_jwk(kid):
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return dict(json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(public)), kid=kid)


def test_pyjwkset_skips_what_pyjwt_skips():
    good = _rsa_jwk("good")
    members = [good, dict(good, n="AAAA", kid="malformed-rsa"), "not a key", 7, None,
               {"kty": "oct", "k": "", "kid": "empty-hmac"}, {"kty": "EC", "crv": "P-1"}]
    for module in (pyjwt, tjwt):
        assert [k.key_id for k in module.PyJWKSet(members).keys] == ["good"], module.__name__
        for bad in members[1], members[5]:
            with pytest.raises(module.InvalidKeyError):
                module.PyJWK(bad)


def test_pyjwk_key_is_the_cryptography_key_as_in_pyjwt(keys):
    private = ec.generate_private_key(ec.SECP256R1())
    for jwk in (json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key())),
                json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private))):
        ours, theirs = tjwt.PyJWK(jwk), pyjwt.PyJWK(jwk)
        assert type(ours.key) is type(theirs.key)
        assert ours.key is ours.key
    # So that code mixing both libraries can sign with one and verify with the other.
    signer = tjwt.PyJWK(json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private)))
    token = pyjwt.encode({"sub": "x"}, signer.key, algorithm="ES256")
    verifier = tjwt.PyJWK(json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key())))
    assert tjwt.decode(token, verifier.key, algorithms=["ES256"]) == {"sub": "x"}
    hmac_jwk = {"kty": "oct", "k": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}
    assert tjwt.PyJWK(hmac_jwk).key == pyjwt.PyJWK(hmac_jwk).key == b"0123456789abcdef" * 2


def test_only_the_module_init_is_exported():
    """The core and BoringSSL are linked statically and hidden: a host process that loads
    OpenSSL (Python's ssl module does) must not see a second libcrypto's symbols."""
    module = pathlib.Path(tokenwarden._native.__file__)
    out = subprocess.run(["nm", "-D", "--defined-only", str(module)], capture_output=True,
                         text=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    assert exported == ["PyInit__native"]
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(module)],
                               capture_output=True, text=True, check=True).stdout
    for prefix in ("EVP_", "RSA_", "SSL_", "BN_", "EC_", "CRYPTO_", "ERR_", "OPENSSL_"):
        assert f" {prefix}" not in undefined, prefix


def test_ssl_module_and_tokenwarden_live_side_by_side(keys):
    import hashlib
    import ssl  # OpenSSL, loaded into the same process
    ssl.create_default_context()
    assert hashlib.sha256(b"x").hexdigest()
    assert tokenwarden.Validator(keys.jwks, audience=AUDIENCE).validate(keys.mint("ES256"))


@pytest.mark.parametrize("uri", [
    "file:///etc/passwd", "FILE:///tmp/jwks.json", "ftp://example.com/jwks.json",
    "data:application/json,%7B%22keys%22%3A%5B%5D%7D", "ldap://example.com/", "jwks.json",
    "/tmp/jwks.json", "", "s3://bucket/jwks.json",
])
def test_only_https_uris_are_fetched(uri):
    # A file: JWK Set would be read from disk and its keys trusted (a key-injection primitive).
    with pytest.raises(tjwt.PyJWKClientError, match="scheme"):
        tjwt.PyJWKClient(uri)
    with pytest.raises(tjwt.PyJWKClientError, match="scheme"):
        tjwt.PyJWKClient(uri, allow_insecure_http=True)  # opens http: only


def test_http_needs_an_explicit_opt_in(endpoint):
    with pytest.raises(tjwt.PyJWKClientError, match="allow_insecure_http"):
        tjwt.PyJWKClient(endpoint.url)
    assert tjwt.PyJWKClient("https://issuer.example/jwks").uri == "https://issuer.example/jwks"


def test_a_uri_changed_after_construction_is_checked_again(tmp_path, keys):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(keys.jwks))
    client = tjwt.PyJWKClient("https://issuer.example/jwks")
    client.uri = jwks.as_uri()
    with pytest.raises(tjwt.PyJWKClientError, match="scheme"):
        client.get_signing_keys()
