"""How fast a WHEP viewer starts and how close to live it plays: Debian's chromium joins a
stream published over RTMP (H.264 High 1280x720 25 fps, a keyframe every --gop frames)
--join seconds into its GOP, in the network namespaces of tests/integration/test_webrtc.py,
and prints per second: frames decoded, and how far video and audio play behind rtsedge's
live point (the page's Date.now() minus getStats' estimatedPlayoutTimestamp, the NTP time
rtsedge's sender reports give the media playing). Needs root (network namespaces).

  RTSEDGE_BIN=build/rtsedge python3 bench/webrtc_start.py --runs 3 --join 3.5 --gop 100
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import test_webrtc  # noqa: E402  (the namespaces, rtsedge and the browser runner)
from harness import publish, stop, wait_for_stream  # noqa: E402


def one_run(join, gop, seconds):
    with test_webrtc.webrtc_setup() as setup:
        keyframes = ["-profile:v", "high", "-bf", "0", "-x264-params", f"keyint={gop}:min-keyint={gop}"]
        publisher = publish(setup.server.url("live/cam"), gop=gop, extra=keyframes)
        try:
            wait_for_stream(setup.server, "live/cam")
            time.sleep(join)
            with test_webrtc.browser(setup, [("whep", setup.page("whep", "cam"))], seconds) as viewer:
                viewer.wait_for(lambda s: s["framesDecoded"] > 0, 20, "the WHEP page to decode a frame")
                summary = viewer.finish()
        finally:
            stop(publisher)
    page = test_webrtc.page_summary(summary)
    series = page["series"]
    return {"firstFrameAfterPostMs": page["last"]["firstFrameAfterPostMs"],
            "framesDecoded": series.get("framesDecoded"),
            "videoBehindLiveMs": series.get("videoBehindLiveMs"),
            "audioBehindLiveMs": series.get("audioBehindLiveMs"),
            "freezeCount": page["last"]["freezeCount"],
            "totalFreezesDuration": page["last"]["totalFreezesDuration"],
            "videoPacketsLost": page["last"]["videoPacketsLost"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--join", type=float, default=3.5, help="seconds after the publisher starts")
    parser.add_argument("--gop", type=int, default=100, help="frames per GOP (25 fps)")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    for run in range(args.runs):
        print(json.dumps({"run": run + 1, **one_run(args.join, args.gop, args.seconds)}), flush=True)


if __name__ == "__main__":
    main()
