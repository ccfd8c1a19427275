"""Faults that leave a connection open but silent: a publisher frozen with SIGSTOP, and
an upstream node frozen with SIGSTOP (kill -9 of each is in test_publisher_failover.py
and test_tiers.py; loss, delay and reordering in test_srt_lossy.py). rtsedge survives,
viewers keep their connection, and playback resumes."""

import signal
import time

from harness import run_tests, stop, wait_until, publish
from test_tiers import continuous_viewer, node, rtmp_upstream, stream_info, wait_live

FROZEN_SECONDS = 3


def video_gaps(result):
    assert "error" not in result, result.get("error")
    video = [p for p in result["packets"] if p["type"] == "video"]
    assert video, "expected the viewer to receive video"
    dts = [p["dts"] for p in video]
    assert all(b >= a for a, b in zip(dts, dts[1:])), "expected monotonic timestamps through the fault"
    return [b["at"] - a["at"] for a, b in zip(video, video[1:])]


def test_frozen_publisher_resumes_for_its_viewers():
    with node("origin") as origin:
        publisher = publish(origin.url())
        try:
            wait_live(origin)
            result = {}
            viewer = continuous_viewer(origin.flv_url(), 10, result)
            time.sleep(2)
            publisher.send_signal(signal.SIGSTOP)
            time.sleep(FROZEN_SECONDS)
            publisher.send_signal(signal.SIGCONT)
            viewer.join(40)
            gaps = video_gaps(result)
            longest = max(gaps)
            print(f"longest gap at the viewer: {longest * 1000:.0f} ms (publisher frozen {FROZEN_SECONDS} s)",
                  flush=True)
            assert longest >= FROZEN_SECONDS - 1, "expected the freeze to show (else this test checks nothing)"
            assert stream_info(origin)["live"] and origin.alive()
            # The viewer's stall is blamed on the source, as the stall model promises.
            wait_until(lambda: origin.metric('rtsedge_stall_events_total{protocol="http-flv",cause="ingest_gap"}') >= 1,
                       10, "the freeze counted as an ingest_gap stall")
        finally:
            stop(publisher)


def test_frozen_upstream_fails_over_within_no_media_timeout():
    tier = "  backoff_min: 300ms\n  backoff_max: 1s\n  no_media_timeout: 1s\n"
    with node("origin") as origin, node("midA", [rtmp_upstream(origin)]) as mid_a, \
            node("midB", [rtmp_upstream(origin)]) as mid_b:
        mids = {rtmp_upstream(mid_a): mid_a, rtmp_upstream(mid_b): mid_b}
        with node("edge", list(mids), tier) as edge:
            publisher = publish(origin.url())
            frozen = None
            try:
                wait_live(origin)
                result = {}
                viewer = continuous_viewer(edge.flv_url(), 10, result)
                wait_until(lambda: (stream_info(edge) or {}).get("live"), 10, "the edge to play")
                time.sleep(2)
                picked_url = stream_info(edge)["origin"]["upstream"]
                frozen = mids[picked_url]
                frozen_at = time.monotonic()
                frozen.process.send_signal(signal.SIGSTOP)
                wait_until(lambda: stream_info(edge)["origin"]["upstream"] not in ("", picked_url), 6,
                           "the edge to move to the other mid")
                print(f"failover from a frozen mid after {time.monotonic() - frozen_at:.2f} s", flush=True)
                viewer.join(40)
                longest = max(video_gaps(result))
                print(f"longest gap at the viewer: {longest * 1000:.0f} ms", flush=True)
                assert longest < 2.5, f"expected frames again within 2.5 s of the freeze; a gap of {longest:.2f} s"
                assert edge.metric("rtsedge_upstream_failovers_total") == 1
                assert edge.metric('rtsedge_upstream_errors_total{kind="no_media"}') >= 1
            finally:
                if frozen is not None:
                    frozen.process.send_signal(signal.SIGCONT)  # so it can stop cleanly
                stop(publisher)


if __name__ == "__main__":
    run_tests([test_frozen_publisher_resumes_for_its_viewers, test_frozen_upstream_fails_over_within_no_media_timeout])
