"""What the DPoP tests share: the request they verify proofs for, and the assertions."""

from __future__ import annotations

import base64
import json

import pytest

import tokenwarden

NOW = 1800000000
URL = "https://api.example.com/orders"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tamper_payload(proof: str, **claims) -> str:
    """The proof with its payload's claims changed and its signature kept."""
    header, payload, signature = proof.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(claims)
    return ".".join([header, b64(json.dumps(body).encode()), signature])


def refused(token, code, detail=None, **overrides):
    args = dict(method="GET", url=URL, now=NOW)
    args.update(overrides)
    with pytest.raises(tokenwarden.DpopProofError) as info:
        tokenwarden.verify_dpop_proof(token, **args)
    assert info.value.code == code
    assert type(info.value) is tokenwarden.ERROR_CLASSES[code]
    if detail is not None:
        assert info.value.detail == detail
    return info.value
