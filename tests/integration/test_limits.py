"""Limits: connections per client address, streams per node, viewers per stream, and
hundreds of half-open connections up to the connection limit. Reaching a limit refuses
the newcomer with a clear status, counts it, and keeps everyone already connected."""

import socket
import subprocess
import time

from harness import Server, publish, publish_ts, run_tests, stop, wait_exit, wait_for_stream, wait_until

HALF_OPEN = 400


def closed_at_once(port, timeout=5):
    """A TCP connection to port: True if the server closes it without a word."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.settimeout(timeout)
        try:
            return s.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False


def too_many(server, protocol):
    return server.metric(f'rtsedge_session_closed_total{{protocol="{protocol}",reason="too_many"}}')


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_connections_per_address():
    config = "rtmp:\n  max_connections_per_address: 3\n  handshake_timeout: 30s\n" \
             "http:\n  max_connections_per_address: 3\n"
    with Server(config=config) as server:
        def rtmp_clients():
            return sum(c["protocol"] == "rtmp" for c in server.api("/api/v1/clients")[1]["clients"])
        # The harness's own probe of the port (at start) must be gone before counting.
        wait_until(lambda: rtmp_clients() == 0, 10, "no RTMP connection open")
        held = [socket.create_connection(("127.0.0.1", server.rtmp_port)) for _ in range(3)]
        try:
            wait_until(lambda: rtmp_clients() == 3, 10, "three RTMP connections to be open")
            assert closed_at_once(server.rtmp_port), "expected the 4th RTMP connection from 127.0.0.1 closed"
            assert too_many(server, "rtmp") == 1
            assert "connections open from this address" in server.log(), server.log_tail()
            # The three held are still open: each completes nothing, yet is not closed.
            for s in held:
                s.setblocking(False)
                try:
                    assert s.recv(1) != b"", "expected a held connection still open"
                except BlockingIOError:
                    pass
        finally:
            for s in held:
                s.close()
        # Freed slots are reusable.
        wait_until(lambda: not closed_at_once(server.rtmp_port, timeout=0.5), 10, "a slot to free up")
        http_held = [socket.create_connection(("127.0.0.1", server.http_port)) for _ in range(2)]
        try:
            assert server.get("/healthz")[0] == 200  # a third connection, closed again after its answer
            third = socket.create_connection(("127.0.0.1", server.http_port))
            try:
                assert closed_at_once(server.http_port), "expected the 4th HTTP connection closed"
            finally:
                third.close()
        finally:
            for s in http_held:
                s.close()


def test_srt_connections_per_address():
    with Server(config="srt:\n  max_connections_per_address: 1\n") as server:
        first = publish_ts(server.srt_url("live/one", "publish"))
        try:
            wait_until(lambda: server.api("/api/v1/streams/live/one")[0] == 200, 15, "the first SRT publisher")
            second = publish_ts(server.srt_url("live/two", "publish"), seconds=3)
            assert wait_exit(second, 20, "a second SRT caller from the same address to be refused") != 0
            assert server.metric("rtsedge_srt_rejected_total") >= 1
            assert "connections open from this address" in server.log(), server.log_tail()
            assert server.api("/api/v1/streams/live/one")[1]["live"], "the first publisher was disturbed"
        finally:
            stop(first)


def test_streams_and_viewers_limits():
    with Server(config="streams:\n  max_streams: 2\n  max_viewers_per_stream: 2\n") as server:
        publishers = [publish(server.url(f"live/s{i}")) for i in range(2)]
        try:
            for i in range(2):
                wait_for_stream(server, f"live/s{i}")
            third = publish(server.url("live/s2"), extra=("-t", "3"))
            assert wait_exit(third, 20, "a publisher of a third stream to be refused") != 0
            assert "streams.max_streams" in server.log(), server.log_tail()
            viewers = [socket.create_connection(("127.0.0.1", server.http_port)) for _ in range(2)]
            try:
                for viewer in viewers:
                    viewer.sendall(b"GET /live/s0.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                    viewer.settimeout(10)
                    assert viewer.recv(12) == b"HTTP/1.1 200"
                status, _, body = server.get("/live/s0.flv")
                assert status == 503 and b"max_viewers_per_stream" in body, (status, body)
                assert server.get("/live/s1.flv?x", method="HEAD")[0] == 200  # another stream still has room
                assert too_many(server, "http-flv") == 1
                assert too_many(server, "rtmp") == 1  # the third publisher
            finally:
                for viewer in viewers:
                    viewer.close()
            for p in publishers:
                assert p.poll() is None, "a publisher within the limit was disturbed"
        finally:
            for p in publishers:
                stop(p)


def test_half_open_connections_up_to_the_limit():
    config = f"rtmp:\n  max_connections: {HALF_OPEN + 10}\n  max_connections_per_address: {HALF_OPEN + 10}\n" \
             "  handshake_timeout: 3s\n"
    with Server(config=config) as server:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            viewer = subprocess.Popen(["ffmpeg", "-loglevel", "error", "-rw_timeout", "10000000", "-i", server.url(),
                                       "-c", "copy", "-t", "12", "-f", "null", "-"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1)
            before = rss_kib(server.process.pid)
            idle = []
            for _ in range(HALF_OPEN):
                s = socket.create_connection(("127.0.0.1", server.rtmp_port))
                s.sendall(b"\x03" + bytes(100))  # C0 and a piece of C1, then nothing
                idle.append(s)
            try:
                peak = rss_kib(server.process.pid)
                assert peak - before < 32 * 1024, f"expected < 32 MiB for {HALF_OPEN} half-open connections; " \
                                                  f"RSS grew {peak - before} KiB"
                wait_until(lambda: server.log().count("(timeout)") >= HALF_OPEN, 15,
                           "every half-open connection closed by the handshake timeout")
            finally:
                for s in idle:
                    s.close()
            assert wait_exit(viewer, 30, "the viewer to play 12 s through it") == 0, viewer.stderr.read()[-300:]
            assert publisher.poll() is None
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_connections_per_address, test_srt_connections_per_address, test_streams_and_viewers_limits,
               test_half_open_connections_up_to_the_limit])
