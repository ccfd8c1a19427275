"""Shared helpers for the integration tests: start rtsedge on free ports, drive
real ffmpeg/ffprobe peers, and stop every process by its PID. Every wait is
bounded in time."""

import functools
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RTSEDGE = os.environ.get("RTSEDGE_BIN", str(Path(__file__).resolve().parents[2] / "build" / "rtsedge"))


_ports_handed_out = set()


def _ephemeral_range_start():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port():
    """A port on 127.0.0.1 free for TCP and for UDP (a node's SRT and WebRTC ports are UDP,
    the rest TCP), never handed out before by this process: two nodes of one test once got
    the same port from the kernel's bind(0) and one could not start. Drawn at random from
    below the kernel's ephemeral range, so no outgoing connection (ffmpeg's, rtsedge's
    pulls) takes it between the pick and rtsedge's bind, and tests running side by side
    seldom draw the same one; each is checked by binding it."""
    high = _ephemeral_range_start() - 1
    for _ in range(1000):
        port = random.randint(10000, high)
        if port not in _ports_handed_out and _bindable(port):
            _ports_handed_out.add(port)
            return port
    raise AssertionError(f"no free port in 10000-{high} after 1000 tries")


@functools.cache
def sanitized():
    """Whether the rtsedge under test is an ASan build (scripts/test --sanitize): it links
    libasan. Such a build runs slower and keeps freed memory in ASan's quarantine, so the
    few checks of time and memory that a Release build must meet get more room under it."""
    with open(RTSEDGE, "rb") as binary:
        return b"libasan.so" in binary.read()


def wait_for_port(port, timeout=10.0, process=None):
    """Waits until 127.0.0.1:port accepts a connection; gives up early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"expected a listener on 127.0.0.1:{port}; the process exited "
                                 f"with {process.returncode} first")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"expected a listener on 127.0.0.1:{port}; nothing after {timeout} s")


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


def merge_sections(*texts):
    """Joins block-style YAML texts section by section. Writing a top-level key
    twice would make a duplicate key, which YAML parsers resolve silently (the
    first one wins), so a test's `rtmp:` settings would be lost."""
    sections = {}
    for text in texts:
        section = None
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace():
                section, _, rest = line.partition(":")
                assert not rest.strip(), f"harness: write section {section!r} in block style: {line!r}"
                sections.setdefault(section, [])
            else:
                assert section is not None, f"harness: indented line before any section: {line!r}"
                sections[section].append(line)
    return "".join(f"{name}:\n" + "".join(f"{line}\n" for line in lines) for name, lines in sections.items())


def own_webrtc_port(config):
    """A free UDP port for WebRTC (the default 8000 would clash between tests), unless the
    test's config has a webrtc section of its own: that one then sets webrtc.listen."""
    if any(line.startswith("webrtc:") for line in config.splitlines()):
        return ""
    return f'webrtc:\n  listen: "127.0.0.1:{free_port()}"\n'


