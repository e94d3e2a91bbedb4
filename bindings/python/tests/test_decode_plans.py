"""tokenwarden.jwt.decode keeps a plan per distinct arguments (tokenwarden/jwt/_decode.py:
planned), so that a repeated call costs the native validation alone. A plan must never
answer for arguments it was not made for: these pin what PyJWT does when they change."""

from __future__ import annotations

import base64
import datetime
import time

import jwt as pyjwt
import pytest

import tokenwarden.jwt as tjwt
from conftest import AUDIENCE, HMAC_SECRET, ISSUER


def test_instance_options_changed_in_place_are_honoured(keys):
    expired = keys.mint("HS256", exp=int(time.time()) - 100)
    fresh = keys.mint("HS256")
    decoder = tjwt.PyJWT()
    args = dict(algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert decoder.decode(fresh, HMAC_SECRET, **args)["sub"] == "user-1"
    with pytest.raises(tjwt.ExpiredSignatureError):
        decoder.decode(expired, HMAC_SECRET, **args)
    decoder.options["verify_exp"] = False  # PyJWT reads its options on every decode
    assert decoder.decode(expired, HMAC_SECRET, **args)["sub"] == "user-1"
    decoder.options["verify_exp"] = True
    with pytest.raises(tjwt.ExpiredSignatureError):
        decoder.decode(expired, HMAC_SECRET, **args)
    decoder.options["require"].append("jti")  # a change inside a member
    with pytest.raises(tjwt.MissingRequiredClaimError):
        decoder.decode(fresh, HMAC_SECRET, **args)
    # ... of this instance only, as in PyJWT (each instance has its own defaults).
    assert tjwt.PyJWT().options["require"] == pyjwt.PyJWT().options["require"] == []
    assert tjwt.decode(fresh, HMAC_SECRET, **args)["sub"] == "user-1"


def test_a_pyjwk_and_a_string_of_the_same_text_are_different_keys(keys):
    # A str key is an HMAC secret, whatever it holds (PyJWT refuses one that looks like a
    # JWK); the same text as a PyJWK is the JWK. Neither may be served the other's validator.
    jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(HMAC_SECRET).rstrip(b"=").decode()}
    as_jwk = tjwt.PyJWK(jwk, "HS256")
    token = keys.mint("HS256")
    args = dict(algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    for options in (None, {}):  # through the plans, and through the validator cache alone
        assert tjwt.decode(token, as_jwk, options=options, **args)["sub"] == "user-1"
        with pytest.raises(tjwt.PyJWTError):
            tjwt.decode(token, as_jwk._text, options=options, **args)
    with pytest.raises(pyjwt.PyJWTError):
        pyjwt.decode(token, as_jwk._text, **args)


def test_equal_arguments_of_other_types_do_not_share_a_plan(keys):
    token = keys.mint("HS256")
    args = dict(algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    assert tjwt.decode(token, HMAC_SECRET, leeway=0, **args)["sub"] == "user-1"
    with pytest.raises(TypeError):  # False == 0, but tokenwarden takes no bool as a leeway
        tjwt.decode(token, HMAC_SECRET, leeway=False, **args)
    # A list and a tuple of the same algorithms or audiences both work, each its own plan.
    assert tjwt.decode(token, HMAC_SECRET, algorithms=("HS256",), audience=(AUDIENCE,),
                       issuer=ISSUER)["sub"] == "user-1"


def test_a_token_of_the_wrong_type_after_a_plan_is_a_decode_error(keys):
    token = keys.mint("HS256")
    args = dict(algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    tjwt.decode(token, HMAC_SECRET, **args)
    for wrong in (bytearray(token.encode()), None, 7):
        with pytest.raises(tjwt.DecodeError):
            tjwt.decode(wrong, HMAC_SECRET, **args)
        with pytest.raises(pyjwt.DecodeError):
            pyjwt.decode(wrong, HMAC_SECRET, **args)


def test_arguments_no_plan_takes_still_decode(keys):
    token = keys.mint("HS256")
    # An issuer container and unhashable audiences go the general way.
    assert tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"], audience=[[AUDIENCE], AUDIENCE],
                       issuer={ISSUER})["sub"] == "user-1"
    assert tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"], audience=AUDIENCE,
                       issuer=ISSUER, leeway=datetime.timedelta(seconds=1)
                       )["sub"] == "user-1"


def test_more_argument_sets_than_plans_are_kept(keys):
    token = keys.mint("HS256", sub="s")
    for i in range(200):  # each a new plan; the store is emptied when full
        assert tjwt.decode(token, HMAC_SECRET, algorithms=["HS256"], audience=AUDIENCE,
                           issuer=ISSUER, leeway=i)["sub"] == "s"


@pytest.mark.parametrize("claims, error", [
    ({"sub": 7}, pyjwt.exceptions.InvalidSubjectError),
    ({"sub": None}, pyjwt.exceptions.InvalidSubjectError),
    ({"jti": 7}, pyjwt.exceptions.InvalidJTIError),
    ({"jti": ["x"]}, pyjwt.exceptions.InvalidJTIError),
])
def test_sub_and_jti_of_other_types_are_refused_on_the_planned_path(keys, claims, error):
    token = pyjwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": time.time() + 60, **claims},
                         HMAC_SECRET, algorithm="HS256")
    args = dict(algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
    for _ in range(2):  # the call that makes the plan, and one that finds it
        with pytest.raises(tjwt.InvalidTokenError):  # the core: malformed (a DecodeError)
            tjwt.decode(token, HMAC_SECRET, **args)
    with pytest.raises(error):
        pyjwt.decode(token, HMAC_SECRET, **args)
