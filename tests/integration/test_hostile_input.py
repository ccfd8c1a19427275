"""Hostile peers on the RTMP port: each is closed with a logged, counted reason,
while a live stream and its viewer carry on undisturbed."""

import os
import socket
import tempfile
import time
from pathlib import Path

from harness import (Server, ended_ok, packets, publish, record, run_tests, sanitized, stop, wait_for_stream,
                     wait_until)
from rtmp_client import RawClient, command, message

RANDOM_CONNECTIONS = 20
CONFIG = """rtmp:
  handshake_timeout: 1s
  max_message_size: 64KiB
viewers:
  queue_soft_limit: 500ms
  queue_hard_limit: 2s
"""


def attack(server):
    port = server.rtmp_port
    sizes = (1, 2, 100, 1537, 5000, 20000)  # random bytes of every size class
    for i in range(RANDOM_CONNECTIONS):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(os.urandom(sizes[i % len(sizes)]))
    # C0 only, C0 and half of C1, a bad version byte.
    for payload in (b"\x03", b"\x03" + os.urandom(768), b"\x06" + os.urandom(1536)):
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(payload)
            time.sleep(0.05)
    hostile_after_handshake = [
        os.urandom(4000),                                                   # garbage chunks
        bytes([0x06]) + b"\x00\x00\x00" + b"\x10\x00\x00" + b"\x09" + bytes(4),  # 1 MiB message > 64 KiB limit
        message(1, b"\x00\x00\x00\x00", csid=2),                            # chunk size 0
        message(20, b"\x02\x00\x07connect\x11\x22"),                        # AMF3 switch in AMF0: malformed
        command("publish", 5, None, "x"),                                   # publish before connect
    ]
    for payload in hostile_after_handshake:
        client = RawClient(port)
        client.handshake()
        client.send(payload)
        assert client.closed_by_server(10), \
            f"expected the server to close a hostile session within 10 s; it kept it open: {payload[:20]!r}"
        client.close()


def test_hostile_peers_do_not_disturb_a_live_stream():
    with Server(CONFIG) as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            out = Path(folder) / "viewer.flv"
            viewer = record(server.url(), out, 8)
            time.sleep(1)
            attack(server)
            # A client that completes the handshake and then goes silent.
            silent = RawClient(server.rtmp_port)
            silent.handshake()
            assert silent.closed_by_server(3), \
                "expected a silent client closed by the 1 s handshake timeout; still open after 3 s"
            silent.close()
            ended_ok(viewer, 40, "the viewer to record 8 s through the attack")
            dts = [d for d, _ in packets(out, "v")]
            span = dts[-1] - dts[0] if dts else 0
            assert span > 6, f"expected ~8 s of video through the attack; got {span:.1f} s"
            gap = max(b - a for a, b in zip(dts, dts[1:]))
            assert gap < 0.5, f"expected no stall during the attack; the video stalled for {gap:.2f} s"
            log = server.log()
            closed = log.count("(protocol_error)")
            assert closed >= 5, f"expected >= 5 sessions closed with (protocol_error); got {closed}:\n" \
                                f"{server.log_tail(60)}"
            for expected in ("(timeout)", "unsupported RTMP version 6"):
                assert expected in log, f"expected {expected!r} in the log:\n{server.log_tail(60)}"
            assert server.alive(), f"expected rtsedge running; it exited {server.process.poll()}"
            assert publisher.poll() is None, f"expected the publisher running; it exited {publisher.poll()}"
            metrics = server.get("/metrics")[2].decode()
            for kind in ("handshake", "chunk", "command"):
                series = f'rtsedge_protocol_errors_total{{protocol="rtmp",kind="{kind}"}}'
                assert series in metrics, f"expected {series} counted; metrics:\n{metrics}"
        finally:
            stop(publisher)


def test_a_viewer_that_never_reads_is_dropped_alone():
    with Server(CONFIG) as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url(), extra=("-b:v", "4M"))
        try:
            wait_for_stream(server)
            stuck = RawClient(server.rtmp_port, receive_buffer=4096)
            stuck.handshake()
            stuck.play("live", "test")  # and never reads again
            out = Path(folder) / "healthy.flv"
            healthy = record(server.url(), out, 6)
            wait_until(lambda: "(slow_viewer)" in server.log(), 30, "the stuck viewer closed as (slow_viewer)")
            ended_ok(healthy, 40, "the healthy viewer to record 6 s")
            dts = [d for d, _ in packets(out, "v")]
            span = dts[-1] - dts[0] if dts else 0
            assert span > 4.5, f"expected ~6 s of video for the healthy viewer; got {span:.1f} s"
            stuck.close()
        finally:
            stop(publisher)


HEADER_FLOOD_BYTES = 256 * 1024 * 1024


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_flood_of_chunk_headers_without_payload():
    """A publisher that sends 256 MiB of chunk headers declaring empty audio messages,
    on every chunk stream id: nothing accumulates, the live stream next to it plays."""
    with Server(CONFIG) as server, tempfile.TemporaryDirectory() as folder:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            out = Path(folder) / "viewer.flv"
            viewer = record(server.url(), out, 8)
            flooder = RawClient(server.rtmp_port)
            flooder.handshake()
            flooder.send(command("connect", 1, {"app": "live", "tcUrl": "rtmp://127.0.0.1/live"}))
            flooder.send(command("createStream", 2, None))
            flooder.send(command("publish", 0, None, "flood", "live", stream_id=1))
            # Type-0 headers, length 0, audio, chunk stream ids 3..63 in turn.
            block = b"".join(bytes([csid]) + bytes(3) + bytes(3) + b"\x08" + b"\x01\x00\x00\x00"
                             for csid in range(3, 64)) * 1024
            before = rss_kib(server.process.pid)
            sent = 0
            while sent < HEADER_FLOOD_BYTES:
                flooder.send(block)
                sent += len(block)
            grown = rss_kib(server.process.pid) - before
            # ASan's quarantine keeps freed blocks: 18.7 MiB once under it, in CI.
            limit = (48 if sanitized() else 16) * 1024
            assert grown < limit, f"expected memory bounded under {sent >> 20} MiB of headers; RSS grew {grown} KiB"
            flooder.close()
            ended_ok(viewer, 40, "the viewer to record 8 s through the flood")
            dts = [d for d, _ in packets(out, "v")]
            assert dts and dts[-1] - dts[0] > 6, "expected ~8 s of video next to the flood"
            assert server.alive()
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_hostile_peers_do_not_disturb_a_live_stream, test_a_viewer_that_never_reads_is_dropped_alone,
               test_a_flood_of_chunk_headers_without_payload])
