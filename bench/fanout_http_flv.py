"""HTTP-FLV fan-out cost: one 2.5 Mbit/s publisher, N lightweight viewers read by
one selector loop; prints rtsedge's CPU, resident memory, egress and relay
latency (from its own histogram). Usage: python3 bench/fanout_http_flv.py N [SECONDS]
(uses build/rtsedge or $RTSEDGE_BIN). The readers share the machine: on 2 cores
they, not rtsedge, bound the largest N."""

import os
import re
import selectors
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from harness import Server, publish, stop, wait_for_stream  # noqa: E402


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid):
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def metric(text, series):
    match = re.search(re.escape(series) + r" ([0-9.e+-]+)", text)
    return float(match.group(1)) if match else 0.0


def main(viewers, seconds):
    with Server() as server:
        publisher = publish(server.url(), extra=("-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "1M"))
        try:
            wait_for_stream(server)
            selector = selectors.DefaultSelector()
            received = {}
            for i in range(viewers):
                s = socket.create_connection(("127.0.0.1", server.http_port))
                s.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                s.setblocking(False)
                selector.register(s, selectors.EVENT_READ, i)
                received[i] = 0
            time.sleep(2)
            pid = server.process.pid
            cpu_before, started = cpu_seconds(pid), time.monotonic()
            while time.monotonic() - started < seconds:
                for key, _ in selector.select(0.2):
                    try:
                        received[key.data] += len(key.fileobj.recv(262144))
                    except BlockingIOError:
                        pass
            elapsed = time.monotonic() - started
            cpu = 100 * (cpu_seconds(pid) - cpu_before) / elapsed
            text = server.get("/metrics")[2].decode()
            count = metric(text, 'rtsedge_relay_latency_seconds_count{protocol="http-flv"}')
            total = metric(text, 'rtsedge_relay_latency_seconds_sum{protocol="http-flv"}')
            within = metric(text, 'rtsedge_relay_latency_seconds_bucket{protocol="http-flv",le="0.01"}')
            print(f"viewers={viewers} rtsedge_cpu={cpu:.1f}% rss={resident_mb(pid):.0f}MB "
                  f"egress={sum(received.values()) * 8 / elapsed / 1e6:.0f}Mbit/s "
                  f"slowest_viewer={min(received.values()) * 8 / elapsed / 1e6:.2f}Mbit/s "
                  f"relay_latency_mean={1000 * total / max(count, 1):.2f}ms within_10ms={within / max(count, 1):.3f}")
            for key in list(selector.get_map().values()):
                key.fileobj.close()
        finally:
            stop(publisher)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 20)
