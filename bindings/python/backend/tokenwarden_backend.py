"""The PEP 517 build backend of the tokenwarden package: scikit-build-core's, with an sdist
that builds outside a checkout.

scikit-build-core packs only files below bindings/python, but the extension compiles the
core from the repository root. Built from a checkout, the sdist therefore also carries a copy
of the root's parts that ../package-sources.txt names, in vendor/ (CMakeLists.txt uses it when
there is no checkout around it). Everything else is scikit-build-core's own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scikit_build_core import build as _scikit
from scikit_build_core.build import *  # noqa: F401,F403  (every other hook, unchanged)

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent.parent
_VENDOR = _PACKAGE / "vendor"


def _checkout_paths() -> list[str]:
    lines = (_CHECKOUT / "bindings" / "package-sources.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def build_sdist(sdist_directory, config_settings=None):
    # An sdist unpacked and packed again already has its vendor/; so does a folder where a
    # copy was left behind, which is refused rather than packed stale.
    if not (_CHECKOUT / "core" / "validator.h").is_file():
        return _scikit.build_sdist(sdist_directory, config_settings)
    if _VENDOR.exists():
        raise RuntimeError(f"{_VENDOR} exists: remove it (a copy left by an interrupted sdist)")
    try:
        for path in _checkout_paths():
            source, target = _CHECKOUT / path, _VENDOR / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)
        return _scikit.build_sdist(sdist_directory, config_settings)
    finally:
        shutil.rmtree(_VENDOR, ignore_errors=True)
