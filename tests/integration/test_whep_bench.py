"""rtsbench's WHEP players against rtsedge, no browser: an rtsbench publisher (capture-time
SEI in every video frame) over RTMP, then `rtsbench play` with 5 WHEP players for 8 s on
127.0.0.1 (the harness gives rtsedge's WebRTC port a free UDP port there; the answer's
candidate is that listen address). Every player gets ICE, DTLS-SRTP and frames, the first
within a second, with no stall; rtsedge counts the 5 WebRTC players while they play, and
their DELETEs close the sessions at the end."""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from harness import Server, ended_ok, run_tests, stop, wait_until

RTSBENCH = os.environ.get("RTSBENCH_BIN", str(Path(__file__).resolve().parents[2] / "build" / "bench" / "rtsbench"))
PLAYERS = 5
SECONDS = 8
WEBRTC_PLAYERS = 'rtsedge_sessions{protocol="webrtc",role="player"}'


def fixture(folder):
    """4 s of 640x360 25 fps H.264 without B-frames (WebRTC viewers take none), keyframe every second, AAC."""
    path = Path(folder) / "fixture.flv"
    ended_ok(subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset",
         "ultrafast", "-bf", "0", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", "-y", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), 60, "encoding the fixture")
    return path


def test_whep_players():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        publisher = subprocess.Popen([RTSBENCH, "publish", "--url", server.url("live/bench"), "--file",
                                      str(fixture(folder))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: server.get("/api/v1/streams/live/bench")[0] == 200, 20, "rtsbench's stream live")
            time.sleep(1.5)  # a keyframe in the GOP cache
            out = Path(folder) / "whep.json"
            url = f"http://127.0.0.1:{server.http_port}/whep/live/bench"
            player = subprocess.Popen([RTSBENCH, "play", "--url", url, "--players", str(PLAYERS), "--duration",
                                       str(SECONDS), "--json", str(out)],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            seen = []
            deadline = time.monotonic() + SECONDS + 30
            while player.poll() is None and time.monotonic() < deadline:
                seen.append(server.metric(WEBRTC_PLAYERS))
                time.sleep(0.5)
            report, errors = player.communicate(timeout=30)
            assert player.returncode == 0, f"expected rtsbench play to exit 0; {player.returncode}: {errors[-800:]}"
            summary = json.loads(out.read_text())
            print(report, flush=True)
            assert summary["protocol"] == "webrtc", summary["protocol"]
            players = summary["players"]
            assert players["connected"] == PLAYERS and players["receiving"] == PLAYERS and players["failed"] == 0, \
                f"expected {PLAYERS} WHEP players receiving: {players}\n{report}"
            assert summary["first_frame_ms"]["max"] < 1000, f"expected every first frame within 1 s:\n{report}"
            assert summary["stalls"] == 0, f"expected no stall:\n{report}"
            assert summary["latency_ms"]["count"] > PLAYERS * SECONDS * 10, \
                f"expected latencies from the SEI stamps of live frames:\n{report}"
            assert summary["throughput_mbps"] > 0.1, report
            assert max(seen) == PLAYERS, f"expected rtsedge to count {PLAYERS} WebRTC players; /metrics said {seen}"
            # The DELETEs close the sessions (rtsbench waits for their answers before it exits).
            wait_until(lambda: server.metric(WEBRTC_PLAYERS) == 0, 5, "the WHEP sessions closed")
            deleted = server.log().count("DELETE of the session resource")
            assert deleted == PLAYERS, f"expected {PLAYERS} sessions closed by DELETE; the log has {deleted}"
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_whep_players])
