"""Fifty concurrent ffmpeg viewers of one stream all receive frames."""

import subprocess
import tempfile
from pathlib import Path

from harness import Server, packets, publish, record, run_tests, stop, wait_for_stream

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
            for i, viewer in enumerate(viewers):
                try:
                    code = viewer.wait(90)
                except subprocess.TimeoutExpired:
                    failures.append(f"viewer {i} did not finish")
                    continue
                if code != 0:
                    failures.append(f"viewer {i} exited {code}: {viewer.stderr.read()[-300:]}")
            assert not failures, failures
            counts = [len(packets(Path(folder) / f"v{i}.flv", "v")) for i in range(VIEWERS)]
            assert min(counts) > 30, f"video packets per viewer: {counts}"
            assert server.alive() and publisher.poll() is None
        finally:
            for viewer in viewers:
                stop(viewer)
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_fifty_viewers_all_receive_frames])
