"""WHIP/WHEP signalling and the WebRTC port without a browser: offers captured from
Chromium (tests/fixtures/sdp) POSTed by a plain HTTP client, STUN checks from a plain UDP
socket. What a browser test cannot easily show: the statuses of every refusal, a peer
that never checks or stalls in the DTLS handshake (closed by webrtc.connect_timeout, with
its reason logged and counted), a wrong ICE password answered 401, DELETE, and the
session limit."""

import http.client
import re
import socket
import struct
import time
from pathlib import Path

from harness import Server, free_port, publish, run_tests, stop, wait_for_stream, wait_until
from stun_client import check_stun_builder, stun_binding_request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sdp"
WHEP_OFFER = (FIXTURES / "chrome_whep_offer.sdp").read_bytes()
WHIP_OFFER = (FIXTURES / "chrome_whip_offer.sdp").read_bytes()


def webrtc_server(extra=""):
    port = free_port()
    config = (f'webrtc:\n  listen: "127.0.0.1:{port}"\n  connect_timeout: 1s\n  max_sessions: 3\n' + extra)
    server = Server(config=config, http_config="  play_wait: 500ms\n")
    server.media_port = port
    return server


def request(server, method, path, body=b"", content_type="application/sdp"):
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        headers = {"Content-Type": content_type} if body else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def attribute(sdp, name):
    match = re.search(rf"^a={name}:(\S+)", sdp, re.M)
    assert match, f"expected a=%s in:\n{sdp}" % name
    return match.group(1)


