"""A publisher dies (SIGKILL) and a new one comes back within the grace period:
viewers keep playing on monotonic timestamps. With no publisher back in time,
viewers get the end of the stream."""

import signal
import tempfile
import time
from pathlib import Path

from harness import Server, ended_ok, packets, publish, record, run_tests, stop, wait_exit, wait_for_stream

RECORD_SECONDS = 12


def test_viewer_survives_publisher_restart():
    with Server("streams:\n  source_grace: 10s\n") as server, tempfile.TemporaryDirectory() as folder:
        first = publish(server.url())
        second = None
        out = Path(folder) / "viewer.flv"
        try:
            wait_for_stream(server)
            viewer = record(server.url(), out, RECORD_SECONDS)
            time.sleep(3)
            first.send_signal(signal.SIGKILL)
            wait_exit(first, 5, "the first publisher to die on SIGKILL")
            time.sleep(2)
            assert viewer.poll() is None, \
                f"expected the viewer to wait for a new publisher; it exited {viewer.poll()}: " \
                f"{viewer.stderr.read()[-300:]!r}"
            second = publish(server.url())
            # The first publisher gave at most ~5 s (3 s live plus the cached GOP):
            # the viewer finishes only on the second publisher's frames.
            ended_ok(viewer, 40, f"the viewer to record {RECORD_SECONDS} s across the restart")
            dts = [d for d, _ in packets(out, "v")]
            span = dts[-1] - dts[0] if dts else 0
            assert span > RECORD_SECONDS - 2, \
                f"expected ~{RECORD_SECONDS} s of video, well past the kill at ~3 s; got {span:.1f} s"
            backwards = [(a, b) for a, b in zip(dts, dts[1:]) if b < a]
            assert not backwards, f"expected video dts non-decreasing across publishers; went back at {backwards[:5]}"
            gap = max(b - a for a, b in zip(dts, dts[1:]))
            assert gap < 1.0, f"expected the new publisher's frames to follow on; the media gap is {gap:.2f} s"
        finally:
            stop(first)
            if second:
                stop(second)


def test_viewers_get_end_of_stream_after_the_grace_period():
    grace, margin = 2, 6
    with Server(f"streams:\n  source_grace: {grace}s\n") as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            viewer = record(server.url(), Path(folder) / "v.flv", 60)
            time.sleep(2)
            stop(publisher)
            stopped = time.monotonic()
            wait_exit(viewer, grace + margin, f"the viewer to end by itself {grace} s after the publisher left")
            waited = time.monotonic() - stopped
            assert waited > grace - 0.5, \
                f"expected the viewer to stay through the {grace} s grace period; it ended after {waited:.1f} s"
            assert "stream_ended" in server.log(), f"expected `stream_ended` in the log:\n{server.log_tail()}"
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_viewer_survives_publisher_restart, test_viewers_get_end_of_stream_after_the_grace_period])
