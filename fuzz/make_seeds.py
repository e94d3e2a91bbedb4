#!/usr/bin/env python3
"""Writes fuzz/data/jwks.json and the seed corpora under fuzz/corpus/<target>/.

    $TW_CACHE/venv/bin/python fuzz/make_seeds.py

Makes fresh keys each run (only the public JWK Set is kept), so re-running replaces the key
set and the token seeds together. Seeds: valid tokens of every algorithm the fixed key set
serves plus near misses (expired, wrong aud, bad signature, unknown kid, crit, none);
provider-shaped JWK Sets; discovery documents and introspection answers; configurations;
HTTP requests captured from the server's routes."""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

HERE = pathlib.Path(__file__).resolve().parent
NOW = 1700000000
ISS, AUD = "https://issuer.example", "api://fuzz"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def write(target: str, name: str, data: bytes | str) -> None:
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def claims_walk_seeds() -> None:
    """Payloads for the two claims walks: the usual shapes the compact reader takes, and the
    ones it leaves to the byte walk (escapes, tabs, fractions, wrong types)."""
    payloads = [
        {"iss": ISS, "sub": "u1", "aud": AUD, "exp": NOW + 60, "iat": NOW, "jti": "j-1",
         "scope": "read write", "roles": ["a", "b"], "email_verified": True, "n": None},
        {"aud": ["a", "b"], "scp": ["x", "y"], "cnf": {"jkt": "k"}, "auth_time": NOW,
         "nested": {"a": [1, {"b": []}], "c": -1.5e3}, "name": "Zoë"},
        {"iss": ISS + "/" + "x" * 70, "exp": 1767225105.5, "nbf": 0, "azp": "c", "cid": "c",
         "appid": "a", "sid": "s", "nonce": "n", "at_hash": "h", "client_id": "c"},
    ]
    for i, p in enumerate(payloads):
        write("claims_walk", f"payload-{i}",
              json.dumps(p, separators=(",", ":"), ensure_ascii=False))
        write("claims_walk", f"spaced-{i}", json.dumps(p))
        write("claims_walk", f"escaped-{i}", json.dumps(p, separators=(",", ":")).replace(
            "/", "\\/"))
        write("claims_walk", f"indented-{i}", json.dumps(p, indent="\t"))
    write("claims_walk", "repeated-name", '{"exp":1,"a":2,"exp":3}')
    write("claims_walk", "wrong-type", '{"exp":"1","aud":[1]}')