class Server:
    """rtsedge on free RTMP, HTTP and SRT ports with a temporary configuration:
    the listen addresses, then `http_config` (lines under `http:`), then `config`
    (whole sections, merged into those above)."""

    def __init__(self, config="", http_config="", srt_host="127.0.0.1", ports=None, http_host="127.0.0.1"):
        """ports: (rtmp, http, srt) to listen on, e.g. a restarted node's; free ones by default.
        http_host: "0.0.0.0" for peers on another address too (a browser in another network
        namespace); the test itself still talks to 127.0.0.1."""
        self.dir = tempfile.TemporaryDirectory(prefix="rtsedge-test-")
        self.rtmp_port, self.http_port, self.srt_port = ports or (free_port(), free_port(), free_port())
        self.config_path = Path(self.dir.name) / "rtsedge.yaml"
        self.config_path.write_text(merge_sections(f'rtmp:\n  listen: "127.0.0.1:{self.rtmp_port}"\n'
                                                   f'srt:\n  listen: "{srt_host}:{self.srt_port}"\n'
                                                   f'http:\n  listen: "{http_host}:{self.http_port}"\n{http_config}'
                                                   + own_webrtc_port(config),
                                                   config))
        self.log_path = Path(self.dir.name) / "rtsedge.log"
        self.process = None
        self.killed = False

    def url(self, name="live/test"):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{name}"

    def flv_url(self, name="live/test", query=""):
        return f"http://127.0.0.1:{self.http_port}/{name}.flv" + (f"?{query}" if query else "")

    def ts_url(self, name="live/test"):
        return f"http://127.0.0.1:{self.http_port}/{name}.ts"

    def srt_url(self, name="live/test", mode="request", options=""):
        """An ffmpeg/srt-live-transmit URL; `options`: more query parameters (passphrase=...)."""
        return f"srt://127.0.0.1:{self.srt_port}?streamid=#!::r={name},m={mode}" + (f"&{options}" if options else "")

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
            wait_for_port(self.rtmp_port, process=self.process)
            wait_for_port(self.http_port, process=self.process)
        except AssertionError as error:
            stop(self.process)
            self.log_file.close()
            tail = self.log_tail()
            self.dir.cleanup()
            raise AssertionError(f"rtsedge did not start: {error}\n{tail}") from None
        return self

    def ports(self):
        return self.rtmp_port, self.http_port, self.srt_port

    def metric(self, name):
        """One sample of /metrics by its full name with labels; 0 when absent."""
        _, _, body = self.get("/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """kill -9, as a crashed node: no goodbye on any connection."""
        self.process.kill()
        self.process.wait(5)
        self.killed = True

    def __exit__(self, kind, value, traceback):
        code = stop(self.process, timeout=5.0)  # SIGTERM must end it within 5 s, even under ASan
        self.log_file.close()
        try:
            if kind is not None:
                # The test failed inside: its message comes next; the log explains it.
                print(f"--- rtsedge log, last lines (exit code {code} on SIGTERM) ---\n{self.log_tail(40)}",
                      file=sys.stderr, flush=True)
            elif code != 0 and not self.killed:
                happened = "hung and was killed" if code == -signal.SIGKILL else f"exited {code}"
                raise AssertionError(f"expected rtsedge to exit 0 within 5 s of SIGTERM; it {happened}:\n"
                                     f"{self.log_tail()}")
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


def publish_ts(url, *, codec="libx264", size="640x360", gop=25, seconds=None, extra=()):
    """A live MPEG-TS publisher (ffmpeg, real time): H.264 or H.265 + AAC, to an SRT URL."""
    limit = ["-t", str(seconds)] if seconds is not None else []
    video = ["-c:v", codec, "-preset", "ultrafast", "-g", str(gop), "-pix_fmt", "yuv420p"]
    video += ["-tune", "zerolatency"] if codec == "libx264" else ["-x265-params", "log-level=error:bframes=0"]
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         *limit, *video, "-c:a", "aac", "-b:a", "64k", *extra, "-f", "mpegts", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def record(url, path, seconds):
    """An ffmpeg viewer copying `seconds` of the stream into an FLV file."""
    return subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-rw_timeout", "15000000", "-i", url,
         "-c", "copy", "-t", str(seconds), "-f", "flv", "-y", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def probe(target, *entries, timeout=20):
    """ffprobe JSON of a URL or file."""
    try:
        result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *entries, str(target)],
                                capture_output=True, timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"expected ffprobe {target} to finish within {timeout} s; it did not") from None
    assert result.returncode == 0, f"expected ffprobe {target} to exit 0; it exited {result.returncode}: " \
                                   f"{result.stderr[-500:]}"
    return json.loads(result.stdout)


def timed_packets(url, seconds, timeout=20):
    """ffprobe plays `seconds` of a live URL. Returns one dict per packet, in
    arrival order: `at` (s since ffprobe started), `type`, `dts` (s), `flags`."""
    started = time.monotonic()
    # stdbuf: ffprobe's stdout is a pipe, so without it packets show up in 4 KiB batches.
    process = subprocess.Popen(
        ["stdbuf", "-oL", "ffprobe", "-v", "error", "-rw_timeout", "10000000", "-of", "compact=p=0",
         "-show_entries", "packet=codec_type,dts_time,flags", "-read_intervals", f"%+{seconds}", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    arrivals = []

    def read():
        for line in process.stdout:
            arrivals.append((time.monotonic() - started, line.strip()))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise AssertionError(f"expected ffprobe to read {seconds} s of {url} within {timeout} s; it did not")
    reader.join(5)
    assert code == 0, f"expected ffprobe {url} to exit 0; it exited {code}: {process.stderr.read()[-500:]}"
    result = []
    for at, line in arrivals:
        fields = dict(field.split("=", 1) for field in line.split("|") if "=" in field)
        if fields.get("dts_time", "N/A") != "N/A":
            result.append({"at": at, "type": fields.get("codec_type"), "dts": float(fields["dts_time"]),
                           "flags": fields.get("flags", "")})
    return result


def packets(path, stream="v"):
    """The packets of one stream type of a recorded file: dts (s) and flags."""
    data = probe(path, "-select_streams", stream, "-show_entries", "packet=dts_time,flags")
    return [(float(p["dts_time"]), p.get("flags", "")) for p in data.get("packets", []) if "dts_time" in p]


def wait_exit(process, timeout, what):
    """Waits for a process to exit by itself and returns its code; if it is still
    running after the timeout, stops it and fails saying what was expected."""
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        raise AssertionError(f"expected {what} within {timeout} s; it was still running") from None


def ended_ok(process, timeout, what):
    """Waits (bounded) for an ffmpeg peer to finish and fails unless it exited 0."""
    code = wait_exit(process, timeout, what)
    assert code == 0, f"expected {what} with exit code 0; it exited {code}: {process.stderr.read()[-500:]!r}"


def wait_until(predicate, timeout, what):
    """Polls `predicate` every 100 ms until it holds; fails after the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"expected {what} within {timeout} s; it did not happen")


def wait_for_stream(server, name="live/test", timeout=15):
    """Waits until the stream plays: ffprobe sees its video."""
    said = ["nothing"]

    def playable():
        try:
            result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_streams", server.url(name)],
                                    capture_output=True, timeout=5, text=True)
        except subprocess.TimeoutExpired:
            said[0] = "no answer within 5 s"
            return False
        said[0] = f"exit {result.returncode} {result.stderr.strip()[-300:]!r}"
        return result.returncode == 0 and '"codec_type": "video"' in result.stdout
    try:
        wait_until(playable, timeout, f"ffprobe to see video on {server.url(name)}")
    except AssertionError as error:
        raise AssertionError(f"{error}; the last ffprobe said: {said[0]}") from None


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
            kind = "" if isinstance(error, AssertionError) else f"{type(error).__name__}: "
            print(f"FAIL {test.__name__}: {kind}{error}", flush=True)
    print(f"{len(tests) - failed} passed, {failed} failed")
    raise SystemExit(1 if failed else 0)
