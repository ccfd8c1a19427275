"""rtsedge and nginx-rtmp side by side on this machine, one run: the same 2 Mbit/s
720p30 stream published to each (rtsbench publish, SEI capture stamps in every video
frame), the same rtsbench players against each in turn, and the raw fan-out ceiling
(bench/ceiling/fanout_ceiling: one process writing the bytes to N sockets, nothing else).

For each server and N: server CPU seconds per viewer-minute (/proc, all its threads and
processes), peak RSS, throughput delivered vs expected, first-frame and latency p50/p99,
stall ratio, failed players; then the ratios rtsedge / nginx-rtmp and rtsedge / ceiling.

Usage (scripts/bench runs it): python3 bench/side_by_side.py [--viewers 100,500,1000,2000]
       [--seconds 20] [--markdown FILE]"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import Server, free_port, stop, wait_until  # noqa: E402

RTSBENCH = BUILD / "bench" / "rtsbench"
CEILING = BUILD / "bench" / "fanout_ceiling"
NGINX = "/usr/sbin/nginx"
BITRATE = 2_064_000  # the fixture's video (2 Mbit/s) and audio (64 kbit/s)


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except FileNotFoundError:
            pass
    return total


def peak_rss_mb(pids):
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def rss_mb(pids):
    return sum(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) for pid in pids) * os.sysconf(
        "SC_PAGE_SIZE") / 2**20


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def play(url, viewers, seconds, label, folder):
    """Runs rtsbench players; returns (their JSON summary, server CPU and memory figures)."""
    out = Path(folder) / f"{label}-{viewers}.json"
    process = subprocess.Popen([str(RTSBENCH), "play", "--url", url, "--players", str(viewers), "--duration",
                                str(seconds), "--json", str(out), "--label", label],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    code = process.wait(seconds + 120)
    if code != 0 or not out.exists():
        raise RuntimeError(f"rtsbench {label} {viewers}: exit {code}: {process.stderr.read()[-500:]}")
    return json.loads(out.read_text())


def measure(pids_of, url, viewers, seconds, label, folder):
    pids = pids_of()
    rss_before = rss_mb(pids)
    cpu_before = cpu_seconds(pids)
    started = time.monotonic()
    summary = play(url, viewers, seconds, label, folder)
    wall = time.monotonic() - started
    cpu = cpu_seconds(pids_of()) - cpu_before
    watched_minutes = viewers * summary["wall_seconds"] / 60
    return {
        "label": label, "viewers": viewers, "summary": summary,
        "cpu_per_viewer_minute": cpu / watched_minutes if watched_minutes else 0.0,
        "server_cpu_share": cpu / wall,
        "peak_rss_mb": peak_rss_mb(pids_of()),
        "rss_growth_kib_per_viewer": (rss_mb(pids_of()) - rss_before) * 1024 / viewers,
        "expected_mbps": viewers * BITRATE / 1e6,
    }


def publisher(url, fixture):
    return subprocess.Popen([str(RTSBENCH), "publish", "--url", url, "--file", str(fixture)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_rtsedge(viewers, seconds, fixture, folder):
    results = []
    config = "viewers:\n  queue_soft_limit: 2s\n  queue_hard_limit: 10s\nrtmp:\n  max_connections: 20000\n" \
             "http:\n  max_connections: 20000\n"
    with Server(config=config) as server:
        source = publisher(server.url("live/bench"), fixture)
        try:
            wait_until(lambda: server.get("/api/v1/streams/live/bench")[0] == 200, 20, "the bench stream on rtsedge")
            time.sleep(3)  # a GOP in the cache
            pid = server.process.pid
            for n in viewers:
                results.append(measure(lambda: [pid], server.url("live/bench"), n, seconds, "rtsedge-rtmp", folder))
                results.append(measure(lambda: [pid], server.flv_url("live/bench"), n, seconds, "rtsedge-flv",
                                       folder))
        finally:
            stop(source)
    return results


def run_nginx(viewers, seconds, fixture, folder):
    port = free_port()
    conf = Path(folder) / "nginx.conf"
    conf.write_text((ROOT / "bench" / "nginx-rtmp.conf").read_text().replace("@DIR@", folder)
                    .replace("@PORT@", str(port)))
    master = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results = []
    url = f"rtmp://127.0.0.1:{port}/live/bench"
    try:
        time.sleep(1)
        source = publisher(url, fixture)
        try:
            time.sleep(4)
            for n in viewers:
                results.append(measure(lambda: [master.pid] + children(master.pid), url, n, seconds, "nginx-rtmp",
                                       folder))
        finally:
            stop(source)
    finally:
        stop(master, sig=signal.SIGQUIT)
    return results


def run_ceiling(viewers, seconds):
    results = []
    for n in viewers:
        port = free_port()
        serve = subprocess.Popen([str(CEILING), "serve", str(port), str(n), str(seconds), str(BITRATE)],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        drain = subprocess.Popen([str(CEILING), "drain", str(port), str(n), str(seconds + 5)])
        out, _ = serve.communicate(timeout=seconds + 60)
        stop(drain)
        figures = json.loads(out.strip().splitlines()[-1])
        results.append({"label": "ceiling", "viewers": n, "cpu_per_viewer_minute":
                        figures["cpu_seconds_per_viewer_minute"], "mbps": figures["mbit_per_s"]})
    return results


def row(result):
    s = result["summary"]
    return (f"| {result['label']} | {result['viewers']} | {result['cpu_per_viewer_minute'] * 1000:.2f} | "
            f"{result['peak_rss_mb']:.0f} | {result['rss_growth_kib_per_viewer']:.0f} | "
            f"{s['throughput_mbps']:.0f} / {result['expected_mbps']:.0f} | "
            f"{s['first_frame_ms']['p50']:.1f} / {s['first_frame_ms']['p99']:.1f} | "
            f"{s['latency_ms']['p50']:.1f} / {s['latency_ms']['p99']:.1f} | {s['stall_ratio'] * 100:.2f}% | "
            f"{s['players']['failed']} | {s['tool_cpu_seconds'] / s['wall_seconds'] * 100:.0f}% |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", default="100,500,1000,2000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--fixture", default=str(BUILD / "bench-fixtures" / "720p30.flv"))
    parser.add_argument("--markdown", help="also write the tables to this file")
    args = parser.parse_args()
    viewers = [int(v) for v in args.viewers.split(",")]
    with tempfile.TemporaryDirectory(prefix="rtsedge-bench-") as folder:
        rtsedge = run_rtsedge(viewers, args.seconds, args.fixture, folder)
        nginx = run_nginx(viewers, args.seconds, args.fixture, folder) if os.path.exists(NGINX) else []
        ceiling = run_ceiling(viewers, args.seconds)
    lines = ["| server | viewers | CPU ms per viewer-minute | peak RSS MB | RSS KiB per viewer | Mbit/s got / "
             "expected | first frame ms p50 / p99 | latency ms p50 / p99 | stall ratio | failed | rtsbench CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row(r) for r in rtsedge + nginx]
    lines += ["", "| viewers | rtsedge RTMP / nginx-rtmp CPU | rtsedge RTMP / ceiling CPU | rtsedge HTTP-FLV / "
              "ceiling CPU | ceiling CPU ms per viewer-minute |", "|---|---|---|---|---|"]
    for n in viewers:
        ours = next(r for r in rtsedge if r["viewers"] == n and r["label"] == "rtsedge-rtmp")
        flv = next(r for r in rtsedge if r["viewers"] == n and r["label"] == "rtsedge-flv")
        theirs = next((r for r in nginx if r["viewers"] == n), None)
        floor = next(r for r in ceiling if r["viewers"] == n)
        versus = f"{ours['cpu_per_viewer_minute'] / theirs['cpu_per_viewer_minute']:.2f}" if theirs else "n/a"
        lines.append(f"| {n} | {versus} | {ours['cpu_per_viewer_minute'] / floor['cpu_per_viewer_minute']:.2f} | "
                     f"{flv['cpu_per_viewer_minute'] / floor['cpu_per_viewer_minute']:.2f} | "
                     f"{floor['cpu_per_viewer_minute'] * 1000:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")


if __name__ == "__main__":
    main()
