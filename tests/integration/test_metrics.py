"""Metrics as Prometheus sees them: promtool accepts a live scrape, the delivery
histograms count what the test delivered, and a real Prometheus scrapes rtsedge."""

import json
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from stamped_publisher import StampedPublisher
from harness import Server, free_port, publish, run_tests, stop, wait_for_port, wait_for_stream, wait_until


def sample(text, name):
    """The value of one series line, e.g. 'rtsedge_first_frame_seconds_count{protocol="rtmp"}'."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def test_live_scrape_passes_promtool_and_counts_deliveries():
    with Server() as server:
        publisher = publish(server.url())
        viewers = []
        try:
            wait_for_stream(server)
            for _ in range(3):
                s = socket.create_connection(("127.0.0.1", server.http_port))
                s.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                viewers.append(s)
            for s in viewers:
                s.settimeout(5)
                s.recv(65536)
            time.sleep(2)
            text = server.get("/metrics")[2].decode()
            check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                                   timeout=30)
            assert check.returncode == 0, check.stdout + check.stderr
            # wait_for_stream's ffprobe plays over RTMP; the three viewers over HTTP-FLV.
            assert sample(text, 'rtsedge_first_frame_seconds_count{protocol="http-flv"}') == 3, text
            relayed = sample(text, 'rtsedge_relay_latency_seconds_count{protocol="http-flv"}')
            assert relayed and relayed > 3 * 20, f"relay latency observations: {relayed}"
            latency_sum = sample(text, 'rtsedge_relay_latency_seconds_sum{protocol="http-flv"}')
            assert latency_sum / relayed < 0.1, f"mean relay latency {latency_sum / relayed:.3f} s on loopback"
            assert sample(text, "process_resident_memory_bytes") > 1e6
            received = sample(text, 'rtsedge_received_frames_total{protocol="rtmp"}')
            sent = sample(text, 'rtsedge_sent_frames_total{protocol="http-flv"}')
            assert received > 100 and sent > 3 * 40, f"frames in {received}, out to 3 viewers {sent}"
            assert sample(text, 'rtsedge_connections_accepted_total{protocol="http-flv"}') >= 4
            check_dashboard_and_rules(text)
        finally:
            for s in viewers:
                s.close()
            stop(publisher)


ROOT = Path(__file__).resolve().parents[2]


def check_dashboard_and_rules(scrape):
    """The example Prometheus files pass promtool, and every series the dashboard and
    the rules query is one rtsedge exports."""
    for command in (["promtool", "check", "config", str(ROOT / "metrics/prometheus/prometheus.yml")],
                    ["promtool", "check", "rules", str(ROOT / "metrics/prometheus/rtsedge-rules.yml")]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
    exported = set(re.findall(r"^# TYPE (\S+)", scrape, re.MULTILINE))
    queries = [target["expr"] for panel in json.loads((ROOT / "metrics/grafana/rtsedge.json").read_text())["panels"]
               for target in panel["targets"]]
    queries.append((ROOT / "metrics/prometheus/rtsedge-rules.yml").read_text())
    used = {re.sub(r"_(bucket|sum|count)$", "", name)
            for query in queries for name in re.findall(r"\b((?:rtsedge|process)_[a-z_]+)\b", query)}
    missing = sorted(used - exported)
    assert not missing, f"queried but not exported: {missing}"


def read_for(sockets, seconds):
    """Keeps viewers reading (so no stall is the viewers' fault) for `seconds`."""
    deadline = time.monotonic() + seconds
    for s in sockets:
        s.setblocking(False)
    while time.monotonic() < deadline:
        for s in sockets:
            try:
                while s.recv(262144):
                    pass
            except BlockingIOError:
                pass
        time.sleep(0.01)


def test_a_publisher_pause_is_one_ingest_gap_stall_per_viewer():
    with Server() as server:
        publisher = publish(server.url())
        viewers = []
        try:
            wait_for_stream(server)
            for _ in range(2):
                s = socket.create_connection(("127.0.0.1", server.http_port))
                s.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                viewers.append(s)
            read_for(viewers, 3)
            publisher.send_signal(signal.SIGSTOP)  # the encoder freezes: nothing reaches rtsedge
            read_for(viewers, 2)
            publisher.send_signal(signal.SIGCONT)
            read_for(viewers, 3)
            text = server.get("/metrics")[2].decode()
            # The 2 s pause is one ingest-gap stall per viewer; a shared, noisy machine may add
            # short stalls of its own, so those are bounded rather than forbidden.
            events = sample(text, 'rtsedge_stall_events_total{protocol="http-flv",cause="ingest_gap"}')
            seconds = sample(text, 'rtsedge_stall_seconds_total{protocol="http-flv",cause="ingest_gap"}')
            assert events and events >= 2, f"ingest-gap stalls for 2 viewers: {events}\n{text}"
            assert 1.4 < seconds / 2 < 2.8, f"each viewer stalled {seconds / 2:.2f} s for a 2 s pause"
            for cause in ("egress_blocked", "frames_dropped"):
                other = sample(text, f'rtsedge_stall_seconds_total{{protocol="http-flv",cause="{cause}"}}') or 0
                assert other < 0.5, f"{other:.2f} s of {cause} stalls"
            long_gaps = sample(text, "rtsedge_ingest_gap_seconds_count") - sample(
                text, 'rtsedge_ingest_gap_seconds_bucket{le="1"}')
            gap_seconds = sample(text, "rtsedge_ingest_gap_seconds_sum")
            assert long_gaps == 1 and 1.5 < gap_seconds < 3.0, f"gaps over 1 s: {long_gaps}, total {gap_seconds} s"
            watched = sample(text, 'rtsedge_watch_seconds_total{protocol="http-flv"}')
            assert 2 * 6.5 < watched < 2 * 8.5, f"watch seconds {watched} for 2 viewers over ~8 s"
        finally:
            for s in viewers:
                s.close()
            publisher.send_signal(signal.SIGCONT)
            stop(publisher)


def test_stamped_frames_give_end_to_end_latency():
    with Server("metrics:\n  per_stream: true\n  max_streams: 5\n") as server:
        publisher = StampedPublisher(server.rtmp_port)
        viewer = None
        try:
            wait_until(lambda: publisher.stamped > 10, 20, "stamped frames to be published")
            viewer = socket.create_connection(("127.0.0.1", server.http_port))
            viewer.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
            read_for([viewer], 4)
            text = server.get("/metrics")[2].decode()
            count = sample(text, 'rtsedge_e2e_latency_seconds_count{protocol="http-flv"}')
            total = sample(text, 'rtsedge_e2e_latency_seconds_sum{protocol="http-flv"}')
            assert count and count >= 50, f"end-to-end observations in 4 s of 25 fps: {count}"
            assert 0 <= total / count < 0.2, f"mean end-to-end latency {total / count:.3f} s on loopback"
            assert sample(text, 'rtsedge_stream_viewers{stream="live/test"}') == 1, text
            assert sample(text, 'rtsedge_stream_ingest_bytes_total{stream="live/test"}') > 10_000
            check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                                   timeout=30)
            assert check.returncode == 0, check.stdout + check.stderr
        finally:
            if viewer:
                viewer.close()
            publisher.stop()