def metric(server, prefix):
    """The sum of the samples whose line starts with `prefix`."""
    _, _, body = server.get("/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.decode().splitlines() if line.startswith(prefix))


def answered_whep(server, name="live/cam"):
    status, headers, body = request(server, "POST", f"/whep/{name}", WHEP_OFFER)
    assert status == 201, f"expected 201 for a WHEP offer of a live stream; got {status}: {body[:300]!r}"
    assert headers.get("Content-Type") == "application/sdp", headers
    assert headers.get("Location", "").startswith("/webrtc/"), headers
    return headers, body.decode()


def stun_check(server, answer, password=None):
    """A Binding request for the answered session from a fresh UDP socket: (socket, reply type)."""
    local, remote = attribute(answer, "ice-ufrag"), attribute(WHEP_OFFER.decode(), "ice-ufrag")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(2.0)
    udp.bind(("127.0.0.1", 0))
    check = stun_binding_request(f"{local}:{remote}", password or attribute(answer, "ice-pwd"),
                                 attributes=[(0x0024, struct.pack("!I", 0x6E0001FF)),
                                             (0x802A, b"\1" * 8), (0x0025, b"")])
    udp.sendto(check, ("127.0.0.1", server.media_port))
    reply, _ = udp.recvfrom(2048)
    assert reply[8:20] == check[8:20], "expected the answer to our transaction"
    return udp, struct.unpack("!H", reply[:2])[0]


def test_refusals_have_their_statuses():
    with webrtc_server() as server:
        publisher = publish(server.url("live/cam"))
        try:
            wait_for_stream(server, "live/cam")
            status, headers, _ = request(server, "POST", "/whep/live/cam", WHEP_OFFER, content_type="text/plain")
            assert status == 415 and headers.get("Accept-Post") == "application/sdp", (status, headers)
            status, _, body = request(server, "POST", "/whep/live/cam", b"v=0\r\nnot sdp\r\n")
            assert status == 400, (status, body)
            started = time.monotonic()
            status, _, body = request(server, "POST", "/whep/live/absent", WHEP_OFFER)
            assert status == 404 and time.monotonic() - started < 3, (status, body)
            status, _, body = request(server, "POST", "/whip/live/cam", WHIP_OFFER)
            assert status == 409 and b"already being published" in body, (status, body)
            status, _, body = request(server, "DELETE", "/webrtc/no-such-session")
            assert status == 404, (status, body)
            # The answer to a real offer, then DELETE ends it: a second DELETE finds nothing.
            headers, answer = answered_whep(server)
            assert "a=ice-lite" in answer and "a=setup:passive" in answer and "a=candidate:" in answer, answer
            assert f"127.0.0.1 {server.media_port} typ host" in answer, answer
            status, _, _ = request(server, "DELETE", headers["Location"])
            assert status == 200, status
            status, _, _ = request(server, "DELETE", headers["Location"])
            assert status == 404, status
            # webrtc.max_sessions: 3 waiting sessions, the fourth offer gets 503.
            for _ in range(3):
                answered_whep(server)
            status, _, body = request(server, "POST", "/whep/live/cam", WHEP_OFFER)
            assert status == 503 and b"max_sessions" in body, (status, body)
            assert server.alive()
        finally:
            stop(publisher)


def test_silent_and_stalled_peers_are_closed_with_their_reason():
    check_stun_builder()
    with webrtc_server() as server:
        publisher = publish(server.url("live/cam"))
        try:
            wait_for_stream(server, "live/cam")
            # No STUN check at all: closed after connect_timeout (1 s) as an ICE timeout.
            answered_whep(server)
            # A wrong ICE password: answered 401 (0x0111), the session not bound to us.
            _, wrong = answered_whep(server)
            udp, kind = stun_check(server, wrong, password="not-the-password-at-all-x")
            udp.close()
            assert kind == 0x0111, f"expected a Binding error response (401); got 0x{kind:04x}"
            # A right check, then the start of a DTLS ClientHello and nothing more.
            _, stalled = answered_whep(server)
            udp, kind = stun_check(server, stalled)
            assert kind == 0x0101, f"expected a Binding success response; got 0x{kind:04x}"
            udp.sendto(bytes([22, 0xFE, 0xFD]) + bytes(8) + struct.pack("!H", 40) + bytes(20),
                       ("127.0.0.1", server.media_port))
            wait_until(lambda: metric(server, 'rtsedge_webrtc_handshakes_total{result="ice_timeout"}') >= 2, 5,
                       "the two sessions without a valid check closed as ICE timeouts")
            wait_until(lambda: metric(server, 'rtsedge_webrtc_handshakes_total{result="dtls_timeout"}') >= 1, 5,
                       "the stalled DTLS handshake closed")
            udp.close()
            log = server.log()
            assert "no ICE check arrived within 1s" in log and "DTLS did not connect within 1s" in log, log[-3000:]
            assert metric(server, 'rtsedge_webrtc_datagrams_dropped_total{reason="stun_refused"}') >= 1
            assert metric(server, "rtsedge_webrtc_sessions ") == 0
            assert server.alive()
        finally:
            stop(publisher)


def test_access_rules_apply_to_whip_and_whep():
    secure = ("security:\n  apps:\n    - app: live\n      secrets:\n        - 0123456789abcdef0123456789abcdef\n"
              "      publish:\n        signed: true\n      play:\n        signed: true\n")
    with webrtc_server(secure) as server:
        status, _, body = request(server, "POST", "/whip/live/cam", WHIP_OFFER)
        assert status == 401 and b"signed" in body, (status, body)
        status, _, body = request(server, "POST", "/whep/live/cam", WHEP_OFFER)
        assert status == 401, (status, body)
        assert metric(server, 'rtsedge_access_refused_total{protocol="webrtc"') >= 2


def patch(server, location, fragment, if_match=None):
    connection = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        headers = {"Content-Type": "application/trickle-ice-sdpfrag"}
        if if_match is not None:
            headers["If-Match"] = if_match
        connection.request("PATCH", location, body=fragment, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_trickle_and_ice_restart():
    """PATCH: trickled candidates are taken (204); new ICE credentials restart ICE: new
    credentials of ours in a 200 fragment, a new ETag, and checks with the old ones refused."""
    with webrtc_server() as server:
        publisher = publish(server.url("live/cam"))
        try:
            wait_for_stream(server, "live/cam")
            headers, answer = answered_whep(server)
            location, etag = headers["Location"], headers["ETag"]
            offer_ufrag = attribute(WHEP_OFFER.decode(), "ice-ufrag")
            offer_pwd = attribute(WHEP_OFFER.decode(), "ice-pwd")
            trickle = (f"a=ice-ufrag:{offer_ufrag}\r\na=ice-pwd:{offer_pwd}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
                       "a=mid:0\r\na=candidate:1 1 udp 2130706431 198.18.0.2 50000 typ host\r\n")
            status, _, _ = patch(server, location, trickle, if_match=etag)
            assert status == 204, status
            status, _, _ = patch(server, location, trickle, if_match='"not-the-etag"')
            assert status == 412, status
            restart = "a=ice-ufrag:newUfrag1\r\na=ice-pwd:aNewPasswordOf22Chars+/\r\n"
            status, headers, fragment = patch(server, location, restart, if_match="*")
            assert status == 200 and headers.get("ETag") not in (None, etag), (status, headers, fragment)
            assert headers.get("Content-Type") == "application/trickle-ice-sdpfrag", headers
            new_ufrag, new_pwd = attribute(fragment, "ice-ufrag"), attribute(fragment, "ice-pwd")
            assert new_ufrag != attribute(answer, "ice-ufrag") and "a=ice-lite" in fragment, fragment
            # A check with the new credentials is answered with success; with the old, nothing
            # (the old ufrag names no session any more).
            fresh = answer.replace(attribute(answer, "ice-ufrag"), new_ufrag).replace(attribute(answer, "ice-pwd"), new_pwd)
            udp, kind = stun_check(server, fresh)
            udp.close()
            assert kind == 0x0101, f"expected a Binding success with the new credentials; got 0x{kind:04x}"
            try:
                stun_check(server, answer)
                raise AssertionError("expected no answer to a check with the old credentials")
            except socket.timeout:
                pass
            assert server.alive()
        finally:
            stop(publisher)


if __name__ == "__main__":
    run_tests([test_refusals_have_their_statuses, test_silent_and_stalled_peers_are_closed_with_their_reason,
               test_access_rules_apply_to_whip_and_whep, test_trickle_and_ice_restart])
