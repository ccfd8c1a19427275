"""SRT and MPEG-TS with real peers: ffmpeg and srt-live-transmit publish over SRT,
ffprobe/ffmpeg/srt-live-transmit play over SRT, RTMP, HTTP-FLV and HTTP-TS; H.265
over SRT; passphrases; bad stream ids and garbage that must not disturb anyone."""

import os
import random
import re
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import (Server, ended_ok, probe, publish, publish_ts, run_tests, stop, timed_packets, wait_exit,
                     wait_until)


def codecs(target, timeout=20):
    streams = probe(target, "-show_streams", timeout=timeout)["streams"]
    return {s["codec_type"]: (s["codec_name"], s.get("width"), s.get("height")) for s in streams}


def wait_live(server, name="live/test", timeout=15):
    def live():
        status, _, body = server.get(f"/api/v1/streams/{name}")
        return status == 200
    wait_until(live, timeout, f"stream {name} to be live")


def metric(server, name):
    _, _, body = server.get("/metrics")
    match = re.search(rf"^{re.escape(name)} (\S+)$", body.decode(), re.M)
    return float(match.group(1)) if match else 0.0


def test_srt_publish_plays_over_every_protocol():
    with Server() as server:
        publisher = publish_ts(server.srt_url(mode="publish"))
        try:
            wait_live(server)
            expected = {"video": ("h264", 640, 360), "audio": ("aac", None, None)}
            for target in (server.srt_url(), server.url(), server.flv_url(), server.ts_url()):
                assert codecs(target) == expected, f"expected h264 640x360 + aac from {target}: {codecs(target)}"
            _, clients = server.api("/api/v1/clients")
            srt = [c for c in clients["clients"] if c["protocol"] == "srt"]
            assert srt and srt[0]["role"] == "publisher", f"expected the SRT publisher listed: {clients}"
            transport = srt[0].get("transport", {})
            assert "rtt_ms" in transport and transport["packets_received"] > 0, \
                f"expected SRT statistics for the publisher: {srt[0]}"
        finally:
            stop(publisher)


def test_rtmp_publish_plays_over_srt_and_http_ts_without_continuity_errors():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_live(server)
            expected = {"video": ("h264", 1280, 720), "audio": ("aac", None, None)}
            assert codecs(server.srt_url()) == expected
            assert codecs(server.ts_url()) == expected
            for name, url in (("srt", server.srt_url()), ("http", server.ts_url())):
                out = Path(folder) / f"{name}.ts"
                viewer = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "warning", "-i", url, "-c", "copy",
                                           "-t", "4", "-f", "mpegts", "-y", str(out)],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                ended_ok(viewer, 30, f"ffmpeg recording 4 s over {name}")
                warnings = viewer.stderr.read().decode(errors="replace")
                assert "ontinuity" not in warnings and "corrupt" not in warnings, \
                    f"expected a clean TS over {name}; ffmpeg said: {warnings[-800:]}"
                frames = probe(out, "-count_frames", "-select_streams", "v", "-show_entries",
                               "stream=nb_read_frames")["streams"][0]["nb_read_frames"]
                assert int(frames) >= 90, f"expected >= 90 decodable frames in 4 s over {name}; got {frames}"
        finally:
            stop(publisher)


def test_srt_live_transmit_publishes_and_plays():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        source = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-f", "mpegts", "-"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        sender = subprocess.Popen(["srt-live-transmit", "-q", "file://con", server.srt_url("live/slt", "publish")],
                                  stdin=source.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        source.stdout.close()
        out = Path(folder) / "played.ts"
        try:
            wait_live(server, "live/slt")
            with open(out, "wb") as sink:
                receiver = subprocess.Popen(["srt-live-transmit", "-q", server.srt_url("live/slt"), "file://con"],
                                            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.PIPE)
                wait_until(lambda: out.stat().st_size > 200_000, 20, "srt-live-transmit to receive 200 KB")
                stop(receiver)
            assert codecs(out) == {"video": ("h264", 320, 240)}, f"expected h264 320x240: {codecs(out)}"
        finally:
            stop(sender)
            stop(source)


