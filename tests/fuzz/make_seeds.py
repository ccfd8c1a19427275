"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from what
real tools send: an ffmpeg RTMP publish captured at the socket (through a relay in
front of rtsedge), ffmpeg's MPEG-TS and FLV output, curl's HTTP requests, the example
configurations. Seeds stay small (a few KiB each); libFuzzer grows its own corpus in
build-fuzz/corpus/. Run it again after a parser's input format changes:

    RTSEDGE_BIN=build/rtsedge python3 tests/fuzz/make_seeds.py
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from harness import Server  # noqa: E402

CORPUS = ROOT / "tests" / "fuzz" / "corpus"
HANDSHAKE = 1 + 2 * 1536  # C0 C1 C2


def write(target, name, data, split=None):
    """A seed for `target`; targets that read in two parts take a first byte that says
    where the split is (tests/fuzz/fuzz_input.h): `split` of 0..255."""
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if split is not None:
        data = bytes([split]) + data
    (folder / name).write_bytes(data)


def capture_rtmp_publish(server):
    """What ffmpeg sends when it publishes 1 s over RTMP, read through a relay."""
    relay = socket.socket()
    relay.bind(("127.0.0.1", 0))
    relay.listen(1)
    captured = bytearray()

    def serve():
        client, _ = relay.accept()
        upstream = socket.create_connection(("127.0.0.1", server.rtmp_port))

        def back():
            try:
                while data := upstream.recv(65536):
                    client.sendall(data)
            except OSError:
                pass
        threading.Thread(target=back, daemon=True).start()
        try:
            while data := client.recv(65536):
                captured.extend(data)
                upstream.sendall(data)
        except OSError:
            pass
        upstream.close()
        client.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = relay.getsockname()[1]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                    "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "1",
                    "-c:v", "libx264", "-g", "10", "-c:a", "aac", "-f", "flv", f"rtmp://127.0.0.1:{port}/live/seed"],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    thread.join(10)
    relay.close()
    return bytes(captured)


def ffmpeg_output(folder, fmt, name, extra=()):
    path = Path(folder) / name
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "0.5",
                    "-c:v", "libx264", "-g", "5", *extra, "-f", fmt, "-y", str(path)],
                   check=True, timeout=60, stdin=subprocess.DEVNULL)
    return path.read_bytes()


def flv_tags(data):
    """(type, body) of each tag of an FLV file."""
    tags, at = [], 13
    while at + 11 <= len(data):
        kind, size = data[at], int.from_bytes(data[at + 1:at + 4], "big")
        tags.append((kind, data[at + 11:at + 11 + size]))
        at += 11 + size + 4
    return tags


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    with Server() as server:
        publish = capture_rtmp_publish(server)
    write("rtmp_handshake_fuzz", "ffmpeg_c0c1c2", publish[:HANDSHAKE], split=128)
    write("rtmp_chunk_reader_fuzz", "ffmpeg_publish", publish[HANDSHAKE:HANDSHAKE + 8192], split=100)
    # The AMF0 commands of the publish: connect, releaseStream, FCPublish, createStream, publish.
    chunks = publish[HANDSHAKE:]
    start = chunks.find(b"\x02\x00\x07connect")
    if start >= 0:
        write("amf0_fuzz", "ffmpeg_connect", chunks[start:start + 200])
    with tempfile.TemporaryDirectory() as folder:
        ts = ffmpeg_output(folder, "mpegts", "seed.ts", ("-c:a", "aac"))
        write("ts_demuxer_fuzz", "ffmpeg_h264_aac", ts[:188 * 40], split=128)
        hevc = ffmpeg_output(folder, "mpegts", "hevc.ts", ("-c:v", "libx265", "-x265-params", "log-level=none",
                                                          "-c:a", "libopus"))
        write("ts_demuxer_fuzz", "ffmpeg_h265_opus", hevc[:188 * 40], split=50)
        flv = ffmpeg_output(folder, "flv", "seed.flv", ("-c:a", "aac"))
        for index, (kind, body) in enumerate(flv_tags(flv)[:6]):
            write("flv_tag_fuzz", f"ffmpeg_tag{index}_type{kind}", body[:2048])
            if kind == 9 and body[:2] == b"\x17\x00":  # the AVC sequence header: a decoder record
                write("codec_fuzz", "ffmpeg_avcc", body[5:])
            if kind == 8 and body[:2] == b"\xaf\x00":  # the AAC sequence header: AudioSpecificConfig
                write("codec_fuzz", "ffmpeg_asc", body[2:])
    for index, request in enumerate((b"GET /live/cam.flv?token=abc HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\n"
                    b"Accept: */*\r\n\r\n",
                    b"DELETE /api/v1/clients/42 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n\r\n",
                    b"POST /whip/live/cam HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                    b"Content-Length: 4\r\n\r\nv=0\n")):
        write("http_request_fuzz", f"request{index}", request, split=90)
    for index, stream_id in enumerate((b"#!::r=live/cam,m=publish", b"#!::r=live/cam,m=request,u=bob,s=xyz,token=1",
                                       b"live/cam", b"#!::h=example.com,r=app/x,m=publish,expires=1,sign=ab")):
        write("srt_stream_id_fuzz", f"id{index}", stream_id)
    for conf in sorted((ROOT / "conf").glob("*.yaml")):
        write("config_fuzz", conf.stem, conf.read_bytes())
    write("access_rules_fuzz", "signed", b"expires=1767225600&sign=" + b"ab" * 32 + b"10.0.0.0/8", split=150)
    write("access_rules_fuzz", "ipv6", b"token=1&expires=2&sign=00" + b"2001:db8::/32", split=100)
    print(f"seeds written to {CORPUS}: " + ", ".join(
        f"{d.name} {len(os.listdir(d))}" for d in sorted(CORPUS.iterdir())))


if __name__ == "__main__":
    main()
