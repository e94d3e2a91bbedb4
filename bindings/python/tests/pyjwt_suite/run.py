"""Runs PyJWT's own test suite against tokenwarden.jwt and holds it to expected_failures.txt.

    python run.py [--lengthened-secrets] [SUITE_ROOT] [pytest arguments...]

SUITE_ROOT holds the ``tests/`` of a PyJWT sdist; by default the one scripts/bootstrap
unpacked, $TW_CACHE/pyjwt-suite/VERSION, VERSION being the PyJWT pin of
tests/requirements.txt. ``import jwt`` resolves to tokenwarden.jwt
(shim.py). Each test named in expected_failures.txt becomes a strict xfail with its reason:
the run fails when a test not listed fails, when a listed test passes, and when a listed test
no longer exists. Exit status 0 means the suite behaved exactly as expected.

--lengthened-secrets runs a copy of the suite whose two short HMAC secrets ("secret", 6
bytes, and "your-256-bit-secret", 19) are replaced by 64-byte ones: tokenwarden refuses the
short ones (RFC 7518 §3.2), which would otherwise hide what those tests check about decoding
behind one InvalidKeyError. A ``[kind/original]`` or ``[kind/lengthened]`` group applies to
that run only; a ``[kind]`` group to both."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
REQUIREMENTS = HERE.parents[3] / "tests" / "requirements.txt"
EXPECTATIONS = HERE / "expected_failures.txt"
KINDS = ("deliberate", "internals", "encode")
# The suite's tests of jwt.algorithms and jwt.utils test PyJWT's own modules, which the shim
# lends to the suite's helpers: run, they would measure PyJWT, not tokenwarden.
NOT_RUN = ("test_algorithms.py", "test_utils.py")
MODES = ("original", "lengthened")
# The suite's short HMAC secrets, as string literals, and the 64-byte ones that replace them.
SHORT_SECRETS = {'"secret"': '"' + "secret-long-enough-for-hs512-" * 2 + 'abcdef"',
                 '"your-256-bit-secret"': '"' + "your-256-bit-secret-long-enough-" * 2 + '"'}


def read_expectations(mode: str = "original",
                      path: pathlib.Path = EXPECTATIONS) -> Dict[str, Tuple[str, str]]:
    """test id -> (kind, reason) for the run `mode`. A line ``[kind] reason`` or
    ``[kind/mode] reason`` starts a group; test ids follow."""
    expected: Dict[str, Tuple[str, str]] = {}
    group: Optional[Tuple[str, str]] = None
    in_group = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[(\w+)(?:/(\w+))?\]\s+(.+)", line)
        if header:
            kind, only, reason = header.groups()
            if kind not in KINDS or (only is not None and only not in MODES):
                raise SystemExit(f"{path}:{number}: [kind] or [kind/mode]: kind one of "
                                 f"{KINDS}, mode one of {MODES}")
            group = (kind, reason) if only in (None, mode) else None
            in_group = True
        elif not in_group:
            raise SystemExit(f"{path}:{number}: a test id before any [kind] reason line")
        elif group is None:
            continue  # a group of the other run
        elif line in expected:
            raise SystemExit(f"{path}:{number}: {line} is listed twice for the {mode} run")
        else:
            expected[line] = group
    return expected


def lengthened_copy(root: pathlib.Path) -> pathlib.Path:
    """A temporary copy of the suite with SHORT_SECRETS replaced (the caller removes it)."""
    copy = pathlib.Path(tempfile.mkdtemp(prefix="pyjwt-suite-lengthened-"))
    shutil.copytree(root / "tests", copy / "tests")
    for test in (copy / "tests").glob("test_*.py"):
        text = test.read_text(encoding="utf-8")
        for short, long in SHORT_SECRETS.items():
            text = text.replace(short, long)
        test.write_text(text, encoding="utf-8")
    return copy


class Expectations:
    """The pytest plugin: listed tests become strict xfails; stale entries fail the run."""

    def __init__(self, expected: Dict[str, Tuple[str, str]]) -> None:
        self.expected = expected
        self.stale: List[str] = []

    def pytest_collection_modifyitems(self, session, config, items) -> None:  # noqa: ANN001
        import pytest

        seen = set()
        for item in items:
            listed = self.expected.get(item.nodeid)
            if listed is not None:
                seen.add(item.nodeid)
                item.add_marker(pytest.mark.xfail(reason=f"{listed[0]}: {listed[1]}",
                                                  strict=True))
        self.stale = sorted(set(self.expected) - seen)

    def pytest_terminal_summary(self, terminalreporter) -> None:  # noqa: ANN001
        for nodeid in self.stale:
            terminalreporter.write_line(
                f"expected_failures.txt names a test the suite does not have: {nodeid}")

    def pytest_sessionfinish(self, session, exitstatus) -> None:  # noqa: ANN001
        if self.stale:
            session.exitstatus = 1


def pinned_version() -> str:
    """The PyJWT version tests/requirements.txt pins (the one pin of the repository)."""
    found = re.search(r"^PyJWT==([0-9][0-9.]*)$", REQUIREMENTS.read_text(), re.MULTILINE)
    if not found:
        raise SystemExit(f"no PyJWT==VERSION line in {REQUIREMENTS}")
    return found.group(1)


def main(argv: List[str]) -> int:
    mode = "lengthened" if "--lengthened-secrets" in argv else "original"
    argv = [a for a in argv if a != "--lengthened-secrets"]
    if argv and not argv[0].startswith("-"):
        root, argv = pathlib.Path(argv[0]).resolve(), argv[1:]
    else:
        cache = pathlib.Path(os.environ.get("TW_CACHE", "/var/cache/tokenwarden"))
        root = cache / "pyjwt-suite" / pinned_version()
    if not (root / "tests").is_dir():
        print(f"run.py: no PyJWT test suite in {root} (scripts/bootstrap fetches it)\n\n"
              + __doc__.strip(), file=sys.stderr)
        return 2
    if mode == "lengthened":
        root = lengthened_copy(root)
    try:
        return run(root, argv, read_expectations(mode))
    finally:
        if mode == "lengthened":
            shutil.rmtree(root, ignore_errors=True)


def run(root: pathlib.Path, argv: List[str], expected: Dict[str, Tuple[str, str]]) -> int:
    sys.path.insert(0, str(HERE))
    import shim

    shim.install()
    import pytest

    files = sorted(str(p.relative_to(root)) for p in (root / "tests").glob("test_*.py")
                   if p.name not in NOT_RUN)
    os.chdir(root)
    # PyJWT's own pytest settings (its pyproject.toml): warnings are errors, except the
    # short-key warning its encode raises on the suite's short test secrets.
    args = ["-p", "no:cacheprovider", "--rootdir", str(root), "-c", os.devnull,
            "-W", "error", "-W", f"ignore::{shim.PYJWT_WARNINGS}.InsecureKeyLengthWarning",
            *files, *argv]
    return int(pytest.main(args, plugins=[Expectations(expected)]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
