"""Helpers for the black-box `tokenwarden verify` test suite.

Everything here is plain Python (no fixtures) so that test modules can use it
at collection time, e.g. for parametrization.  conftest.py wires it into
pytest fixtures.

Two ways to make tokens:

* ``mint()``  -- PyJWT's own ``jwt.encode``: the reference implementation for
  well-formed tokens.
* ``forge()`` / ``token_from_segments()`` -- hand-assembled segments signed with
  ``sign_raw()`` (``cryptography`` directly), for hostile tokens: raw header or
  payload bytes, duplicate members, bad base64, odd signatures and so on.
  ``test_selfcheck.py`` checks that forged tokens verify under PyJWT, so a
  failure elsewhere points at the binary rather than at this module.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import NameOID

# Fixed "current time" used by every test (2023-11-14T22:13:20Z).
NOW = 1_700_000_000

ALGORITHMS = [
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA",
    "HS256", "HS384", "HS512",
]

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
HASHLIB = {"256": "sha256", "384": "sha384", "512": "sha512"}

# Which KeyRing attribute signs each algorithm by default.
DEFAULT_KEY_FOR_ALG = {
    "RS256": "rsa", "RS384": "rsa", "RS512": "rsa",
    "PS256": "rsa", "PS384": "rsa", "PS512": "rsa",
    "ES256": "p256", "ES384": "p384", "ES512": "p521",
    "EdDSA": "ed25519",
    "HS256": "hs256", "HS384": "hs384", "HS512": "hs512",
}

# Usable-algorithm sets per key kind, per the contract.
RSA_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]

VALID_CLAIMS_BASE = {"sub": "user-1", "exp": NOW + 3600}


# --------------------------------------------------------------------------
# base64url / JSON
# --------------------------------------------------------------------------

def b64u(data: bytes) -> str:
    """Canonical base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(seg: str) -> bytes:
    """Lenient decoder for test-side use (adds padding)."""
    seg = seg.strip()
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def jdump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def segments(token: str) -> list[str]:
    return token.split(".")


def decode_part(seg: str) -> Any:
    return json.loads(b64u_decode(seg))


def uint_b64(n: int, length: int | None = None) -> str:
    if length is None:
        length = max(1, (n.bit_length() + 7) // 8)
    return b64u(n.to_bytes(length, "big"))


def json_depth(obj: Any) -> int:
    """Nesting depth counting every object/array, the top-level one included."""
    if isinstance(obj, dict):
        return 1 + max((json_depth(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((json_depth(v) for v in obj), default=0)
    return 0


def nested_claims(depth: int, base: Mapping[str, Any], kind: str = "object") -> dict:
    """Claims object whose total JSON nesting depth (top level included) is `depth`."""
    assert depth >= 2
    inner: Any = {} if kind == "object" else []
    for _ in range(depth - 2):
        inner = {"n": inner} if kind == "object" else [inner]
    claims = dict(base)
    claims["deep"] = inner
    assert json_depth(claims) == depth, (json_depth(claims), depth)
    return claims


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------

@dataclasses.dataclass
class TKey:
    """A test key: private half for signing, public JWK / PEM for the verifier."""

    name: str
    kty: str                 # RSA | EC | OKP | oct
    private: Any             # cryptography private key, or bytes for oct
    kid: str
    crv: str | None = None

    @property
    def public(self):
        if self.kty == "oct":
            raise TypeError("oct keys have no public half")
        return self.private.public_key()

    def pem(self) -> bytes:
        """SubjectPublicKeyInfo PEM of the public key."""
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self, kid: bool | str = True, **extra: Any) -> dict:
        """Public JWK built by hand (RFC 7517/7518/8037), canonical encodings."""
        if self.kty == "RSA":
            nums = self.public.public_numbers()
            d = {"kty": "RSA", "n": uint_b64(nums.n), "e": uint_b64(nums.e)}
        elif self.kty == "EC":
            nums = self.public.public_numbers()
            size = (self.public.curve.key_size + 7) // 8
            d = {"kty": "EC", "crv": self.crv, "x": uint_b64(nums.x, size), "y": uint_b64(nums.y, size)}
        elif self.kty == "OKP":
            raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            d = {"kty": "OKP", "crv": self.crv, "x": b64u(raw)}
        elif self.kty == "oct":
            d = {"kty": "oct", "k": b64u(self.private)}
        else:  # pragma: no cover
            raise ValueError(self.kty)
        if kid is True:
            d["kid"] = self.kid
        elif isinstance(kid, str):
            d["kid"] = kid
        d.update(extra)
        return d

    def pyjwt_jwk(self, kid: bool | str = True) -> dict:
        """Public JWK as exported by PyJWT's own ``to_jwk`` (interop check)."""
        A = jwt.algorithms
        if self.kty == "RSA":
            d = A.RSAAlgorithm.to_jwk(self.public, as_dict=True)
        elif self.kty == "EC":
            d = A.ECAlgorithm.to_jwk(self.public, as_dict=True)
        elif self.kty == "OKP":
            d = A.OKPAlgorithm.to_jwk(self.public, as_dict=True)
        else:
            d = A.HMACAlgorithm.to_jwk(self.private, as_dict=True)
        d = dict(d)
        if kid is True:
            d["kid"] = self.kid
        elif isinstance(kid, str):
            d["kid"] = kid
        else:
            d.pop("kid", None)
        return d

    @property
    def signing_key(self):
        return self.private

    def cert_der(self, cn: str = "tokenwarden-test") -> bytes:
        """Self-signed X.509 certificate for this key (for x5c / x5t members)."""
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.public)
            .serial_number(1)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650 * 3))
        )
        algo = None if self.kty == "OKP" else hashes.SHA256()
        cert = builder.sign(self.private, algo)
        return cert.public_bytes(serialization.Encoding.DER)


