"""Identity providers as their public documentation describes them, for the provider matrix.

Each `Provider` knows, for one provider: the sample configuration in examples/providers/ it is
run with, the hosts and paths it publishes (discovery document, JWK Set, introspection), the
shape of its JWK Set members, and how it shapes access tokens, ID tokens and introspection
answers -- claim names and types, header `typ` and `kid`. Identifiers (tenants, clients,
users) are made up; keys are fresh per run. The facts and the pages they come from are in the
README's provider matrix section; `CELLS` below is what the matrix claims, and
test_provider_matrix.py checks the README's table against it.

Tokens are minted at the real current time: the server reads the wall clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import twkit
from provider_idp import Site

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "providers"

# The matrix columns. A cell is True when the provider issues that kind of token and a test
# below runs it end to end; False when the provider does not (the README says why).
COLUMNS = ("jwt_access_token", "opaque_access_token", "id_token", "rotation", "profile")


def b64std(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Provider:
    """The common parts; subclasses fill in the provider's shapes."""

    name = ""
    examples: tuple[str, ...] = ()  # examples/providers/NAME.json files, issuers concatenated
    env: dict[str, str] = {}  # environment the sample configuration reads secrets from
    cells: dict[str, bool] = {}
    # Where the JWK Set is: (host, path); discovery documents are served as given below.
    jwks_at: tuple[str, str] = ("", "")
    issuer = ""  # the `iss` of its tokens
    audience = ""  # the audience its access tokens name (the sample config's audiences[0])
    client_id = ""  # the client the tokens are issued to
    alg = "RS256"

    def __init__(self) -> None:
        self.keys = [twkit.gen_rsa(f"{self.name}-1", 2048, self.kid(1))]
        self.sites: dict[str, Site] = {}
        self.build_sites()

    # --- what it publishes -------------------------------------------------------------

    def kid(self, n: int) -> str:
        return f"{self.name}-key-{n}"

    def jwk(self, key: twkit.TKey) -> dict:
        return key.jwk(use="sig")

    def jwks(self) -> dict:
        return {"keys": [self.jwk(k) for k in self.keys]}

    def site(self, host: str) -> Site:
        return self.sites.setdefault(host, Site())

    def build_sites(self) -> None:
        host, path = self.jwks_at
        self.site(host).documents[path] = self.jwks()

    def publish_keys(self) -> None:
        host, path = self.jwks_at
        self.sites[host].documents[path] = self.jwks()

    def rotate(self) -> twkit.TKey:
        """Adds a new signing key to the published set (the old one stays, as providers do)."""
        key = twkit.gen_rsa(f"{self.name}-{len(self.keys) + 1}", 2048, self.kid(len(self.keys) + 1))
        self.keys.append(key)
        self.publish_keys()
        return key

    def config_issuers(self) -> list[dict]:
        issuers = []
        for name in self.examples:
            issuers += json.loads((EXAMPLES / f"{name}.json").read_text())["issuers"]
        return issuers

    # --- what it issues ----------------------------------------------------------------

    def sign(self, header: dict, claims: dict, key: twkit.TKey | None = None) -> str:
        key = key or self.keys[0]
        header = {"alg": self.alg, "kid": key.kid, **header}
        return twkit.forge({k: v for k, v in header.items() if v is not None},
                           {k: v for k, v in claims.items() if v is not None}, key, self.alg)

    @staticmethod
    def times(now: int | None = None, ttl: int = 3600) -> dict:
        now = int(time.time()) if now is None else now
        return {"iat": now - 5, "exp": now + ttl}

    def access_token(self, key: twkit.TKey | None = None, **claims: Any) -> str:
        raise NotImplementedError

    # What /validate puts in its headers for access_token() (header name -> value).
    expected_headers: dict[str, str] = {}

    def id_token(self, nonce: str, access_token: str) -> str:
        raise NotImplementedError

    # How /validate treats id_token(): None = accepted (the profile is for ID tokens), else a
    # text its error_description contains.
    id_token_refusal: str | None = "audience"

    def verify_args(self) -> list[str]:
        """`tokenwarden verify` options checking access_token() as its sample config does."""
        return ["--issuer", self.issuer, "--audience", self.audience]

    # Opaque access tokens: (token, the provider's introspection answer).
    def opaque_token(self) -> tuple[str, dict]:
        raise NotImplementedError