def main() -> None:
    secret = hashlib.sha256(b"tokenwarden fuzz").digest() * 2
    keys = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "PS256": None,
        "ES256": ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate(),
        "HS256": secret,
    }
    keys["PS256"] = keys["RS256"]
    jwks = []
    for alg, kid in (("RS256", "rsa"), ("ES256", "ec"), ("EdDSA", "ed"), ("HS256", "oct")):
        key = keys[alg]
        public = key if alg == "HS256" else key.public_key()
        jwk = json.loads(pyjwt.get_algorithm_by_name(alg).to_jwk(public))
        jwk["kid"] = kid
        jwks.append(jwk)
    (HERE / "data").mkdir(exist_ok=True)
    (HERE / "data" / "jwks.json").write_text(json.dumps({"keys": jwks}, indent=1) + "\n")
    kids = {"RS256": "rsa", "PS256": "rsa", "ES256": "ec", "EdDSA": "ed", "HS256": "oct"}
    base = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": NOW - 10, "exp": NOW + 3600,
            "scope": "read write", "jti": "j-1"}
    n = 0
    for alg, key in keys.items():
        variants = [({}, {}), ({"exp": NOW - 100}, {}), ({"aud": "other"}, {}),
                    ({"scope": "write"}, {}), ({"nbf": NOW + 999}, {}),
                    ({"aud": [AUD, "x"], "azp": "c"}, {}), ({}, {"kid": "nope"}),
                    ({}, {"typ": "at+jwt", "crit": ["exp"], "exp": 1})]
        for claims, header in variants:
            hdr = {"kid": kids[alg], **header}
            token = pyjwt.encode({**base, **claims}, key, algorithm=alg, headers=hdr)
            write("token_validate", f"{alg}-{n:02d}", token)
            n += 1
        token = pyjwt.encode(base, key, algorithm=alg, headers={"kid": kids[alg]})
        head, body, sig = token.split(".")
        write("token_validate", f"{alg}-badsig", f"{head}.{body}.{sig[:-2]}AA")
    # The harness checks at start that this one validates: a fuzzer whose every input fails
    # early would exercise nothing past the parser.
    valid = pyjwt.encode(base, keys["ES256"], algorithm="ES256", headers={"kid": "ec"})
    (HERE / "data" / "valid_token.txt").write_text(valid + "\n")
    write("token_validate", "none", b64(b'{"alg":"none"}') + "." + b64(json.dumps(base).encode()) + ".")
    write("token_validate", "empty", "..")

    write("key_set", "jwks", json.dumps({"keys": jwks}))
    for i, jwk in enumerate(jwks):
        write("key_set", f"jwk-{i}", json.dumps(jwk))
    write("key_set", "enc-only", json.dumps({"keys": [{**jwks[0], "use": "enc"}]}))
    write("key_set", "x5c", json.dumps({"keys": [{**jwks[1], "x5c": ["MIIB"], "x5t": "abc",
                                                  "alg": "ES256", "key_ops": ["verify"]}]}))
    pem = keys["ES256"].public_key().public_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization",
                            fromlist=["Encoding"]).Encoding.PEM,
        format=__import__("cryptography.hazmat.primitives.serialization",
                          fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo)
    write("key_set", "pem", pem)

    for i, text in enumerate(["", "TWFu", "TWE", "TQ", "-_-_", "AA", "AB", "____", "a" * 5,
                              b64(bytes(range(256)))]):
        write("base64url", f"seed-{i}", text)

    discovery = {"issuer": ISS, "jwks_uri": ISS + "/jwks", "introspection_endpoint":
                 ISS + "/introspect", "token_endpoint": ISS + "/token",
                 "response_types_supported": ["code"], "id_token_signing_alg_values_supported":
                 ["RS256", "ES256"]}
    write("discovery", "okta-like", json.dumps(discovery))
    write("discovery", "wrong-issuer", json.dumps({**discovery, "issuer": ISS + "/"}))
    write("discovery", "http-jwks", json.dumps({**discovery, "jwks_uri": "http://x/jwks"}))

    answers = [{"active": True, "iss": ISS, "aud": AUD, "exp": NOW + 60, "scope": "read",
                "client_id": "c", "token_type": "Bearer", "sub": "u"},
               {"active": False}, {"active": "true"}, {"active": True, "exp": 1e300},
               {"active": True, "exp": -1, "nested": {"a": [1, 2, {"b": None}]}}]
    for i, a in enumerate(answers):
        write("introspection_response", f"answer-{i}", json.dumps(a))
    claims_walk_seeds()

    config = {"listen": "127.0.0.1:8080",
              "issuers": [{"issuer": ISS, "jwks_file": "jwks.json", "audiences": [AUD],
                           "algorithms": ["RS256", "ES256"], "leeway_seconds": 30},
                          {"issuer": "https://live.example", "discovery": True,
                           "keys": {"min_refresh_seconds": 60, "unknown_kid_wait_ms": 0},
                           "introspection": {"client_id": "tw",
                                             "client_secret_env": "TW_SECRET"}}],
              "clients": [{"client_id": "gw", "secret_hash": "sha256:AAAA"}],
              "cache": {"max_entries": 1000}, "limits": {"max_body_bytes": 4096}}
    write("config", "two-issuers", json.dumps(config, indent=1))
    write("config", "minimal", json.dumps({"issuers": [{"issuer": ISS, "jwks_file": "x"}]}))

    token = pyjwt.encode(base, keys["ES256"], algorithm="ES256", headers={"kid": "ec"})
    basic = base64.b64encode(b"demo:secret").decode()
    requests = [
        f"POST /introspect HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {basic}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {6 + len(token)}"
        f"\r\n\r\ntoken={token}",
        f"POST /revoke HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {basic}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        "b\r\ntoken=a.b.c\r\n0\r\n\r\n",
        f"GET /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "X-Forwarded-Uri: /orders\r\nX-Forwarded-Method: GET\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.0\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"
        "token",
        "POST /introspect?token=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n"
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: 25"
        "\r\n\r\ntoken=%41%zz&token_type_hint=access_token",
    ]
    for i, r in enumerate(requests):
        write("http_request", f"request-{i}", r)
    transport_seeds()


