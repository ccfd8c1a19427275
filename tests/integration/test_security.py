"""Who may publish and play, end to end with real peers: signed URLs over RTMP,
HTTP-FLV and SRT (ffmpeg, ffprobe, curl), address rules, HTTP hooks served by the
test, the API's bearer token and listener, HTTPS and RTMPS with a certificate the
test makes with openssl (reloaded on SIGHUP), and tier-to-tier credentials. A
refused client never disturbs one that is playing."""

import hashlib
import hmac
import http.client
import http.server
import json
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from harness import (Server, free_port, probe, publish, publish_ts, record, run_tests, stop, wait_exit,
                     wait_for_port, wait_for_stream, wait_until)

# conf/secure.yaml, the documented example, is the configuration these tests sign against.
SECURE_YAML = (Path(__file__).resolve().parents[2] / "conf" / "secure.yaml").read_text()
NEW_SECRET, OLD_SECRET = re.findall(r"^\s+- (\S+)\s+#", SECURE_YAML, re.MULTILINE)
TIER_SECRET = "tier-secret-0123456789abcdef"
TOKEN = "api-token-0123456789abcdef"
SIGNED_LIVE = SECURE_YAML


def signed(action, key, secret=NEW_SECRET, expires_in=600, expires=None):
    """The query of a signed URL, computed here independently of rtsedge."""
    expires = int(time.time()) + expires_in if expires is None else expires
    sign = hmac.new(secret.encode(), f"{action}:{key}:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"expires={expires}&sign={sign}"


def refused(server, protocol, action, reason):
    return server.metric(f'rtsedge_access_refused_total{{protocol="{protocol}",action="{action}",reason="{reason}"}}')


def failing_publish(url, what):
    """An ffmpeg publisher that is expected to be refused."""
    intruder = publish(url, extra=("-t", "3"))
    code = wait_exit(intruder, 20, f"{what} to be refused")
    assert code != 0, f"expected {what} refused; ffmpeg exited 0"


def http_status(port, path, headers=None, tls=False):
    """One request; the status and the first bytes of the body (a stream is not read to its end)."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(13) if response.status == 200 else response.read()
    finally:
        connection.close()


def test_signed_urls_over_rtmp_and_http_flv():
    with Server(config=SIGNED_LIVE) as server:
        failing_publish(server.url("live/cam"), "an unsigned RTMP publisher")
        assert refused(server, "rtmp", "publish", "unsigned") == 1, server.log_tail()
        assert "needs a signed URL" in server.log(), server.log_tail()
        failing_publish(server.url("live/cam?" + signed("play", "live/cam")), "a play link used to publish")
        failing_publish(server.url("live/cam?" + signed("publish", "live/other")), "a link for another key")
        failing_publish(server.url("live/cam?" + signed("publish", "live/cam", expires_in=-120)), "an expired link")
        failing_publish(server.url("live/cam?" + signed("publish", "live/cam", secret="not-a-secret-of-this-app")),
                        "a link with an unknown secret")
        assert refused(server, "rtmp", "publish", "bad_signature") == 3, server.log_tail()
        assert refused(server, "rtmp", "publish", "expired") == 1, server.log_tail()

        # Signed with the old secret: rotation keeps it valid.
        publisher = publish(server.url("live/cam?" + signed("publish", "live/cam", secret=OLD_SECRET)))
        try:
            play_query = signed("play", "live/cam")
            wait_for_stream(server, "live/cam?" + play_query)
            viewer = record(server.flv_url("live/cam", play_query), Path(server.dir.name) / "watch.flv", 12)
            try:
                wait_until(lambda: server.api("/api/v1/streams/live/cam")[1]["viewers"]["total"] >= 1, 10,
                           "the signed HTTP-FLV viewer to be counted")
                # Refused viewers of every kind while one plays.
                assert http_status(server.http_port, "/live/cam.flv")[0] == 401
                assert http_status(server.http_port, "/live/cam.flv?" + signed("play", "live/cam", expires_in=-60))[
                    0] == 401
                assert http_status(server.http_port, "/live/cam.flv?" + signed("publish", "live/cam"))[0] == 401
                assert http_status(server.http_port, "/live/cam.ts?" + play_query)[0] == 200
                assert http_status(server.http_port, "/open/cam.flv")[0] == 404  # other apps stay open
                unsigned_rtmp = subprocess.run(["ffprobe", "-v", "error", server.url("live/cam")],
                                               capture_output=True, timeout=20)
                assert unsigned_rtmp.returncode != 0, "expected an unsigned RTMP play refused"
                assert refused(server, "rtmp", "play", "unsigned") == 1, server.log_tail()
                assert refused(server, "http-flv", "play", "unsigned") == 1, server.log_tail()
                assert wait_exit(viewer, 30, "the signed viewer to record 12 s") == 0, "the signed viewer broke"
            finally:
                stop(viewer)
            streams = probe(server.url("live/cam?" + play_query), "-show_streams")["streams"]
            assert sorted(s["codec_name"] for s in streams) == ["aac", "h264"], streams
        finally:
            stop(publisher)


def test_signed_srt_is_checked_at_handshake():
    with Server(config=SIGNED_LIVE) as server:
        intruder = publish_ts(server.srt_url("live/srt", "publish"), seconds=3)
        assert wait_exit(intruder, 20, "an unsigned SRT publisher to be refused") != 0
        assert refused(server, "srt", "publish", "unsigned") == 1, server.log_tail()
        assert server.metric("rtsedge_srt_rejected_total") == 1
        # SRT stream ids carry extra keys as the query: ,expires=..,sign=..
        credentials = signed("publish", "live/srt").replace("&", ",")
        url = f"srt://127.0.0.1:{server.srt_port}?streamid=#!::r=live/srt,m=publish,{credentials}"
        publisher = publish_ts(url)
        try:
            play = signed("play", "live/srt").replace("&", ",")
            play_url = f"srt://127.0.0.1:{server.srt_port}?streamid=#!::r=live/srt,m=request,{play}"
            wait_until(lambda: server.api("/api/v1/streams/live/srt")[0] == 200, 15, "the signed SRT publish")
            streams = probe(play_url, "-show_streams")["streams"]
            assert "h264" in [s["codec_name"] for s in streams], streams
            unsigned_play = subprocess.run(["ffprobe", "-v", "error", server.srt_url("live/srt")], capture_output=True,
                                           timeout=20)
            assert unsigned_play.returncode != 0, "expected an unsigned SRT play refused"
            assert refused(server, "srt", "play", "unsigned") == 1, server.log_tail()
        finally:
            stop(publisher)


def test_address_rules():
    config = """
security:
  apps:
    - app: lan
      publish:
        allow: [10.0.0.0/8]
    - app: "*"
      play:
        deny: [127.0.0.0/8]
"""
    with Server(config=config) as server:
        failing_publish(server.url("lan/cam"), "a publisher outside the allowed range")
        assert refused(server, "rtmp", "publish", "address") == 1, server.log_tail()
        publisher = publish(server.url("open/cam"))
        try:
            wait_until(lambda: server.api("/api/v1/streams/open/cam")[0] == 200, 15, "the open publish")
            status, body = http_status(server.http_port, "/open/cam.flv")
            assert status == 403 and b"may not play" in body, (status, body)
            assert refused(server, "http-flv", "play", "address") == 1
        finally:
            stop(publisher)


class HookBackend:
    """A platform backend for the hooks: allows stream names starting with "ok",
    refuses the rest with 403, and never answers for names starting with "slow".
    Records every call."""

    def __init__(self):
        self.calls = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                backend.calls.append((self.path, body))
                if body["name"].startswith("slow"):
                    time.sleep(3)
                    return
                allowed = body["name"].startswith("ok") or self.path in ("/stop", "/unpublish")
                self.send_response(200 if allowed else 403)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no" if not allowed else b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *args):
        self.server.shutdown()
        self.server.server_close()

    def paths(self, name):
        return [path for path, body in self.calls if body["name"] == name]


def test_hooks_allow_refuse_and_time_out():
    with HookBackend() as backend:
        base = f"http://127.0.0.1:{backend.port}"
        config = f"""
security:
  hooks:
    on_publish: {base}/publish
    on_unpublish: {base}/unpublish
    on_play: {base}/play
    on_stop: {base}/stop
    timeout: 500ms
"""
        with Server(config=config) as server:
            publisher = publish(server.url("live/ok1?token=abc"))
            try:
                wait_for_stream(server, "live/ok1")
                status, _ = http_status(server.http_port, "/live/ok1.flv?viewer=7")
                assert status == 200
                failing_publish(server.url("live/no1"), "a publisher the hook refuses")
                assert refused(server, "rtmp", "publish", "hook") == 1, server.log_tail()
                started = time.monotonic()
                status, body = http_status(server.http_port, "/live/slow1.flv")
                took = time.monotonic() - started
                assert status == 403 and b"timed out" in body, (status, body)
                assert took < 2.5, f"expected the hook's 500 ms timeout to answer; it took {took:.1f} s"
                assert refused(server, "http-flv", "play", "hook_error") == 1, server.log_tail()
                assert server.metric('rtsedge_hook_requests_total{hook="on_play",result="timeout"}') == 1
                # The publisher kept publishing through all of it.
                assert server.api("/api/v1/streams/live/ok1")[1]["live"], "the allowed stream stopped"
            finally:
                stop(publisher)
            wait_until(lambda: "/unpublish" in backend.paths("ok1"), 10, "on_unpublish to be told")
            wait_until(lambda: "/stop" in backend.paths("ok1"), 10, "on_stop to be told")
            publish_call = next(body for path, body in backend.calls if path == "/publish" and body["name"] == "ok1")
            assert publish_call["action"] == "publish" and publish_call["protocol"] == "rtmp", publish_call
            assert publish_call["app"] == "live" and publish_call["query"] == "token=abc", publish_call
            assert publish_call["address"] == "127.0.0.1" and publish_call["client_id"] > 0, publish_call
            play_call = next(body for path, body in backend.calls if path == "/play" and body["name"] == "ok1"
                             and body["protocol"] == "http-flv")
            assert play_call["query"] == "viewer=7", play_call
            assert "/unpublish" not in backend.paths("no1"), "a refused publish has nothing to end"


def test_api_token_and_listener():
    api_port = free_port()
    config = f"""
api:
  listen: "127.0.0.1:{api_port}"
  token: {TOKEN}
"""
    with Server(config=config) as server:
        wait_for_port(api_port)
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert http_status(api_port, "/api/v1/streams")[0] == 401
        assert http_status(api_port, "/api/v1/streams", {"Authorization": "Bearer wrong-token-0123456789ab"})[0] == 401
        assert http_status(api_port, "/api/v1/streams", bearer)[0] == 200
        assert http_status(api_port, "/metrics")[0] == 401
        status, body = http_status(api_port, "/metrics", bearer)
        assert status == 200, status
        assert http_status(api_port, "/healthz")[0] == 200
        assert http_status(api_port, "/api/v1/clients/1", {"X": "y"})[0] == 401
        # The media port has no API any more; the API port serves no media.
        assert http_status(server.http_port, "/api/v1/streams", bearer)[0] == 404
        assert http_status(server.http_port, "/healthz")[0] == 200
        assert http_status(api_port, "/live/test.flv", bearer)[0] == 404
        viewer = socket.create_connection(("127.0.0.1", server.http_port))
        try:
            viewer.sendall(b"GET /live/nothing.flv HTTP/1.1\r\nHost: x\r\n\r\n")
            connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
            connection.request("GET", "/api/v1/clients", headers=bearer)
            clients = json.loads(connection.getresponse().read())["clients"]
            connection.close()
            victim = next(c["id"] for c in clients if c["protocol"] == "http-flv")
            connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
            connection.request("DELETE", f"/api/v1/clients/{victim}")
            assert connection.getresponse().status == 401, "expected DELETE without the token refused"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=10)
            connection.request("DELETE", f"/api/v1/clients/{victim}", headers=bearer)
            assert connection.getresponse().status == 200
            connection.close()
        finally:
            viewer.close()
        assert server.metric("rtsedge_api_unauthorized_total") == 0  # the media port's /metrics is gone
    with Server(config=f"api:\n  token: {TOKEN}\n  public_reads: true\n") as server:
        assert server.get("/api/v1/streams")[0] == 200
        assert server.get("/api/v1/clients/1", method="DELETE")[0] == 401


def make_certificate(directory, name):
    """A self-signed ECDSA P-256 certificate for 127.0.0.1, by the openssl command."""
    cert, key = Path(directory) / f"{name}.pem", Path(directory) / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=30)
    return cert, key


def served_certificate_name(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                          capture_output=True, timeout=10, check=True).stdout.decode()
    return text.strip().split("CN")[-1].strip(" =")


def test_https_and_rtmps_with_reload_on_sighup():
    with tempfile.TemporaryDirectory(prefix="rtsedge-tls-") as directory:
        cert, key = make_certificate(directory, "first")
        https_port, rtmps_port = free_port(), free_port()
        config = f"""
rtmp:
  tls_listen: "127.0.0.1:{rtmps_port}"
http:
  tls_listen: "127.0.0.1:{https_port}"
tls:
  certificate: {cert}
  key: {key}
"""
        with Server(config=SIGNED_LIVE + config) as server:
            wait_for_port(https_port)
            failing_publish(f"rtmps://127.0.0.1:{rtmps_port}/live/tls", "an unsigned RTMPS publisher")
            assert refused(server, "rtmp", "publish", "unsigned") == 1, server.log_tail()
            publisher = publish(f"rtmps://127.0.0.1:{rtmps_port}/live/tls?" + signed("publish", "live/tls"))
            try:
                play = signed("play", "live/tls")
                wait_for_stream(server, "live/tls?" + play)
                streams = probe(f"https://127.0.0.1:{https_port}/live/tls.flv?{play}", "-show_streams",
                                "-tls_verify", "0")["streams"]
                assert sorted(s["codec_name"] for s in streams) == ["aac", "h264"], streams
                status, head = http_status(https_port, "/live/tls.flv?" + play, tls=True)
                assert status == 200 and head.startswith(b"FLV"), (status, head)
                assert http_status(https_port, "/live/tls.flv", tls=True)[0] == 401
                curl = subprocess.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                       f"https://127.0.0.1:{https_port}/live/tls.flv?{play}"],
                                      capture_output=True, timeout=20, text=True)
                assert curl.stdout == "200", curl
                # Plain HTTP to the TLS port: closed with a logged reason, nothing else disturbed.
                with socket.create_connection(("127.0.0.1", https_port), timeout=5) as plain:
                    plain.sendall(b"GET /live/tls.flv HTTP/1.1\r\nHost: x\r\n\r\n")
                    plain.settimeout(5)
                    try:
                        reply = plain.recv(100)
                    except ConnectionResetError:
                        reply = b""
                    assert not reply.startswith(b"HTTP/1.1 200"), reply

                assert served_certificate_name(https_port) == "first"
                watcher = record(f"https://127.0.0.1:{https_port}/live/tls.flv?{play}",
                                 Path(directory) / "across-reload.flv", 8)
                time.sleep(1)
                new_cert, new_key = make_certificate(directory, "second")
                new_cert.replace(cert)
                new_key.replace(key)
                server.process.send_signal(signal.SIGHUP)
                wait_until(lambda: "TLS certificate reloaded" in server.log(), 10, "the reload to be logged")
                assert served_certificate_name(https_port) == "second"
                assert served_certificate_name(rtmps_port) == "second"
                assert wait_exit(watcher, 30, "the HTTPS viewer to record across the reload") == 0, \
                    "the viewer connected before the reload broke"
                # A broken file: the reload is refused and the certificate stays.
                cert.write_text("not a certificate\n")
                server.process.send_signal(signal.SIGHUP)
                wait_until(lambda: "not reloaded" in server.log(), 10, "the failed reload to be logged")
                assert served_certificate_name(https_port) == "second"
                assert server.alive()
            finally:
                stop(publisher)


def test_tier_secret_lets_edges_pull_signed_streams():
    origin_config = SIGNED_LIVE + f"security:\n  tier_secret: {TIER_SECRET}\n"
    with Server(config=origin_config) as origin:
        publisher = publish(origin.url("live/tiered?" + signed("publish", "live/tiered")))
        try:
            wait_for_stream(origin, "live/tiered?" + signed("play", "live/tiered"))
            upstream = f"upstreams:\n  - rtmp://127.0.0.1:{origin.rtmp_port}\n"
            with Server(config=upstream + f"security:\n  tier_secret: {TIER_SECRET}\n") as edge:
                streams = probe(edge.flv_url("live/tiered"), "-show_streams")["streams"]
                assert sorted(s["codec_name"] for s in streams) == ["aac", "h264"], streams
            with Server(config=upstream) as stranger:  # no tier secret: the origin refuses its pull
                assert http_status(stranger.http_port, "/live/tiered.flv")[0] == 404
            assert refused(origin, "rtmp", "play", "unsigned") >= 1, origin.log_tail()
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_signed_urls_over_rtmp_and_http_flv, test_signed_srt_is_checked_at_handshake, test_address_rules,
               test_hooks_allow_refuse_and_time_out, test_api_token_and_listener,
               test_https_and_rtmps_with_reload_on_sighup, test_tier_secret_lets_edges_pull_signed_streams])
