"""A deliberately small RTMP client for hostile-peer tests: simple handshake, AMF0
commands, and raw bytes, so a test can misbehave in exactly one way."""

import os
import socket
import struct


def amf0(value):
    if value is None:
        return b"\x05"
    if isinstance(value, bool):
        return b"\x01" + bytes([value])
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", value)
    if isinstance(value, str):
        data = value.encode()
        return b"\x02" + struct.pack(">H", len(data)) + data
    if isinstance(value, dict):
        body = b"".join(struct.pack(">H", len(k)) + k.encode() + amf0(v) for k, v in value.items())
        return b"\x03" + body + b"\x00\x00\x09"
    raise TypeError(value)


def message(type_id, payload, csid=3, stream_id=0, timestamp=0, chunk_size=128):
    """One message as type-0 + type-3 chunks."""
    out = bytes([csid]) + struct.pack(">I", timestamp)[1:] + struct.pack(">I", len(payload))[1:]
    out += bytes([type_id]) + struct.pack("<I", stream_id)
    for offset in range(0, max(len(payload), 1), chunk_size):
        if offset:
            out += bytes([0xC0 | csid])
        out += payload[offset:offset + chunk_size]
    return out


def command(name, transaction, *args, stream_id=0):
    return message(20, amf0(name) + amf0(transaction) + b"".join(amf0(a) for a in args), stream_id=stream_id)


class RawClient:
    def __init__(self, port, receive_buffer=None):
        self.sock = socket.socket()
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(5)
        self.sock.connect(("127.0.0.1", port))

    def handshake(self):
        self.sock.sendall(b"\x03" + bytes(8) + os.urandom(1528))
        received = b""
        while len(received) < 1 + 2 * 1536:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            received += chunk
        self.sock.sendall(received[1:1537])  # C2 echoes S1

    def play(self, app, name):
        self.sock.sendall(command("connect", 1, {"app": app, "tcUrl": f"rtmp://127.0.0.1/{app}"}))
        self.sock.sendall(command("createStream", 2, None))
        self.sock.sendall(command("play", 0, None, name, stream_id=1))

    def send(self, data):
        self.sock.sendall(data)

    def closed_by_server(self, timeout=10):
        """Reads until the server closes; False if it is still open after the timeout."""
        self.sock.settimeout(timeout)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self):
        self.sock.close()
