"""DPoP proofs made by a maintained third-party client library, not our code:
requests-oauth2client (its DPoPKey signs with jwskate; tests/requirements.txt pins it), whose
proofs tokenwarden.verify_dpop_proof must accept as they are and refuse once tampered with."""

from __future__ import annotations

import pytest
import requests
import requests_oauth2client as rqo
from requests_oauth2client.dpop import add_dpop_proof

import tokenwarden
from dpop_support import NOW, URL, refused, tamper_payload


def client_proof(dpop_key, method, url, access_token=None):
    """The DPoP header requests-oauth2client adds to a request (its own ath included)."""
    request = requests.Request(method, url).prepare()
    if access_token is None:
        return str(dpop_key.proof(htm=method, htu=url))
    add_dpop_proof(request, dpop_key=dpop_key, access_token=access_token)
    return request.headers["DPoP"]


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"])
def test_proofs_made_by_requests_oauth2client(alg):
    key = rqo.DPoPKey.generate(alg=alg, iat_generator=lambda: NOW)
    token = "eyJhbGciOiJFUzI1NiJ9.an-access-token.sig"
    url = "https://api.example.com/orders/42?expand=items"
    result = tokenwarden.verify_dpop_proof(
        client_proof(key, "GET", url, token), method="GET", url=url, access_token=token, now=NOW)
    assert result.alg == alg
    assert result.jkt == key.dpop_jkt  # the library's own RFC 7638 thumbprint
    assert tokenwarden.jwk_thumbprint(key.public_jwk.to_dict()) == key.dpop_jkt
    # A token request's proof (no access token, no ath).
    assert tokenwarden.verify_dpop_proof(
        client_proof(key, "POST", "https://as.example.com/token"), method="POST",
        url="https://as.example.com/token", now=NOW).jkt == key.dpop_jkt


def test_client_proofs_with_a_nonce_and_replay():
    key = rqo.DPoPKey.generate(alg="ES256", iat_generator=lambda: NOW)
    key.rs_nonce = "server-nonce-7"
    p = client_proof(key, "DELETE", URL, "tok")
    cache = tokenwarden.DpopReplayCache(64)
    tokenwarden.verify_dpop_proof(p, method="DELETE", url=URL, access_token="tok", now=NOW,
                                  nonce="server-nonce-7", replay_cache=cache)
    refused(p, "dpop_proof_replayed", method="DELETE", access_token="tok",
            nonce="server-nonce-7", replay_cache=cache)
    refused(p, "use_dpop_nonce", method="DELETE", access_token="tok", nonce="server-nonce-8")


def test_client_proofs_for_another_request_or_tampered_are_refused():
    key = rqo.DPoPKey.generate(alg="ES256", iat_generator=lambda: NOW)
    p = client_proof(key, "GET", URL, "tok")
    # Presented with another request than the one it was made for.
    refused(p, "invalid_dpop_proof", "the DPoP proof's htm is not the request's method",
            method="POST", access_token="tok")
    refused(p, "invalid_dpop_proof", "the DPoP proof's htu is not the request's URL",
            url="https://api.example.com/admin", access_token="tok")
    refused(p, "invalid_dpop_proof", "the DPoP proof's ath is not the hash of this access token",
            access_token="stolen-token")
    # Rewritten to fit another request: htm, htu and ath then match, the signature does not.
    signature_fails = "the DPoP proof's signature does not verify with its jwk"
    refused(tamper_payload(p, htm="POST"), "invalid_dpop_proof", signature_fails,
            method="POST", access_token="tok")
    refused(tamper_payload(p, htu="https://api.example.com/admin"), "invalid_dpop_proof",
            signature_fails, url="https://api.example.com/admin", access_token="tok")
    refused(tamper_payload(p, ath=tokenwarden.access_token_hash("stolen-token")),
            "invalid_dpop_proof", signature_fails, access_token="stolen-token")
    refused(tamper_payload(p, iat=NOW + 1), "invalid_dpop_proof", signature_fails,
            access_token="tok")
