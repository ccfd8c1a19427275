"""Hostile peers on the RTMP port: each is closed with a logged, counted reason,
while a live stream and its viewer carry on undisturbed."""

import os
import socket
import tempfile
import time
from pathlib import Path

from harness import Server, packets, publish, record, run_tests, stop, wait_for_stream, wait_until
from rtmp_client import RawClient, command, message

CONFIG = """rtmp:
  handshake_timeout: 1s
  max_message_size: 64KiB
viewers:
  queue_soft_limit: 500ms
  queue_hard_limit: 2s
"""


def attack(server):
    port = server.rtmp_port
    for size in (1, 2, 100, 1537, 5000, 20000):  # random bytes of every size class
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(os.urandom(size))
    for payload in (b"\x03", b"\x03" + os.urandom(700), b"\x06" + os.urandom(1536)):  # truncated, bad version
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
        assert client.closed_by_server(10), f"the server kept a hostile session open: {payload[:20]!r}"
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
            assert silent.closed_by_server(5), "a silent client outlived the 1 s handshake timeout"
            silent.close()
            assert viewer.wait(40) == 0, viewer.stderr.read()
            dts = [d for d, _ in packets(out, "v")]
            assert dts[-1] - dts[0] > 6, f"the viewer got only {dts[-1] - dts[0]:.1f} s of video"
            gaps = [b - a for a, b in zip(dts, dts[1:])]
            assert max(gaps) < 0.5, f"the live stream stalled for {max(gaps):.2f} s during the attack"
            log = server.log()
            assert log.count("(protocol_error)") >= 5, server.log_tail(60)
            assert "(timeout)" in log and "unsupported RTMP version 6" in log, server.log_tail(60)
            assert server.alive() and publisher.poll() is None
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
            wait_until(lambda: "(slow_viewer)" in server.log(), 30, "the stuck viewer to be closed")
            assert healthy.wait(40) == 0, healthy.stderr.read()
            dts = [d for d, _ in packets(out, "v")]
            assert dts[-1] - dts[0] > 4.5, f"the healthy viewer got only {dts[-1] - dts[0]:.1f} s"
            stuck.close()
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_hostile_peers_do_not_disturb_a_live_stream, test_a_viewer_that_never_reads_is_dropped_alone])
