"""One function per family of cases (see generate.py). A category id names what was done to
the token or the arguments, never the outcome: the outcome is what the run measures."""

from __future__ import annotations

import base64
import json
from typing import Any, Iterator, List

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization

from generate import (ABSENT, ALGORITHMS, AUDIENCE, BASE, HMAC, ISSUER, NOWS, Case, Generator,
                      b64, decode_kwargs, dumps, leeways)

_EXTRA_VALUES: List[Any] = ["x", "ünïcødé ✓", "", 0, 1, -7, 3.25, True, False, None, [1, "a"],
                            {"k": {"n": [1, 2, {"d": None}]}}, "a" * 200, 2 ** 53, -(2 ** 62)]


def valid(g: Generator) -> Iterator[Case]:
    for alg in ALGORITHMS:
        for _ in range(30):
            now = g.pick(list(NOWS))
            extra = {f"c{i}": g.pick(_EXTRA_VALUES) for i in range(g.rng.randrange(4))}
            token = g.token(alg, g.claims(now, **extra))
            kwargs = g.pick([
                decode_kwargs(alg, audience=AUDIENCE),
                decode_kwargs(alg, audience=[AUDIENCE, "other"], issuer=ISSUER),
                decode_kwargs([alg, "HS256"] if alg not in HMAC else alg, audience=AUDIENCE,
                              options={"require": ["exp", "iat", "sub"]}),
                decode_kwargs(alg, options={"verify_aud": False}, leeway=5),
            ])
            yield Case("valid", token, g.verify_key(alg), kwargs, now)


def _flip(sig: bytes, rng: Any) -> bytes:
    i = rng.randrange(len(sig))
    return sig[:i] + bytes([sig[i] ^ (1 << rng.randrange(8))]) + sig[i + 1:]


