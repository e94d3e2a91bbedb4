#!/usr/bin/env python3
"""Run clang-tidy over sources, skipping those whose last clean pass still holds.

A source is skipped when a clean pass (no warning, no error) was recorded for exactly the
same inputs: the clang-tidy binary and its version, the .clang-tidy file, the extra
arguments, the compile command (without the precompiled header, which clang-tidy does not
use; with the checkout's path taken out, so clones share the record), and the content of the source and of every header its last compile read (ninja's
dependency log of the build the compile commands come from). Any change to one of them runs
clang-tidy on that source again. Sources with warnings are never recorded, so they are
reported on every run. A source whose dependencies ninja does not know (not built yet) always
runs.

Usage: clang-tidy-cached.py --tidy BIN --build DIR --cache DIR [--jobs N] [--log FILE]
                            [--extra-arg ARG ...] SOURCE...
Exit status 1 when clang-tidy failed or reported a warning or error for any source."""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time

KEEP_DAYS = 14  # records not used for this long are removed
# The build's precompiled header (cmake/PrecompiledHeaders.cmake): GCC's, which clang cannot
# read, and clang-tidy should see each source include what it uses.
PCH_FLAGS = re.compile(r" -Winvalid-pch| -include \S*cmake_pch\.hxx")


def without_pch(build: pathlib.Path) -> tuple[pathlib.Path, list[dict]]:
    """The build's compile commands minus the PCH flags, written beside it for clang-tidy -p."""
    entries = json.loads((build / "compile_commands.json").read_text())
    for entry in entries:
        if "command" in entry:
            entry["command"] = PCH_FLAGS.sub("", entry["command"])
        else:
            entry["arguments"] = shlex.split(PCH_FLAGS.sub("", shlex.join(entry["arguments"])))
    folder = build / "clang-tidy"
    folder.mkdir(exist_ok=True)
    (folder / "compile_commands.json").write_text(json.dumps(entries))
    return folder, entries


def ninja_deps(build: pathlib.Path) -> dict[str, list[str]]:
    """Object path (relative to the build directory) -> the files its last compile read."""
    out = subprocess.run(["ninja", "-C", str(build), "-t", "deps"], capture_output=True,
                         text=True, check=True).stdout
    deps: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines():
        if not line.strip():
            current = None
        elif not line.startswith(" "):
            obj, _, state = line.partition(": #deps")
            current = [] if state.rstrip().endswith("(VALID)") else None
            if current is not None:
                deps[obj] = current
        elif current is not None:
            current.append(line.strip())
    return deps


class Hasher:
    """Content digests, each file read once per run."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def file(self, path: pathlib.Path) -> str | None:
        key = str(path)
        if key not in self.known:
            try:
                self.known[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self.known[key] = ""
        return self.known[key] or None


def output_of(entry: dict) -> str | None:
    if "output" in entry:
        return entry["output"]
    args = entry.get("arguments") or shlex.split(entry["command"])
    return args[args.index("-o") + 1] if "-o" in args else None


def record_key(entry: dict, deps: list[str], build: pathlib.Path, root: str, salt: str,
               hasher: Hasher) -> str | None:
    digest = hashlib.sha256(salt.encode())
    command = entry.get("command") or shlex.join(entry["arguments"])
    digest.update(command.replace(root, "@ROOT@").encode())
    for dep in sorted(deps):
        path = (build / dep).resolve()
        content = hasher.file(path)
        if content is None:
            return None  # a header that is gone: the dependency log is stale
        digest.update(str(path).replace(root, "@ROOT@").encode() + b"\0" + content.encode())
    return digest.hexdigest()


def prune(cache: pathlib.Path) -> None:
    cutoff = time.time() - KEEP_DAYS * 86400
    for record in cache.iterdir():
        if record.stat().st_mtime < cutoff:
            record.unlink(missing_ok=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tidy", required=True)
    ap.add_argument("--build", required=True, type=pathlib.Path)
    ap.add_argument("--cache", required=True, type=pathlib.Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--log", type=pathlib.Path)
    ap.add_argument("--extra-arg", action="append", default=[])
    ap.add_argument("sources", nargs="+")
    args = ap.parse_args()

    root = os.getcwd()
    build = args.build.resolve()
    args.cache.mkdir(parents=True, exist_ok=True)
    prune(args.cache)
    version = subprocess.run([args.tidy, "--version"], capture_output=True, text=True).stdout
    salt = "\0".join([version, pathlib.Path(".clang-tidy").read_text(), *args.extra_arg])
    tidy_db, all_entries = without_pch(build)
    entries = {e["file"]: e for e in all_entries}
    deps = ninja_deps(build)
    hasher = Hasher()

    todo: list[tuple[str, str | None]] = []  # (source, record key or None)
    skipped = 0
    for source in args.sources:
        entry = entries.get(str(pathlib.Path(source).resolve()))
        obj = output_of(entry) if entry else None
        key = (record_key(entry, deps[obj], build, root, salt, hasher)
               if entry and obj in deps else None)
        if key is not None and (args.cache / key).exists():
            os.utime(args.cache / key)
            skipped += 1
        else:
            todo.append((source, key))

    command = [args.tidy, "-p", str(tidy_db), "--quiet",
               *(f"--extra-arg={a}" for a in args.extra_arg)]

    def run(item: tuple[str, str | None]) -> tuple[str, str | None, int, str]:
        proc = subprocess.run([*command, item[0]], capture_output=True, text=True)
        return item[0], item[1], proc.returncode, proc.stdout + proc.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool, \
            (open(args.log, "w") if args.log else open(os.devnull, "w")) as log:
        for source, key, rc, output in pool.map(run, todo):
            log.write(output)
            clean = rc == 0 and ": warning: " not in output and ": error: " not in output
            if clean and key is not None:
                (args.cache / key).touch()
            failed += not clean
    print(f"clang-tidy: {len(todo)} sources checked, {skipped} unchanged since a clean pass, "
          f"{failed} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
