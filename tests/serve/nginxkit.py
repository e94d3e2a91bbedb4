"""Running a real nginx in front of tokenwarden for the forward-auth tests."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from servekit import SLOW


# A whole nginx configuration for a test: foreground, one worker, every path inside `dir`.
_MAIN = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 128; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
{http}
}}
"""


def write_conf(directory: Path, http: str) -> Path:
    """Writes directory/nginx.conf with `http` inside its http block; returns its path."""
    conf = directory / "nginx.conf"
    conf.write_text(_MAIN.format(dir=directory, http=http))
    return conf


def find_nginx() -> str:
    for candidate in ("/usr/sbin/nginx", shutil.which("nginx")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("nginx is not installed (/usr/sbin/nginx): run scripts/bootstrap, which installs "
                "nginx-light (it has the auth_request module)", pytrace=False)


def run_nginx(directory: Path, conf: Path, port: int):
    """Starts nginx with `conf` (prefix and error log in `directory`); returns (process, base
    URL) once it accepts connections on `port`, or fails the test with its error log."""
    proc = subprocess.Popen([find_nginx(), "-p", str(directory), "-e", str(directory / "error.log"),
                             "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10 * SLOW
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                out = proc.stdout.read().decode(errors="replace")
                log = (directory / "error.log").read_text() if (directory / "error.log").exists() else ""
                pytest.fail(f"nginx did not start (exit {proc.returncode}):\n{out}\n{log}", pytrace=False)
            time.sleep(0.05)


def stop_nginx(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def app_server(handler: type[http.server.BaseHTTPRequestHandler]):
    """The app behind nginx: `handler` on a loopback port (yielded), in a thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
