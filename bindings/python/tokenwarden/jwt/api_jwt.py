"""PyJWT's ``PyJWT`` class and the module-level decode functions bound to one instance, as
in PyJWT (``jwt.api_jwt``): options given to the constructor are the defaults of every
decode, and ``encode`` is PyJWT's own when PyJWT is installed."""

from __future__ import annotations

import copy
import datetime as _dt
import warnings
from typing import Any, Container, Dict, Iterable, Mapping, Optional, Sequence, Union

from . import _decode
from .warnings import RemovedInPyjwt3Warning


def _pyjwt_encode(payload: Any, key: Any, *args: Any, **kwargs: Any) -> str:
    try:
        import jwt as pyjwt
    except ImportError:
        raise NotImplementedError(
            "tokenwarden verifies tokens; install PyJWT to mint them") from None
    from .api_jwk import PyJWK

    if isinstance(key, PyJWK) and hasattr(pyjwt, "PyJWK") and pyjwt.PyJWK is not PyJWK:
        # PyJWT signs with its own PyJWK (and takes the algorithm from it).
        key = pyjwt.PyJWK(key._jwk_data, key.algorithm_name)
    return pyjwt.encode(payload, key, *args, **kwargs)


def _warn_unsupported(kwargs: Dict[str, Any], function: str) -> None:
    if kwargs:
        warnings.warn(
            f"passing additional kwargs to {function}() is deprecated and will be removed in "
            f"pyjwt version 3. Unsupported kwargs: {tuple(kwargs.keys())}",
            RemovedInPyjwt3Warning, stacklevel=3)


class PyJWT:
    """PyJWT's class API over tokenwarden's core. ``options`` (PyJWT's names) become the
    defaults of each decode; a decode's own ``options`` are merged over them as PyJWT
    merges them. Thread-safe, as the module-level functions."""

    def __init__(self, options: Optional[Mapping[str, Any]] = None) -> None:
        # A copy of its own, members too (as PyJWT makes its defaults afresh): the "require"
        # list changed in place on one instance must not change every other one.
        self.options: Dict[str, Any] = copy.deepcopy(_decode.DEFAULT_OPTIONS)
        if options is not None:
            self.options = _decode.merge_options(self.options, options)

    def encode(self, payload: Dict[str, Any], key: Any, *args: Any, **kwargs: Any) -> str:
        """PyJWT's encode, when PyJWT is installed: tokenwarden only verifies."""
        return _pyjwt_encode(payload, key, *args, **kwargs)

    def decode_complete(self, jwt: Union[str, bytes], key: Any = "",
                        algorithms: Optional[Sequence[str]] = None,
                        options: Optional[Mapping[str, Any]] = None,
                        verify: Optional[bool] = None,
                        detached_payload: Optional[bytes] = None,
                        audience: Union[None, str, Iterable[str]] = None,
                        issuer: Union[None, str, Container[str]] = None,
                        subject: Optional[str] = None,
                        leeway: Union[int, float, _dt.timedelta] = 0,
                        **kwargs: Any) -> Dict[str, Any]:
        """Like decode, returning {"header", "payload", "signature"}."""
        if options is None and verify is None and detached_payload is None and not kwargs:
            return _decode.planned(jwt, key, algorithms, self.options, audience, issuer,
                                   subject, leeway).run(jwt, True)
        _warn_unsupported(kwargs, "decode_complete")
        return self._decode(jwt, key, algorithms, options, verify, detached_payload, audience,
                            issuer, subject, leeway, complete=True)

    def decode(self, jwt: Union[str, bytes], key: Any = "",
               algorithms: Optional[Sequence[str]] = None,
               options: Optional[Mapping[str, Any]] = None, verify: Optional[bool] = None,
               detached_payload: Optional[bytes] = None,
               audience: Union[None, str, Iterable[str]] = None,
               subject: Optional[str] = None,
               issuer: Union[None, str, Container[str]] = None,
               leeway: Union[int, float, _dt.timedelta] = 0, **kwargs: Any) -> Dict[str, Any]:
        """Verify `jwt` with `key` and return its claims, as ``jwt.decode`` of PyJWT does.

        The signature, alg allow-list and claim checks are tokenwarden's core (strict RFC
        7519 / RFC 8725 rules; see the README for where that differs from PyJWT)."""
        if options is None and verify is None and detached_payload is None and not kwargs:
            # The common call, straight to the plan kept for these arguments (what _decode
            # would do: the instance options, the signature verified).
            return _decode.planned(jwt, key, algorithms, self.options, audience, issuer,
                                   subject, leeway).claims(jwt, False)[1]
        _warn_unsupported(kwargs, "decode")
        return self._decode(jwt, key, algorithms, options, verify, detached_payload, audience,
                            issuer, subject, leeway, complete=False)["payload"]

    def _decode(self, jwt: Union[str, bytes], key: Any, algorithms: Optional[Sequence[str]],
                options: Optional[Mapping[str, Any]], verify: Optional[bool],
                detached_payload: Optional[bytes], audience: Any, issuer: Any,
                subject: Optional[str], leeway: Any, complete: bool) -> Dict[str, Any]:
        # As PyJWT: the signature check follows the call's options only, not the instance's.
        verify_signature = True if options is None else options.get("verify_signature", True)
        if verify is not None and verify != verify_signature:
            warnings.warn(
                "The `verify` argument to `decode` does nothing in PyJWT 2.0 and newer. The "
                "equivalent is setting `verify_signature` to False in the `options` "
                "dictionary. This invocation has a mismatch between the kwarg and the option "
                "entry.", category=DeprecationWarning, stacklevel=4)
        merged = _decode.merge_options(self.options, options)
        return _decode.verify(jwt, key, algorithms, merged, verify_signature, detached_payload,
                              audience, issuer, subject, leeway, complete)


_jwt_global_obj = PyJWT()
encode = _jwt_global_obj.encode
decode_complete = _jwt_global_obj.decode_complete
decode = _jwt_global_obj.decode
