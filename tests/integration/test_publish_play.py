"""ffmpeg publishes over RTMP; ffprobe and ffmpeg play it; late viewers start on a
keyframe at once; a second publisher is refused."""

import tempfile
import time
from pathlib import Path

from harness import (Server, ended_ok, packets, probe, publish, record, run_tests, stop, timed_packets,
                     wait_exit, wait_for_stream)


def test_publish_and_play():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            streams = probe(server.url(), "-show_streams")["streams"]
            video = [s for s in streams if s["codec_type"] == "video"]
            audio = [s for s in streams if s["codec_type"] == "audio"]
            assert len(video) == 1 and video[0]["codec_name"] == "h264", f"expected one h264 stream: {streams}"
            assert (video[0]["width"], video[0]["height"]) == (1280, 720), f"expected 1280x720: {video}"
            assert len(audio) == 1 and audio[0]["codec_name"] == "aac", f"expected one aac stream: {streams}"
            assert len(streams) == 2, f"expected video and audio only: {streams}"
            out = Path(folder) / "out.flv"
            ended_ok(record(server.url(), out, 3), 30, "a viewer recording 3 s to finish")
            video_packets = packets(out, "v")
            audio_packets = packets(out, "a")
            assert len(video_packets) > 50, f"expected > 50 video packets in 3 s at 25 fps; got {len(video_packets)}"
            assert len(audio_packets) > 50, f"expected > 50 audio packets in 3 s; got {len(audio_packets)}"
            dts = [d for d, _ in video_packets]
            backwards = [(a, b) for a, b in zip(dts, dts[1:]) if b < a]
            assert not backwards, f"expected non-decreasing video dts; went back at {backwards[:5]}"
        finally:
            stop(publisher)


def test_late_viewer_starts_on_a_keyframe_at_once():
    with Server() as server:
        publisher = publish(server.url(), gop=50)  # a keyframe every 2 s at 25 fps
        started = time.monotonic()
        try:
            wait_for_stream(server)
            time.sleep(max(0.0, started + 3.5 - time.monotonic()))  # mid-GOP: keyframes at 0, 2, 4 s
            received = timed_packets(server.url(), 3)
            video = [p for p in received if p["type"] == "video"]
            assert video, f"expected video packets; got {received[:10]}"
            assert "K" in video[0]["flags"], f"expected the first video packet to be a keyframe; got {video[:3]}"
            first = received[0]["at"]
            assert first < 3.0, f"expected the first packet within 3 s (instant start); it took {first:.2f} s"
            # From the GOP cache the viewer starts behind live and catches up: it
            # gets more media than the time it has been connected.
            ahead = (video[-1]["dts"] - video[0]["dts"]) - video[-1]["at"]
            assert ahead > 0.25, (f"expected the cached part of the GOP in a burst (media ahead of wall time); "
                                  f"{video[-1]['dts'] - video[0]['dts']:.2f} s of video took "
                                  f"{video[-1]['at']:.2f} s")
        finally:
            stop(publisher)


def test_without_gop_cache_a_viewer_waits_for_the_next_keyframe():
    with Server("streams:\n  gop_cache:\n    enabled: false\n") as server:
        publisher = publish(server.url(), gop=50)
        started = time.monotonic()
        try:
            wait_for_stream(server)
            time.sleep(max(0.0, started + 3.5 - time.monotonic()))  # mid-GOP
            received = timed_packets(server.url(), 3)
            video = [p for p in received if p["type"] == "video"]
            assert video and "K" in video[0]["flags"], f"expected a keyframe first; got {video[:3]}"
        finally:
            stop(publisher)


def test_second_publisher_is_refused():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        first = publish(server.url())
        try:
            wait_for_stream(server)
            second = publish(server.url())
            code = wait_exit(second, 20, "the second publisher on live/test to be refused")
            assert code != 0, "expected the second publisher to fail; it exited 0"
            assert "already being published" in server.log(), \
                f"expected `already being published` in the log:\n{server.log_tail()}"
            out = Path(folder) / "still.flv"
            ended_ok(record(server.url(), out, 2), 30, "a viewer recording 2 s to finish")
            count = len(packets(out, "v"))
            assert count > 20, f"expected the first publisher's video (> 20 packets in 2 s); got {count}"
            assert first.poll() is None, f"expected the first publisher still running; it exited {first.poll()}"
        finally:
            stop(first)


if __name__ == "__main__":
    run_tests([test_publish_and_play, test_late_viewer_starts_on_a_keyframe_at_once,
               test_without_gop_cache_a_viewer_waits_for_the_next_keyframe, test_second_publisher_is_refused])
