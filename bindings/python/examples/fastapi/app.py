"""A FastAPI service whose routes require a valid bearer token, checked by tokenwarden.

    TW_JWKS_FILE=jwks.json TW_ISSUER=https://issuer.example TW_AUDIENCE=api://orders \
        uvicorn app:app

The dependency answers 401 with an RFC 6750 WWW-Authenticate challenge naming the stable
error code, and 403 when a required scope is missing."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict

from fastapi import Depends, FastAPI, HTTPException, Request

import tokenwarden


def bearer_validator(validator: tokenwarden.Validator,
                     scopes: tuple = ()) -> Callable[[Request], Dict[str, Any]]:
    """A dependency that returns the token's claims or raises 401/403."""

    def dependency(request: Request) -> Dict[str, Any]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "bearer token required",
                                headers={"WWW-Authenticate": 'Bearer realm="api"'})
        try:
            claims = validator.validate(token.strip())
        except tokenwarden.InvalidTokenError as e:
            raise HTTPException(401, e.code, headers={
                "WWW-Authenticate":
                    f'Bearer realm="api", error="invalid_token", error_description="{e.code}"'})
        granted = set(str(claims.get("scope", "")).split())
        missing = [s for s in scopes if s not in granted]
        if missing:
            raise HTTPException(403, "insufficient_scope", headers={
                "WWW-Authenticate":
                    f'Bearer realm="api", error="insufficient_scope", scope="{" ".join(scopes)}"'})
        return claims

    return dependency


def create_app(validator: tokenwarden.Validator) -> FastAPI:
    app = FastAPI()
    authenticated = bearer_validator(validator)
    can_write = bearer_validator(validator, scopes=("orders:write",))

    @app.get("/orders")
    def list_orders(claims: Dict[str, Any] = Depends(authenticated)) -> Dict[str, Any]:
        return {"owner": claims["sub"], "orders": []}

    @app.post("/orders")
    def create_order(claims: Dict[str, Any] = Depends(can_write)) -> Dict[str, Any]:
        return {"created_by": claims["sub"]}

    return app


if "TW_JWKS_FILE" in os.environ:  # pragma: no cover - the uvicorn entry point
    with open(os.environ["TW_JWKS_FILE"], encoding="utf-8") as f:
        app = create_app(tokenwarden.Validator(
            f.read(), issuer=os.environ["TW_ISSUER"], audience=os.environ["TW_AUDIENCE"],
            algorithms=os.environ.get("TW_ALGORITHMS", "RS256,ES256").split(",")))
