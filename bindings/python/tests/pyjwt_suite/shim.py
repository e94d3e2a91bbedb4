"""Makes ``import jwt`` (and the submodules PyJWT's test suite imports) resolve to
tokenwarden.jwt, so the suite measures the drop-in rather than PyJWT.

What maps where, and why:

- ``jwt``, ``jwt.api_jwt``, ``jwt.api_jwk``, ``jwt.exceptions``, ``jwt.jwks_client``,
  ``jwt.jwk_set_cache``, ``jwt.warnings``: tokenwarden.jwt's own modules and classes (the
  modules themselves, so the suite's ``mock.patch("jwt.jwks_client.time...")`` patches ours).
- ``jwt.encode`` is PyJWT's, as ``tokenwarden.jwt.encode`` is when PyJWT is installed:
  tokenwarden verifies, it does not mint.
- ``jwt.algorithms``, ``jwt.utils``, ``jwt.types``: PyJWT's own. The suite's helpers use them
  to build keys and segments (``RSAAlgorithm.from_jwk``, ``base64url_decode``); tokenwarden
  has no per-algorithm Python objects. The suite's own tests of these modules
  (test_algorithms.py, test_utils.py) are not run: they would test PyJWT.
- Anything else the suite names (``PyJWS``, ``register_algorithm``, ...) is a stand-in that
  fails the test using it with "tokenwarden.jwt does not provide ...", so each such test is
  one line of expected_failures.txt rather than a module that cannot be imported."""

from __future__ import annotations

import sys
import types
from typing import Any, Dict

# PyJWT's submodules the shim lends to the suite; imported under their real names first.
_BORROWED = ("jwt.algorithms", "jwt.utils", "jwt.types")
PYJWT_WARNINGS = "pyjwt_own_warnings"


class NotProvidedError(AttributeError):
    """A PyJWT name tokenwarden.jwt does not provide was used."""


class _NotProvided:
    """Stands in for a PyJWT name tokenwarden.jwt lacks: importing it works, using it fails."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise NotProvidedError(f"tokenwarden.jwt does not provide {self._name}")

    __call__ = _fail

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._fail()

    def __mro_entries__(self, bases: Any) -> Any:
        self._fail()


class _ShimModule(types.ModuleType):
    """A module whose missing attributes are _NotProvided stand-ins."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _NotProvided(f"{self.__name__}.{name}")


def _module(name: str, namespace: Dict[str, Any]) -> _ShimModule:
    module = _ShimModule(name)
    module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    return module


def install() -> Dict[str, types.ModuleType]:
    """Puts the shim in sys.modules; returns PyJWT's own modules, now under no name."""
    import importlib

    for name in ("jwt",) + _BORROWED:
        importlib.import_module(name)
    real = {n: sys.modules.pop(n) for n in list(sys.modules)
            if n == "jwt" or n.startswith("jwt.")}

    import tokenwarden.jwt as tw
    from tokenwarden.jwt import (api_jwk, api_jwt, exceptions, jwks_client, warnings)

    top = _module("jwt", vars(tw))
    top.encode = real["jwt"].encode
    top.__version__ = real["jwt"].__version__
    modules: Dict[str, types.ModuleType] = {
        "jwt": top,
        "jwt.api_jwt": api_jwt,
        "jwt.api_jwk": api_jwk,
        "jwt.exceptions": exceptions,
        "jwt.jwks_client": jwks_client,
        "jwt.warnings": warnings,
        "jwt.jwk_set_cache": _module("jwt.jwk_set_cache",
                                     {"JWKSetCache": jwks_client.JWKSetCache}),
        "jwt.api_jws": _module("jwt.api_jws", {}),
    }
    for name in _BORROWED:
        modules[name] = real[name]
    # PyJWT's own warnings module under a name of its own: encode (PyJWT's) warns with its
    # classes, and the runner's warning filters name them.
    modules[PYJWT_WARNINGS] = real["jwt.warnings"]
    for name, module in modules.items():
        sys.modules[name] = module
        if name.startswith("jwt."):
            setattr(top, name.split(".", 1)[1], module)
    return real
