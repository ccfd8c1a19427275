"""A publisher dies (SIGKILL) and a new one comes back within the grace period:
viewers keep playing on monotonic timestamps. With no publisher back in time,
viewers get the end of the stream."""

import signal
import subprocess
import tempfile
import time
from pathlib import Path

from harness import Server, packets, publish, record, run_tests, stop, wait_for_stream


def test_viewer_survives_publisher_restart():
    with Server("streams:\n  source_grace: 10s\n") as server, tempfile.TemporaryDirectory() as folder:
        first = publish(server.url())
        second = None
        out = Path(folder) / "viewer.flv"
        try:
            wait_for_stream(server)
            viewer = record(server.url(), out, 9)
            time.sleep(3)
            first.send_signal(signal.SIGKILL)
            first.wait(5)
            time.sleep(2)
            assert viewer.poll() is None, f"the viewer quit when the publisher died: {viewer.stderr.read()}"
            second = publish(server.url())
            try:
                code = viewer.wait(40)
            except subprocess.TimeoutExpired:
                raise AssertionError("the viewer did not get 9 s of media")
            assert code == 0, viewer.stderr.read()
            video = packets(out, "v")
            dts = [d for d, _ in video]
            assert dts and dts[-1] - dts[0] > 7, f"the viewer got {dts[-1] - dts[0]:.1f} s of video"
            assert all(b >= a for a, b in zip(dts, dts[1:])), "video dts went backwards across publishers"
            gaps = [b - a for a, b in zip(dts, dts[1:])]
            assert max(gaps) < 1.0, f"the new publisher's frames left a media gap of {max(gaps):.2f} s"
        finally:
            stop(first)
            if second:
                stop(second)


def test_viewers_get_end_of_stream_after_the_grace_period():
    with Server("streams:\n  source_grace: 2s\n") as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            viewer = record(server.url(), Path(folder) / "v.flv", 60)
            time.sleep(2)
            stop(publisher)
            stopped = time.monotonic()
            try:
                viewer.wait(15)
            except subprocess.TimeoutExpired:
                stop(viewer)
                raise AssertionError("the viewer still hangs 15 s after the publisher left")
            waited = time.monotonic() - stopped
            assert waited > 1.5, f"the viewer ended after {waited:.1f} s, before the 2 s grace period"
            assert "stream_ended" in server.log(), server.log_tail()
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_viewer_survives_publisher_restart, test_viewers_get_end_of_stream_after_the_grace_period])
