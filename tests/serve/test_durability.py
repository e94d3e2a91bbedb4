"""kill -9 in the middle of a stream of revocations: every revocation the server answered
200 is in force after a restart. ($TW_HOSTILE_SCALE multiplies the stream; scripts/hostile
runs it larger.)"""

from __future__ import annotations

import os
import signal
import threading
import time

from servekit import SLOW, expect_inactive, introspect, revoke
from test_hostile import SCALE, report


def test_acknowledged_revocations_survive_kill_9(serve, world):
    cfg = world.config()
    server = serve(cfg)
    n = int(300 * SCALE)
    tokens = [world.token("a") for _ in range(n)]
    acknowledged: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    started = threading.Event()

    def stream(part):
        for token in part:
            try:
                reply = revoke(server, token, world.auth())
            except OSError as e:  # the kill lands mid-request: not acknowledged
                errors.append(repr(e))
                return
            if reply.status == 200:
                with lock:
                    acknowledged.append(token)
                started.set()

    threads = [threading.Thread(target=stream, args=(tokens[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    assert started.wait(10 * SLOW)
    # Let part of the stream land, then kill -9 while revocations are still in flight.
    while len(acknowledged) < n // 3:
        time.sleep(0.005)
    os.kill(server.proc.pid, signal.SIGKILL)
    for t in threads:
        t.join(30)
    server.kill()
    acked = list(acknowledged)
    assert 0 < len(acked) < n, "the kill must land inside the stream"

    again = serve(cfg)
    lost = []
    for token in acked:
        reply = introspect(again, token, world.auth())
        if reply.status != 200 or reply.json() != {"active": False}:
            lost.append(token[-12:])
    report("kill9_revocations", sent=n, acknowledged=len(acked), lost=len(lost))
    assert not lost, f"{len(lost)} acknowledged revocations lost after kill -9"
    expect_inactive(introspect(again, acked[0], world.auth()))