def test_prometheus_scrapes_rtsedge():
    with Server() as server, tempfile.TemporaryDirectory() as folder:
        port = free_port()
        config = Path(folder) / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rtsedge\n"
                          f"    static_configs:\n      - targets: ['127.0.0.1:{server.http_port}']\n")
        prometheus = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={folder}/data",
                                       f"--web.listen-address=127.0.0.1:{port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, 30, prometheus)

            def scraped():
                url = f"http://127.0.0.1:{port}/api/v1/query?query=up{{job=%22rtsedge%22}}"
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        result = json.load(response)["data"]["result"]
                except urllib.error.HTTPError as error:
                    # Prometheus listens before its storage is ready and answers 503 until it is.
                    if error.code == 503:
                        return False
                    raise
                return bool(result) and result[0]["value"][1] == "1"
            wait_until(scraped, 30, "Prometheus to scrape rtsedge")
            url = f"http://127.0.0.1:{port}/api/v1/query?query=process_open_fds"
            with urllib.request.urlopen(url, timeout=5) as response:
                assert json.load(response)["data"]["result"], "no process_open_fds series in Prometheus"
        finally:
            stop(prometheus)


if __name__ == "__main__":
    run_tests([test_live_scrape_passes_promtool_and_counts_deliveries,
               test_a_publisher_pause_is_one_ingest_gap_stall_per_viewer, test_stamped_frames_give_end_to_end_latency,
               test_prometheus_scrapes_rtsedge])