def discovery(issuer: str, jwks_uri: str, **more: Any) -> dict:
    doc = {"issuer": issuer, "jwks_uri": jwks_uri,
           "response_types_supported": ["code"], "subject_types_supported": ["public"],
           "id_token_signing_alg_values_supported": ["RS256"]}
    doc.update(more)
    return doc


# ---------------------------------------------------------------------------------------
# Okta: a custom authorization server (JWT access tokens: scp array, cid, uid; no header typ)
# and the org authorization server, whose access tokens only Okta may read: introspected.
# ---------------------------------------------------------------------------------------
class Okta(Provider):
    name = "okta"
    examples = ("okta", "okta-org")
    env = {"OKTA_INTROSPECTION_SECRET": "okta-secret-0123456789abcdef"}
    cells = dict(jwt_access_token=True, opaque_access_token=True, id_token=True, rotation=True,
                 profile=True)
    host = "dev-123456.okta.com"
    issuer = f"https://{host}/oauth2/default"
    jwks_at = (host, "/oauth2/default/v1/keys")
    audience = "api://default"
    client_id = "0oa1b2c3d4e5f6g7h8i9"
    expected_headers = {"X-Auth-Subject": "alice@example.com",
                        "X-Auth-Scope": "orders.read openid",
                        "X-Auth-Client-Id": "0oa1b2c3d4e5f6g7h8i9",
                        "X-Auth-User-Id": "00u1a2b3c4d5e6f7g8h9"}

    def build_sites(self) -> None:
        super().build_sites()
        base = f"https://{self.host}"
        self.site(self.host).documents["/oauth2/default/.well-known/openid-configuration"] = \
            discovery(self.issuer, f"{self.issuer}/v1/keys",
                      introspection_endpoint=f"{self.issuer}/v1/introspect")
        org = self.site(self.host)
        org.introspection_path = "/oauth2/v1/introspect"
        org.client_id = "0oa-resource-server"
        org.client_secret = self.env["OKTA_INTROSPECTION_SECRET"]
        org.documents["/.well-known/openid-configuration"] = discovery(
            base, f"{base}/oauth2/v1/keys", introspection_endpoint=f"{base}/oauth2/v1/introspect")

    def jwk(self, key):
        return key.jwk(alg="RS256", use="sig")

    def access_token(self, key=None, **claims):
        body = {"ver": 1, "jti": "AT." + secrets.token_urlsafe(24), "iss": self.issuer,
                "aud": self.audience, **self.times(), "cid": self.client_id,
                "uid": "00u1a2b3c4d5e6f7g8h9", "scp": ["orders.read", "openid"],
                "auth_time": int(time.time()) - 60, "sub": "alice@example.com"}
        body.update(claims)
        return self.sign({}, body, key)

    def id_token(self, nonce, access_token):
        return self.sign({}, {
            "sub": "00u1a2b3c4d5e6f7g8h9", "name": "Alice", "email": "alice@example.com",
            "ver": 1, "iss": self.issuer, "aud": self.client_id, **self.times(),
            "jti": "ID." + secrets.token_urlsafe(24), "amr": ["pwd"], "idp": "00o1okta",
            "nonce": nonce, "preferred_username": "alice@example.com",
            "auth_time": int(time.time()) - 60, "at_hash": twkit.at_hash(access_token, "RS256")})

    def opaque_token(self):
        # An org authorization server's access token: a JWT in fact, but not for us to read.
        token = self.sign({}, {"ver": 1, "jti": "AT." + secrets.token_urlsafe(24),
                               "iss": f"https://{self.host}", "aud": f"https://{self.host}",
                               **self.times(), "cid": self.client_id, "uid": "00u1",
                               "scp": ["okta.users.read.self"], "sub": "alice@example.com"})
        now = int(time.time())
        return token, {"active": True, "scope": "okta.users.read.self", "username": "alice@example.com",
                       "exp": now + 3600, "iat": now - 5, "sub": "alice@example.com",
                       "aud": f"https://{self.host}", "iss": f"https://{self.host}",
                       "jti": "AT.x", "token_type": "Bearer", "client_id": self.client_id,
                       "uid": "00u1"}

    opaque_headers = {"X-Auth-Subject": "alice@example.com", "X-Auth-Scope": "okta.users.read.self",
                      "X-Auth-Client-Id": "0oa1b2c3d4e5f6g7h8i9"}


