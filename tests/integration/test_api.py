"""The management API reports what the test created, and kicks a client."""

import socket
import subprocess
import time

from harness import Server, publish, run_tests, stop, wait_for_stream, wait_until


def open_flv_viewer(server):
    s = socket.create_connection(("127.0.0.1", server.http_port))
    s.sendall(b"GET /live/test.flv?token=abc HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    assert s.recv(4096).startswith(b"HTTP/1.1 200"), "the FLV viewer was not served"
    return s


def test_api_reports_streams_and_clients_and_kicks():
    with Server() as server:
        publisher = publish(server.url())
        viewers = []
        rtmp_viewer = None
        try:
            wait_for_stream(server)
            viewers = [open_flv_viewer(server) for _ in range(3)]
            rtmp_viewer = subprocess.Popen(["ffmpeg", "-loglevel", "error", "-i", server.url(), "-c", "copy",
                                            "-f", "null", "-"], stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

            def four_viewers():
                status, body = server.api("/api/v1/streams/live/test")
                return status == 200 and body["viewers"]["total"] == 4 and body["keyframe_interval_ms"] > 0
            wait_until(four_viewers, 15, "the API to count 4 viewers and 2 keyframes")
            status, stream = server.api("/api/v1/streams/live/test")
            assert stream["live"] and stream["source"]["protocol"] == "rtmp", stream
            assert stream["tracks"]["video"] == {"codec": "h264", "width": 1280, "height": 720, "fps": 25.0}, stream
            assert stream["tracks"]["audio"]["codec"] == "aac" and stream["tracks"]["audio"]["sample_rate"] == 48000
            assert stream["viewers"] == {"total": 4, "http-flv": 3, "rtmp": 1}, stream["viewers"]
            assert 1900 <= stream["keyframe_interval_ms"] <= 2100, stream  # -g 50 at 25 fps
            assert stream["ingest_kbps"] > 0 and stream["gop_cache"]["frames"] > 0, stream
            assert [s["key"] for s in server.api("/api/v1/streams")[1]["streams"]] == ["live/test"]

            status, listing = server.api("/api/v1/clients?stream=live/test")
            clients = listing["clients"]
            roles = sorted((c["protocol"], c["role"]) for c in clients)
            assert roles == [("http-flv", "player")] * 3 + [("rtmp", "player"), ("rtmp", "publisher")], roles

            victim = next(c for c in clients if c["protocol"] == "http-flv")
            status, body = server.api(f"/api/v1/clients/{victim['id']}", method="DELETE")
            assert status == 200 and body == {"kicked": victim["id"]}, (status, body)
            wait_until(lambda: server.api("/api/v1/streams/live/test")[1]["viewers"]["total"] == 3, 10,
                       "the kicked viewer to leave")
            assert "(kicked)" in server.log()
            assert server.api("/api/v1/clients/999999", method="DELETE")[0] == 404
            status, body = server.api("/api/v1/clients/abc", method="DELETE")
            assert status == 400 and body["error"]["code"] == 400, body
            assert server.api("/api/v1/streams/live/nothing")[0] == 404

            status, info = server.api("/api/v1/server")
            assert status == 200 and info["version"] and info["uptime_seconds"] > 0, info
            status, _, metrics = server.get("/metrics")
            text = metrics.decode()
            assert status == 200 and 'rtsedge_sessions{protocol="http-flv",role="player"} 2' in text, text
            assert 'rtsedge_session_closed_total{protocol="http-flv",reason="kicked"} 1' in text, text
        finally:
            for v in viewers:
                v.close()
            if rtmp_viewer:
                stop(rtmp_viewer)
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_api_reports_streams_and_clients_and_kicks])
