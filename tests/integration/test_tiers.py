"""Tiered edge caches with several rtsedge processes on loopback: origin <- mid <-
edges; one upstream pull per node and stream whatever the viewers; failover when a
mid node is killed; idle teardown; not found; publishes forwarded from an edge; loops
refused; nginx-rtmp as a foreign origin; an SRT pull across a lossy link."""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from harness import (Server, ended_ok, free_port, probe, publish, publish_ts, run_tests, stop, timed_packets,
                     wait_exit, wait_until)
from impaired_link import UdpImpairment


def node(name, upstreams=(), tier="", config="", ports=None):
    """An rtsedge node: its upstreams are URLs of other nodes."""
    listed = "".join(f"  - {url}\n" for url in upstreams)
    text = (f"upstreams:\n{listed}" if upstreams else "") + f"tier:\n  node_id: {name}\n{tier}" + config
    return Server(config=text, ports=ports)


def rtmp_upstream(server):
    return f"rtmp://127.0.0.1:{server.rtmp_port}"


def stream_info(server, name="live/test"):
    status, body = server.api(f"/api/v1/streams/{name}")
    return body if status == 200 else None


def wait_live(server, name="live/test", timeout=15):
    wait_until(lambda: (stream_info(server, name) or {}).get("live"), timeout, f"{name} live on :{server.http_port}")


def viewers(server, name="live/test"):
    info = stream_info(server, name)
    return info["viewers"]["total"] if info else 0


def spawn(command):
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_one_pull_per_node_whatever_the_viewers():
    with node("origin") as origin:
        with node("mid", [rtmp_upstream(origin)]) as mid:
            with node("edge1", [rtmp_upstream(mid)]) as edge1, node("edge2", [rtmp_upstream(mid)]) as edge2:
                publisher = publish(origin.url())
                players = []
                try:
                    wait_live(origin)
                    # Cold: nothing pulled yet, the first viewer's pull goes through two tiers.
                    first_frame = 'rtsedge_first_frame_seconds_sum{protocol="http-flv"}'
                    cold_at = timed_packets(edge1.flv_url(), 1)[0]["at"]
                    cold = edge1.metric(first_frame)
                    warm_at = timed_packets(edge1.flv_url(), 1)[0]["at"]
                    warm = edge1.metric(first_frame) - cold
                    print(f"first-frame time at an edge (rtsedge_first_frame_seconds): cold, pulled through two "
                          f"tiers, {cold * 1000:.1f} ms; warm, from the GOP cache, {warm * 1000:.1f} ms. ffprobe's "
                          f"first packet (its own start and probing included): {cold_at * 1000:.0f} ms and "
                          f"{warm_at * 1000:.0f} ms", flush=True)
                    for edge in (edge1, edge2):
                        players += [spawn(["curl", "-s", "-o", "/dev/null", edge.flv_url()]) for _ in range(14)]
                        players += [spawn(["ffmpeg", "-v", "error", "-i", edge.url(), "-c", "copy", "-f", "null", "-"])
                                    for _ in range(3)]
                        players += [spawn(["ffmpeg", "-v", "error", "-i", edge.srt_url(), "-c", "copy", "-f", "null",
                                           "-"]) for _ in range(3)]
                    for edge in (edge1, edge2):
                        wait_until(lambda: viewers(edge) == 20, 30, f"20 viewers on edge :{edge.http_port}")
                        for protocol, count in (("http-flv", 16 if edge is edge1 else 14), ("rtmp", 3), ("srt", 3)):
                            wait_until(lambda: edge.metric(f'rtsedge_first_frame_seconds_count{{protocol="{protocol}"}}')
                                       >= count, 20, f"{count} {protocol} viewers of :{edge.http_port} served")
                        assert edge.metric("rtsedge_upstream_pulls") == 1, "expected one pull per edge"
                        assert stream_info(edge)["origin"]["kind"] == "pulled"
                    assert mid.metric("rtsedge_upstream_pulls") == 1, "expected one pull at the mid"
                    assert viewers(mid) == 2, f"expected the mid to serve exactly the two edges: {stream_info(mid)}"
                    assert viewers(origin) == 1, f"expected the origin to serve the mid only: {stream_info(origin)}"
                finally:
                    for player in players:
                        stop(player)
                    stop(publisher)


