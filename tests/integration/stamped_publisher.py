"""A publisher that stamps every video frame with its send time in an SEI
user_data_unregistered message (the layout in docs/metrics.md): ffmpeg encodes
FLV into a pipe; this inserts the SEI and publishes the tags over RTMP."""

import struct
import subprocess
import threading
import time

from rtmp_client import RawClient, command, message

CAPTURE_UUID = bytes([0x72, 0x74, 0x73, 0x65, 0x64, 0x67, 0x65, 0x2D, 0x63, 0x61, 0x70, 0x74, 0x75, 0x72, 0x65, 0x01])
CHUNK_SIZE = 4096


def capture_sei(micros):
    """An H.264 SEI NAL unit with the stamp, emulation prevention applied."""
    rbsp = bytes([5, 24]) + CAPTURE_UUID + struct.pack(">Q", micros) + b"\x80"
    nal, zeros = bytearray([6]), 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            nal.append(3)
            zeros = 0
        zeros = zeros + 1 if byte == 0 else 0
        nal.append(byte)
    return bytes(nal)


def read_exactly(stream, size):
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


class StampedPublisher:
    """Publishes rtmp://127.0.0.1:port/app/name until stop(); counts stamped frames."""

    def __init__(self, port, app="live", name="test"):
        self.encoder = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
             "testsrc2=size=640x360:rate=25", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
             "-g", "25", "-pix_fmt", "yuv420p", "-f", "flv", "pipe:1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.client = RawClient(port)
        self.client.handshake()
        self.client.send(message(1, struct.pack(">I", CHUNK_SIZE), csid=2))
        self.client.send(command("connect", 1, {"app": app, "tcUrl": f"rtmp://127.0.0.1/{app}"}))
        self.client.send(command("createStream", 2, None))
        self.client.send(command("publish", 3, None, name, "live", stream_id=1))
        self.stamped = 0
        self.running = True
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        out = self.encoder.stdout
        try:
            read_exactly(out, 13)  # FLV header and PreviousTagSize0
            while self.running:
                header = read_exactly(out, 11)
                kind, size = header[0] & 0x1F, int.from_bytes(header[1:4], "big")
                timestamp = int.from_bytes(header[4:7], "big") | (header[7] << 24)
                body = read_exactly(out, size)
                read_exactly(out, 4)
                if kind == 9 and len(body) > 5 and body[1] == 1:  # an AVC NALU packet: stamp it
                    sei = capture_sei(time.time_ns() // 1000)
                    body = body[:5] + struct.pack(">I", len(sei)) + sei + body[5:]
                    self.stamped += 1
                csid = {8: 4, 9: 6}.get(kind, 5)
                self.client.send(message(kind, body, csid=csid, stream_id=1, timestamp=timestamp,
                                         chunk_size=CHUNK_SIZE))
        except (EOFError, OSError):
            pass

    def stop(self):
        self.running = False
        if self.encoder.poll() is None:
            self.encoder.terminate()
            try:
                self.encoder.wait(10)
            except subprocess.TimeoutExpired:
                self.encoder.kill()
                self.encoder.wait(5)
        self.thread.join(10)
        self.client.close()
