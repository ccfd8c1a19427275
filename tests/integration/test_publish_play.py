"""ffmpeg publishes over RTMP; ffprobe and ffmpeg play it; late viewers start on a
keyframe at once; a second publisher is refused."""

import subprocess
import tempfile
import time
from pathlib import Path

from harness import Server, packets, probe, publish, record, run_tests, stop, wait_for_stream


def test_publish_and_play():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            streams = probe(server.url(), "-show_streams")["streams"]
            video = [s for s in streams if s["codec_type"] == "video"]
            audio = [s for s in streams if s["codec_type"] == "audio"]
            assert len(video) == 1 and video[0]["codec_name"] == "h264", streams
            assert (video[0]["width"], video[0]["height"]) == (1280, 720), video
            assert len(audio) == 1 and audio[0]["codec_name"] == "aac", streams
            assert [s["codec_type"] for s in streams if s["codec_type"] not in ("video", "audio")] == [], streams
            out = Path(folder) / "out.flv"
            viewer = record(server.url(), out, 3)
            assert viewer.wait(30) == 0, viewer.stderr.read()
            video_packets = packets(out, "v")
            assert len(video_packets) > 50, f"only {len(video_packets)} video packets in 3 s"
            assert len(packets(out, "a")) > 50
            dts = [d for d, _ in video_packets]
            assert all(b >= a for a, b in zip(dts, dts[1:])), "video dts went backwards"
        finally:
            stop(publisher)


def test_late_viewer_starts_on_a_keyframe_at_once():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url(), gop=50)  # a keyframe every 2 s at 25 fps
        try:
            wait_for_stream(server)
            time.sleep(1.0)  # join in the middle of a GOP
            out = Path(folder) / "late.flv"
            started = time.monotonic()
            viewer = record(server.url(), out, 1)
            assert viewer.wait(30) == 0, viewer.stderr.read()
            elapsed = time.monotonic() - started
            video_packets = packets(out, "v")
            assert video_packets, "no video received"
            assert "K" in video_packets[0][1], f"first video packet is not a keyframe: {video_packets[:3]}"
            # 1 s of media from the GOP cache arrives faster than real time.
            assert elapsed < 3.0, f"1 s of video took {elapsed:.1f} s: no instant start"
        finally:
            stop(publisher)


def test_second_publisher_is_refused():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        first = publish(server.url())
        try:
            wait_for_stream(server)
            second = publish(server.url())
            try:
                code = second.wait(20)
            except subprocess.TimeoutExpired:
                raise AssertionError("the second publisher was not refused within 20 s")
            assert code != 0, "the second publisher exited 0"
            assert "already being published" in server.log(), server.log_tail()
            out = Path(folder) / "still.flv"
            viewer = record(server.url(), out, 2)
            assert viewer.wait(30) == 0, viewer.stderr.read()
            assert len(packets(out, "v")) > 20, "the first publisher's stream stopped"
            assert first.poll() is None, "the first publisher was disturbed"
        finally:
            stop(first)


if __name__ == "__main__":
    run_tests([test_publish_and_play, test_late_viewer_starts_on_a_keyframe_at_once, test_second_publisher_is_refused])
