"""Errors a user can act on (issue 18): each mistake people make with `verify` gets a message
that says what is wrong and what to do, without changing the stable error codes."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import load_der_x509_certificate

from twkit import NOW, VALID_CLAIMS_BASE, expect_error, expect_usage, expect_valid, mint

# A compact JWE (RFC 7516 §7.1): five segments.
JWE = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn"


def _cert_pem(key) -> bytes:
    """A self-signed certificate for `key`, as PEM (what a server's cert.pem holds)."""
    cert = load_der_x509_certificate(key.cert_der())
    return cert.public_bytes(serialization.Encoding.PEM)


# --- invalid_audience ------------------------------------------------------------------------

def test_invalid_audience_names_the_tokens_aud_and_the_expected_values(verify, keys):
    token = mint("RS256", keys.rsa, dict(VALID_CLAIMS_BASE, aud=["api://billing", "web"]))
    js = expect_error(verify(token, key=keys.rsa, args=["--audience", "api://orders",
                                                        "--audience", "orders"]),
                      "invalid_audience")
    assert js["message"].endswith('aud ["api://billing", "web"], '
                                  'expected one of ["api://orders", "orders"]'), js


def test_invalid_audience_lists_are_bounded_and_escaped(verify, keys):
    auds = ["evil\r\nX-Injected: 1", "b" * 500] + [f"a{i}" for i in range(50)]
    token = mint("RS256", keys.rsa, dict(VALID_CLAIMS_BASE, aud=auds))
    js = expect_error(verify(token, key=keys.rsa, args=["--audience", "mine"]), "invalid_audience")
    message = js["message"]
    assert "evil\\u000d\\u000aX-Injected: 1" in message, message  # shown escaped, never raw
    assert not any(ord(c) < 0x20 for c in message), message
    assert "b" * 65 not in message and "and 48 more" in message, message
    assert len(message) < 600, message


# --- token shapes ----------------------------------------------------------------------------

def test_jwe_is_malformed_and_says_encrypted_tokens_are_not_supported(verify, keys):
    js = expect_error(verify(JWE, key=keys.rsa), "malformed")
    assert "encrypted token (JWE), which is not supported" in js["message"], js


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer "])
@pytest.mark.parametrize("via", ["argument", "stdin"])
def test_bearer_prefix_is_malformed_with_a_hint_not_stripped(verify, keys, prefix, via):
    token = prefix + mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    res = verify(token, key=keys.rsa) if via == "argument" else verify(key=keys.rsa, stdin=token + "\n")
    js = expect_error(res, "malformed")
    assert 'starts with "Bearer "' in js["message"] and "pass the token alone" in js["message"], js


def test_token_argument_that_is_a_file_path_gets_a_hint(verify, keys, tmp_path):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    path = tmp_path / "token.jwt"
    path.write_text(token)
    res = verify(str(path), key=keys.rsa)
    expect_usage(res)
    assert f'TOKEN "{path}" is a file path' in res.stderr, res.describe()
    assert "- to read it from stdin" in res.stderr, res.describe()
    assert token not in res.stderr  # the file's contents are never echoed
    # The hint's way works.
    expect_valid(verify("-", key=keys.rsa, stdin=path.read_text()))


# --- key files -------------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--jwks", "--key"])
@pytest.mark.parametrize("url", ["https://idp.example/.well-known/jwks.json", "http://idp.example/k"])
def test_a_url_for_keys_says_verify_does_not_fetch(run_verify, option, url):
    res = run_verify([option, url, "--now", str(NOW), "x.y.z"])
    expect_usage(res)
    assert "does not fetch URLs" in res.stderr and "tokenwarden serve" in res.stderr, res.describe()


def test_cannot_read_names_the_file_and_the_reason(verify, keys, tmp_path):
    token = mint("RS256", keys.rsa, VALID_CLAIMS_BASE)
    missing = tmp_path / "absent.pem"
    res = verify(token, key=missing)
    expect_usage(res)
    assert f'cannot read "{missing}": No such file or directory' in res.stderr, res.describe()
    res = verify(token, jwks=tmp_path)
    expect_usage(res)
    assert f'cannot read "{tmp_path}": is a directory' in res.stderr, res.describe()
    if os.geteuid() != 0:  # root reads whatever the mode says
        locked = tmp_path / "locked.pem"
        locked.write_bytes(keys.rsa.pem())
        locked.chmod(0)
        res = verify(token, key=locked)
        expect_usage(res)
        assert "Permission denied" in res.stderr, res.describe()


@pytest.mark.parametrize("name,alg", [("rsa", "RS256"), ("p256", "ES256"), ("p384", "ES384")])
def test_key_may_be_a_certificate(verify, keys, kfiles, name, alg):
    key = getattr(keys, name)
    cert = kfiles.write(_cert_pem(key), ".crt")
    expect_valid(verify(mint(alg, key, VALID_CLAIMS_BASE), key=cert))
    # Its key and no other: a token of another key of the same kind does not verify.
    other = keys.rsa_b if name == "rsa" else keys.p256_b
    if name != "p384":
        expect_error(verify(mint(alg, other, VALID_CLAIMS_BASE), key=cert), "invalid_signature")