def signatures(g: Generator) -> Iterator[Case]:
    for alg in ALGORITHMS:
        token = g.token(alg, g.claims(NOWS[1]))
        head, body, sig_seg = token.split(".")
        sig = base64.urlsafe_b64decode(sig_seg + "=" * (-len(sig_seg) % 4))
        kw = decode_kwargs(alg, audience=AUDIENCE)
        key = g.verify_key(alg)
        mutants = [("sig.flip", _flip(sig, g.rng)) for _ in range(6)]
        mutants += [("sig.truncate", sig[:-1]), ("sig.truncate", sig[: len(sig) // 2]),
                    ("sig.extend", sig + b"\0"), ("sig.empty", b""),
                    ("sig.zero", bytes(len(sig)))]
        for category, mutant in mutants:
            yield Case(category, f"{head}.{body}.{b64(mutant)}", key, kw)
        other = {"HS256": "HS384", "HS384": "HS512", "HS512": "HS256", "RS256": "RS384",
                 "RS384": "PS384", "RS512": "RS256", "PS256": "RS256", "PS384": "PS512",
                 "PS512": "PS256"}.get(alg)
        if other:
            if other in HMAC:  # one secret per HMAC alg: sign with this alg's secret
                signed = g.sign(other, f"{head}.{body}".encode(), g.private[alg])
            else:
                signed = g.sign(other, f"{head}.{body}".encode())
            yield Case("sig.other-alg", f"{head}.{body}.{b64(signed)}", key, kw)
        if alg.startswith("ES"):
            yield from _ecdsa_forms(g, alg, head, body, sig, key, kw)


def _ecdsa_forms(g: Generator, alg: str, head: str, body: str, sig: bytes, key: Any,
                 kw: Any) -> Iterator[Case]:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    half = len(sig) // 2
    r, s = int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big")
    order = {"ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
             "ES384": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                          "581A0DB248B0A77AECEC196ACCC52973", 16),
             "ES512": int("01FF" + "FFFFFFFF" * 7 + "FFFFFFFA51868783BF2F966B7FCC0148F709A5D0"
                          "3BB5C9B8899C47AEBB6FB71E91386409", 16)}[alg]
    high_s = sig[:half] + (order - s).to_bytes(half, "big")
    yield Case("sig.ecdsa-high-s", f"{head}.{body}.{b64(high_s)}", key, kw)
    yield Case("sig.ecdsa-der", f"{head}.{body}.{b64(encode_dss_signature(r, s))}", key, kw)
    yield Case("sig.ecdsa-zero", f"{head}.{body}.{b64(bytes(len(sig)))}", key, kw)


def alg_swaps(g: Generator) -> Iterator[Case]:
    for alg in ALGORITHMS:
        claims = g.claims(NOWS[1])
        body = b64(dumps(claims))
        for swapped in ALGORITHMS + ("none", "HS256 ", "hs256", "ES256K", "Ed25519"):
            if swapped == alg:
                continue
            header = b64(dumps({"alg": swapped, "typ": "JWT"}))
            original = g.token(alg, claims).split(".")[2]
            for allowed in ([alg], [alg, swapped], [swapped]):
                yield Case("alg.swap", f"{header}.{body}.{original}", g.verify_key(alg),
                           decode_kwargs(allowed, audience=AUDIENCE))
        # The classic confusion: HMAC-sign with the verifier's public key text.
        if alg not in HMAC:
            pem = g.pem[alg]
            header = b64(dumps({"alg": "HS256", "typ": "JWT"}))
            signing_input = f"{header}.{body}"
            mac = g.sign("HS256", signing_input.encode(), pem)
            for allowed in ([alg, "HS256"], ["HS256"]):
                yield Case("alg.confusion", f"{signing_input}.{b64(mac)}", pem,
                           decode_kwargs(allowed, audience=AUDIENCE))
        for header_value in ({"typ": "JWT"}, {"alg": None}, {"alg": 256}, {"alg": ["HS256"]},
                             {"alg": ""}):
            token = g.token(alg, claims, header=header_value, sign_as=alg)
            yield Case("alg.malformed", token, g.verify_key(alg),
                       decode_kwargs(alg, audience=AUDIENCE))
    header = b64(dumps({"alg": "none"}))
    for allowed in (["none"], ["none", "HS256"]):
        token = f"{header}.{b64(dumps(g.claims(NOWS[1])))}."
        for key in (g.private["HS256"], "", None):
            yield Case("alg.none", token, key, decode_kwargs(allowed, audience=AUDIENCE))


_OFFSETS = [-100, -2, -1.5, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.5, 2, 100]


def times(g: Generator) -> Iterator[Case]:
    """exp, nbf and iat around the frozen time, whole and fractional, with leeways."""
    for claim in ("exp", "nbf", "iat"):
        for now in NOWS:
            for offset in _OFFSETS * 2:  # twice: other algorithms, leeways and options
                for whole in (False, True):
                    value = (int(now) + round(offset) if whole else now + offset)
                    kind = "int" if isinstance(value, int) else "frac"
                    changes = {claim: value}
                    if claim != "exp":
                        changes["exp"] = int(now) + 600
                    if claim == "exp":  # iat and nbf must not be what fails
                        changes.update(iat=int(now) - 600, nbf=int(now) - 600)
                    alg = g.pick(["HS256", "ES256", "EdDSA"])
                    token = g.token(alg, g.claims(now, **changes))
                    leeway = g.pick(leeways())
                    options = g.pick([None, None, None, {f"verify_{claim}": False}])
                    kwargs = decode_kwargs(alg, audience=AUDIENCE, leeway=leeway)
                    if options:
                        kwargs["options"] = options
                    yield Case(f"time.{claim}.{kind}", token, g.verify_key(alg), kwargs, now)


_BAD_NUMERIC: List[Any] = ["123", "1.5e9", "abc", "", True, False, None, [], {}, [BASE], 1e20,
                           2 ** 63, 2 ** 64, -1, 0, -(2 ** 63), 1e300, 10 ** 30]


def time_types(g: Generator) -> Iterator[Case]:
    for claim in ("exp", "nbf", "iat"):
        for value in _BAD_NUMERIC:
            form = type(value).__name__
            if isinstance(value, int) and not isinstance(value, bool):
                form = "bigint" if abs(value) >= 2 ** 63 else "int"
            if isinstance(value, float):
                form = "float"
            if isinstance(value, str):
                form = "numeric-str" if value[:1].isdigit() else "str"
            for verify in (True, False):
                alg = g.pick(["HS256", "RS256"])
                token = g.token(alg, g.claims(NOWS[1], **{claim: value}))
                kwargs = decode_kwargs(alg, audience=AUDIENCE)
                if not verify:
                    kwargs["options"] = {f"verify_{claim}": False}
                yield Case(f"claim.{claim}.{form}", token, g.verify_key(alg), kwargs)
    for raw, form in ((b"NaN", "nan"), (b"Infinity", "inf"), (b"-Infinity", "inf"),
                      (b"1e400", "inf"), (b"-1e400", "inf"), (b"1.0", "float-whole"),
                      (b"-0", "negative-zero"), (b"1E3", "exponent"), (b"0.1", "fraction")):
        for claim in ("exp", "nbf", "iat", "extra"):
            claims = {k: v for k, v in g.claims(NOWS[1]).items() if k != claim}
            claims[claim] = "@@"
            payload = dumps(claims).replace(b'"@@"', raw)
            yield Case(f"json.number-{form}", g.token("HS256", payload), g.private["HS256"],
                       decode_kwargs("HS256", audience=AUDIENCE))


_AUD_FORMS = {"match": AUDIENCE, "other": "api://other", "list-match": ["x", AUDIENCE],
              "list-nomatch": ["x", "y"], "empty-list": [], "empty-string": "",
              "null": None, "missing": ABSENT, "number": 123, "list-mixed": [AUDIENCE, 1],
              "nested": [[AUDIENCE]], "object": {"a": AUDIENCE}, "bool": True}
_AUDIENCE_ARGS: List[Any] = [None, AUDIENCE, [AUDIENCE], ("x", AUDIENCE), {AUDIENCE},
                             AUDIENCE.encode(), [], "", ["x"], [AUDIENCE.encode()]]


def audiences(g: Generator) -> Iterator[Case]:
    for form, aud in _AUD_FORMS.items():
        for audience in _AUDIENCE_ARGS:
            for options in (None, {"strict_aud": True}, {"verify_aud": False}):
                if options and g.rng.random() < 0.5:
                    continue
                alg = g.pick(["HS256", "ES256"])
                token = g.token(alg, g.claims(NOWS[1], aud=aud))
                kwargs = decode_kwargs(alg, audience=audience)
                if options:
                    kwargs["options"] = options
                yield Case(f"aud.{form}", token, g.verify_key(alg), kwargs)


_ISS_FORMS = {"match": ISSUER, "other": "https://other", "missing": ABSENT, "null": None,
              "number": 7, "list": [ISSUER], "empty": ""}
_ISSUER_ARGS: List[Any] = [None, ISSUER, [ISSUER, "x"], ("x",), "", {ISSUER}]


def issuers(g: Generator) -> Iterator[Case]:
    for form, iss in _ISS_FORMS.items():
        for issuer in _ISSUER_ARGS:
            for verify in (True, False):
                token = g.token("HS384", g.claims(NOWS[1], iss=iss))
                kwargs = decode_kwargs("HS384", audience=AUDIENCE, issuer=issuer)
                if not verify:
                    kwargs["options"] = {"verify_iss": False}
                yield Case(f"iss.{form}", token, g.private["HS384"], kwargs)


def subjects(g: Generator) -> Iterator[Case]:
    for claim in ("sub", "jti"):
        for form, value in (("string", "s"), ("missing", ABSENT), ("null", None),
                            ("number", 5), ("list", ["s"]), ("empty", "")):
            for subject in (None, "s", "other"):
                for verify in (True, False):
                    token = g.token("HS512", g.claims(NOWS[1], **{claim: value}))
                    kwargs = decode_kwargs("HS512", audience=AUDIENCE)
                    if claim == "sub":
                        kwargs["subject"] = subject
                    if not verify:
                        kwargs["options"] = {f"verify_{claim}": False}
                    yield Case(f"{claim}.{form}", token, g.private["HS512"], kwargs)


_REQUIRABLE = ["exp", "iat", "nbf", "iss", "sub", "aud", "jti"]


def required(g: Generator) -> Iterator[Case]:
    """Each requirable claim missing and null, with others required beside it, and random
    requirement sets of present claims."""
    for claim in _REQUIRABLE:
        for state in ("missing", "null"):
            require = [claim] + [c for c in _REQUIRABLE if c != claim and g.rng.random() < 0.3]
            alg = g.pick(["HS256", "PS256"])
            changes = {claim: ABSENT if state == "missing" else None}
            token = g.token(alg, g.claims(NOWS[1], **changes))
            kwargs = decode_kwargs(alg, audience=AUDIENCE, options={"require": require})
            category = "require.missing" if state == "missing" else f"require.null-{claim}"
            yield Case(category, token, g.verify_key(alg), kwargs)
    for _ in range(40):
        require = [c for c in _REQUIRABLE if g.rng.random() < 0.4]
        token = g.token("HS384", g.claims(NOWS[1]))
        kwargs = decode_kwargs("HS384", audience=AUDIENCE, options={"require": require})
        yield Case("require.present", token, g.private["HS384"], kwargs)


def _raw_payload(g: Generator, body: bytes) -> bytes:
    """The base claims as JSON text with `body` (members, no braces) added at the end."""
    return dumps(g.claims(NOWS[1]))[:-1] + b"," + body + b"}"


_UNICODE = [("raw-utf8", '"n":"ünïcødé ✓ 🎉"'.encode()),
            ("escaped", b'"n":"\\u00fc\\ud83c\\udf89"'),
            ("lone-surrogate-escape", b'"n":"\\ud800"'),
            ("encoded-surrogate", b'"n":"\xed\xa0\x80"'),
            ("invalid-utf8", b'"n":"\xff"'), ("overlong-utf8", b'"n":"\xc0\xaf"'),
            ("nul-escape", b'"n":"a\\u0000b"'), ("raw-control", b'"n":"a\x01b"'),
            ("unicode-key", '"ключ":1'.encode()), ("escaped-claim-name", b'"\\u0065xp2":1'),
            ("noncharacter", '"n":"\uffff"'.encode())]


def unicode(g: Generator) -> Iterator[Case]:
    for form, member in _UNICODE:
        for alg in ("HS256", "ES384"):
            yield Case(f"unicode.{form}", g.token(alg, _raw_payload(g, member)),
                       g.verify_key(alg), decode_kwargs(alg, audience=AUDIENCE))
    bom = b"\xef\xbb\xbf" + dumps(g.claims(NOWS[1]))
    yield Case("unicode.bom", g.token("HS256", bom), g.private["HS256"],
               decode_kwargs("HS256", audience=AUDIENCE))
    header = b"\xef\xbb\xbf" + dumps({"alg": "HS256"})
    yield Case("unicode.header-bom", g.token("HS256", g.claims(NOWS[1]), header=header),
               g.private["HS256"], decode_kwargs("HS256", audience=AUDIENCE))
    escaped = dumps({"alg": "HS256"}).replace(b"alg", b"\\u0061lg")
    yield Case("unicode.header-escaped-name", g.token("HS256", g.claims(NOWS[1]),
                                                      header=escaped),
               g.private["HS256"], decode_kwargs("HS256", audience=AUDIENCE))


def duplicates(g: Generator) -> Iterator[Case]:
    now = NOWS[1]
    for member, form in ((b'"x":1,"x":1', "same-value"), (b'"x":1,"x":2', "custom"),
                         (b'"exp":%d' % (int(now) - 100), "exp-expired-last"),
                         (b'"aud":"api://other"', "aud-last"), (b'"sub":"admin"', "sub")):
        yield Case(f"dup.payload-{form}", g.token("HS256", _raw_payload(g, member)),
                   g.private["HS256"], decode_kwargs("HS256", audience=AUDIENCE))
    for head, form in ((b'{"alg":"HS256","alg":"HS256"}', "alg-same"),
                       (b'{"alg":"none","alg":"HS256"}', "alg-none-first"),
                       (b'{"alg":"HS256","alg":"none"}', "alg-none-last"),
                       (b'{"alg":"HS256","kid":"a","kid":"b"}', "kid")):
        signed_as = "HS256"
        yield Case(f"dup.header-{form}",
                   g.token("HS256", g.claims(now), header=head, sign_as=signed_as),
                   g.private["HS256"], decode_kwargs(["HS256", "none"], audience=AUDIENCE))


def _noncanonical(segment: str) -> str:
    """The same bytes with the lowest unused bit of the last character flipped, when it has
    unused bits (a segment of 2 or 3 characters modulo 4)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if len(segment) % 4 in (2, 3):
        return segment[:-1] + alphabet[alphabet.index(segment[-1]) ^ 1]
    return segment


def base64url(g: Generator) -> Iterator[Case]:
    for alg in ("HS256", "RS256", "ES256", "EdDSA"):
        for _ in range(3):
            # Vary the payload length so every padding length occurs.
            token = g.token(alg, g.claims(NOWS[1], pad="x" * g.rng.randrange(3)))
            parts = token.split(".")
            for i, name in enumerate(("header", "payload", "signature")):
                seg = parts[i]
                forms = {"padded": seg + "=" * (-len(seg) % 4), "extra-padding": seg + "====",
                         "noncanonical": _noncanonical(seg),
                         "std-alphabet": seg.replace("-", "+").replace("_", "/"),
                         "whitespace": seg[:4] + " " + seg[4:], "newline": seg[:4] + "\n" + seg[4:]}
                for form, mutant in forms.items():
                    # (A form that changes nothing, such as the standard alphabet for a
                    # segment without - or _, stays: the case list must not depend on the
                    # random bytes of an ECDSA signature.)
                    out = list(parts)
                    out[i] = mutant
                    yield Case(f"b64.{name}-{form}", ".".join(out), g.verify_key(alg),
                               decode_kwargs(alg, audience=AUDIENCE))


_NUMBERS = [("int53", 2 ** 53 + 1), ("int63", 2 ** 63 - 1), ("int64", 2 ** 64 - 1),
            ("int65", 2 ** 65), ("neg63", -(2 ** 63)), ("neg64", -(2 ** 63) - 1),
            ("huge", 10 ** 40), ("float-big", 1.7e308), ("float-small", 5e-324),
            ("float", 0.1), ("negative", -5)]


def numbers(g: Generator) -> Iterator[Case]:
    for form, value in _NUMBERS:
        for where in ("claim", "nested"):
            extra = {"n": value} if where == "claim" else {"n": {"list": [value, [value]]}}
            alg = g.pick(["HS256", "ES256"])
            yield Case(f"number.{form}", g.token(alg, g.claims(NOWS[1], **extra)),
                       g.verify_key(alg), decode_kwargs(alg, audience=AUDIENCE))


def sizes(g: Generator) -> Iterator[Case]:
    # The core's default bound is 16 KiB of token; PyJWT has none.
    for size, form in ((100, "small"), (4000, "medium"), (11000, "under-16k"),
                       (12500, "over-16k"), (60000, "large")):
        for alg in ("HS256", "RS512"):
            token = g.token(alg, g.claims(NOWS[1], blob="b" * size))
            yield Case(f"size.{form}", token, g.verify_key(alg),
                       decode_kwargs(alg, audience=AUDIENCE))
    for depth, form in ((10, "10"), (64, "64"), (200, "200"), (5000, "5000")):
        nested = b"[" * depth + b"1" + b"]" * depth
        yield Case(f"json.depth-{form}", g.token("HS256", _raw_payload(g, b'"d":' + nested)),
                   g.private["HS256"], decode_kwargs("HS256", audience=AUDIENCE))


_PAYLOADS = [("array", b"[1,2]"), ("string", b'"s"'), ("number", b"7"), ("null", b"null"),
             ("empty-object", b"{}"), ("trailing-garbage", None), ("trailing-space", None),
             ("leading-space", None), ("not-json", b"not json"), ("empty", b""),
             ("single-quotes", b"{'a':1}"), ("trailing-comma", None)]


def json_forms(g: Generator) -> Iterator[Case]:
    base = dumps(g.claims(NOWS[1]))
    generated = {"trailing-garbage": base + b"x", "trailing-space": base + b" \n",
                 "leading-space": b" " + base, "trailing-comma": base[:-1] + b",}"}
    for form, payload in _PAYLOADS:
        payload = generated.get(form, payload)
        opts = g.pick([{}, {"options": {"verify_aud": False}}])
        yield Case(f"json.payload-{form}", g.token("HS256", payload), g.private["HS256"],
                   decode_kwargs("HS256", **opts))
    for form, head in (("array", b'["HS256"]'), ("not-json", b"alg"), ("empty", b""),
                       ("trailing-space", b'{"alg":"HS256"} ')):
        yield Case(f"json.header-{form}", g.token("HS256", g.claims(NOWS[1]), header=head,
                                                  sign_as="HS256"),
                   g.private["HS256"], decode_kwargs("HS256", audience=AUDIENCE))


def token_forms(g: Generator) -> Iterator[Case]:
    token = g.token("HS256", g.claims(NOWS[1]))
    head, body, sig = token.split(".")
    kw = decode_kwargs("HS256", audience=AUDIENCE)
    key = g.private["HS256"]
    for form, mutant in (("two-segments", f"{head}.{body}"), ("four-segments", token + ".x"),
                         ("empty", ""), ("dots", ".."), ("leading-space", " " + token),
                         ("trailing-newline", token + "\n"), ("empty-payload", f"{head}..{sig}"),
                         ("bytes", token.encode()), ("bytearray", bytearray(token.encode())),
                         ("int", 7), ("none", None)):
        yield Case(f"form.{form}", mutant, key, kw)


def _pyjwk(alg: str, jwk: Any) -> Any:
    """The JWK as each library's own PyJWK (built when the case is decoded)."""
    return lambda module: module.PyJWK(jwk, alg)


def key_forms(g: Generator) -> Iterator[Case]:
    for alg in ALGORITHMS:
        token = g.token(alg, g.claims(NOWS[1]))
        kw = decode_kwargs(alg, audience=AUDIENCE)
        private = g.private[alg]
        if alg in HMAC:
            yield Case("key.hmac-str", token, private.hex(), kw)  # a different secret
            yield Case("key.hmac-bytearray", token, bytearray(private), kw)
            jwk = {"kty": "oct", "k": b64(private)}
        else:
            yield Case("key.object", token, private.public_key(), kw)
            yield Case("key.pem-str", token, g.pem[alg].decode(), kw)
            yield Case("key.private-object", token, private, kw)
            yield Case("key.private-pem", token, private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()), kw)
            algo = pyjwt.get_algorithm_by_name(alg)
            jwk = json.loads(algo.to_jwk(private.public_key()))
            yield Case("key.secret-for-asymmetric", token, "not-a-key-" * 4, kw)
        yield Case("key.pyjwk", token, _pyjwk(alg, jwk), kw)
        yield Case("key.jwk-dict", token, jwk, kw)
        yield Case("key.pyjwk-no-algorithms", token, _pyjwk(alg, jwk), {"audience": AUDIENCE})
        # A key that cannot serve the allowed algorithm, for a token whose alg is not
        # allowed either: which does the library report?
        unfit = {"HS256": "RS256", "HS384": "ES256", "HS512": "EdDSA"}.get(alg, "HS256")
        yield Case("key.unfit-alg-not-allowed", token, private if alg in HMAC else g.pem[alg],
                   decode_kwargs(unfit, audience=AUDIENCE))
        other = {"HS256": "HS512", "HS384": "HS256", "HS512": "HS384"}.get(alg)
        wrong = g.private[other] if other else g.pem["ES256" if alg != "ES256" else "ES384"]
        yield Case("key.wrong", token, wrong, kw)
    # Keys the core refuses and PyJWT takes: a short HMAC secret, a 1024-bit RSA key.
    body = b64(dumps(g.claims(NOWS[1])))
    for alg, key, verify_with in (("HS256", g.rng.randbytes(16), None),
                                  ("RS256", g.private["RSA1024"], "public")):
        signing_input = f"{b64(dumps({'alg': alg, 'typ': 'JWT'}))}.{body}"
        signature = g.sign(alg, signing_input.encode(), key)
        form = "hmac-short" if alg == "HS256" else "rsa-1024"
        yield Case(f"key.{form}", f"{signing_input}.{b64(signature)}",
                   key.public_key() if verify_with else key,
                   decode_kwargs(alg, audience=AUDIENCE))


