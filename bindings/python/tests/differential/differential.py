"""Decodes each generated case with PyJWT and with tokenwarden.jwt, same arguments, same
(frozen) time, and compares the outcomes: accepted with the same claims (types included), or
rejected with the same exception class.

    python differential.py [--seed N]     prints every disagreement and the allow-list's verdict
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import pathlib
import sys
import warnings
from typing import Any, Dict, Iterator, List, Optional, Tuple
from unittest import mock

import jwt as pyjwt

import tokenwarden.jwt as tjwt
from tokenwarden.jwt import _decode as tw_decode

HERE = pathlib.Path(__file__).resolve().parent
ALLOW = HERE / "allow.json"
SEED = 19
OK = "ok"


@contextlib.contextmanager
def frozen_clocks(now: float) -> Iterator[None]:
    """Both libraries read `now`: PyJWT through datetime.now in jwt.api_jwt, tokenwarden.jwt
    through time.time in its verifying path (which hands it to the core)."""

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> dt.datetime:  # type: ignore[override]
            return dt.datetime.fromtimestamp(now, tz)

    clock = type("FrozenTime", (), {"time": staticmethod(lambda: now)})
    with mock.patch.object(pyjwt.api_jwt, "datetime", Frozen), \
            mock.patch.object(tw_decode, "time", clock):
        yield


def _same(a: Any, b: Any) -> bool:
    """Equal with equal types all the way down (1 and 1.0 differ; so do a str and bytes)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


def decode(module: Any, case: Any) -> Tuple[str, Any]:
    """(OK, claims) or (OK, decode_complete's dict), or (exception class name, None)."""
    try:
        key = case.key_for(module)
        function = module.decode_complete if case.complete else module.decode
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyJWT's short-key and deprecation warnings
            return OK, function(case.token, key, **case.kwargs)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__, None


def run(cases: List[Any]) -> List[Tuple[Any, Tuple[str, Any], Tuple[str, Any]]]:
    results = []
    for case in cases:
        with frozen_clocks(case.now):
            theirs = decode(pyjwt, case)
            ours = decode(tjwt, case)
        results.append((case, theirs, ours))
    return results


def verdicts(results: List[Any]) -> Dict[Tuple[str, str, str], List[Any]]:
    """(category, PyJWT's outcome, tokenwarden's outcome) -> the cases, for every case the
    two libraries decided differently. Accepting both with different claims (or, from
    decode_complete, a different header or signature) is the pair (OK, "ok, other claims")."""
    out: Dict[Tuple[str, str, str], List[Any]] = collections.defaultdict(list)
    for case, (theirs, their_claims), (ours, our_claims) in results:
        if theirs == ours == OK:
            if _same(their_claims, our_claims):
                continue
            ours = "ok, other claims"
        elif theirs == ours:
            continue
        out[(case.category, theirs, ours)].append(case)
    return out


def load_allow(path: pathlib.Path = ALLOW) -> Dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _entry_for(allow: Dict[str, Any], category: str, pair: Tuple[str, str]) -> Optional[str]:
    for entry in allow["token"]:
        if category in entry["categories"] and list(pair) in entry["outcomes"]:
            return entry["id"]
    return None


def check(results: List[Any], allow: Dict[str, Any]) -> List[str]:
    """The problems: an accept where PyJWT rejects (never allowed), other claims than
    PyJWT's, a disagreement no allow-list entry names (an entry allows each of its outcome
    pairs in each of its categories), and a stale entry: one with a category or an outcome
    pair that no disagreement used."""
    problems = []
    used: Dict[str, set] = collections.defaultdict(set)
    for (category, theirs, ours), cases in sorted(verdicts(results).items()):
        example = cases[0]
        where = (f"{category}: PyJWT {theirs}, tokenwarden {ours} ({len(cases)} cases; "
                 f"e.g. token {str(example.token)[:60]!r}, kwargs {example.kwargs!r})")
        entry = _entry_for(allow, category, (theirs, ours))
        if ours == OK and theirs != OK:
            problems.append(f"ACCEPTS WHERE PYJWT REJECTS: {where}")
        elif ours.startswith(OK) and theirs == OK:
            problems.append(f"other claims than PyJWT's: {where}")
        elif entry is None:
            problems.append(f"not in allow.json: {where}")
        else:
            used[entry] |= {("category", category), ("outcome", theirs, ours)}
    for entry in allow["token"]:
        wanted = {("category", c) for c in entry["categories"]}
        wanted |= {("outcome", theirs, ours) for theirs, ours in entry["outcomes"]}
        for unused in sorted(wanted - used[entry["id"]]):
            problems.append(f"allow.json entry {entry['id']!r}: no disagreement has "
                            f"{' '.join(unused)}; remove it")
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    from generate import Generator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    results = run(list(Generator(args.seed).cases()))
    for (category, theirs, ours), cases in sorted(verdicts(results).items()):
        print(f"{len(cases):5d}  {category:36s} PyJWT {theirs:28s} tokenwarden {ours}")
    problems = check(results, load_allow())
    print(f"{len(results)} cases; {len(problems)} problems", *problems, sep="\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
