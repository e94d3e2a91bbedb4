"""User-space instructions per request of `tokenwarden serve`, counted by callgrind.

wrk's CPU-per-request figures move with whatever else the machine runs (two shared cores,
the kernel's TCP work is ~70% of a cached request). An instruction count does not: the
same binary, configuration and requests give the same count, so two builds compare
exactly, even on a busy machine. It leaves out the kernel and cache effects, so it
complements the wrk figures rather than replacing them.

The server runs under valgrind with instrumentation off; after a warm-up the requests are
sent one at a time over one keep-alive connection with instrumentation on, then callgrind
dumps its totals.
"""

from __future__ import annotations

import glob
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def validate_request(token: str) -> bytes:
    return (f"GET /validate HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
            .encode())


def introspect_request(token: str, auth: str) -> bytes:
    body = f"token={token}"
    return (f"POST /introspect HTTP/1.1\r\nHost: bench\r\nAuthorization: {auth}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
            f"\r\n{body}").encode()


def _exchange(sock: socket.socket, request: bytes, pending: bytearray) -> None:
    """Sends one request and reads its whole response (Content-Length framed)."""
    sock.sendall(request)
    while True:
        end = pending.find(b"\r\n\r\n")
        if end >= 0:
            head = pending[:end].decode("latin-1")
            length = re.search(r"(?im)^content-length: *(\d+)", head)
            need = end + 4 + (int(length.group(1)) if length else 0)
            if len(pending) >= need:
                if not head.startswith("HTTP/1.1 200"):
                    raise SystemExit(f"callgrind run: unexpected answer {head.splitlines()[0]}")
                del pending[:need]
                return
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("callgrind run: the server closed the connection")
        pending += chunk


def instructions_per_request(binary: str, config: dict, work: pathlib.Path, name: str,
                             warmup: list[bytes], measured: list[bytes]) -> float:
    """Starts `binary serve` under callgrind, sends `warmup` uncounted, then `measured`
    counted; returns the instructions (Ir) per measured request."""
    path = work / f"{name}-callgrind.json"
    path.write_text(json.dumps(config))
    out = work / f"{name}.callgrind"
    for old in glob.glob(f"{out}*"):
        os.remove(old)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                             f"--callgrind-out-file={out}", binary, "serve", "--config", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stderr.readline()
            if "listening on" in line:
                break
            if not line and proc.poll() is not None:
                raise SystemExit(f"{name}: tokenwarden did not start under valgrind")
        port = int(config["listen"][0].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            pending = bytearray()
            for request in warmup:
                _exchange(sock, request, pending)
            control = ["callgrind_control", "--instr=on", str(proc.pid)]
            subprocess.run(control, check=True, stdout=subprocess.DEVNULL)
            for request in measured:
                _exchange(sock, request, pending)
            subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True,
                           stdout=subprocess.DEVNULL)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return _summary(out, name) / len(measured)


def _summary(out: pathlib.Path, name: str) -> int:
    """The largest `summary:` total of callgrind's dumps `out*`."""
    total = 0
    for dump in glob.glob(f"{out}*"):
        for line in pathlib.Path(dump).read_text(errors="replace").splitlines():
            if line.startswith("summary:"):
                total = max(total, int(line.split()[1]))
    if total == 0:
        raise SystemExit(f"{name}: callgrind counted nothing")
    return total


def core_instructions_per_validation(tool: str, work: pathlib.Path, tool_args: list[str]) -> float:
    """Instructions per validation of tokenwarden_core_cold (bench/core_cold.cc) with
    `tool_args`: two runs under callgrind of different lengths, the difference of their totals
    over the difference of their validation counts, so the set-up (reading keys and tokens)
    cancels out."""
    points = []
    for seconds in ("0.2", "0.6"):
        out = work / f"core-cold-{seconds}.callgrind"
        for old in glob.glob(f"{out}*"):
            os.remove(old)
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", tool,
                              *tool_args, "--seconds", seconds, "--runs", "1"],
                             check=True, capture_output=True, text=True)
        points.append((json.loads(run.stdout)["validations"], _summary(out, "core_cold")))
    (n0, i0), (n1, i1) = points
    if n1 <= n0:
        raise SystemExit("core_cold: the longer run made no more validations")
    return (i1 - i0) / (n1 - n0)