def headers(g: Generator) -> Iterator[Case]:
    for form, extra in (("kid-number", {"kid": 7}), ("kid-null", {"kid": None}),
                        ("kid-string", {"kid": "k1"}),
                        ("crit-unknown", {"crit": ["x-p"], "x-p": 1}),
                        ("crit-empty", {"crit": []}), ("crit-not-list", {"crit": "exp"}),
                        ("b64-false", {"b64": False, "crit": ["b64"]}),
                        ("typ-other", {"typ": "at+jwt"}), ("typ-number", {"typ": 1}),
                        ("jku", {"jku": "https://evil.example/jwks"}), ("cty", {"cty": "JWT"}),
                        ("zip", {"zip": "DEF"})):
        for alg in ("HS256", "ES256"):
            header = {"alg": alg, **extra}
            yield Case(f"header.{form}", g.token(alg, g.claims(NOWS[1]), header=header),
                       g.verify_key(alg), decode_kwargs(alg, audience=AUDIENCE))


ALL = [valid, signatures, alg_swaps, times, time_types, audiences, issuers, subjects, required,
       unicode, duplicates, base64url, numbers, sizes, json_forms, token_forms, key_forms,
       headers]


def unverified(g: Generator) -> Iterator[Case]:
    """verify_signature False: both only decode (tokenwarden refuses claim checks then, so
    none are asked for; require is checked by both)."""
    for alg in ("HS256", "ES256", "RS256"):
        claims = g.claims(NOWS[1], exp=int(NOWS[1]) - 100, sub=g.pick([5, "s", None]))
        token = g.token(alg, claims)
        head, body, sig = token.split(".")
        mutants = {"valid": token, "bad-signature": f"{head}.{body}.{sig[::-1]}",
                   "no-signature": f"{head}.{body}.", "padded-payload":
                   f"{head}.{body}{'=' * (-len(body) % 4)}.{sig}",
                   "kid-number": g.token(alg, claims, header={"alg": alg, "kid": 1}),
                   "crit-unknown": g.token(alg, claims, header={"alg": alg, "crit": ["x"],
                                                                "x": 1}),
                   "crit-absent-member": g.token(alg, claims, header={"alg": alg,
                                                                      "crit": ["b64"]}),
                   "payload-not-object": g.token(alg, b"[1]"),
                   "duplicate-members": g.token(alg, _raw_payload(g, b'"x":1,"x":2'))}
        for form, mutant in mutants.items():
            for options in ({"verify_signature": False},
                            {"verify_signature": False, "require": ["exp", "jti"]},
                            {"verify_signature": False, "require": ["nbf", "nonce"]}):
                yield Case(f"unverified.{form}", mutant, g.pick(["", g.verify_key(alg)]),
                           {"options": options})