def continuous_viewer(url, seconds, result):
    def run():
        try:
            result["packets"] = timed_packets(url, seconds, timeout=seconds + 20)
        except AssertionError as error:
            result["error"] = str(error)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_killed_mid_fails_over_without_viewers_reconnecting():
    tier = "  backoff_min: 300ms\n  backoff_max: 1s\n"
    with node("origin") as origin, node("midA", [rtmp_upstream(origin)]) as mid_a, \
            node("midB", [rtmp_upstream(origin)]) as mid_b:
        mids = {rtmp_upstream(mid_a): mid_a, rtmp_upstream(mid_b): mid_b}
        with node("edge1", list(mids), tier) as edge1, node("edge2", list(mids), tier) as edge2:
            publisher = publish(origin.url())
            try:
                wait_live(origin)
                result = {}
                viewer = continuous_viewer(edge1.flv_url(), 10, result)
                wait_until(lambda: (stream_info(edge1) or {}).get("live"), 10, "edge1 to play")
                time.sleep(2)
                picked_url = stream_info(edge1)["origin"]["upstream"]
                picked = mids[picked_url]
                ports = picked.ports()
                killed_at = time.monotonic()
                picked.kill()
                wait_until(lambda: stream_info(edge1)["origin"]["upstream"] not in ("", picked_url), 5,
                           "edge1 to move to the other mid")
                print(f"failover seen in the edge API after {time.monotonic() - killed_at:.2f} s", flush=True)
                viewer.join(40)
                assert "error" not in result, result.get("error")
                video = [p for p in result["packets"] if p["type"] == "video"]
                gaps = [b["at"] - a["at"] for a, b in zip(video, video[1:])]
                print(f"longest gap between video packets at the viewer: {max(gaps) * 1000:.0f} ms", flush=True)
                assert max(gaps) < 2.0, f"expected frames again within 2 s of the kill; a gap of {max(gaps):.2f} s"
                dts = [p["dts"] for p in video]
                assert all(b >= a for a, b in zip(dts, dts[1:])), "expected monotonic timestamps across the failover"
                assert edge1.metric("rtsedge_upstream_failovers_total") == 1
                # Restart it on the same ports: once its backoff has passed, new pulls go back to it.
                with Server(config=f"upstreams:\n  - {rtmp_upstream(origin)}\ntier:\n  node_id: again\n",
                            ports=ports) as restarted:
                    time.sleep(1.2)  # edge2's view of it: never failed; edge1's: backoff over
                    ended_ok(subprocess.Popen(["ffprobe", "-v", "error", "-show_streams", edge2.flv_url()],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), 20,
                             "a viewer on edge2")
                    assert stream_info(edge2)["origin"]["upstream"] == picked_url, \
                        f"expected edge2's new pull on the restarted mid: {stream_info(edge2)}"
                    assert viewers(restarted) == 1
            finally:
                stop(publisher)


def test_idle_teardown_and_not_found():
    with node("origin") as origin:
        with node("edge", [rtmp_upstream(origin)], "  idle_timeout: 1s\n  pull_wait: 1s\n",
                  "http:\n  play_wait: 3s\n") as edge:
            started = time.monotonic()
            status, _, _ = edge.get("/nobody/here.flv", timeout=10)
            took = time.monotonic() - started
            assert status == 404, f"expected 404 for a stream no one publishes; got {status}"
            assert took < 3.5, f"expected the answer within the bounded wait; it took {took:.1f} s"
            publisher = publish(origin.url())
            try:
                wait_live(origin)
                ended_ok(subprocess.Popen(["ffprobe", "-v", "error", "-show_streams", edge.flv_url()],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), 20, "a viewer")
                assert edge.metric("rtsedge_upstream_pulls") == 1
                wait_until(lambda: edge.metric("rtsedge_upstream_pulls") == 0, 5, "the idle pull to stop")
                wait_until(lambda: viewers(origin) == 0, 5, "the origin to lose the edge's pull")
            finally:
                stop(publisher)


def test_publish_at_an_edge_is_forwarded_and_loops_are_refused():
    with node("origin") as origin, node("mid", [rtmp_upstream(origin)]) as mid:
        with node("edge1", [rtmp_upstream(mid)]) as edge1, node("edge2", [rtmp_upstream(mid)]) as edge2:
            publisher = publish(edge1.url("live/pushed"))
            try:
                wait_live(edge1, "live/pushed")
                wait_live(origin, "live/pushed")  # edge1 -> mid -> origin
                streams = probe(edge2.flv_url("live/pushed"), "-show_streams")["streams"]
                assert {s["codec_type"] for s in streams} == {"video", "audio"}, streams
                info = stream_info(edge1, "live/pushed")
                assert info["origin"]["kind"] == "local" and info["origin"]["pushed_to"]["pushing"], info
                assert stream_info(edge2, "live/pushed")["origin"]["kind"] == "pulled"
            finally:
                stop(publisher)
        # The same over SRT: an SRT publisher on an edge whose upstream is an srt:// URL.
        with node("edge3", [f"srt://127.0.0.1:{mid.srt_port}"]) as edge3:
            publisher = publish_ts(edge3.srt_url("live/srtpush", "publish"))
            try:
                wait_live(edge3, "live/srtpush")
                wait_live(origin, "live/srtpush")  # edge3 -(SRT)-> mid -(RTMP)-> origin
                streams = probe(origin.flv_url("live/srtpush"), "-show_streams")["streams"]
                assert {s["codec_type"] for s in streams} == {"video", "audio"}, streams
                assert stream_info(edge3, "live/srtpush")["origin"]["pushed_to"]["upstream"].startswith("srt://")
            finally:
                stop(publisher)
    # A configured loop: each node the other's upstream.
    ports_a = (free_port(), free_port(), free_port())
    ports_b = (free_port(), free_port(), free_port())
    with node("A", [f"rtmp://127.0.0.1:{ports_b[0]}"], ports=ports_a) as a, \
            node("B", [f"rtmp://127.0.0.1:{ports_a[0]}"], ports=ports_b) as b:
        status, _, _ = a.get("/live/looped.flv", timeout=15)
        assert status == 404, f"expected a looped pull to end in 404; got {status}"
        assert a.metric("rtsedge_upstream_refused_total") + b.metric("rtsedge_upstream_refused_total") >= 1
        pulls = a.log().count("pull live/looped: trying") + b.log().count("pull live/looped: trying")
        assert a.alive() and b.alive()
        assert "loop" in a.log() + b.log(), "expected the loop named in a log"
        assert pulls <= 20, f"expected a loop refused, not spun: {pulls} attempts"


