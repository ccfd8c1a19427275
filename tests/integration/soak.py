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
HEAP_LEFT_LIMIT_KIB = 1024  # heap still allocated once everyone left, over what it was before
STREAMS = ("live/soak0", "live/soak1", "live/soak2")  # 0, 1 over RTMP; 2 over SRT
MAX_VIEWERS = 12
VIEWER_LIFETIME = (2.0, 12.0)
PUBLISHER_LIFETIME = (15.0, 40.0)


def sample(pid):
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def heap_kib(server):
    """The C heap's allocated and free KiB from /metrics: a leak grows the first, the
    allocator's high-water mark only the second (and RSS)."""
    values = {}
    for line in server.get("/metrics")[2].decode().splitlines():
        name, _, value = line.partition(" ")
        if name in ("rtsedge_heap_allocated_bytes", "rtsedge_heap_free_bytes"):
            values[name] = int(float(value)) // 1024
    return values["rtsedge_heap_allocated_bytes"], values["rtsedge_heap_free_bytes"]


def sanitized():
    """Whether rtsedge runs under ASan, whose quarantine keeps freed memory by design (up
    to 256 MiB): there RSS says nothing about leaks, which LeakSanitizer reports at exit."""
    from harness import RTSEDGE
    linked = subprocess.run(["ldd", RTSEDGE], capture_output=True, text=True, timeout=10).stdout
    return "libasan" in linked


def settles(read, limit, what):
    """Waits up to 20 s for read() to come down to limit; returns the last reading."""
    last = [None]

    def back():
        last[0] = read()
        return last[0] <= limit
    try:
        wait_until(back, 20, what)
    except AssertionError:
        raise AssertionError(f"expected at most {limit} {what}, as before the soak; {last[0]}") from None
    return last[0]


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
        baseline_heap = heap_kib(server)[0]
        soak = Soak(server, clip, random.Random(seed))
        samples = []
        started = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                soak.churn()
                rss, fds = sample(pid)
                samples.append((time.monotonic() - started, rss, fds, len(soak.viewers), *heap_kib(server)))
                time.sleep(1)
        finally:
            soak.leave()
        assert server.alive(), f"rtsedge died during the soak:\n{server.log_tail()}"
        fds_left = settles(lambda: sample(pid)[1], baseline_fds, "open descriptors once every client left")
        # A leak keeps its memory once the streams and sessions that held it are gone;
        # ASan's allocator is not glibc's, whose figures these are.
        heap_left = (heap_kib(server)[0] if sanitized() else
                     settles(lambda: heap_kib(server)[0], baseline_heap + HEAP_LEFT_LIMIT_KIB,
                             "KiB of heap allocated once every client left"))
        log = server.log()
        errors = [line for line in log.splitlines() if " error " in line or " critical " in line]
        metrics = server.get("/metrics")[2].decode()
        protocol_errors = [line for line in metrics.splitlines()
                           if line.startswith("rtsedge_protocol_errors_total{") and float(line.split()[-1]) > 0]
        warnings = [line for line in log.splitlines() if " warning " in line]
    if csv_path:
        with open(csv_path, "w") as out:
            out.write("seconds,rss_kib,fds,viewers,heap_allocated_kib,heap_free_kib\n")
            out.writelines(",".join(map(str, (f"{row[0]:.1f}", *row[1:]))) + "\n" for row in samples)

    def growth_after_warmup(column):
        after = [row[column] for row in samples if row[0] >= warmup] or [samples[-1][column]]
        return after[0], max(after) - after[0]
    at_warmup, growth = growth_after_warmup(1)
    heap_at_warmup, heap_growth = growth_after_warmup(4)
    report = (f"soak {seconds:.0f} s: {soak.joined['publishers']} publishes, {soak.joined['viewers']} viewers joined; "
              f"RSS {samples[0][1]} KiB at start, {at_warmup} KiB after {warmup:.0f} s of warm-up, "
              f"peak {max(row[1] for row in samples)} KiB, growth after warm-up {growth} KiB "
              f"(limit {RSS_GROWTH_LIMIT_KIB}); heap allocated {heap_at_warmup} KiB after warm-up, "
              f"peak {max(row[4] for row in samples)} KiB, growth after warm-up {heap_growth} KiB; "
              f"descriptors {baseline_fds} before, {fds_left} after; heap allocated {baseline_heap} KiB before, "
              f"{heap_left} KiB after")
    print(report, flush=True)
    assert not errors, "expected no error in the log; got:\n" + "\n".join(errors[:20])
    assert not protocol_errors, ("expected no protocol error; counted:\n" + "\n".join(protocol_errors) +
                                 "\nwarnings in the log:\n" + "\n".join(warnings[-20:]))
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