def transport_seeds() -> None:
    """Seeds of the targets where bytes from the network meet the server, beyond tokens:
    request framing and naming shapes, gateway-forwarded paths, issuers' HTTP responses, RESP
    replies and revocation records. Independent of the keys, so they can be rewritten alone:
    python3 -c 'import make_seeds; make_seeds.transport_seeds()' (from fuzz/)."""
    head = "POST /introspect HTTP/1.1\r\nHost: x\r\n"
    framing = [
        "Transfer-Encoding:\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        "Transfer-Encoding: ,\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding: gzip\r\n\r\n",
        "Transfer-Encoding: identity\r\nContent-Length: 3\r\n\r\nabc",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
    ]
    for i, rest in enumerate(framing):
        write("http_request", f"framing-{i}", head + rest)
    hosts = ["", "a b", "a/b", "u@h", "h:99999", "h:x", "[::1]:8080", "[fe80::1%25lo]",
             "[v1.x]", "127.0.0.1:80", "\xc3\x28"]
    for i, host in enumerate(hosts):
        write("http_request", f"host-{i}", f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n")
    for i, line in enumerate(["GET http://x/healthz HTTP/1.1", "GET http://y:81/a HTTP/1.1",
                              "CONNECT x:443 HTTP/1.1", "CONNECT / HTTP/1.1",
                              "OPTIONS * HTTP/1.1", "GET * HTTP/1.1"]):
        write("http_request", f"target-{i}", f"{line}\r\nHost: x\r\n\r\n")
    write("http_request", "two-hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")

    for i, uri in enumerate(["/", "/admin", "/public/../admin", "/%61dmin?x=1", "//admin//x/",
                             "/a/./b/../../c#frag", "/%2e%2e/admin", "/a%2fb", "/a\\b", "a/b",
                             "/%", "/%zz", "/caf%C3%A9/", "/../../..", "/a/b/c/d/e/f/g/../../h"]):
        write("request_path", f"uri-{i}", uri)

    for i, accept in enumerate([
            "application/token-introspection+jwt", "application/json;q=0.5, */*;q=0.1",
            "application/token-introspection+jwt;q=0.9\napplication/json",
            'text/html;level="a,b;c";q=0', "application/*;Q=1.000, ,", "*/json",
            "application/token-introspection+jwt;q=1.5", 'a/b;x="\\"";q=0.001']):
        write("accept", f"accept-{i}", accept)

    responses = [
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
        '{"keys":[]}',
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=300\r\n"
        "ETag: \"v1\"\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"read\":\"until close\"}",
        "HTTP/1.1 301 Moved\r\nLocation: https://elsewhere/\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\n\r\n",
    ]
    for i, r in enumerate(responses):
        write("response_parser", f"response-{i}", bytes([i * 17 % 128]) + r.encode())
    write("response_parser", "head-request", b"\x80HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")

    record = "0" * 63 + "f 1700000600"
    replies = [
        "+OK\r\n", "-ERR unknown command\r\n", ":42\r\n", "$-1\r\n", "*-1\r\n",
        f"*3\r\n$9\r\nsubscribe\r\n$4\r\ntw:r\r\n:1\r\n",
        f"*3\r\n$7\r\nmessage\r\n$4\r\ntw:r\r\n${len(record)}\r\n{record}\r\n",
        f"*2\r\n$1\r\n0\r\n*1\r\n$8\r\ntw:r:abc\r\n",
        f"*2\r\n${len(record)}\r\n{record}\r\n$-1\r\n",
        "*1\r\n*1\r\n*1\r\n:1\r\n", "$5\r\nhel", "*2\r\n:1\r\n",
    ]
    for i, r in enumerate(replies):
        write("resp_reader", f"reply-{i}", bytes([i * 7 % 256]) + r.encode())

    for i, line in enumerate([record, "f" * 64 + " 0", "a" * 64 + " 9223372036854775807",
                              "A" * 64 + " 1", "a" * 64 + " 01", "a" * 64 + "  1",
                              "a" * 64 + " -1", "a" * 63 + " 1", "a" * 64 + " 1\n"]):
        write("revocation_record", f"record-{i}", line)


if __name__ == "__main__":
    main()
