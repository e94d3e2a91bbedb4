"""RFC 9701 signed introspection answers, end to end against the real binary.

tokenwarden signs with a key of its own (written here with `cryptography`, in each format
the configuration takes); every answer is verified with PyJWT against the JWK Set the server
publishes at `jwks_path`, fetched over HTTP by PyJWT's own PyJWKClient, exactly as a resource
server would. "gateway" opts in (`introspection_signed_response_alg`); "tenant-a" does not.
"""

from __future__ import annotations

import json
import secrets
import signal
import subprocess

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from conftest import Servers
from servekit import FORM, form, request

JWT_TYPE = "application/token-introspection+jwt"
OUR_ISSUER = "https://tokenwarden.example"
JWKS_PATH = "/.well-known/introspection-jwks.json"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def pem(private_key, fmt=serialization.PrivateFormat.PKCS8) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, fmt,
                                     serialization.NoEncryption())


def private_jwk(private_key, alg: str) -> str:
    """The private JWK as PyJWT exports it (every RSA CRT member, EC/OKP `d`)."""
    algorithm = jwt.get_algorithm_by_name(alg)
    return algorithm.to_jwk(private_key)


def signing_config(world, tmp_dir, alg: str, key_text: bytes | str, kid: str | None = "tw-1"):
    key_file = tmp_dir / f"signing-{alg}.key"
    key_file.write_bytes(key_text if isinstance(key_text, bytes) else key_text.encode())
    key_file.chmod(0o600)
    signing = {"issuer": OUR_ISSUER, "key_file": str(key_file), "alg": alg}
    if kid is not None:
        signing["kid"] = kid
    cfg = world.config(introspection_signing=signing)
    for client in cfg["clients"]:
        if client["id"] == "gateway":
            client["introspection_signed_response_alg"] = alg
    return cfg


def ask(server, token, auth, accept=None):
    headers = [FORM, auth]
    if accept is not None:
        headers.append(("Accept", accept))
    return server.post("/introspect", form(token=token), headers)


def verify(server, reply, client_id: str, alg: str) -> dict:
    """PyJWT checks signature, alg, iss, aud and iat with the key from the published set."""
    assert reply.status == 200, reply
    assert reply.header("Content-Type") == JWT_TYPE, reply
    assert reply.header("Cache-Control") == "no-store", reply
    token = reply.body.decode("ascii")
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "token-introspection+jwt"
    assert header["alg"] == alg
    key = jwt.PyJWKClient(server.base + JWKS_PATH, cache_keys=False).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=[alg], audience=client_id, issuer=OUR_ISSUER,
                        options={"require": ["iss", "aud", "iat"]})
    assert set(claims) == {"iss", "aud", "iat", "token_introspection"}, claims
    assert claims["aud"] == client_id
    return claims


@pytest.fixture(scope="module")
def server(tokenwarden_bin, tmp_path_factory, world):
    directory = tmp_path_factory.mktemp("signed-introspection")
    servers = Servers(tokenwarden_bin, directory)
    key = ec.generate_private_key(ec.SECP256R1())
    yield servers(signing_config(world, directory, "ES256", pem(key)))
    servers.teardown()


def test_active_answer_is_signed_and_equals_the_plain_one(server, world):
    token = world.token("a")
    plain = ask(server, token, world.auth("gateway"))
    assert plain.status == 200 and plain.header("Content-Type").startswith("application/json")
    assert plain.json()["active"] is True
    claims = verify(server, ask(server, token, world.auth("gateway"), JWT_TYPE), "gateway",
                    "ES256")
    assert claims["iss"] == OUR_ISSUER
    assert claims["token_introspection"] == plain.json()
    assert jwt.get_unverified_header(ask(server, token, world.auth("gateway"),
                                         JWT_TYPE).body.decode())["kid"] == "tw-1"


@pytest.mark.parametrize("token_kind", ["garbage", "expired", "unknown_issuer"])
def test_inactive_answer_is_signed(server, world, token_kind):
    token = {
        "garbage": secrets.token_urlsafe(24),
        "expired": world.token("a", exp=1_000_000_000),
        "unknown_issuer": world.token("a", iss="https://nobody.example"),
    }[token_kind]
    claims = verify(server, ask(server, token, world.auth("gateway"), JWT_TYPE), "gateway",
                    "ES256")
    assert claims["token_introspection"] == {"active": False}
    assert ask(server, token, world.auth("gateway")).json() == {"active": False}


def test_published_set_has_no_private_members(server):
    reply = request(server.base, "GET", JWKS_PATH)
    assert reply.status == 200, reply
    keys = reply.json()["keys"]
    assert len(keys) == 1
    assert not PRIVATE_MEMBERS & set(keys[0]), keys[0]
    assert keys[0]["kid"] == "tw-1" and keys[0]["alg"] == "ES256" and keys[0]["use"] == "sig"