def test_pull_from_nginx_rtmp():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    module = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
    assert os.path.exists(nginx) and os.path.exists(module), "nginx and libnginx-mod-rtmp: scripts/packages.txt"
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        conf = Path(folder) / "nginx.conf"
        conf.write_text(f"load_module {module};\nworker_processes 1;\npid {folder}/nginx.pid;\n"
                        f"error_log {folder}/error.log;\nevents {{ worker_connections 64; }}\n"
                        f"rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}\n")
        origin = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            with node("edge", [f"rtmp://127.0.0.1:{port}"]) as edge:
                publisher = publish(f"rtmp://127.0.0.1:{port}/live/test")
                try:
                    time.sleep(2)
                    streams = probe(edge.flv_url(), "-show_streams", timeout=30)["streams"]
                    video = [s for s in streams if s["codec_type"] == "video"]
                    assert video and video[0]["codec_name"] == "h264", streams
                    assert stream_info(edge)["origin"]["upstream"] == f"rtmp://127.0.0.1:{port}"
                finally:
                    stop(publisher)
        finally:
            stop(origin, sig=__import__("signal").SIGQUIT)


def test_srt_pull_across_a_lossy_link_loses_no_frame():
    seconds = 20
    with tempfile.TemporaryDirectory() as folder, node("origin", config="streams:\n  source_grace: 1s\n") as origin:
        relay = UdpImpairment(origin.srt_port, 0.02, 0.05, impair_replies=True)  # the media comes back
        try:
            srt_url = f"srt://127.0.0.1:{relay.port}?latency=200"
            with node("mid", [srt_url]) as mid, node("edge", [rtmp_upstream(mid)]) as edge:
                source = Path(folder) / "source.flv"
                ended_ok(subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                     "testsrc2=size=320x240:rate=25", "-t", str(seconds + 6), "-c:v", "libx264", "-preset",
                     "ultrafast", "-g", "25", "-b:v", "500k", "-f", "flv", "-y", str(source)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), 60, "encoding")
                publisher = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", str(source),
                                              "-c", "copy", "-f", "flv", origin.url()],
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    wait_live(origin)
                    out = Path(folder) / "edge.flv"
                    viewer = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", edge.flv_url(),
                                               "-c", "copy", "-f", "flv", "-y", str(out)],
                                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.PIPE)
                    ended_ok(publisher, seconds + 30, "the publisher")
                    wait_exit(viewer, 30, "the edge viewer to end with the stream")
                finally:
                    stop(publisher)
                data = probe(out, "-select_streams", "v", "-show_entries", "packet=pts_time", timeout=60)
                times = [float(p["pts_time"]) for p in data["packets"] if p.get("pts_time", "N/A") != "N/A"]
                window = [t for t in times if t - times[0] < seconds]
                lost = origin.metric("rtsedge_srt_packets_retransmitted_total")
                print(f"{len(window)} video frames in {seconds} s at the edge; {relay.dropped} SRT packets dropped "
                      f"between origin and mid, {lost:.0f} retransmitted", flush=True)
                assert relay.dropped > 0 and lost > 0, "expected the link to lose packets"
                assert len(window) == seconds * 25, f"expected all {seconds * 25} frames; the edge viewer got " \
                                                    f"{len(window)}"
        finally:
            relay.close()


if __name__ == "__main__":
    run_tests([test_one_pull_per_node_whatever_the_viewers,
               test_killed_mid_fails_over_without_viewers_reconnecting,
               test_idle_teardown_and_not_found,
               test_publish_at_an_edge_is_forwarded_and_loops_are_refused,
               test_pull_from_nginx_rtmp,
               test_srt_pull_across_a_lossy_link_loses_no_frame])
