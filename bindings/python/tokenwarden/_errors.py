"""tokenwarden's exceptions: one class per stable error code of the core."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

__all__ = [
    "TokenwardenError", "InvalidTokenError", "MalformedTokenError", "TokenTooLargeError",
    "UnsupportedAlgorithmError", "AlgorithmNotAllowedError", "UnsupportedCriticalHeaderError",
    "KeyNotFoundError", "InvalidSignatureError", "ExpiredTokenError", "NotYetValidError",
    "InvalidIssuerError", "InvalidAudienceError", "InvalidTypeError", "InvalidNonceError",
    "InvalidAtHashError", "MissingClaimError", "InsufficientScopeError", "TooOldError",
    "RevokedTokenError", "DpopProofError", "InvalidDpopProofError", "DpopProofReplayedError",
    "UseDpopNonceError", "TokenBindingError", "DpopKeyMismatchError",
    "ProofOfPossessionRequiredError", "CertificateMismatchError", "DpopReplayCacheFullError",
    "ERROR_CLASSES",
]


class TokenwardenError(Exception):
    """Base class of everything tokenwarden raises on purpose."""


class InvalidTokenError(TokenwardenError):
    """A token was rejected. ``code`` is the stable error code (``"expired"``,
    ``"invalid_signature"``, ...), the same the server and the CLI report; ``detail`` names
    the failed rule when the core knows it; ``claim`` names the missing claim of a
    ``missing_claim`` failure; ``payload`` holds the claims when the signature verified and a
    claim check failed (None otherwise: unverified claims are never handed out)."""

    code: str = "invalid_token"

    def __init__(self, message: str, code: Optional[str] = None, detail: str = "",
                 claim: Optional[str] = None,
                 payload: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.detail = detail
        self.claim = claim
        self.payload = payload

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({self.detail})" if self.detail else text


class MalformedTokenError(InvalidTokenError):
    """Not a well-formed compact JWS (base64url, JSON, structure)."""

    code = "malformed"


class TokenTooLargeError(InvalidTokenError):
    """Larger than max_token_bytes."""

    code = "token_too_large"


class UnsupportedAlgorithmError(InvalidTokenError):
    """An alg tokenwarden does not implement (or none)."""

    code = "unsupported_algorithm"


class AlgorithmNotAllowedError(InvalidTokenError):
    """An alg outside the allow-list."""

    code = "algorithm_not_allowed"


class UnsupportedCriticalHeaderError(InvalidTokenError):
    """A crit header parameter tokenwarden does not understand."""

    code = "unsupported_critical_header"


class KeyNotFoundError(InvalidTokenError):
    """No key of the set fits the token's kid and alg."""

    code = "key_not_found"


class InvalidSignatureError(InvalidTokenError):
    """The signature does not verify."""

    code = "invalid_signature"


class ExpiredTokenError(InvalidTokenError):
    """exp has passed (plus leeway)."""

    code = "expired"


class NotYetValidError(InvalidTokenError):
    """nbf is in the future, or iat is (beyond leeway)."""

    code = "not_yet_valid"


class InvalidIssuerError(InvalidTokenError):
    """iss is absent or not the expected issuer."""

    code = "invalid_issuer"


class InvalidAudienceError(InvalidTokenError):
    """aud is absent or holds none of the expected audiences."""

    code = "invalid_audience"


class InvalidTypeError(InvalidTokenError):
    """The typ header is not the required type."""

    code = "invalid_type"


class InvalidNonceError(InvalidTokenError):
    """nonce does not match."""

    code = "invalid_nonce"


class InvalidAtHashError(InvalidTokenError):
    """at_hash does not match the access token."""

    code = "invalid_at_hash"


class MissingClaimError(InvalidTokenError):
    """A required claim is absent; see .claim."""

    code = "missing_claim"


class InsufficientScopeError(InvalidTokenError):
    """A required scope is not granted."""

    code = "insufficient_scope"


class TooOldError(InvalidTokenError):
    """auth_time is older than the max age."""

    code = "too_old"


class RevokedTokenError(InvalidTokenError):
    """The token was revoked."""

    code = "revoked"


class DpopProofError(InvalidTokenError):
    """A DPoP proof (RFC 9449) was refused: the base of the three proof failures, so that a
    service answers them all with a ``WWW-Authenticate: DPoP`` challenge. ``detail`` names the
    failed check."""

    code = "invalid_dpop_proof"


class InvalidDpopProofError(DpopProofError):
    """The proof fails a check of RFC 9449 section 4.3 (typ, alg, jwk, signature, htm, htu,
    iat, ath)."""

    code = "invalid_dpop_proof"


class DpopProofReplayedError(DpopProofError):
    """The proof's jti was used before (the replay cache remembered it)."""

    code = "dpop_proof_replayed"


class UseDpopNonceError(DpopProofError):
    """The proof lacks the server's current nonce (RFC 9449 section 9): answer with a
    ``DPoP-Nonce`` header so that the client retries with it."""

    code = "use_dpop_nonce"


class TokenBindingError(InvalidTokenError):
    """A sender-constrained token (``cnf``) was presented without its key or certificate."""


class DpopKeyMismatchError(TokenBindingError):
    """The proof's key is not the key the token is bound to (``cnf.jkt``)."""

    code = "dpop_key_mismatch"


class ProofOfPossessionRequiredError(TokenBindingError):
    """The token is bound to a key or certificate and came without its proof."""

    code = "proof_of_possession_required"


class CertificateMismatchError(TokenBindingError):
    """The client certificate is not the one the token is bound to (``cnf["x5t#S256"]``)."""

    code = "certificate_mismatch"


class DpopReplayCacheFullError(TokenwardenError, OverflowError):
    """A DPoP proof passed every check but the replay cache was full of proofs still inside
    their window, so it could not be remembered and was refused. Not the client's fault:
    answer 503 (a larger cache, or a shorter max_age, makes room)."""


ERROR_CLASSES: Dict[str, Type[InvalidTokenError]] = {
    cls.code: cls for cls in (
        MalformedTokenError, TokenTooLargeError, UnsupportedAlgorithmError,
        AlgorithmNotAllowedError, UnsupportedCriticalHeaderError, KeyNotFoundError,
        InvalidSignatureError, ExpiredTokenError, NotYetValidError, InvalidIssuerError,
        InvalidAudienceError, InvalidTypeError, InvalidNonceError, InvalidAtHashError,
        MissingClaimError, InsufficientScopeError, TooOldError, RevokedTokenError,
        InvalidDpopProofError, DpopProofReplayedError, UseDpopNonceError, DpopKeyMismatchError,
        ProofOfPossessionRequiredError, CertificateMismatchError)
}


def _make_error(code: str, message: str, detail: str, claim: str,
                payload: Optional[Dict[str, Any]]) -> InvalidTokenError:
    """The factory the native module calls for every rejection."""
    cls = ERROR_CLASSES.get(code, InvalidTokenError)
    return cls(message, code, detail, claim or None, payload)
