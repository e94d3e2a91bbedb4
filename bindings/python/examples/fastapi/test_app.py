"""The FastAPI example, exercised through its test client."""

from __future__ import annotations

import pathlib
import sys

from fastapi.testclient import TestClient

import tokenwarden

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from app import create_app  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parents[2] / "tests"))
from conftest import AUDIENCE, ISSUER, keys  # noqa: E402,F401 - the fixture


def client(keys):
    validator = tokenwarden.Validator(keys.jwks, issuer=ISSUER, audience=AUDIENCE,
                                      algorithms=["RS256", "ES256"])
    return TestClient(create_app(validator))


def test_valid_token_reaches_the_route(keys):
    c = client(keys)
    r = c.get("/orders", headers={"Authorization": f"Bearer {keys.mint('ES256')}"})
    assert r.status_code == 200 and r.json() == {"owner": "user-1", "orders": []}
    r = c.post("/orders", headers={"Authorization": f"Bearer {keys.mint('RS256')}"})
    assert r.status_code == 200


def test_missing_bad_and_underscoped_tokens(keys):
    c = client(keys)
    r = c.get("/orders")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = c.get("/orders", headers={"Authorization": f"Bearer {keys.mint(exp=1)}"})
    assert r.status_code == 401
    assert 'error_description="expired"' in r.headers["www-authenticate"]
    r = c.post("/orders", headers={"Authorization": f"Bearer {keys.mint(scope='orders:read')}"})
    assert r.status_code == 403 and "insufficient_scope" in r.headers["www-authenticate"]
