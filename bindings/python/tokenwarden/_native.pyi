"""Type stubs for tokenwarden._native (the C++ core; use the tokenwarden package)."""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

_Token = Union[str, bytes]
_Now = Optional[Union[int, float]]

def _set_error_factory(factory: Callable[..., BaseException]) -> None: ...

ALGORITHMS: Tuple[str, ...]
ERROR_CODES: Tuple[str, ...]

class DpopReplayCache:
    def __init__(self, capacity: float) -> None: ...
    def __len__(self) -> int: ...

def verify_dpop_proof(proof: str, method: str, url: str, access_token: Optional[str],
                      nonce: Optional[str], now: Optional[float],
                      algorithms: Optional[List[str]], max_age: float, max_future: float,
                      leeway: float,
                      replay_cache: Optional[DpopReplayCache]
                      ) -> Tuple[str, str, int, str, Optional[str]]:
    """(jkt, jti, iat, alg, nonce) of a verified proof, or raises a DpopProofError subclass."""
def jwk_thumbprint(jwk_json: str) -> str: ...
def access_token_hash(token: str) -> str: ...

class Validator:
    def __init__(self, keys: str, issuer: Optional[str], audiences: List[str],
                 algorithms: List[str], leeway: int, typ: Optional[str],
                 required_claims: List[str], scopes: List[str], require_exp: bool,
                 check_exp: bool, check_nbf: bool, check_iat: bool, cache_entries: int,
                 max_token_bytes: int, check_binding: bool, dpop_required: bool) -> None: ...
    def validate(self, token: _Token, now: _Now = None, *, dpop_jkt: Optional[str] = None,
                 certificate_thumbprint: Optional[str] = None) -> Dict[str, Any]:
        """Validate a compact JWS; return its claims or raise an InvalidTokenError subclass."""
    def validate_complete(self, token: _Token, now: _Now = None, *,
                          dpop_jkt: Optional[str] = None,
                          certificate_thumbprint: Optional[str] = None
                          ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """Like validate, returning (header, payload)."""
    def validate_many(self, tokens: Sequence[_Token],
                      now: _Now = None) -> List[Union[Dict[str, Any], BaseException]]:
        """Each token's claims or its InvalidTokenError (not raised), in order."""
    def _update_keys(self, keys: str) -> None: ...
    def revoke(self, token: _Token, now: _Now = None) -> bool:
        """Deny a token whose signature verifies, until its exp; False if it does not."""
