"""A real player: Debian's chromium plays rtsedge HTTP-FLV through mpegts.js (MSE),
cross-origin from a static server, so CORS is exercised. A warm stream shows its first
frame within 1 s of the player starting, at 1280x720, decodes steadily and never stalls
(the one live-edge jump mpegts.js makes right after the GOP-cache burst aside);
?only-audio=1 plays audio with the clock advancing."""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

from browser_modules import BROWSER_DIR, ensure_node_modules
from harness import Server, free_port, publish, run_tests, sanitized, stop, wait_for_port, wait_for_stream

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
SECONDS = 10


class StaticServer:
    """python3 -m http.server rooted at tests/browser on its own free port."""

    def __enter__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", str(BROWSER_DIR)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(self.port)
        except AssertionError:
            stop(self.process)
            raise
        return self

    def page(self, src):
        return f"http://127.0.0.1:{self.port}/player.html?src=" + urllib.parse.quote(src, safe="")

    def __exit__(self, *_):
        stop(self.process)


def play(page_url, seconds, audio_only=False):
    """Runs play_flv.mjs; returns (exit code, parsed JSON line, stderr). Stopped by PID."""
    command = ["node", str(BROWSER_DIR / "play_flv.mjs"), page_url, str(seconds)] + (["--audio-only"] if audio_only else [])
    # Its own process group, so chromium's helpers go with it if it must be killed.
    process = subprocess.Popen(command, cwd=BROWSER_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env=dict(os.environ, CHROMIUM_BIN=CHROMIUM))
    try:
        out, err = process.communicate(timeout=seconds + 40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        out, err = process.communicate(timeout=10)
        raise AssertionError(f"play_flv.mjs did not finish in {seconds + 40} s:\n{out}\n{err[-2000:]}")
    finally:
        if process.poll() is None:
            stop(process)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, f"play_flv.mjs printed no JSON (exit {process.returncode}):\n{out}\n{err[-2000:]}"
    return process.returncode, json.loads(lines[-1]), err


def check_prerequisites():
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: apt-get install chromium (scripts/packages.txt)"
    assert shutil.which("node"), "node is missing: install nodejs"
    ensure_node_modules()


def test_chromium_plays_http_flv():
    check_prerequisites()
    with Server() as server, StaticServer() as static:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            time.sleep(1.0)  # a warm stream: the GOP cache holds a keyframe
            code, result, err = play(static.page(server.flv_url()), SECONDS)
            summary = json.dumps(result)
            assert code == 0, f"playback failed (exit {code}): {summary}\n{err[-1500:]}"
            assert result["errors"] == [], summary
            assert result["firstFrameMs"] is not None, f"no frame shown: {summary}"
            # Under ASan, beside other tests, it took 2216 ms once in CI.
            limit = 3000 if sanitized() else 1000
            assert result["firstFrameMs"] <= limit, \
                f"first frame after {result['firstFrameMs']} ms (> {limit}): {summary}"
            assert (result["width"], result["height"]) == (1280, 720), summary
            frames = result["framesSamples"]
            assert len(frames) >= SECONDS - 1, f"only {len(frames)} samples: {summary}"
            assert all(b > a for a, b in zip(frames, frames[1:])), f"decoded frames not strictly growing: {frames}"
            assert result["stalls"] == [], f"stalled after start: {summary}"
            # mpegts.js jumps once to the live edge right after the GOP-cache burst; that seek
            # may raise a 'waiting'. A later one is latency chasing: the browser fell over
            # 1.5 s behind, which one CI run saw when other tests starved chromium of CPU
            # while every frame had arrived (no stall). Once is the machine; more is us.
            late = [w for w in result["seekWaits"] if w["atMs"] > result["firstFrameMs"] + 1000]
            assert len(late) <= 1, f"waited on live-edge seeks after start: {summary}"
            times = result["currentTimeSamples"]
            assert times[-1] > times[0], f"currentTime did not advance: {times}"
            assert publisher.poll() is None, "the publisher died"
            assert server.alive(), "rtsedge died"
        finally:
            stop(publisher)


def test_chromium_plays_audio_only():
    check_prerequisites()
    with Server() as server, StaticServer() as static:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            code, result, err = play(static.page(server.flv_url(query="only-audio=1")), SECONDS, audio_only=True)
            summary = json.dumps(result)
            assert code == 0, f"audio-only playback failed (exit {code}): {summary}\n{err[-1500:]}"
            assert result["errors"] == [], summary
            assert result["currentTimeAdvanced"], f"audio currentTime did not advance: {summary}"
            times = result["currentTimeSamples"]
            assert times[-1] - times[0] >= (len(times) - 1) * 0.5, f"audio clock too slow: {times}"
            assert result["width"] == 0 and result["height"] == 0, f"video in an audio-only stream: {summary}"
            assert server.alive(), "rtsedge died"
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_chromium_plays_http_flv, test_chromium_plays_audio_only])
