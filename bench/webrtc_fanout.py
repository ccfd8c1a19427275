"""WebRTC fan-out: N WHEP viewers against the same N HTTP-FLV viewers of one stream, on one
rtsedge. For each protocol and N a fresh rtsedge (Release build), the 2 Mbit/s 720p30
fixture of scripts/bench-fixture published by rtsbench over RTMP (SEI capture stamps in
every video frame; AAC audio, which WHEP viewers get as Opus from the stream's one
transcoder), then `rtsbench play` with N players for --seconds, all started at once.

Per run: rtsedge's CPU (/proc/PID/stat utime+stime over the players' run, as a share of
one core and per viewer-minute), its peak RSS (VmHWM: the process is fresh) and the RSS
growth per viewer, what the players got (Mbit/s, video frames), stalls, first frame and
end-to-end latency p50/p95, failed players, and rtsbench's own CPU share (the load
generator shares the machine). Then the marginal CPU per viewer of each protocol (the
slope between the smallest and largest N, so fixed costs such as the Opus transcoder drop
out) and WebRTC's over HTTP-FLV's.

Usage: python3 bench/webrtc_fanout.py [--viewers 50,100,200] [--seconds 20] [--build build]
       [--fixture F.flv] [--markdown F] [--json F]"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "bench"))

PROTOCOLS = ("whep", "http-flv")
BITRATE = 2_064_000  # the fixture's video (2 Mbit/s) and audio (64 kbit/s)


def server_config():
    return ("viewers:\n  queue_soft_limit: 2s\n  queue_hard_limit: 10s\nrtmp:\n  max_connections: 20000\n"
            "http:\n  max_connections: 20000\n")


class RssSampler:
    """Samples a process's RSS every 0.2 s in a thread: the peak during the players' run."""

    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        from side_by_side import rss_mb
        while not self.done.wait(0.2):
            try:
                self.peak = max(self.peak, rss_mb([self.pid]))
            except FileNotFoundError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.done.set()
        self.thread.join()


def one_run(rtsbench, fixture, protocol, viewers, seconds, folder):
    from harness import Server, stop, wait_until
    from side_by_side import cpu_seconds, rss_mb
    with Server(config=server_config()) as server:
        source = subprocess.Popen([rtsbench, "publish", "--url", server.url("live/bench"), "--file", fixture],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: server.get("/api/v1/streams/live/bench")[0] == 200, 20, "the bench stream")
            time.sleep(3)  # a GOP in the cache, the stream at its steady rate
            pid = server.process.pid
            url = (f"http://127.0.0.1:{server.http_port}/whep/live/bench" if protocol == "whep"
                   else server.flv_url("live/bench"))
            out = Path(folder) / f"{protocol}-{viewers}.json"
            rss_before = rss_mb([pid])
            cpu_before = cpu_seconds([pid])
            started = time.monotonic()
            with RssSampler(pid) as sampler:
                player = subprocess.run([rtsbench, "play", "--url", url, "--players", str(viewers), "--duration",
                                         str(seconds), "--json", str(out), "--label", protocol],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        timeout=seconds + 120)
                # The players' run is over when rtsbench exits, WHEP DELETEs included.
                cpu = cpu_seconds([pid]) - cpu_before
                wall = time.monotonic() - started
            if player.returncode != 0 or not out.exists():
                raise RuntimeError(f"rtsbench {protocol} {viewers}: exit {player.returncode}: "
                                   f"{player.stderr[-500:]}")
            summary = json.loads(out.read_text())
            counters = server_counters(server)
            return {
                "server_counters": counters,
                "protocol": protocol, "viewers": viewers, "summary": summary,
                "server_cpu_seconds": cpu, "server_cpu_share": cpu / wall, "wall_seconds": wall,
                "cpu_ms_per_viewer_minute": cpu * 1000 / (viewers * summary["wall_seconds"] / 60),
                "peak_rss_mb": sampler.peak, "rss_growth_kib_per_viewer": (sampler.peak - rss_before) * 1024 / viewers,
                "expected_mbps": viewers * BITRATE / 1e6,
            }
        finally:
            stop(source)


# What rtsedge itself says about the run's delivery: sums of /metrics samples by prefix.
SERVER_COUNTERS = {
    "udp_send_drops": 'rtsedge_webrtc_datagrams_dropped_total{reason="send_buffer_full"}',
    "nacks_received": "rtsedge_webrtc_nacks_received_total",
    "retransmitted": "rtsedge_webrtc_retransmitted_packets_total",
    "lost_reported": 'rtsedge_webrtc_packets_lost_total{direction="sent"}',
    "viewer_skips": "rtsedge_viewer_skips_total",
}


def server_counters(server):
    _, _, body = server.get("/metrics")
    lines = [line for line in body.decode().splitlines() if not line.startswith("#")]
    return {key: sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix))
            for key, prefix in SERVER_COUNTERS.items()}


def cell(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def row(r):
    s = r["summary"]
    frames = s["video_frames"]["total"]
    per_viewer_fps = frames / r["viewers"] / s["wall_seconds"]
    return (f"| {r['protocol']} | {r['viewers']} | {r['server_cpu_share'] * 100:.1f} % | "
            f"{r['cpu_ms_per_viewer_minute']:.1f} | {r['peak_rss_mb']:.0f} | {r['rss_growth_kib_per_viewer']:.0f} | "
            f"{s['throughput_mbps']:.0f} / {r['expected_mbps']:.0f} | {frames} ({per_viewer_fps:.1f}/s each) | "
            f"{s['stalls']} | {cell(s['first_frame_ms']['p50'])} / {cell(s['first_frame_ms']['p99'])} | "
            f"{cell(s['latency_ms']['p50'], 2)} / {cell(s['latency_ms']['p95'], 2)} | {s['players']['failed']} | "
            f"{s['tool_cpu_seconds'] / s['wall_seconds'] * 100:.0f} % |")


def marginal(results, protocol):
    """CPU seconds per viewer-second between the smallest and largest N: fixed costs drop out."""
    runs = sorted((r for r in results if r["protocol"] == protocol), key=lambda r: r["viewers"])
    if len(runs) < 2:
        return None
    low, high = runs[0], runs[-1]
    per_second = lambda r: r["server_cpu_seconds"] / r["summary"]["wall_seconds"]  # noqa: E731
    return (per_second(high) - per_second(low)) / (high["viewers"] - low["viewers"])


def report(results):
    lines = ["| protocol | viewers | rtsedge CPU (of one core) | CPU ms per viewer-minute | peak RSS MB | "
             "RSS KiB per viewer | Mbit/s got / expected | video frames delivered | stalls | "
             "first frame ms p50 / p99 | latency ms p50 / p95 | failed | rtsbench CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row(r) for r in sorted(results, key=lambda r: (r["viewers"], r["protocol"]))]
    lines += ["", "| protocol | viewers | " + " | ".join(SERVER_COUNTERS) + " |",
              "|---|---|" + "---|" * len(SERVER_COUNTERS)]
    for r in sorted(results, key=lambda r: (r["viewers"], r["protocol"])):
        lines.append(f"| {r['protocol']} | {r['viewers']} | " +
                     " | ".join(f"{r['server_counters'][key]:.0f}" for key in SERVER_COUNTERS) + " |")
    whep, flv = marginal(results, "whep"), marginal(results, "http-flv")
    if whep is not None and flv is not None:
        ratio = f"{whep / flv:.1f}" if flv > 0 else "n/a (no HTTP-FLV slope: raise N or --seconds)"
        lines += ["", f"Marginal rtsedge CPU per viewer (slope between the smallest and largest N): WHEP "
                      f"{whep * 1000:.2f} ms per viewer-second ({whep * 100:.2f} % of a core), HTTP-FLV "
                      f"{flv * 1000:.2f} ms ({flv * 100:.2f} %): WHEP / HTTP-FLV = {ratio}."]
        for n in sorted({r["viewers"] for r in results}):
            pair = {r["protocol"]: r for r in results if r["viewers"] == n}
            if len(pair) == 2 and pair["http-flv"]["server_cpu_seconds"] > 0:
                lines.append(f"- {n} viewers: WHEP / HTTP-FLV rtsedge CPU = "
                             f"{pair['whep']['server_cpu_seconds'] / pair['http-flv']['server_cpu_seconds']:.1f}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", default="50,100,200")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--build", default=str(ROOT / "build"), help="the build folder (a Release build)")
    parser.add_argument("--fixture", help="default: BUILD/bench-fixtures/720p30.flv, made by scripts/bench-fixture")
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--json", help="write every run's figures to this file")
    args = parser.parse_args()
    build = Path(args.build).resolve()
    os.environ["RTSEDGE_BIN"] = str(build / "rtsedge")  # read by the harness when imported
    rtsbench = str(build / "bench" / "rtsbench")
    fixture = args.fixture or str(build / "bench-fixtures" / "720p30.flv")
    if not Path(fixture).exists():
        subprocess.run([str(ROOT / "scripts" / "bench-fixture"), fixture], check=True, stdout=subprocess.DEVNULL)
    results = []
    with tempfile.TemporaryDirectory(prefix="rtsedge-webrtc-fanout-") as folder:
        for n in (int(v) for v in args.viewers.split(",")):
            for protocol in args.protocols.split(","):
                result = one_run(rtsbench, fixture, protocol, n, args.seconds, folder)
                print(row(result), flush=True)
                results.append(result)
    text = report(results)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