def test_client_not_opted_in_is_refused_a_jwt(server, world):
    token = world.token("a")
    only_jwt = ask(server, token, world.auth("tenant-a"), JWT_TYPE)
    assert only_jwt.status == 406, only_jwt
    assert only_jwt.json()["error"] == "not_acceptable"
    # It said JSON would do: it gets JSON, as the Content-Type says.
    fallback = ask(server, token, world.auth("tenant-a"), f"{JWT_TYPE}, application/json;q=0.5")
    assert fallback.status == 200
    assert fallback.header("Content-Type").startswith("application/json")
    assert fallback.json()["active"] is True


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html",
                                    f"{JWT_TYPE};q=0", f"application/json, {JWT_TYPE};q=0.5"])
def test_without_asking_for_the_jwt_type_answers_stay_plain(server, world, accept):
    reply = ask(server, world.token("a"), world.auth("gateway"), accept)
    assert reply.status == 200, reply
    assert reply.header("Content-Type").startswith("application/json"), reply
    assert reply.json()["active"] is True


def test_preferred_jwt_among_several(server, world):
    reply = ask(server, world.token("a"), world.auth("gateway"),
                f"application/json;q=0.5, {JWT_TYPE}")
    verify(server, reply, "gateway", "ES256")


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("alg,key_text", [
    ("RS256", lambda: pem(rsa_key(), serialization.PrivateFormat.TraditionalOpenSSL)),
    ("PS256", lambda: private_jwk(rsa_key(), "PS256")),
    ("EdDSA", lambda: pem(ed25519.Ed25519PrivateKey.generate())),
    ("ES256", lambda: private_jwk(ec.generate_private_key(ec.SECP256R1()), "ES256")),
])
def test_each_algorithm_and_key_format(serve, world, tmp_path, alg, key_text):
    server = serve(signing_config(world, tmp_path, alg, key_text(), kid=None))
    claims = verify(server, ask(server, world.token("a"), world.auth("gateway"), JWT_TYPE),
                    "gateway", alg)
    assert claims["token_introspection"]["active"] is True
    published = request(server.base, "GET", JWKS_PATH).json()["keys"][0]
    assert not PRIVATE_MEMBERS & set(published), published


def test_a_key_file_others_can_read_is_warned_about(serve, world, tmp_path):
    cfg = signing_config(world, tmp_path, "ES256", pem(ec.generate_private_key(ec.SECP256R1())))
    (tmp_path / "signing-ES256.key").chmod(0o644)
    server = serve(cfg)
    server.wait_for_stderr(r"introspection_signing\.key_file: .* can be read by other users")


def test_weak_or_public_keys_stop_the_start(world, tmp_path, tokenwarden_bin):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    public = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for alg, text, message in [("RS256", pem(weak), "need >= 2048"),
                               ("ES256", public, "signing needs the private key")]:
        path = tmp_path / "tokenwarden.json"
        path.write_text(json.dumps(signing_config(world, tmp_path, alg, text)))
        proc = subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--check"],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 2, proc
        assert "introspection_signing.key_file" in proc.stderr and message in proc.stderr, proc
        assert "PRIVATE KEY" not in proc.stderr


def test_reload_swaps_the_key_and_its_published_set(serve, world, tmp_path):
    """SIGHUP reads the key file again: the new kid is published and signs at once, and a key
    the reader refuses leaves the last good one signing."""
    first = ec.generate_private_key(ec.SECP256R1())
    server = serve(signing_config(world, tmp_path, "ES256", pem(first), kid="tw-1"))
    assert request(server.base, "GET", JWKS_PATH).json()["keys"][0]["kid"] == "tw-1"
    second = ed25519.Ed25519PrivateKey.generate()
    serve.write(signing_config(world, tmp_path, "EdDSA", pem(second), kid="tw-2"))
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reloaded", start=mark)
    assert request(server.base, "GET", JWKS_PATH).json()["keys"][0]["kid"] == "tw-2"
    reply = ask(server, world.token("a"), world.auth("gateway"), JWT_TYPE)
    assert jwt.get_unverified_header(reply.body.decode())["kid"] == "tw-2"
    verify(server, reply, "gateway", "EdDSA")
    # A public key in the file: refused, the previous key keeps signing.
    serve.write(signing_config(world, tmp_path, "EdDSA", second.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)))
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reload failed.*introspection_signing\.key_file", start=mark)
    verify(server, ask(server, world.token("a"), world.auth("gateway"), JWT_TYPE), "gateway",
           "EdDSA")
