"""An SRT publisher behind a lossy, slow, reordering link (5% loss, 50 ms delay give or
take 20 ms) with 200 ms of SRT latency: retransmissions hide the loss and the receive
buffer the reordering, so viewers get every frame."""

import os
import re
import subprocess
import tempfile
from pathlib import Path

from harness import Server, ended_ok, probe, run_tests, stop, wait_exit, wait_until
from impaired_link import UdpImpairment, netem_link

LOSS = 0.05
DELAY = 0.05
JITTER = 0.02
MEASURED_SECONDS = 20.0


def packet_times(path):
    """Per codec type, the pts (s) of every packet of a TS file, in file order."""
    data = probe(path, "-show_entries", "packet=codec_type,pts_time", timeout=60)
    times = {"video": [], "audio": []}
    for packet in data.get("packets", []):
        if packet.get("pts_time", "N/A") != "N/A" and packet["codec_type"] in times:
            times[packet["codec_type"]].append(float(packet["pts_time"]))
    return times


def within(times, seconds):
    """The packets of the first `seconds` of media."""
    start = min(times)
    return [t for t in times if t - start < seconds]


def metric(server, name):
    _, _, body = server.get("/metrics")
    match = re.search(rf"^{re.escape(name)} (\S+)$", body.decode(), re.M)
    return float(match.group(1)) if match else 0.0


def test_lossy_link_loses_no_frame():
    link, why = netem_link(f"rtse{os.getpid() % 100000}", LOSS, DELAY, JITTER)
    print(f"impaired link: {'tc netem in a network namespace' if link else 'UDP relay on loopback (netem: ' + why + ')'}",
          flush=True)
    config = "srt:\n  play_wait: 20s\nstreams:\n  source_grace: 1s\n"
    try:
        with tempfile.TemporaryDirectory() as folder, \
                Server(config=config, srt_host=link.host_ip if link else "127.0.0.1") as server:
            source = Path(folder) / "source.ts"
            # Two seconds more than measured: what the caller's close cuts short is not counted.
            ended_ok(subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                 "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(MEASURED_SECONDS + 2),
                 "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-b:v", "600k", "-c:a", "aac",
                 "-f", "mpegts", "-y", str(source)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE), 60, "encoding the source file")
            host = link.host_ip if link else "127.0.0.1"
            out = Path(folder) / "played.ts"
            viewer = subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-i",
                 f"srt://{host}:{server.srt_port}?streamid=#!::r=live/lossy,m=request", "-c", "copy",
                 "-f", "mpegts", "-y", str(out)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            relay = None if link else UdpImpairment(server.srt_port, LOSS, DELAY, jitter=JITTER)
            try:
                target_port = server.srt_port if link else relay.port
                url = f"srt://{host}:{target_port}?streamid=#!::r=live/lossy,m=publish&latency=200000"
                publisher = subprocess.Popen(
                    (link.prefix() if link else []) +
                    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", str(source), "-c", "copy",
                     "-f", "mpegts", url],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                ended_ok(publisher, MEASURED_SECONDS + 30, "the publisher to send the whole file")
                code = wait_exit(viewer, 30, "the viewer to end with the stream")
                assert code == 0, f"expected the viewer to exit 0; it exited {code}: {viewer.stderr.read()[-500:]}"
            finally:
                stop(viewer)
                if relay:
                    relay.close()
            lost = metric(server, 'rtsedge_srt_packets_lost_total{direction="received"}')
            assert lost > 0, "expected the link to lose packets (else this test checks nothing)"
            if relay:
                assert relay.dropped > 0.02 * relay.forwarded, \
                    f"expected ~5% dropped by the relay; {relay.dropped} of {relay.forwarded}"
                assert relay.reordered > 0, "expected the relay to reorder datagrams (else this checks nothing)"
                print(f"relay: {relay.dropped} dropped, {relay.reordered} reordered of {relay.forwarded}", flush=True)
            sent, played = packet_times(source), packet_times(out)
            for kind in ("video", "audio"):
                expected = len(within(sent[kind], MEASURED_SECONDS))
                got = len(within(played[kind], MEASURED_SECONDS))
                print(f"{kind}: {expected} frames in, {got} out; {lost:.0f} packets lost and recovered", flush=True)
                assert got == expected, f"expected all {expected} {kind} frames of {MEASURED_SECONDS:.0f} s " \
                                        f"through the lossy link; the viewer got {got}\n{server.log_tail()}"
    finally:
        if link:
            link.close()


if __name__ == "__main__":
    run_tests([test_lossy_link_loses_no_frame])