def test_h265_over_srt_plays_over_srt_and_http_ts():
    with Server() as server:
        publisher = publish_ts(server.srt_url("live/hevc", "publish"), codec="libx265", size="320x240")
        try:
            wait_live(server, "live/hevc", timeout=25)
            expected = {"video": ("hevc", 320, 240), "audio": ("aac", None, None)}
            assert codecs(server.srt_url("live/hevc")) == expected
            assert codecs(server.ts_url("live/hevc")) == expected
            _, stream = server.api("/api/v1/streams/live/hevc")
            assert stream["tracks"]["video"]["codec"] == "h265", f"expected the h265 track in the API: {stream}"
        finally:
            stop(publisher)


def test_passphrase_is_enforced():
    passphrase = "correct-horse-battery"
    with Server(config=f"srt:\n  passphrase: {passphrase}\n") as server:
        for wrong in ("passphrase=wrong-secret-1234", ""):
            intruder = publish_ts(server.srt_url("live/secret", "publish", wrong), seconds=3)
            code = wait_exit(intruder, 20, "a publisher with a wrong or no passphrase to be refused")
            assert code != 0, "expected ffmpeg to fail without the right passphrase"
            status, _, _ = server.get("/api/v1/streams/live/secret")
            assert status == 404, "expected no stream from a refused publisher"
        publisher = publish_ts(server.srt_url("live/secret", "publish", f"passphrase={passphrase}"))
        try:
            wait_live(server, "live/secret")
            assert codecs(server.srt_url("live/secret", options=f"passphrase={passphrase}"))["video"][0] == "h264"
        finally:
            stop(publisher)


def test_bad_stream_ids_are_rejected_at_handshake():
    with Server() as server:
        for stream_id in ("#!::m=publish", "#!::r=live/x,m=bidirectional", "nokey", "#!::r=../x,m=publish"):
            url = f"srt://127.0.0.1:{server.srt_port}?streamid={stream_id}"
            caller = publish_ts(url, seconds=2)
            code = wait_exit(caller, 20, f"a caller with stream id {stream_id!r} to be refused")
            assert code != 0, f"expected stream id {stream_id!r} refused"
        assert metric(server, "rtsedge_srt_rejected_total") == 4, server.log_tail()
        assert server.log().count("refused at handshake") == 4, server.log_tail()


def test_garbage_does_not_disturb_other_streams():
    config = "srt:\n  idle_timeout: 2s\n"
    with Server(config=config) as server:
        publisher = publish(server.url())
        try:
            wait_live(server)
            rng = random.Random(7)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for _ in range(2000):
                    udp.sendto(rng.randbytes(rng.randint(1, 1500)), ("127.0.0.1", server.srt_port))
            garbage = subprocess.Popen(
                ["srt-live-transmit", "-q", "file://con", server.srt_url("live/garbage", "publish")],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                # Random bytes, then a stream of sync bytes with nonsense behind them.
                for index in range(300):
                    chunk = rng.randbytes(1316) if index % 2 else bytes([0x47]) + rng.randbytes(187)
                    garbage.stdin.write(chunk)
                garbage.stdin.flush()
                received = timed_packets(server.srt_url(), 3)
                video = [p for p in received if p["type"] == "video"]
                assert len(video) >= 60, f"expected the good stream to play over SRT meanwhile; got {len(video)}"
                wait_until(lambda: "live/garbage: closed (timeout)" in server.log(), 10,
                           "the garbage publisher to be closed for sending no media")
            finally:
                garbage.stdin.close()
                stop(garbage)
            assert server.alive()
            received = timed_packets(server.ts_url(), 2)
            assert len([p for p in received if p["type"] == "video"]) >= 40, "expected HTTP-TS to play after it all"
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_srt_publish_plays_over_every_protocol,
               test_rtmp_publish_plays_over_srt_and_http_ts_without_continuity_errors,
               test_srt_live_transmit_publishes_and_plays,
               test_h265_over_srt_plays_over_srt_and_http_ts,
               test_passphrase_is_enforced,
               test_bad_stream_ids_are_rejected_at_handshake,
               test_garbage_does_not_disturb_other_streams])
