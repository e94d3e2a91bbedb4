#!/usr/bin/env python3
"""Writes provider-shaped fixtures: one subdirectory per identity provider
(okta/, keycloak/, telenor/, auth0/, entra/), each with jwks.json, token files
and cases.json.

The JWK Sets and tokens imitate the *shape* of what each provider publishes and
issues (members, header fields, claim names and types); the keys are fresh and
the identifiers (tenant ids, client ids, users) are made up. Every case passes
--now 1700000000, and iat/exp/auth_time/nbf are fixed relative to it, so the
expected results do not depend on the wall clock. Keys are new on every run;
file names and case names are stable. Token files have no trailing newline.

Regenerate:
    python3 -m venv /tmp/fxvenv && /tmp/fxvenv/bin/pip install pyjwt cryptography
    /tmp/fxvenv/bin/python tests/testdata/providers/make_providers.py
"""

import base64
import datetime
import hashlib
import json
import os
import secrets
import shutil
import uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1700000000
IAT = NOW - 300
REGEN = ("/tmp/fxvenv/bin/python tests/testdata/providers/make_providers.py "
         "(venv: python3 -m venv /tmp/fxvenv && /tmp/fxvenv/bin/pip install pyjwt cryptography)")


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key):
    pub = private_key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        d = RSAAlgorithm.to_jwk(pub, as_dict=True)
    else:
        d = ECAlgorithm.to_jwk(pub, as_dict=True)
    d.pop("key_ops", None)
    d.pop("alg", None)
    return d