def gen_rsa(name: str, bits: int, kid: str | None = None) -> TKey:
    return TKey(name, "RSA", rsa.generate_private_key(public_exponent=65537, key_size=bits), kid or name)


def gen_ec(name: str, crv: str, kid: str | None = None) -> TKey:
    curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(),
             "secp256k1": ec.SECP256K1()}[crv]
    return TKey(name, "EC", ec.generate_private_key(curve), kid or name, crv)


def gen_okp(name: str, crv: str, kid: str | None = None) -> TKey:
    cls = {"Ed25519": ed25519.Ed25519PrivateKey, "Ed448": ed448.Ed448PrivateKey,
           "X25519": x25519.X25519PrivateKey}[crv]
    return TKey(name, "OKP", cls.generate(), kid or name, crv)


def gen_oct(name: str, nbytes: int, kid: str | None = None) -> TKey:
    return TKey(name, "oct", os.urandom(nbytes), kid or name)


class KeyRing:
    """Every key the suite needs, generated once per session."""

    def __init__(self) -> None:
        self.rsa = gen_rsa("rsa", 2048, "rsa-1")
        self.rsa_b = gen_rsa("rsa_b", 2048, "rsa-2")
        self.rsa3072 = gen_rsa("rsa3072", 3072, "rsa-3072")
        self.rsa4096 = gen_rsa("rsa4096", 4096, "rsa-4096")
        self.rsa1024 = gen_rsa("rsa1024", 1024, "rsa-1024-weak")
        self.rsa2047 = gen_rsa("rsa2047", 2047, "rsa-2047-weak")
        self.rsa_attacker = gen_rsa("rsa_attacker", 2048, "attacker")
        self.p256 = gen_ec("p256", "P-256", "ec-p256")
        self.p256_b = gen_ec("p256_b", "P-256", "ec-p256-b")
        self.p384 = gen_ec("p384", "P-384", "ec-p384")
        self.p521 = gen_ec("p521", "P-521", "ec-p521")
        self.secp256k1 = gen_ec("secp256k1", "secp256k1", "ec-k1")
        self.ed25519 = gen_okp("ed25519", "Ed25519", "okp-ed25519")
        self.ed25519_b = gen_okp("ed25519_b", "Ed25519", "okp-ed25519-b")
        self.ed448 = gen_okp("ed448", "Ed448", "okp-ed448")
        self.x25519 = gen_okp("x25519", "X25519", "okp-x25519")
        self.hs256 = gen_oct("hs256", 32, "oct-32")
        self.hs384 = gen_oct("hs384", 48, "oct-48")
        self.hs512 = gen_oct("hs512", 64, "oct-64")
        self.oct16 = gen_oct("oct16", 16, "oct-16-short")

    def for_alg(self, alg: str) -> TKey:
        return getattr(self, DEFAULT_KEY_FOR_ALG[alg])


# --------------------------------------------------------------------------
# Signing and token assembly
# --------------------------------------------------------------------------

def _hash_bits(alg: str) -> str:
    return alg[-3:]