ALL.append(unverified)


def arguments(g: Generator) -> Iterator[Case]:
    """Decode arguments of unusual types: leeways, allow-lists, keys."""
    now = NOWS[1]
    for exp_offset in (-3, 3, 600):
        token = g.token("HS256", g.claims(now, exp=int(now) + exp_offset))
        for leeway, form in ((-1, "negative"), (-0.5, "negative"), (float("nan"), "nan"),
                             (float("inf"), "inf"), ("5", "string"), (True, "bool"),
                             (None, "none")):
            yield Case(f"leeway.{form}", token, g.private["HS256"],
                       decode_kwargs("HS256", audience=AUDIENCE, leeway=leeway), now)
    token = g.token("HS256", g.claims(now))
    for algorithms, form in (("HS256", "string"), ("HS256,RS256", "string"), ("HS", "string"),
                             (("HS256",), "tuple"), ({"HS256"}, "set"), ([], "empty"),
                             (None, "none"), (["hs256"], "lowercase"), ([b"HS256"], "bytes")):
        yield Case(f"algorithms.{form}", token, g.private["HS256"],
                   {"algorithms": algorithms, "audience": AUDIENCE})
    for key, form in ((None, "none"), (7, "int"), (object(), "object"), ("", "empty"),
                      (b"", "empty")):
        yield Case(f"key.{form}", token, key, decode_kwargs("HS256", audience=AUDIENCE))


ALL.append(arguments)