def self_signed_der(private_key, cn):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2033, 1, 1, tzinfo=datetime.timezone.utc))
        .sign(private_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def x5_members(private_key, cn):
    der = self_signed_der(private_key, cn)
    return {
        "x5c": [base64.b64encode(der).decode("ascii")],
        "x5t": b64u(hashlib.sha1(der).digest()),
        "x5t#S256": b64u(hashlib.sha256(der).digest()),
    }


def sign(claims, private_key, alg, header):
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return jwt.encode(claims, pem, algorithm=alg, headers=header)


def at_hash(access_token, hash_alg=hashlib.sha256):
    digest = hash_alg(access_token.encode("ascii")).digest()
    return b64u(digest[: len(digest) // 2])


class Provider:
    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(HERE, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.cases = []

    def write(self, rel, text):
        with open(os.path.join(self.dir, rel), "w", encoding="utf-8") as f:
            f.write(text)

    def write_json(self, rel, obj):
        self.write(rel, json.dumps(obj, indent=2) + "\n")

    def token(self, rel, token):
        self.write(rel, token)  # no trailing newline
        return rel

    def case(self, name, token_file, args, expect, note, jwks="jwks.json", now=NOW):
        self.cases.append({"name": "%s-%s" % (self.name, name), "token_file": token_file, "jwks": jwks,
                           "args": args + ["--now", str(now)], "expect": expect, "note": note})

    def finish(self, what):
        origin = ("Provider-shaped fixtures (%s): JWK Set and tokens imitate the shape of what the provider "
                  "publishes/issues; keys are freshly generated and identifiers are invented. Written by "
                  "tests/testdata/providers/make_providers.py with PyJWT + cryptography; token files have no "
                  "trailing newline. Regenerate (new keys, same file and case names): %s" % (what, REGEN))
        names = [c["name"] for c in self.cases]
        assert len(names) == len(set(names))
        self.write_json("cases.json", {"origin": origin, "cases": self.cases})


def okta():
    p = Provider("okta")
    iss = "https://dev-123456.okta.com/oauth2/default"
    keys = [rsa_key() for _ in range(3)]
    kids = [b64u(secrets.token_bytes(32)) for _ in keys]
    p.write_json("jwks.json", {"keys": [
        dict(kty="RSA", alg="RS256", kid=kid, use="sig", **{k: v for k, v in public_jwk(key).items() if k in ("e", "n")})
        for key, kid in zip(keys, kids)]})
    claims = {
        "ver": 1,
        "jti": "AT." + b64u(secrets.token_bytes(32)),
        "iss": iss,
        "aud": "api://default",
        "iat": IAT,
        "exp": IAT + 3600,
        "cid": "0oa8f5j3ecb5w3dF35d7",
        "uid": "00u8f5hqkqXz0dQzv5d7",
        "scp": ["openid", "profile", "email", "api.read"],
        "auth_time": IAT - 60,
        "sub": "alice@example.com",
    }
    # Okta access tokens carry only kid + alg in the header (no typ). Signed by the 2nd key.
    t = p.token("access_token.jwt", sign(claims, keys[1], "RS256", {"kid": kids[1], "typ": None}))
    claims_typ = dict(claims, jti="AT." + b64u(secrets.token_bytes(32)))
    t_typ = p.token("access_token_typ_jwt.jwt", sign(claims_typ, keys[2], "RS256", {"kid": kids[2], "typ": "JWT"}))
    base = ["--issuer", iss, "--audience", "api://default"]
    p.case("access-token-valid", t, base + ["--scope", "api.read"], "valid",
           "scp is an array [openid, profile, email, api.read]; header has kid+alg only; signed by the 2nd of 3 keys")
    p.case("access-token-scope-openid", t, base + ["--scope", "openid"], "valid", "openid is in the scp array")
    p.case("access-token-typ-jwt-valid", t_typ, base + ["--scope", "profile"], "valid",
           "same claims, header typ JWT, signed by the 3rd key")
    p.case("access-token-wrong-scope", t, base + ["--scope", "api.write"], "insufficient_scope",
           "api.write is not in scp")
    p.case("access-token-require-cid", t, base + ["--require-claim", "cid"], "valid", "cid is present")
    p.case("access-token-missing-groups", t, base + ["--require-claim", "groups"], "missing_claim",
           "no groups claim")
    p.case("access-token-wrong-issuer", t, ["--issuer", "https://dev-123456.okta.com", "--audience", "api://default"],
           "invalid_issuer", "org authorization server issuer instead of the default custom one")
    p.case("access-token-expired", t, base, "expired", "now == exp", now=IAT + 3600)
    p.finish("Okta custom authorization server 'default': 3 RS256 keys, access token with scp array, cid, uid, ver")


def keycloak():
    p = Provider("keycloak")
    iss = "https://sso.example.com/realms/demo"
    sig, enc = rsa_key(), rsa_key()
    sig_kid, enc_kid = b64u(secrets.token_bytes(32))[:43], b64u(secrets.token_bytes(32))[:43]
    sig_jwk = dict(kid=sig_kid, kty="RSA", alg="RS256", use="sig", **{k: public_jwk(sig)[k] for k in ("n", "e")},
                   **x5_members(sig, "demo"))
    enc_jwk = dict(kid=enc_kid, kty="RSA", alg="RSA-OAEP", use="enc", **{k: public_jwk(enc)[k] for k in ("n", "e")},
                   **x5_members(enc, "demo"))
    p.write_json("jwks.json", {"keys": [enc_jwk, sig_jwk]})
    sub = str(uuid.uuid4())
    sid = str(uuid.uuid4())
    claims = {
        "exp": IAT + 900,
        "iat": IAT,
        "auth_time": IAT - 30,
        "jti": str(uuid.uuid4()),
        "iss": iss,
        "aud": ["account", "demo-api"],
        "sub": sub,
        "typ": "Bearer",
        "azp": "demo-frontend",
        "nonce": "n-" + b64u(secrets.token_bytes(9)),
        "session_state": sid,
        "acr": "1",
        "allowed-origins": ["https://app.example.com"],
        "realm_access": {"roles": ["offline_access", "uma_authorization", "default-roles-demo"]},
        "resource_access": {
            "demo-api": {"roles": ["reader"]},
            "account": {"roles": ["manage-account", "manage-account-links", "view-profile"]},
        },
        "scope": "openid email profile",
        "sid": sid,
        "email_verified": True,
        "name": "Demo User",
        "preferred_username": "demo",
        "given_name": "Demo",
        "family_name": "User",
        "email": "demo@example.com",
    }
    t = p.token("access_token.jwt", sign(claims, sig, "RS256", {"kid": sig_kid, "typ": "JWT"}))
    t_enc = p.token("access_token_signed_by_enc_key.jwt",
                    sign(dict(claims, jti=str(uuid.uuid4())), enc, "RS256", {"kid": enc_kid, "typ": "JWT"}))
    p.case("access-token-valid", t, ["--issuer", iss, "--audience", "demo-api", "--scope", "profile"], "valid",
           "aud [account, demo-api]; scope string 'openid email profile'; the JWK Set's first key is an "
           "RSA-OAEP use=enc key that must be skipped")
    p.case("access-token-audience-account", t, ["--issuer", iss, "--audience", "account"], "valid",
           "account is the other aud entry")
    p.case("access-token-type-jwt", t, ["--issuer", iss, "--audience", "demo-api", "--type", "jwt"], "valid",
           "header typ is JWT (matched case-insensitively); the typ *claim* 'Bearer' is a claim, not the header")
    p.case("access-token-type-at-jwt", t, ["--issuer", iss, "--audience", "demo-api", "--type", "at+jwt"],
           "invalid_type", "header typ is JWT, not at+jwt")
    p.case("access-token-wrong-audience", t, ["--issuer", iss, "--audience", "other-api"], "invalid_audience",
           "other-api is not in aud")
    p.case("access-token-wrong-scope", t, ["--issuer", iss, "--audience", "demo-api", "--scope", "admin"],
           "insufficient_scope", "admin is not in the scope string")
    p.case("signed-by-enc-key", t_enc, ["--issuer", iss, "--audience", "demo-api"], "key_not_found",
           "signed with the private half of the use=enc RSA-OAEP key, header kid = that key's kid; the enc key "
           "is skipped when loading the set, so no usable key has that kid")
    p.finish("Keycloak realm 'demo': certs endpoint with an RS256 sig key and an RSA-OAEP enc key, both with "
             "x5c/x5t/x5t#S256; access token with typ claim Bearer, realm_access, resource_access, azp, scope")


def telenor():
    p = Provider("telenor")
    iss = "https://signin.telenorid.com/oauth"
    client_id = "example-client-web"
    key = rsa_key()
    kid = "telenorid-sig-" + b64u(secrets.token_bytes(6))
    p.write_json("jwks.json", {"keys": [dict(kty="RSA", kid=kid, use="sig", alg="RS256",
                                             **{k: public_jwk(key)[k] for k in ("n", "e")})]})
    access_token = b64u(secrets.token_bytes(32))
    other_access_token = b64u(secrets.token_bytes(32))
    nonce = b64u(secrets.token_bytes(16))
    auth_time = IAT - 60  # = now - 360
    claims = {
        "iss": iss,
        "sub": "1" + "".join(str(secrets.randbelow(10)) for _ in range(17)),
        "aud": client_id,
        "azp": client_id,
        "exp": IAT + 3600,
        "iat": IAT,
        "auth_time": auth_time,
        "nonce": nonce,
        "acr": "2",
        "amr": ["OTP", "SMS"],
        "at_hash": at_hash(access_token),
        "sid": str(uuid.uuid4()),
        "locale": "nb",
    }
    t = p.token("id_token.jwt", sign(claims, key, "RS256", {"kid": kid, "typ": "JWT"}))
    full = ["--issuer", iss, "--audience", client_id, "--nonce", nonce, "--access-token", access_token,
            "--max-age", "3600"]
    p.case("id-token-valid", t, full, "valid",
           "at_hash = base64url(left half of SHA-256(access token)); auth_time = now - 360, within max-age 3600")
    p.case("id-token-wrong-nonce", t, ["--issuer", iss, "--audience", client_id, "--nonce", "not-the-nonce"],
           "invalid_nonce", "nonce differs")
    p.case("id-token-wrong-access-token", t,
           ["--issuer", iss, "--audience", client_id, "--nonce", nonce, "--access-token", other_access_token],
           "invalid_at_hash", "at_hash was computed for a different access token")
    p.case("id-token-too-old", t, ["--issuer", iss, "--audience", client_id, "--max-age", "60"], "too_old",
           "auth_time = now - 360, older than max-age 60")
    p.case("id-token-wrong-client", t, ["--issuer", iss, "--audience", "some-other-client"], "invalid_audience",
           "aud is the client id %s" % client_id)
    p.finish("Telenor ID-style OpenID Connect ID token (RS256) with nonce, acr, amr, at_hash, auth_time, sid")


def auth0():
    p = Provider("auth0")
    iss = "https://tenant.auth0.com/"
    keys = [rsa_key(), rsa_key()]
    entries = []
    for i, key in enumerate(keys):
        x5 = x5_members(key, "tenant.auth0.com")
        kid = b64u(secrets.token_bytes(16))
        jwk = {"kty": "RSA", "use": "sig"}
        jwk.update({k: public_jwk(key)[k] for k in ("n", "e")})
        jwk.update({"kid": kid, "x5t": x5["x5t"], "x5t#S256": x5["x5t#S256"], "x5c": x5["x5c"], "alg": "RS256"})
        entries.append(jwk)
    p.write_json("jwks.json", {"keys": entries})
    client_id = b64u(secrets.token_bytes(24))
    claims = {
        "iss": iss,
        "sub": "auth0|" + secrets.token_hex(12),
        "aud": ["https://api.example.com", "https://tenant.auth0.com/userinfo"],
        "iat": IAT,
        "exp": IAT + 86400,
        "scope": "openid profile email read:messages",
        "gty": "password",
        "azp": client_id,
    }
    t = p.token("access_token.jwt", sign(claims, keys[0], "RS256", {"kid": entries[0]["kid"], "typ": "JWT"}))
    p.case("access-token-valid", t, ["--issuer", iss, "--audience", "https://api.example.com"], "valid",
           "aud array [API identifier, userinfo]; JWK Set entries carry x5c (self-signed cert of the key), "
           "x5t (SHA-1) and x5t#S256 (SHA-256) thumbprints of that cert")
    p.case("access-token-scope", t, ["--audience", "https://api.example.com", "--scope", "read:messages"], "valid",
           "read:messages is in the scope string")
    p.case("access-token-wrong-audience", t, ["--audience", "https://api.other.example.com"], "invalid_audience",
           "not in aud")
    p.case("access-token-wrong-scope", t, ["--audience", "https://api.example.com", "--scope", "write:messages"],
           "insufficient_scope", "write:messages is not granted")
    p.finish("Auth0 tenant: /.well-known/jwks.json with x5c/x5t/x5t#S256, access token with aud array, azp, "
             "scope, gty")


def entra():
    p = Provider("entra")
    tid = str(uuid.uuid4())
    app_id = str(uuid.uuid4())
    iss = "https://login.microsoftonline.com/%s/v2.0" % tid
    keys = [rsa_key() for _ in range(3)]
    entries = []
    for key in keys:
        x5 = x5_members(key, "accounts.accesscontrol.windows.net")
        jwk = {"kty": "RSA", "use": "sig", "kid": x5["x5t"], "x5t": x5["x5t"]}
        jwk.update({k: public_jwk(key)[k] for k in ("n", "e")})
        jwk.update({"x5c": x5["x5c"], "issuer": iss})
        entries.append(jwk)
    p.write_json("jwks.json", {"keys": entries})
    signer = entries[1]
    claims = {
        "aud": app_id,
        "iss": iss,
        "iat": IAT,
        "nbf": IAT,
        "exp": IAT + 3900,
        "aio": b64u(secrets.token_bytes(60)),
        "azp": str(uuid.uuid4()),
        "azpacr": "1",
        "name": "Megan Bowen",
        "oid": str(uuid.uuid4()),
        "preferred_username": "meganb@contoso.example",
        "rh": "0.A" + b64u(secrets.token_bytes(40)) + ".",
        "roles": ["Tasks.Read", "Tasks.Write"],
        "sub": b64u(secrets.token_bytes(32)),
        "tid": tid,
        "uti": b64u(secrets.token_bytes(16)),
        "ver": "2.0",
    }
    t = p.token("access_token.jwt", sign(claims, keys[1], "RS256",
                                         {"typ": "JWT", "kid": signer["kid"], "x5t": signer["x5t"]}))
    base = ["--issuer", iss, "--audience", app_id]
    p.case("access-token-valid", t, base, "valid",
           "v2.0 access token for app %s; header kid == x5t (cert SHA-1 thumbprint), signed by the 2nd of 3 keys; "
           "JWK Set entries carry issuer, x5t and x5c" % app_id)
    p.case("access-token-require-roles", t, base + ["--require-claim", "roles"], "valid", "roles is present")
    p.case("access-token-v1-issuer", t, ["--issuer", "https://sts.windows.net/%s/" % tid, "--audience", app_id],
           "invalid_issuer", "v1.0 issuer form does not match a v2.0 token")
    p.case("access-token-before-nbf", t, base, "not_yet_valid", "now = nbf - 100 (also before iat), leeway 0",
           now=IAT - 100)
    p.finish("Microsoft Entra ID v2.0: tenant discovery keys (kty RSA, use sig, kid == x5t, n, e, x5c, issuer), "
             "access token with ver 2.0, tid, oid, roles, header kid and x5t")


def main():
    okta()
    keycloak()
    telenor()
    auth0()
    entra()
    print("done")


if __name__ == "__main__":
    main()