# ---------------------------------------------------------------------------------------
# Microsoft Entra ID, multi-tenant v2 endpoint: keys with x5t/x5c and an `issuer` member,
# access tokens with typ JWT, tid, azp, scp as a space-separated string, roles for app-only.
# ---------------------------------------------------------------------------------------
class Entra(Provider):
    name = "entra"
    examples = ("entra",)
    cells = dict(jwt_access_token=True, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "login.microsoftonline.com"
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    issuer = f"https://{host}/{tenant}/v2.0"
    jwks_at = (host, "/common/discovery/v2.0/keys")
    audience = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
    client_id = "a4e2f1c0-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    expected_headers = {"X-Auth-Subject": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
                        "X-Auth-Scope": "Orders.Read User.Read",
                        "X-Auth-Client-Id": "a4e2f1c0-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                        "X-Auth-Tenant-Id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                        "X-Auth-Object-Id": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"}

    msa_tenant = "9188040d-6c67-4c5b-b112-36a304b66dad"  # personal Microsoft accounts

    def __init__(self):
        # The common key set also holds keys of one tenant only (the MSA tenant's), whose
        # issuer member names that tenant.
        self.msa_key = twkit.gen_rsa("entra-msa", 2048, self.kid(99))
        super().__init__()

    def kid(self, n):
        return b64std(hashlib.sha1(f"entra-{n}".encode()).digest()).rstrip("=")

    def jwk(self, key, issuer=None):
        der = key.cert_der("accounts.accesscontrol.windows.net")
        return {"kty": "RSA", "use": "sig", "kid": key.kid, "x5t": key.kid,
                **{k: v for k, v in key.jwk().items() if k in ("n", "e")},
                "x5c": [b64std(der)], "issuer": issuer or f"https://{self.host}/{{tenantid}}/v2.0"}

    def jwks(self):
        return {"keys": [self.jwk(k) for k in self.keys] +
                [self.jwk(self.msa_key, f"https://{self.host}/{self.msa_tenant}/v2.0")]}

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents["/common/v2.0/.well-known/openid-configuration"] = \
            discovery(f"https://{self.host}/{{tenantid}}/v2.0",
                      f"https://{self.host}/common/discovery/v2.0/keys")

    def access_token(self, key=None, **claims):
        body = {"aud": self.audience, "iss": self.issuer, **self.times(),
                "nbf": int(time.time()) - 5, "aio": "E2ZgYJj", "azp": self.client_id,
                "azpacr": "1", "name": "Alice", "oid": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
                "preferred_username": "alice@contoso.com", "rh": "0.AR8A",
                "scp": "Orders.Read User.Read",
                "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "tid": self.tenant,
                "uti": secrets.token_urlsafe(16), "ver": "2.0"}
        body.update(claims)
        return self.sign({"typ": "JWT"}, body, key)

    def app_token(self) -> str:
        """Client credentials: application permissions in `roles`, no `scp`."""
        return self.access_token(scp=None, roles=["Orders.ReadWrite.All"], sub="app-oid",
                                 oid="app-oid", idtyp="app")

    def id_token(self, nonce, access_token):
        return self.sign({"typ": "JWT"}, {
            "aud": self.client_id, "iss": self.issuer, **self.times(), "nbf": int(time.time()) - 5,
            "name": "Alice", "nonce": nonce, "oid": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
            "preferred_username": "alice@contoso.com", "rh": "0.AR8A", "sub": "pairwise-sub",
            "tid": self.tenant, "uti": secrets.token_urlsafe(16), "ver": "2.0"})


# ---------------------------------------------------------------------------------------
# Auth0: issuer with a trailing slash; the Auth0 token profile (typ JWT, azp, scope string,
# aud array with /userinfo, permissions with RBAC) and the RFC 9068 profile (at+jwt, client_id).
# ---------------------------------------------------------------------------------------
class Auth0(Provider):
    name = "auth0"
    examples = ("auth0",)
    cells = dict(jwt_access_token=True, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "acme.eu.auth0.com"
    issuer = f"https://{host}/"
    jwks_at = (host, "/.well-known/jwks.json")
    audience = "https://orders.example.com"
    client_id = "p8VsxuHq3dQWW4Cj0YRLXvU2l1zPE2Ek"
    expected_headers = {"X-Auth-Subject": "auth0|64f0c1a2b3c4d5e6f7a8b9c0",
                        "X-Auth-Scope": "openid profile read:orders",
                        "X-Auth-Client-Id": "p8VsxuHq3dQWW4Cj0YRLXvU2l1zPE2Ek",
                        "X-Auth-Permissions": "read:orders"}

    def jwk(self, key):
        der = key.cert_der(f"dev-{self.host}")
        return {"kty": "RSA", "use": "sig", **{k: v for k, v in key.jwk().items() if k in ("n", "e")},
                "kid": key.kid, "x5t": twkit.b64u(hashlib.sha1(der).digest()),
                "x5c": [b64std(der)], "alg": "RS256"}

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents["/.well-known/openid-configuration"] = discovery(
            self.issuer, f"https://{self.host}/.well-known/jwks.json")

    def access_token(self, key=None, **claims):
        body = {"iss": self.issuer, "sub": "auth0|64f0c1a2b3c4d5e6f7a8b9c0",
                "aud": [self.audience, f"https://{self.host}/userinfo"], **self.times(),
                "azp": self.client_id, "scope": "openid profile read:orders",
                "permissions": ["read:orders"]}
        body.update(claims)
        return self.sign({"typ": "JWT"}, body, key)

    def rfc9068_token(self) -> str:
        """The RFC 9068 token dialect: at+jwt, client_id instead of azp, jti, no gty."""
        return self.sign({"typ": "at+jwt"}, {
            "iss": self.issuer, "sub": f"{self.client_id}@clients", "aud": self.audience,
            **self.times(), "client_id": self.client_id, "jti": secrets.token_hex(16),
            "scope": "read:orders", "permissions": ["read:orders"]})

    def id_token(self, nonce, access_token):
        return self.sign({"typ": "JWT"}, {
            "nickname": "alice", "name": "alice@example.com", "updated_at": "2026-12-01T10:00:00.000Z",
            "email": "alice@example.com", "email_verified": True, "iss": self.issuer,
            "aud": self.client_id, **self.times(), "sub": "auth0|64f0c1a2b3c4d5e6f7a8b9c0",
            "sid": secrets.token_urlsafe(16), "nonce": nonce,
            "at_hash": twkit.at_hash(access_token, "RS256")})


# ---------------------------------------------------------------------------------------
# Amazon Cognito: no header typ; access tokens without aud (client_id, token_use=access);
# ID tokens signed by the pool's other key, with aud = client id and token_use=id.
# ---------------------------------------------------------------------------------------
class Cognito(Provider):
    name = "cognito"
    examples = ("cognito",)
    cells = dict(jwt_access_token=True, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "cognito-idp.eu-west-1.amazonaws.com"
    pool = "eu-west-1_AbCdEf123"
    issuer = f"https://{host}/{pool}"
    jwks_at = (host, f"/{pool}/.well-known/jwks.json")
    audience = "3n4b5urk1ft4fl3mg5e62d9ado"
    client_id = audience
    id_token_refusal = "expected kind"  # token_use is "id"
    expected_headers = {"X-Auth-Subject": "4a7b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
                        "X-Auth-Scope": "aws.cognito.signin.user.admin orders/read",
                        "X-Auth-Client-Id": "3n4b5urk1ft4fl3mg5e62d9ado",
                        "X-Auth-Groups": "admins staff",
                        "X-Auth-Username": "alice"}

    def __init__(self):
        # Cognito signs ID tokens and access tokens with two different keys.
        self.id_key = twkit.gen_rsa("cognito-id", 2048, "cognito-id-key")
        super().__init__()

    def jwks(self):
        return {"keys": [{"alg": "RS256", **k.jwk(), "use": "sig"}
                         for k in [*self.keys, self.id_key]]}

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents[f"/{self.pool}/.well-known/openid-configuration"] = \
            discovery(self.issuer, f"{self.issuer}/.well-known/jwks.json")

    def access_token(self, key=None, **claims):
        body = {"sub": "4a7b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d", "cognito:groups": ["admins", "staff"],
                "iss": self.issuer, "version": 2, "client_id": self.client_id,
                "origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
                "token_use": "access", "scope": "aws.cognito.signin.user.admin orders/read",
                "auth_time": int(time.time()) - 60, **self.times(), "jti": str(uuid.uuid4()),
                "username": "alice"}
        body.update(claims)
        return self.sign({}, body, key)

    def id_token(self, nonce, access_token):
        return self.sign({}, {
            "at_hash": twkit.at_hash(access_token, "RS256"),
            "sub": "4a7b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d", "email_verified": True,
            "iss": self.issuer, "cognito:username": "alice", "nonce": nonce,
            "origin_jti": str(uuid.uuid4()), "aud": self.client_id, "token_use": "id",
            "auth_time": int(time.time()) - 60, **self.times(), "jti": str(uuid.uuid4()),
            "email": "alice@example.com"}, self.id_key)

    def verify_args(self):
        return ["--issuer", self.issuer, "--require-claim", "client_id"]


# ---------------------------------------------------------------------------------------
# Keycloak: a realm whose certs endpoint also lists an RSA-OAEP encryption key; the payload's
# typ claim says Bearer / ID / Refresh; realm_access.roles; azp; aud may include "account".
# ---------------------------------------------------------------------------------------
class Keycloak(Provider):
    name = "keycloak"
    examples = ("keycloak",)
    cells = dict(jwt_access_token=True, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "sso.example.com"
    issuer = f"https://{host}/realms/shop"
    jwks_at = (host, "/realms/shop/protocol/openid-connect/certs")
    audience = "orders-api"
    client_id = "web-shop"
    id_token_refusal = "expected kind"  # typ
    expected_headers = {"X-Auth-Subject": "f1d2e3c4-b5a6-4789-8a7b-6c5d4e3f2a1b",
                        "X-Auth-Scope": "openid email profile",
                        "X-Auth-Client-Id": "web-shop",
                        "X-Auth-Roles": "default-roles-shop offline_access customer"}

    def __init__(self):
        self.enc_key = twkit.gen_rsa("keycloak-enc", 2048, "keycloak-enc-key")
        super().__init__()

    def jwks(self):
        keys = []
        for k in self.keys:
            der = k.cert_der("shop")
            keys.append({"kid": k.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
                         **{m: v for m, v in k.jwk().items() if m in ("n", "e")},
                         "x5c": [b64std(der)], "x5t": twkit.b64u(hashlib.sha1(der).digest()),
                         "x5t#S256": twkit.b64u(hashlib.sha256(der).digest())})
        keys.append({"kid": self.enc_key.kid, "kty": "RSA", "alg": "RSA-OAEP", "use": "enc",
                     **{m: v for m, v in self.enc_key.jwk().items() if m in ("n", "e")}})
        return {"keys": keys}

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents["/realms/shop/.well-known/openid-configuration"] = \
            discovery(self.issuer, f"{self.issuer}/protocol/openid-connect/certs",
                      introspection_endpoint=f"{self.issuer}/protocol/openid-connect/token/introspect")

    def access_token(self, key=None, **claims):
        body = {**self.times(), "auth_time": int(time.time()) - 60, "jti": str(uuid.uuid4()),
                "iss": self.issuer, "aud": [self.audience, "account"],
                "sub": "f1d2e3c4-b5a6-4789-8a7b-6c5d4e3f2a1b", "typ": "Bearer",
                "azp": self.client_id, "sid": str(uuid.uuid4()), "acr": "1",
                "allowed-origins": ["https://shop.example.com"],
                "realm_access": {"roles": ["default-roles-shop", "offline_access", "customer"]},
                "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
                "scope": "openid email profile", "email_verified": True,
                "preferred_username": "alice"}
        body.update(claims)
        return self.sign({"typ": "JWT"}, body, key)

    def id_token(self, nonce, access_token):
        return self.sign({"typ": "JWT"}, {
            **self.times(), "auth_time": int(time.time()) - 60, "jti": str(uuid.uuid4()),
            "iss": self.issuer, "aud": [self.client_id, self.audience],
            "sub": "f1d2e3c4-b5a6-4789-8a7b-6c5d4e3f2a1b", "typ": "ID", "azp": self.client_id,
            "nonce": nonce, "sid": str(uuid.uuid4()), "at_hash": twkit.at_hash(access_token, "RS256"),
            "acr": "1", "email_verified": True, "preferred_username": "alice"})

    def verify_args(self):
        return super().verify_args() + ["--require-claim", "typ"]


# ---------------------------------------------------------------------------------------
# Google: ID tokens only (its access tokens are opaque and not RFC 7662 introspectable);
# iss is either spelling; keys at www.googleapis.com.
# ---------------------------------------------------------------------------------------
class Google(Provider):
    name = "google"
    examples = ("google",)
    cells = dict(jwt_access_token=False, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "accounts.google.com"
    issuer = f"https://{host}"
    jwks_at = ("www.googleapis.com", "/oauth2/v3/certs")
    audience = "123456789-abc.apps.googleusercontent.com"
    client_id = audience
    id_token_refusal = None  # the profile is for ID tokens sent as bearer credentials
    expected_headers = {"X-Auth-Subject": "110169484474386276334",
                        "X-Auth-Client-Id": "123456789-abc.apps.googleusercontent.com",
                        "X-Auth-Email": "alice@example.com"}

    def jwk(self, key):
        return {"e": key.jwk()["e"], "kty": "RSA", "alg": "RS256", "n": key.jwk()["n"],
                "use": "sig", "kid": key.kid}

    def kid(self, n):
        return hashlib.sha1(f"google-{n}".encode()).hexdigest()

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents["/.well-known/openid-configuration"] = discovery(
            self.issuer, "https://www.googleapis.com/oauth2/v3/certs")

    def id_token(self, nonce, access_token, iss=None, key=None, **claims):
        return self.sign({"typ": "JWT"}, {
            "iss": iss or self.issuer, "azp": self.client_id, "aud": self.client_id,
            "sub": "110169484474386276334", "email": "alice@example.com", "email_verified": True,
            "at_hash": twkit.at_hash(access_token, "RS256"), "nonce": nonce, "name": "Alice",
            "picture": "https://lh3.googleusercontent.com/a/x", "given_name": "Alice",
            "locale": "en", **self.times(), **claims}, key)

    # Rotation, skew and outage cells use ID tokens: Google has no JWT access tokens.
    def access_token(self, key=None, **claims):
        return self.id_token("n-0", "ya29.a0Af", key=key, **claims)


# ---------------------------------------------------------------------------------------
# IdentityServer / Duende: at+jwt access tokens with `scope` as a JSON array and client_id;
# reference tokens introspected at /connect/introspect by the API resource (Basic auth).
# ---------------------------------------------------------------------------------------
class IdentityServer(Provider):
    name = "identityserver"
    examples = ("identityserver",)
    env = {"DUENDE_API_SECRET": "api-secret-0123456789abcdef"}
    cells = dict(jwt_access_token=True, opaque_access_token=True, id_token=True, rotation=True,
                 profile=True)
    host = "demo.duendesoftware.com"
    issuer = f"https://{host}"
    jwks_at = (host, "/.well-known/openid-configuration/jwks")
    audience = "api"
    client_id = "interactive.confidential"
    id_token_refusal = "expected kind"  # typ
    expected_headers = {"X-Auth-Subject": "818727", "X-Auth-Scope": "openid profile api",
                        "X-Auth-Client-Id": "interactive.confidential"}

    def kid(self, n):
        return hashlib.md5(f"duende-{n}".encode()).hexdigest().upper()

    def jwk(self, key):
        return {"kty": "RSA", "use": "sig", "kid": key.kid, "e": key.jwk()["e"],
                "n": key.jwk()["n"], "alg": "RS256"}

    def build_sites(self) -> None:
        super().build_sites()
        site = self.site(self.host)
        site.documents["/.well-known/openid-configuration"] = discovery(
            self.issuer, f"{self.issuer}/.well-known/openid-configuration/jwks",
            introspection_endpoint=f"{self.issuer}/connect/introspect")
        site.introspection_path = "/connect/introspect"
        site.client_id = "api"  # the API resource's name and one of its ApiSecrets
        site.client_secret = self.env["DUENDE_API_SECRET"]

    def access_token(self, key=None, **claims):
        now = int(time.time())
        body = {"iss": self.issuer, "nbf": now - 5, **self.times(now), "aud": self.audience,
                "scope": ["openid", "profile", "api"], "amr": ["pwd"],
                "client_id": self.client_id, "sub": "818727", "auth_time": now - 60,
                "idp": "local", "sid": secrets.token_hex(16).upper(), "jti": secrets.token_hex(16).upper()}
        body.update(claims)
        return self.sign({"typ": "at+jwt"}, body, key)

    def id_token(self, nonce, access_token):
        now = int(time.time())
        return self.sign({"typ": "JWT"}, {
            "iss": self.issuer, "nbf": now - 5, **self.times(now), "aud": self.client_id,
            "amr": ["pwd"], "nonce": nonce, "at_hash": twkit.at_hash(access_token, "RS256"),
            "sid": secrets.token_hex(16).upper(), "sub": "818727", "auth_time": now - 60,
            "idp": "local"})

    def verify_args(self):
        return super().verify_args() + ["--type", "at+jwt", "--scope", "api"]

    def opaque_token(self):
        now = int(time.time())
        handle = secrets.token_hex(32).upper()  # a reference token handle
        return handle, {"iss": self.issuer, "nbf": now - 5, "iat": now - 5, "exp": now + 3600,
                        "aud": "api", "client_id": "m2m", "jti": secrets.token_hex(16).upper(),
                        "active": True, "scope": "api"}

    opaque_headers = {"X-Auth-Scope": "api", "X-Auth-Client-Id": "m2m"}


# ---------------------------------------------------------------------------------------
# TelenorID+ (Telenor Norway, IdentityServer-based): at+jwt access tokens without aud,
# `scope` as a JSON array, pairwise sub, client_id; RS256 only.
# ---------------------------------------------------------------------------------------
class TelenorIdPlus(Provider):
    name = "telenorid-plus"
    examples = ("telenorid-plus",)
    cells = dict(jwt_access_token=True, opaque_access_token=False, id_token=True, rotation=True,
                 profile=True)
    host = "id.telenor.no"
    issuer = f"https://{host}"
    jwks_at = (host, "/.well-known/openid-configuration/jwks")
    audience = ""
    client_id = "my-telenor-app"
    id_token_refusal = "expected kind"  # typ
    expected_headers = {"X-Auth-Subject": "pairwise-7c1e0b9a", "X-Auth-Scope": "openid profile ial2",
                        "X-Auth-Client-Id": "my-telenor-app"}

    def build_sites(self) -> None:
        super().build_sites()
        self.site(self.host).documents["/.well-known/openid-configuration"] = discovery(
            self.issuer, f"{self.issuer}/.well-known/openid-configuration/jwks")

    def jwk(self, key):
        return {"kty": "RSA", "use": "sig", "kid": key.kid, "e": key.jwk()["e"],
                "n": key.jwk()["n"], "alg": "RS256"}

    def access_token(self, key=None, **claims):
        now = int(time.time())
        body = {"nbf": now - 5, **self.times(now), "iss": self.issuer, "client_id": self.client_id,
                "sub": "pairwise-7c1e0b9a", "auth_time": now - 60, "idp": "tnidplus",
                "ibis.sid": secrets.token_hex(8), "jti": secrets.token_hex(16).upper(),
                "sid": secrets.token_hex(16).upper(), "scope": ["openid", "profile", "ial2"],
                "amr": ["urn:tnidplus:std"]}
        body.update(claims)
        return self.sign({"typ": "at+jwt"}, body, key)

    def id_token(self, nonce, access_token):
        now = int(time.time())
        return self.sign({"typ": "JWT"}, {
            "iss": self.issuer, "aud": self.client_id, "sub": "pairwise-7c1e0b9a", "nbf": now - 5,
            **self.times(now), "auth_time": now - 60, "at_hash": twkit.at_hash(access_token, "RS256"),
            "sid": secrets.token_hex(16).upper(), "idp": "tnidplus", "nonce": nonce,
            "preferred_username": "4790000000", "acr": "urn:telenor.identity.aal.2",
            "amr": ["urn:telenor.identity.amr.bankid"]})

    def verify_args(self):
        return ["--issuer", self.issuer, "--type", "at+jwt", "--algorithms", "RS256"]


# ---------------------------------------------------------------------------------------
# Telenor CONNECT ID: opaque access tokens (introspected), ID tokens as JWTs (td_au, td_sls).
# ---------------------------------------------------------------------------------------
class TelenorConnect(Provider):
    name = "telenor-connect"
    examples = ("telenor-connect",)
    env = {"TELENOR_CONNECT_SECRET": "connect-secret-0123456789abcdef"}
    cells = dict(jwt_access_token=False, opaque_access_token=True, id_token=True, rotation=True,
                 profile=True)
    host = "connect.telenordigital.com"
    issuer = f"https://{host}/oauth"
    jwks_at = (host, "/oauth/public_keys.jwks")
    audience = "my-api"
    client_id = "telenordigital-connectexample-web"

    def build_sites(self) -> None:
        super().build_sites()
        site = self.site(self.host)
        site.documents["/oauth/.well-known/openid-configuration"] = discovery(
            self.issuer, f"{self.issuer}/public_keys.jwks",
            introspection_endpoint=f"{self.issuer}/introspect")
        site.introspection_path = "/oauth/introspect"
        site.client_id = "my-api"
        site.client_secret = self.env["TELENOR_CONNECT_SECRET"]

    def id_token(self, nonce, access_token, key=None, **claims):
        return self.sign({}, {
            "iss": self.issuer, "aud": self.client_id, "sub": "31234567890123", **self.times(),
            "auth_time": int(time.time()) - 60, "nonce": nonce, "acr": "2",
            "at_hash": twkit.at_hash(access_token, "RS256"), "td_au": "+4790000000",
            "td_sls": False, "phone_number": "+4790000000", "phone_number_verified": True,
            **claims}, key)

    # Rotation, skew and outage cells use ID tokens issued to the API itself as the client
    # (aud = its audience): CONNECT ID's access tokens are opaque.
    def access_token(self, key=None, **claims):
        return self.id_token("n-0", "opaque", key=key, **{"aud": self.audience, **claims})

    def opaque_token(self):
        now = int(time.time())
        token = b64std(secrets.token_bytes(30))
        return token, {"active": True, "scope": "openid profile phone", "client_id": self.client_id,
                       "sub": "31234567890123", "exp": now + 3600, "iat": now - 5,
                       "aud": "my-api", "token_type": "Bearer"}

    opaque_headers = {"X-Auth-Subject": "31234567890123", "X-Auth-Scope": "openid profile phone",
                      "X-Auth-Client-Id": "telenordigital-connectexample-web"}


# ---------------------------------------------------------------------------------------
# Telenor Norway's mobile APIs (api.telenor.no): opaque client-credentials tokens in standard
# base64 with padding, introspected with Basic auth; no discovery and no JWK Set at all.
# ---------------------------------------------------------------------------------------
class TelenorMobileApi(Provider):
    name = "telenor-mobile-api"
    examples = ("telenor-mobile-api",)
    env = {"TELENOR_API_INTROSPECTION_SECRET": "Glz2FV5XYOvAhFCE+/mobile"}
    cells = dict(jwt_access_token=False, opaque_access_token=True, id_token=False, rotation=False,
                 profile=True)
    host = "api.telenor.no"
    issuer = f"https://{host}"
    audience = "mobile-subscription-info"
    client_id = "xhdrs6uleK1xyZBOvX37PJ5wALcv1O9"

    def __init__(self):
        self.keys = []
        self.sites = {}
        site = self.site(self.host)
        site.introspection_path = "/oauth/v2/introspect"
        site.client_id = "my-resource-server"
        site.client_secret = self.env["TELENOR_API_INTROSPECTION_SECRET"]

    def opaque_token(self):
        now = int(time.time())
        token = b64std(secrets.token_bytes(46))  # ends "==": RFC 6750 b64token allows it
        assert token.endswith("==")
        return token, {"active": True, "client_id": self.client_id, "scope": "subscription.read",
                       "exp": now + 3600, "iat": now - 5, "aud": self.audience,
                       "token_type": "Bearer"}

    opaque_headers = {"X-Auth-Scope": "subscription.read",
                      "X-Auth-Client-Id": "xhdrs6uleK1xyZBOvX37PJ5wALcv1O9"}


PROVIDERS = (Okta, Entra, Auth0, Cognito, Keycloak, Google, IdentityServer, TelenorIdPlus,
             TelenorConnect, TelenorMobileApi)
