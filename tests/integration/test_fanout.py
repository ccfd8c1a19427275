"""Fifty concurrent ffmpeg viewers of one stream all receive frames, and the
server stays healthy for the next one."""

import subprocess
import tempfile
import time
from pathlib import Path

from harness import Server, ended_ok, packets, publish, record, run_tests, stop, wait_for_stream

VIEWERS = 50


def test_fifty_viewers_all_receive_frames():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        viewers = []
        try:
            wait_for_stream(server)
            for i in range(VIEWERS):
                viewers.append(record(server.url(), Path(folder) / f"v{i}.flv", 3))
            failures = []
            deadline = time.monotonic() + 60  # one deadline for all: they run at once
            for i, viewer in enumerate(viewers):
                try:
                    code = viewer.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    failures.append(f"viewer {i} still running after 60 s")
                    continue
                if code != 0:
                    failures.append(f"viewer {i} exited {code}: {viewer.stderr.read()[-300:]!r}")
            assert not failures, f"expected {VIEWERS} viewers to record 3 s and exit 0; {failures}"
            counts = [len(packets(Path(folder) / f"v{i}.flv", "v")) for i in range(VIEWERS)]
            assert min(counts) > 30, f"expected > 30 video packets per viewer in 3 s; got {counts}"
            assert server.alive(), f"expected rtsedge running; it exited {server.process.poll()}"
            assert publisher.poll() is None, f"expected the publisher running; it exited {publisher.poll()}"
            after = Path(folder) / "after.flv"
            ended_ok(record(server.url(), after, 1), 30, "one more viewer after the fan-out to finish")
            assert packets(after, "v"), "expected video for a viewer after the fan-out; got none"
        finally:
            for viewer in viewers:
                stop(viewer)
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_fifty_viewers_all_receive_frames])
