"""Soak: one rtsedge, publishers and viewers joining and leaving over every protocol
for a given time, while its memory and file descriptors are sampled once a second.

Passes when, after the warm-up, RSS stays within RSS_GROWTH_LIMIT of what it was at
the end of the warm-up; when every descriptor is returned once all clients left; and
when the log holds no error the soak did not provoke. Publishers copy a pre-encoded
clip (no encoding), so the load is rtsedge's, not ffmpeg's.

    python3 tests/integration/soak.py SECONDS [CSV]     (scripts/soak wraps it)
"""

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from harness import Server, stop, wait_until

ROOT = Path(__file__).resolve().parents[2]
RSS_GROWTH_LIMIT_KIB = 16 * 1024  # documented in docs/reliability.md
STREAMS = ("live/soak0", "live/soak1", "live/soak2")  # 0, 1 over RTMP; 2 over SRT
MAX_VIEWERS = 12
VIEWER_LIFETIME = (2.0, 12.0)
PUBLISHER_LIFETIME = (15.0, 40.0)


def sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def sanitized():
    """Whether rtsedge runs under ASan, whose quarantine keeps freed memory by design (up
    to 256 MiB): there RSS says nothing about leaks, which LeakSanitizer reports at exit."""
    from harness import RTSEDGE
    linked = subprocess.run(["ldd", RTSEDGE], capture_output=True, text=True, timeout=10).stdout
    return "libasan" in linked


def fixture():
    return subprocess.run([str(ROOT / "scripts" / "bench-fixture")], capture_output=True, text=True,
                          check=True, timeout=300).stdout.strip()


class Soak:
    def __init__(self, server, clip, rng):
        self.server, self.clip, self.rng = server, clip, rng
        self.publishers = {}  # stream -> (process, leaves at)
        self.viewers = []     # (process, leaves at)
        self.joined = {"publishers": 0, "viewers": 0}

    def publish(self, stream):
        srt = stream.endswith("2")
        target = (["-f", "mpegts", self.server.srt_url(stream, "publish")] if srt
                  else ["-f", "flv", self.server.url(stream)])
        process = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                                    "-i", self.clip, "-c", "copy", *target],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.publishers[stream] = (process, time.monotonic() + self.rng.uniform(*PUBLISHER_LIFETIME))
        self.joined["publishers"] += 1

    def view(self):
        stream = self.rng.choice(STREAMS)
        url = self.rng.choice([self.server.url(stream), self.server.flv_url(stream), self.server.ts_url(stream),
                               self.server.srt_url(stream)])
        process = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-rw_timeout", "5000000",
                                    "-i", url, "-c", "copy", "-f", "null", "-"],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.viewers.append((process, time.monotonic() + self.rng.uniform(*VIEWER_LIFETIME)))
        self.joined["viewers"] += 1

    def churn(self):
        now = time.monotonic()
        for stream in STREAMS:
            process, leaves = self.publishers.get(stream, (None, 0))
            if process is None or now >= leaves or process.poll() is not None:
                if process is not None:
                    stop(process)
                self.publish(stream)
        staying = []
        for process, leaves in self.viewers:
            if now >= leaves or process.poll() is not None:
                stop(process)
            else:
                staying.append((process, leaves))
        self.viewers = staying
        while len(self.viewers) < MAX_VIEWERS and self.rng.random() < 0.5:
            self.view()

    def leave(self):
        for process, _ in self.viewers:
            stop(process)
        for process, _ in self.publishers.values():
            stop(process)
        self.viewers, self.publishers = [], {}


def run(seconds, csv_path=None, seed=1):
    clip = fixture()
    warmup = max(15.0, seconds * 0.25)
    config = "streams:\n  source_grace: 2s\nsrt:\n  idle_timeout: 5s\n"
    with Server(config=config) as server:
        pid = server.process.pid
        time.sleep(0.5)
        baseline_fds = sample(pid)[1]
        soak = Soak(server, clip, random.Random(seed))
        samples = []
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                soak.churn()
                rss, fds = sample(pid)
                samples.append((time.monotonic() - started, rss, fds, len(soak.viewers)))
                time.sleep(1)
        finally:
            soak.leave()
        assert server.alive(), f"rtsedge died during the soak:\n{server.log_tail()}"
        left = [0]

        def descriptors_back():
            left[0] = sample(pid)[1]
            return left[0] <= baseline_fds
        try:
            wait_until(descriptors_back, 20, "file descriptors back to the baseline once every client left")
        except AssertionError:
            raise AssertionError(f"expected {baseline_fds} open descriptors after the soak, as before it; "
                                 f"{left[0]} are open") from None
        log = server.log()
        errors = [line for line in log.splitlines() if " error " in line or " critical " in line]
        metrics = server.get("/metrics")[2].decode()
        protocol_errors = sum(float(line.split()[-1]) for line in metrics.splitlines()
                              if line.startswith("rtsedge_protocol_errors_total{"))
    if csv_path:
        with open(csv_path, "w") as out:
            out.write("seconds,rss_kib,fds,viewers\n")
            out.writelines(f"{t:.1f},{rss},{fds},{viewers}\n" for t, rss, fds, viewers in samples)
    after_warmup = [rss for t, rss, _, _ in samples if t >= warmup]
    at_warmup = after_warmup[0] if after_warmup else samples[-1][1]
    growth = max(after_warmup, default=at_warmup) - at_warmup
    report = (f"soak {seconds:.0f} s: {soak.joined['publishers']} publishes, {soak.joined['viewers']} viewers joined; "
              f"RSS {samples[0][1]} KiB at start, {at_warmup} KiB after {warmup:.0f} s of warm-up, "
              f"peak {max(r for _, r, _, _ in samples)} KiB, growth after warm-up {growth} KiB "
              f"(limit {RSS_GROWTH_LIMIT_KIB}); descriptors {baseline_fds} before, {left[0]} after")
    print(report, flush=True)
    assert not errors, "expected no error in the log; got:\n" + "\n".join(errors[:20])
    assert protocol_errors == 0, f"expected no protocol error; {protocol_errors} counted"
    if sanitized():
        print("under ASan: RSS not judged (the quarantine holds freed memory); leaks are LeakSanitizer's",
              flush=True)
    else:
        assert growth <= RSS_GROWTH_LIMIT_KIB, f"expected RSS flat after the warm-up; {report}"
    return report


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    run(float(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
