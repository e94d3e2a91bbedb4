"""The PyJWT differential in CI: a few thousand generated tokens (generate.py, seeded) decoded
by PyJWT and by tokenwarden.jwt with the same arguments and the same frozen time."""

from __future__ import annotations

import json

import pytest

import differential
import readme
from generate import ALGORITHMS, Case, Generator


@pytest.fixture(scope="module")
def results():
    return differential.run(list(Generator(differential.SEED).cases()))


def test_never_accepts_what_pyjwt_rejects_and_every_other_difference_is_listed(results):
    assert len(results) > 2000
    problems = differential.check(results, differential.load_allow())
    assert not problems, "\n".join(problems)


def test_most_tokens_are_decided_alike(results):
    # The generator must keep producing tokens both accept (not only mutants), in every
    # algorithm: a generator bug that broke every token would otherwise pass unnoticed.
    accepted = {case.kwargs["algorithms"][0] for case, theirs, ours in results
                if case.category == "valid" and theirs[0] == ours[0] == differential.OK}
    assert accepted == set(ALGORITHMS)


def _repeatable(token):
    """The token without its signature (ECDSA and RSA-PSS signatures carry randomness)."""
    if isinstance(token, str) and "." in token:
        return token.rsplit(".", 1)[0]
    return token


def test_one_seed_gives_one_case_list():
    def listing(seed):
        return repr([(c.category, c.kwargs, c.now, c.complete, _repeatable(c.token))
                     for c in Generator(seed).cases()])

    first = listing(differential.SEED)
    assert first == listing(differential.SEED)
    assert first != listing(differential.SEED + 1)


def test_an_accept_where_pyjwt_rejects_can_never_be_allowed():
    case = Case("valid", "t", b"k", {"algorithms": ["HS256"]})
    results = [(case, ("ExpiredSignatureError", None), (differential.OK, {}))]
    allow = {"token": [{"id": "x", "categories": ["valid"],
                        "outcomes": [["ExpiredSignatureError", "ok"]]}], "api": []}
    assert any(p.startswith("ACCEPTS WHERE PYJWT REJECTS") for p in
               differential.check(results, allow))
    unlisted = [(case, (differential.OK, {}), ("DecodeError", None))]
    assert any(p.startswith("not in allow.json") for p in differential.check(unlisted, allow))


def test_the_readme_lists_exactly_the_allowed_differences():
    text = readme.README.read_text(encoding="utf-8")
    wanted = readme.render(json.loads(readme.ALLOW.read_text(encoding="utf-8")))
    assert readme.current(text) == wanted, (
        "bindings/python/README.md's differences are not allow.json's: run "
        "python bindings/python/tests/differential/readme.py")
