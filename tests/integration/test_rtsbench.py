"""rtsbench smoke run against rtsedge: its publisher stamps every video frame with a
capture-time SEI; 20 of its players over RTMP and over HTTP-FLV all connect, get
keyframes and report latencies; the stamps cross rtsedge byte for byte. No timing
thresholds: those belong to scripts/bench."""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from harness import Server, ended_ok, record, run_tests, stop, wait_until

RTSBENCH = os.environ.get("RTSBENCH_BIN", str(Path(__file__).resolve().parents[2] / "build" / "bench" / "rtsbench"))
# docs/metrics.md: the capture-time SEI's UUID, then 8 bytes of microseconds since the epoch.
STAMP_UUID = bytes.fromhex("72747365646765 2d63617074757265 01".replace(" ", ""))


def fixture(folder):
    path = Path(folder) / "fixture.flv"
    ended_ok(subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset",
         "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv", "-y", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), 60, "encoding the fixture")
    return path


def stamps(path):
    """The capture times (µs since the epoch) of every stamp in a recorded file."""
    data = Path(path).read_bytes()
    found, at = [], data.find(STAMP_UUID)
    while at >= 0:
        found.append(int.from_bytes(data[at + 16:at + 24], "big"))
        at = data.find(STAMP_UUID, at + 1)
    return found


def test_players_over_rtmp_and_http_flv():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        started_us = int(time.time() * 1e6)
        publisher = subprocess.Popen([RTSBENCH, "publish", "--url", server.url("live/bench"), "--file",
                                      str(fixture(folder))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: server.get("/api/v1/streams/live/bench")[0] == 200, 20, "rtsbench's stream live")
            recorded = Path(folder) / "recorded.flv"
            ended_ok(record(server.url("live/bench"), recorded, 2), 30, "ffmpeg recording 2 s")
            seen = stamps(recorded)
            now_us = int(time.time() * 1e6)
            assert len(seen) >= 40, f"expected a stamp in every video frame (50 in 2 s); found {len(seen)}"
            assert all(started_us <= s <= now_us for s in seen), "expected the stamps rtsbench wrote, intact"
            for name, url in (("rtmp", server.url("live/bench")), ("http-flv", server.flv_url("live/bench"))):
                out = Path(folder) / f"{name}.json"
                ended_ok(subprocess.Popen([RTSBENCH, "play", "--url", url, "--players", "20", "--duration", "5",
                                           "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                         60, f"rtsbench playing over {name}")
                summary = json.loads(out.read_text())
                players = summary["players"]
                assert players["connected"] == 20 and players["receiving"] == 20 and players["failed"] == 0, \
                    f"expected 20 players receiving over {name}: {players}"
                assert summary["latency_ms"]["count"] > 0, f"expected latencies from the stamps over {name}"
                print(f"{name}: first frame p50 {summary['first_frame_ms']['p50']:.1f} ms, latency p50 "
                      f"{summary['latency_ms']['p50']:.2f} ms", flush=True)
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_players_over_rtmp_and_http_flv])
