"""Generic runner for every tests/testdata/**/cases.json manifest.

Manifest format:
    {"origin": "...", "cases": [{"name": str,
                                 "token": str  | "token_file": path,
                                 "jwks": path  | "key": path,
                                 "args": [extra CLI args],
                                 "expect": "valid" | "<error code>" | "exit2"}]}
Paths are relative to the manifest's directory.  The runner executes
`tokenwarden verify --jwks/--key PATH ARGS... TOKEN` and asserts the exit code
and the JSON result.  No manifests -> nothing is collected from this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from twkit import expect

# TOKENWARDEN_TESTDATA overrides the root (used to exercise this runner on scratch manifests).
TESTDATA = Path(os.environ.get("TOKENWARDEN_TESTDATA") or Path(__file__).resolve().parent.parent / "testdata")
MANIFESTS = sorted(TESTDATA.glob("**/cases.json")) if TESTDATA.is_dir() else []
ARGV_TOKEN_LIMIT = 100_000  # larger tokens (or ones with NUL bytes) go through stdin


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(TESTDATA))
    except ValueError:  # pragma: no cover
        return str(p)


def _load(manifest: Path):
    """Returns (cases, problem). A manifest that cannot be read yields a problem, not an exception."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        cases = data["cases"]
        if not isinstance(cases, list):
            raise TypeError("'cases' is not a list")
        return cases, None
    except Exception as exc:  # noqa: BLE001 -- reported by test_manifest_is_well_formed
        return [], f"{type(exc).__name__}: {exc}"


PARAMS = []
MANIFEST_PARAMS = []
for _m in MANIFESTS:
    _cases, _problem = _load(_m)
    MANIFEST_PARAMS.append(pytest.param(_m, _problem, id=_rel(_m)))
    for _i, _case in enumerate(_cases):
        _name = _case.get("name", f"case{_i}") if isinstance(_case, dict) else f"case{_i}"
        PARAMS.append(pytest.param(_m, _case, id=f"{_rel(_m)}::{_name}"))

REQUIRED = {"name", "expect"}


def _problems(case) -> list[str]:
    if not isinstance(case, dict):
        return ["case is not an object"]
    out = [f"missing {k!r}" for k in sorted(REQUIRED - set(case))]
    if ("token" in case) == ("token_file" in case):
        out.append("exactly one of 'token' / 'token_file' is required")
    if "jwks" in case and "key" in case:
        out.append("both 'jwks' and 'key' given")
    if not isinstance(case.get("args", []), list):
        out.append("'args' is not a list")
    return out


if MANIFEST_PARAMS:
    @pytest.mark.parametrize("manifest, problem", MANIFEST_PARAMS)
    def test_manifest_is_well_formed(manifest, problem):
        assert problem is None, f"{manifest}: {problem}"
        cases, _ = _load(manifest)
        names = [c.get("name") for c in cases if isinstance(c, dict)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        assert not dupes, f"{manifest}: duplicate case names {dupes}"
        bad = {c.get("name", i) if isinstance(c, dict) else i: _problems(c)
               for i, c in enumerate(cases) if _problems(c)}
        assert not bad, f"{manifest}: malformed cases {bad}"


if PARAMS:
    @pytest.mark.parametrize("manifest, case", PARAMS)
    def test_fixture_case(run_verify, manifest, case):
        problems = _problems(case)
        assert not problems, f"{manifest}: {problems}"
        base = manifest.parent
        args: list = []
        if "jwks" in case:
            args += ["--jwks", str(base / case["jwks"])]
        if "key" in case:
            args += ["--key", str(base / case["key"])]
        args += [str(a) for a in case.get("args", [])]

        if "token" in case:
            token = case["token"].encode("utf-8")
        else:
            token = (base / case["token_file"]).read_bytes()
            if token.endswith(b"\r\n"):
                token = token[:-2]
            elif token.endswith(b"\n"):
                token = token[:-1]

        if len(token) > ARGV_TOKEN_LIMIT or b"\0" in token:
            res = run_verify(args + ["-"], stdin=token)
        else:
            res = run_verify(args, token=token)
        origin = json.loads(manifest.read_text(encoding="utf-8")).get("origin", "?")
        try:
            expect(res, case["expect"], case.get("claims"))
        except AssertionError as exc:
            raise AssertionError(f"[{_rel(manifest)} :: {case['name']} | origin: {origin}] {exc}") from None
