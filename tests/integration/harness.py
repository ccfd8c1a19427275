"""Shared helpers for the integration tests: start rtsedge on free ports, drive
real ffmpeg/ffprobe peers, and stop every process by its PID. Every wait is
bounded in time."""

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

RTSEDGE = os.environ.get("RTSEDGE_BIN", str(Path(__file__).resolve().parents[2] / "build" / "rtsedge"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def stop(process, timeout=10.0, sig=signal.SIGTERM):
    """Stops a process by its PID: the signal, then SIGKILL after the timeout."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return process.returncode


class Server:
    """rtsedge on a free RTMP port with a temporary configuration."""

    def __init__(self, config="", http_config=""):
        self.dir = tempfile.TemporaryDirectory(prefix="rtsedge-test-")
        self.rtmp_port = free_port()
        self.http_port = free_port()
        self.config_path = Path(self.dir.name) / "rtsedge.yaml"
        self.config_path.write_text(f'rtmp:\n  listen: "127.0.0.1:{self.rtmp_port}"\n'
                                    f'http:\n  listen: "127.0.0.1:{self.http_port}"\n{http_config}' + config)
        self.log_path = Path(self.dir.name) / "rtsedge.log"
        self.process = None

    def url(self, name="live/test"):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{name}"

    def flv_url(self, name="live/test", query=""):
        return f"http://127.0.0.1:{self.http_port}/{name}.flv" + (f"?{query}" if query else "")

    def get(self, path, method="GET", timeout=10):
        """One HTTP request to the server: (status, headers dict, body bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def api(self, path, method="GET"):
        status, _, body = self.get(path, method)
        return status, json.loads(body) if body else None

    def log(self):
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines=30):
        return "\n".join(self.log().splitlines()[-lines:])

    def __enter__(self):
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen([RTSEDGE, "--config", str(self.config_path)],
                                        stdout=self.log_file, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.rtmp_port)
            wait_for_port(self.http_port)
        except AssertionError:
            stop(self.process)
            raise AssertionError("rtsedge did not start:\n" + self.log_tail())
        return self

    def alive(self):
        return self.process.poll() is None

    def __exit__(self, kind, value, traceback):
        code = stop(self.process)
        self.log_file.close()
        try:
            if kind is None:
                assert code == 0, f"rtsedge exited with {code} on SIGTERM:\n{self.log_tail()}"
        finally:
            self.dir.cleanup()


def publish(url, *, gop=50, rate=25, extra=()):
    """A live H.264 1280x720 + AAC publisher (ffmpeg, real time)."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={rate}",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(gop),
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", *extra, "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def record(url, path, seconds, timeout=None):
    """An ffmpeg viewer copying `seconds` of the stream into an FLV file."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-rw_timeout", "15000000", "-i", url,
         "-c", "copy", "-t", str(seconds), "-f", "flv", "-y", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def probe(target, *entries, timeout=20):
    """ffprobe JSON of a URL or file."""
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *entries, str(target)],
                            capture_output=True, timeout=timeout, text=True)
    assert result.returncode == 0, f"ffprobe {target} failed: {result.stderr}"
    return json.loads(result.stdout)


def packets(path, stream="v"):
    """The packets of one stream type of a recorded file: dts (s) and flags."""
    data = probe(path, "-select_streams", stream, "-show_entries", "packet=dts_time,flags")
    return [(float(p["dts_time"]), p.get("flags", "")) for p in data.get("packets", []) if "dts_time" in p]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_stream(server, name="live/test", timeout=15):
    """Waits until the stream plays: ffprobe sees its video."""
    def playable():
        result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", server.url(name)],
                                capture_output=True, timeout=20, text=True)
        return result.returncode == 0 and '"codec_type": "video"' in result.stdout
    wait_until(playable, timeout, f"{name} to be playable")


def run_tests(tests):
    """Runs test functions in order; prints one line each and a closing tally."""
    failed = 0
    for test in tests:
        started = time.monotonic()
        try:
            test()
            print(f"PASS {test.__name__} ({time.monotonic() - started:.1f} s)", flush=True)
        except Exception as error:  # noqa: BLE001 - report every failure the same way
            failed += 1
            print(f"FAIL {test.__name__}: {error}", flush=True)
    print(f"{len(tests) - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)
