"""STUN Binding requests as an ICE agent sends them (RFC 5389, RFC 8445), for tests that
talk to rtsedge's WebRTC port without a browser."""

import binascii
import hashlib
import hmac
import os
import struct

STUN_MAGIC = 0x2112A442


def stun_attribute(kind, value, pad=b"\0"):
    return struct.pack("!HH", kind, len(value)) + value + pad * (-len(value) % 4)


def stun_binding_request(username, password, transaction=None, attributes=(), pad=b"\0"):
    """An RFC 5389 Binding request: `attributes` ((type, value) pairs), then USERNAME,
    MESSAGE-INTEGRITY (HMAC-SHA1 keyed with `password`, the short-term credential) and
    FINGERPRINT (CRC-32 xor 0x5354554e)."""
    transaction = transaction or os.urandom(12)
    body = b"".join(stun_attribute(kind, value, pad) for kind, value in attributes)
    body += stun_attribute(0x0006, username.encode(), pad)  # USERNAME

    def header(length):
        return struct.pack("!HHI", 0x0001, length, STUN_MAGIC) + transaction
    # The length covers MESSAGE-INTEGRITY (24 bytes) when it is computed.
    integrity = hmac.new(password.encode(), header(len(body) + 24) + body, hashlib.sha1).digest()
    body += stun_attribute(0x0008, integrity)
    crc = (binascii.crc32(header(len(body) + 8) + body) ^ 0x5354554E) & 0xFFFFFFFF
    body += stun_attribute(0x8028, struct.pack("!I", crc))
    return header(len(body)) + body


def check_stun_builder():
    """The builder against RFC 5769's sample request (2.1): same bytes, to the last."""
    expected = bytes.fromhex(
        "000100582112a442b7e7a701bc34d686fa87dfae"
        "802200105354554e207465737420636c69656e74"
        "002400046e0001ff"
        "80290008932ff9b151263b36"
        "000600096576746a3a683676592020 20".replace(" ", "") +
        "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
        "80280004e57a3bcf")
    built = stun_binding_request(
        "evtj:h6vY", "VOkJxbRl1RmTxUk/WvJxBt", bytes.fromhex("b7e7a701bc34d686fa87dfae"),
        attributes=[(0x8022, b"STUN test client"), (0x0024, bytes.fromhex("6e0001ff")),
                    (0x8029, bytes.fromhex("932ff9b151263b36"))], pad=b" ")
    assert built == expected, f"STUN builder differs from RFC 5769 2.1:\n{built.hex()}\n{expected.hex()}"
