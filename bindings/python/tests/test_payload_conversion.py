"""The claims dict is what json.loads makes of the payload: member names come from a shared
cache, ASCII strings skip the UTF-8 decoder (bindings/python/src/py_str.cc), and the dict is
built from the members the core read, plain strings, small integers, literals and arrays of
plain strings directly (bindings/python/src/json_to_python.cc); none of that must show."""

from __future__ import annotations

import base64
import json

import pytest

import tokenwarden
from conftest import HMAC_SECRET, hs256_token

BASE = {"iss": "https://issuer.example", "aud": "api://orders", "exp": 4102444800}


def validator(**kw):
    jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(HMAC_SECRET).rstrip(b"=").decode()}
    return tokenwarden.Validator(jwk, issuer=BASE["iss"], audience=BASE["aud"],
                                 algorithms=["HS256"], **kw)


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0, nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


PAYLOADS = [
    # Escapes, non-ASCII names and values, astral characters (surrogate pairs in JSON).
    r'{"n\u00e4me":"caf\u00e9","emoji":"\ud83d\ude00","tab":"a\tb","quote":"\"","sl":"\/"}',
    '{"名前":"値","ключ":["значение","é"],"mixed":"abc\u00e9def"}',
    # A name longer than the cache takes (64 bytes) and one just at the limit.
    json.dumps({"k" * 65: 1, "m" * 64: 2, "": "empty name", "x": ""}),
    # Names the cache files in one slot (same length, same first and last 8 bytes).
    json.dumps({"aaaaaaaaXaaaaaaaa": 1, "aaaaaaaaYaaaaaaaa": 2, "aaaaaaaaZaaaaaaaa": 3}),
    # Nesting, arrays, every scalar type; integers at the 64-bit edges; -0; doubles.
    json.dumps({"o": {"a": [1, -1, 0, 2**63 - 1, -(2**63), 2**64 - 1]},
                "f": [0.5, -0.0, 1e300, 2.2250738585072014e-308], "b": [True, False, None],
                "deep": [[[[{"x": [{}]}]]]], "empty": {}, "none": []}),
    '{"neg_zero":-0,"e":1E2,"big":1.7976931348623157e308}',
    # Duplicate member names below the top level: the last wins, as in json.loads.
    '{"nested":{"a":1,"a":2}}',
    # Arrays the direct path takes (plain strings, whitespace anywhere) and those it leaves to
    # the parser (an escape, a number, a nested array among the strings).
    '{"roles": [ "a" , "b c" ,"" ],"none":[],"sp":[ ],"esc":["a\\"b","c"],"mixed":["a",1,"b"],'
    '"nested":[["a"],"b"],"uni":["\u00e9","é"],"lit":[true,"x",null]}',
    # Integers around the direct path's 18 digits, beyond 64 bits, negative, zero.
    '{"d18":999999999999999999,"d19":1000000000000000000,"u64":18446744073709551615,'
    '"huge":123456789012345678901234567890,"neg":-5,"zero":0,"one":1,"t":true,"f":false,'
    '"n":null,"s":"","q":"a\\\\b"}',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_claims_are_what_json_loads_makes_of_the_payload(payload):
    text = "{" + json.dumps(BASE)[1:-1] + "," + payload[1:]  # the members as written
    token = hs256_token(text.encode())
    claims = json.loads(text)
    for cache in (False, True):
        got = validator(cache=cache).validate(token)
        assert same(got, claims), (got, claims)


def test_many_distinct_names_all_come_back_right():
    # More names than the cache has slots, twice over: every name is still its own.
    v = validator(cache=False)
    for round_ in range(2):
        for i in range(0, 1200, 100):
            extra = {f"claim_{j}_{round_ % 2}": j for j in range(i, i + 100)}
            claims = {**BASE, **extra}
            assert same(v.validate(hs256_token(json.dumps(claims).encode())), claims)


def test_each_call_returns_a_fresh_dict():
    v = validator(cache=False)
    token = hs256_token(json.dumps({**BASE, "roles": ["a"]}).encode())
    first = v.validate(token)
    first["roles"].append("b")
    first["iss"] = "changed"
    assert v.validate(token) == {**BASE, "roles": ["a"]}


def test_names_work_as_dict_keys_and_strings():
    claims = validator(cache=False).validate(
        hs256_token(json.dumps({**BASE, "scope": "a b"}).encode()))
    assert {"iss", "aud", "exp", "scope"} == set(claims)
    assert "scope" in claims and claims.get("scope") == "a b"
    assert sorted(claims) == ["aud", "exp", "iss", "scope"]
    assert all(type(name) is str for name in claims)
