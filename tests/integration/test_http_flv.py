"""HTTP-FLV playback and the HTTP server's edges: real ffprobe/ffmpeg players,
CORS, HEAD, OPTIONS, 404 for an absent stream, 200 concurrent viewers, a viewer
that never reads, and malformed requests."""

import selectors
import socket
import subprocess
import time

from harness import Server, probe, publish, run_tests, stop, wait_for_stream, wait_until

HTTP = "  play_wait: 1s\n"
VIEWERS = 200


def test_ffmpeg_plays_http_flv():
    with Server(http_config=HTTP) as server:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            streams = probe(server.flv_url(), "-show_streams")["streams"]
            kinds = sorted((s["codec_type"], s["codec_name"]) for s in streams)
            assert kinds == [("audio", "aac"), ("video", "h264")], kinds
            video = next(s for s in streams if s["codec_type"] == "video")
            assert (video["width"], video["height"]) == (1280, 720), video
            player = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", server.flv_url(),
                                     "-c", "copy", "-t", "10", "-f", "null", "-"],
                                    capture_output=True, text=True, timeout=60)
            assert player.returncode == 0 and player.stderr.strip() == "", player.stderr
            audio_only = probe(server.flv_url(query="only-audio=1"), "-show_streams")["streams"]
            assert [s["codec_type"] for s in audio_only] == ["audio"], audio_only
            video_only = probe(server.flv_url(query="only-video=1"), "-show_streams")["streams"]
            assert [s["codec_type"] for s in video_only] == ["video"], video_only
        finally:
            stop(publisher)


def test_cors_head_options_and_404():
    with Server(http_config=HTTP) as server:
        started = time.monotonic()
        status, headers, body = server.get("/live/absent.flv")
        waited = time.monotonic() - started
        assert status == 404 and b'"code":404' in body, (status, body)
        assert 0.9 < waited < 5, f"404 after {waited:.1f} s; play_wait is 1 s"
        assert headers.get("access-control-allow-origin") == "*", headers
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            status, headers, body = server.get("/live/test.flv", method="HEAD")
            assert status == 200 and headers["content-type"] == "video/x-flv" and body == b"", (status, headers)
            assert headers.get("transfer-encoding") == "chunked", headers
            status, headers, _ = server.get("/live/test.flv", method="OPTIONS")
            assert status == 204 and "GET" in headers["access-control-allow-methods"], (status, headers)
            status, headers, _ = server.get("/api/v1/streams")
            assert status == 200 and headers.get("access-control-allow-origin") == "*", headers
            assert server.get("/healthz")[0] == 200 and server.get("/readyz")[0] == 200
            assert server.get("/nothing/here")[0] == 404
            assert server.get("/api/v1/streams", method="POST")[0] == 405
        finally:
            stop(publisher)


def read_viewers(port, count, seconds, minimum):
    """Opens `count` HTTP-FLV viewers on one selector; returns bytes received per viewer."""
    selector = selectors.DefaultSelector()
    received = {}
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, i)
        received[i] = bytearray()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and min(len(b) for b in received.values()) < minimum:
        for key, _ in selector.select(0.5):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if data:
                received[key.data] += data
            else:
                selector.unregister(key.fileobj)
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    return received


def test_two_hundred_viewers_all_receive_data():
    with Server(http_config=HTTP) as server:
        publisher = publish(server.url())
        try:
            wait_for_stream(server)
            received = read_viewers(server.http_port, VIEWERS, 30, 200_000)
            short = [i for i, data in received.items() if len(data) < 200_000 or b"FLV\x01" not in data[:400]]
            assert not short, f"{len(short)} of {VIEWERS} viewers got too little: {[len(received[i]) for i in short][:10]}"
            assert publisher.poll() is None and server.alive()
        finally:
            stop(publisher)


def test_a_viewer_that_stops_reading_is_dropped_alone():
    config = "viewers:\n  queue_soft_limit: 500ms\n  queue_hard_limit: 2s\n"
    with Server(config, http_config=HTTP) as server:
        publisher = publish(server.url(), extra=("-b:v", "4M"))
        try:
            wait_for_stream(server)
            stuck = socket.socket()
            stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stuck.connect(("127.0.0.1", server.http_port))
            stuck.sendall(b"GET /live/test.flv HTTP/1.1\r\nHost: x\r\n\r\n")
            healthy = read_viewers(server.http_port, 1, 20, 2_000_000)
            wait_until(lambda: "(slow_viewer)" in server.log(), 30, "the stuck viewer to be dropped")
            assert len(healthy[0]) >= 2_000_000, f"the healthy viewer got {len(healthy[0])} bytes"
            stuck.close()
        finally:
            stop(publisher)


def raw_exchange(port, request):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_malformed_requests_get_an_error_and_a_closed_connection():
    with Server(http_config=HTTP) as server:
        assert raw_exchange(server.http_port, b"\x16\x03\x01garbage\r\n\r\n").startswith(b"HTTP/1.1 400")
        huge = b"GET / HTTP/1.1\r\nX: " + b"a" * 40000 + b"\r\n\r\n"
        assert raw_exchange(server.http_port, huge).startswith(b"HTTP/1.1 431")
        long_target = b"GET /" + b"a" * 10000 + b" HTTP/1.1\r\n\r\n"
        assert raw_exchange(server.http_port, long_target).startswith(b"HTTP/1.1 414")
        assert server.get("/healthz")[0] == 200


def test_slow_and_idle_clients_are_closed():
    limits = "  request_timeout: 1s\n  keepalive_timeout: 2s\n  max_connections: 20\n"
    with Server(http_config=HTTP + limits) as server:
        slow = socket.create_connection(("127.0.0.1", server.http_port), timeout=5)
        started = time.monotonic()
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and the rest never comes
        answer = slow.recv(4096)
        waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert 0.8 < waited < 4, f"408 after {waited:.1f} s; request_timeout is 1 s"
        slow.close()
        idle = socket.create_connection(("127.0.0.1", server.http_port), timeout=6)
        started = time.monotonic()
        assert idle.recv(1) == b"", "an idle connection was not closed"
        assert 1.5 < time.monotonic() - started < 5
        idle.close()
        crowd = [socket.create_connection(("127.0.0.1", server.http_port), timeout=0.05) for _ in range(25)]
        time.sleep(0.5)  # let the server accept them all; well inside the 2 s keep-alive timeout
        refused = 0
        for s in crowd:
            try:
                refused += s.recv(1) == b""
            except socket.timeout:
                pass  # accepted and waiting for a request
            except ConnectionResetError:
                refused += 1
        for s in crowd:
            s.close()
        assert refused == 5, f"{refused} of 25 connections refused; max_connections is 20"
        wait_until(lambda: 'reason="too_many"} 5' in server.get("/metrics")[2].decode(), 5, "too_many counted")


if __name__ == "__main__":
    run_tests([test_ffmpeg_plays_http_flv, test_cors_head_options_and_404, test_two_hundred_viewers_all_receive_data,
               test_a_viewer_that_stops_reading_is_dropped_alone,
               test_malformed_requests_get_an_error_and_a_closed_connection, test_slow_and_idle_clients_are_closed])