def sign_raw(alg: str, key: Any, data: bytes, *, pss_salt: int | None = None, der: bool = False) -> bytes:
    """Sign `data` as JWS algorithm `alg` using `cryptography` directly.

    `key` is a TKey, a cryptography private key, or bytes (HMAC secret).
    `pss_salt` overrides the PSS salt length; `der` returns ECDSA signatures
    DER-encoded instead of JOSE R||S.
    """
    priv = key.private if isinstance(key, TKey) else key
    if alg.startswith("HS"):
        return hmac.new(priv, data, HASHLIB[_hash_bits(alg)]).digest()
    if alg.startswith("RS"):
        return priv.sign(data, padding.PKCS1v15(), HASHES[_hash_bits(alg)]())
    if alg.startswith("PS"):
        h = HASHES[_hash_bits(alg)]
        salt = h.digest_size if pss_salt is None else pss_salt
        return priv.sign(data, padding.PSS(mgf=padding.MGF1(h()), salt_length=salt), h())
    if alg.startswith("ES"):
        sig = priv.sign(data, ec.ECDSA(HASHES[_hash_bits(alg)]()))
        if der:
            return sig
        r, s = decode_dss_signature(sig)
        size = (priv.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if alg == "EdDSA":
        return priv.sign(data)
    raise ValueError(f"sign_raw: unsupported alg {alg!r}")


def encode_segment(part: Any) -> str:
    """dict/list/etc -> compact JSON -> base64url; bytes -> base64url of the bytes."""
    if isinstance(part, (bytes, bytearray)):
        return b64u(bytes(part))
    return b64u(jdump(part))


def token_from_segments(hseg: str, pseg: str, key: Any = None, alg: str | None = None, *,
                        sig: bytes | None = None, sseg: str | None = None, **sign_kw: Any) -> str:
    """Join raw (already encoded) segments; sign the exact text `hseg.pseg` unless
    an explicit signature (`sig` bytes or raw `sseg` text) is given."""
    if sseg is None:
        if sig is None:
            if key is None:
                sig = b""
            else:
                if alg is None:
                    alg = decode_part(hseg)["alg"]
                sig = sign_raw(alg, key, f"{hseg}.{pseg}".encode("utf-8"), **sign_kw)
        sseg = b64u(sig)
    return f"{hseg}.{pseg}.{sseg}"


def forge(header: Any, payload: Any, key: Any = None, alg: str | None = None, **kw: Any) -> str:
    """Hand-assemble a token. header/payload: dict (JSON-encoded here) or raw bytes."""
    if alg is None and isinstance(header, dict):
        alg = header.get("alg") if isinstance(header.get("alg"), str) else None
    return token_from_segments(encode_segment(header), encode_segment(payload), key, alg, **kw)


def mint(alg: str, key: TKey, claims: Mapping[str, Any], headers: Mapping[str, Any] | None = None,
         kid: bool | str | None = True) -> str:
    """Well-formed token minted by PyJWT.  kid=True -> key.kid, str -> that, None/False -> no kid."""
    hdrs = dict(headers or {})
    if kid is True:
        hdrs.setdefault("kid", key.kid)
    elif isinstance(kid, str):
        hdrs["kid"] = kid
    return jwt.encode(dict(claims), key.signing_key, algorithm=alg, headers=hdrs or None)


def resign(token: str, key: Any, alg: str | None = None, **kw: Any) -> str:
    h, p, _ = token.split(".")
    return token_from_segments(h, p, key, alg, **kw)


def replace_sig(token: str, sig: bytes) -> str:
    h, p, _ = token.split(".")
    return f"{h}.{p}.{b64u(sig)}"


def sig_bytes(token: str) -> bytes:
    return b64u_decode(token.split(".")[2])


def at_hash(access_token: str, alg: str) -> str:
    name = "sha512" if alg == "EdDSA" else HASHLIB[_hash_bits(alg)]
    digest = hashlib.new(name, access_token.encode("ascii")).digest()
    return b64u(digest[: len(digest) // 2])


def rs_to_der(raw: bytes) -> bytes:
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


# --------------------------------------------------------------------------
# Running the binary
# --------------------------------------------------------------------------

class Result(tuple):
    """(exit code, parsed JSON object or None, stdout, stderr) plus .argv for diagnostics."""

    def __new__(cls, code: int, js: Any, stdout: str, stderr: str, argv: Sequence[Any]):
        self = super().__new__(cls, (code, js, stdout, stderr))
        self.argv = list(argv)
        return self

    code = property(lambda self: self[0])
    json = property(lambda self: self[1])
    stdout = property(lambda self: self[2])
    stderr = property(lambda self: self[3])

    def describe(self) -> str:
        def short(a: Any) -> str:
            s = a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)
            return s if len(s) <= 120 else s[:60] + f"...<{len(s)} chars>..." + s[-30:]
        out = self.stdout if len(self.stdout) < 3000 else self.stdout[:3000] + "...<cut>"
        err = self.stderr if len(self.stderr) < 3000 else self.stderr[:3000] + "...<cut>"
        return (f"\n  argv: {' '.join(short(a) for a in self.argv)}\n  exit: {self.code}"
                f"\n  stdout: {out!r}\n  stderr: {err!r}")


def _reject_dupes(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate member {k!r} in tool output")
        d[k] = v
    return d


def _no_constants(name):
    raise ValueError(f"non-JSON constant {name} in tool output")


def parse_output(raw: bytes) -> Any:
    """Exactly one JSON object (surrounding whitespace allowed), strict, or None."""
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text, object_pairs_hook=_reject_dupes, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def run_binary(binary: str, args: Sequence[Any], token: Any = None, stdin: Any = None,
               timeout: float = 30) -> Result:
    argv = [binary, "verify", *[os.fsencode(a) if isinstance(a, Path) else a for a in args]]
    if token is not None:
        argv.append(token)
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    proc = subprocess.run(argv, input=stdin if stdin is not None else b"",
                          capture_output=True, timeout=timeout)
    return Result(proc.returncode, parse_output(proc.stdout),
                  proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), argv[1:])


# --------------------------------------------------------------------------
# Assertions
# --------------------------------------------------------------------------

def expect_valid(res: Result, claims: Any = None, header: Any = None) -> dict:
    assert res.code == 0, f"expected valid (exit 0){res.describe()}"
    js = res.json
    assert isinstance(js, dict), f"stdout is not exactly one JSON object{res.describe()}"
    assert js.get("valid") is True, f"expected \"valid\": true{res.describe()}"
    assert isinstance(js.get("header"), dict), f"missing/odd \"header\"{res.describe()}"
    assert isinstance(js.get("claims"), dict), f"missing/odd \"claims\"{res.describe()}"
    if claims is not None:
        assert js["claims"] == claims, f"claims not returned exactly{res.describe()}"
    if header is not None:
        assert js["header"] == header, f"header not returned exactly{res.describe()}"
    return js


def expect_error(res: Result, code: str | Iterable[str]) -> dict:
    codes = {code} if isinstance(code, str) else set(code)
    assert res.code == 1, f"expected invalid token (exit 1) with error {sorted(codes)}{res.describe()}"
    js = res.json
    assert isinstance(js, dict), f"stdout is not exactly one JSON object{res.describe()}"
    assert js.get("valid") is False, f"expected \"valid\": false{res.describe()}"
    assert js.get("error") in codes, f"expected error {sorted(codes)}, got {js.get('error')!r}{res.describe()}"
    assert isinstance(js.get("message"), str) and js["message"].strip(), \
        f"\"message\" must be a non-empty string{res.describe()}"
    return js


def expect_usage(res: Result) -> None:
    assert res.code == 2, f"expected usage/key error (exit 2){res.describe()}"
    assert res.stdout.strip() == "", f"nothing may be printed on stdout for exit 2{res.describe()}"
    assert res.stderr.strip() != "", f"an explanation is expected on stderr for exit 2{res.describe()}"


def expect(res: Result, outcome: str, claims: Any = None) -> None:
    """outcome: 'valid' | 'exit2' | an error code."""
    if outcome == "valid":
        expect_valid(res, claims)
    elif outcome == "exit2":
        expect_usage(res)
    else:
        expect_error(res, outcome)


def token_of_length(key: TKey, alg: str, target: int, claims: Mapping[str, Any] = VALID_CLAIMS_BASE) -> str:
    """A validly signed token of exactly `target` characters (filler claim 'pad')."""
    sig_len = len(b64u(sign_raw(alg, key, b"probe")))
    for hpad in range(0, 8):
        hseg = encode_segment({"alg": alg, "kid": key.kid, "hpad": "h" * hpad})
        need = target - len(hseg) - sig_len - 2
        base = len(jdump(dict(claims, pad="")))
        guess = max(0, need * 3 // 4 - base)
        for n in range(max(0, guess - 4), guess + 5):
            pseg = encode_segment(dict(claims, pad="a" * n))
            if len(pseg) == need:
                token = token_from_segments(hseg, pseg, key, alg)
                assert len(token) == target
                return token
    raise AssertionError(f"cannot build a token of length {target}")
