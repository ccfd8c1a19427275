#include "protocols/webrtc/rtp/rtp_packet.h"

#include <cstring>
#include <string>

namespace rtsedge::webrtc::rtp {
namespace {

constexpr size_t kExtensionHeaderSize = 4;  // profile, length in 32-bit words
constexpr uint8_t kOneByteReservedId = 15;
constexpr size_t kMaxExtensionWords = 0xFFFF;

enum class ExtensionForm { kOneByte, kTwoByte, kOther };

ExtensionForm formOf(uint16_t profile) {
  if (profile == kOneByteExtensionProfile) {
    return ExtensionForm::kOneByte;
  }
  if ((profile & 0xFFF0) == kTwoByteExtensionProfile) {
    return ExtensionForm::kTwoByte;
  }
  return ExtensionForm::kOther;
}

// Calls visit(id, value) for each RFC 8285 element of an extension block, in order,
// until it returns false. Padding bytes (id 0) are skipped; in the one-byte form id 15
// ends the list. Fails on an element running past the block.
template <class Visit>
Status walkExtensions(uint16_t profile, std::span<const uint8_t> data, Visit&& visit) {
  const ExtensionForm form = formOf(profile);
  if (form == ExtensionForm::kOther) {
    return Status::ok();
  }
  size_t at = 0;
  while (at < data.size()) {
    uint8_t id = 0;
    size_t length = 0;
    if (form == ExtensionForm::kOneByte) {
      id = data[at] >> 4;
      if (id == 0) {
        ++at;  // a padding byte; its length nibble is ignored
        continue;
      }
      if (id == kOneByteReservedId) {
        break;
      }
      length = (data[at] & 0x0F) + 1u;
      ++at;
    } else {
      id = data[at];
      if (id == 0) {
        ++at;
        continue;
      }
      if (data.size() - at < 2) {
        return Error("RTP extension: truncated two-byte element header at " + std::to_string(at));
      }
      length = data[at + 1];
      at += 2;
    }
    if (length > data.size() - at) {
      return Error("RTP extension: element " + std::to_string(id) + " of " + std::to_string(length) +
                   " bytes, " + std::to_string(data.size() - at) + " left");
    }
    if (!visit(id, data.subspan(at, length))) {
      break;
    }
    at += length;
  }
  return Status::ok();
}

// Which form a header's extensions are written in, and the extension block's size
// after its 4-byte header (padded to 32-bit words).
struct ExtensionLayout {
  bool twoByte = false;
  size_t bodySize = 0;
};

Result<ExtensionLayout> layoutExtensions(const RtpHeader& header) {
  ExtensionLayout layout;
  layout.twoByte = header.twoByteExtensions;
  for (const auto& extension : header.extensions) {
    if (extension.id == 0) {
      return Error("RTP extension id 0");
    }
    if (extension.id > kOneByteExtensionMaxId || extension.value.empty() ||
        extension.value.size() > kOneByteExtensionMaxSize) {
      layout.twoByte = true;
    }
  }
  if (header.appBits > 0x0F) {
    return Error("RTP extension appbits " + std::to_string(header.appBits) + " over 4 bits");
  }
  size_t size = 0;
  for (const auto& extension : header.extensions) {
    if (extension.value.size() > kTwoByteExtensionMaxSize) {
      return Error("RTP extension " + std::to_string(extension.id) + " of " + std::to_string(extension.value.size()) +
                   " bytes, the limit is 255");
    }
    size += (layout.twoByte ? 2 : 1) + extension.value.size();
  }
  layout.bodySize = (size + 3) / 4 * 4;
  if (layout.bodySize / 4 > kMaxExtensionWords) {
    return Error("RTP extensions of " + std::to_string(size) + " bytes");
  }
  return layout;
}

// Big-endian stores into a block sized beforehand.
class SpanWriter {
 public:
  explicit SpanWriter(uint8_t* out) : out_(out) {}
  void byte(uint8_t value) { *out_++ = value; }
  void u16(uint16_t value) {
    byte(static_cast<uint8_t>(value >> 8));
    byte(static_cast<uint8_t>(value));
  }
  void u32(uint32_t value) {
    u16(static_cast<uint16_t>(value >> 16));
    u16(static_cast<uint16_t>(value));
  }
  void bytes(std::span<const uint8_t> data) {
    if (!data.empty()) {
      std::memcpy(out_, data.data(), data.size());
      out_ += data.size();
    }
  }
  void zeros(size_t count) {
    std::memset(out_, 0, count);
    out_ += count;
  }

 private:
  uint8_t* out_;
};

// The same stores appended to a builder.
class BuilderWriter {
 public:
  explicit BuilderWriter(BytesBuilder& out) : out_(out) {}
  void byte(uint8_t value) { out_.appendByte(value); }
  void u16(uint16_t value) { out_.appendU16(value); }
  void u32(uint32_t value) { out_.appendU32(value); }
  void bytes(std::span<const uint8_t> data) { out_.append(data); }
  void zeros(size_t count) {
    for (size_t i = 0; i < count; ++i) {
      out_.appendByte(0);
    }
  }

 private:
  BytesBuilder& out_;
};

template <class Writer>
void writeChecked(Writer& writer, const RtpHeader& header, const ExtensionLayout& layout,
                  std::span<const uint8_t> payload) {
  const bool extension = !header.extensions.empty();
  writer.byte(static_cast<uint8_t>(kRtpVersion << 6 | (header.paddingSize > 0 ? 0x20 : 0) | (extension ? 0x10 : 0) |
                                   header.csrcs.size()));
  writer.byte(static_cast<uint8_t>((header.marker ? 0x80 : 0) | header.payloadType));
  writer.u16(header.sequence);
  writer.u32(header.timestamp);
  writer.u32(header.ssrc);
  for (const uint32_t csrc : header.csrcs) {
    writer.u32(csrc);
  }
  if (extension) {
    writer.u16(layout.twoByte ? static_cast<uint16_t>(kTwoByteExtensionProfile | header.appBits)
                              : kOneByteExtensionProfile);
    writer.u16(static_cast<uint16_t>(layout.bodySize / 4));
    size_t written = 0;
    for (const auto& element : header.extensions) {
      if (layout.twoByte) {
        writer.byte(element.id);
        writer.byte(static_cast<uint8_t>(element.value.size()));
        written += 2;
      } else {
        writer.byte(static_cast<uint8_t>(element.id << 4 | (element.value.size() - 1)));
        written += 1;
      }
      writer.bytes(element.value);
      written += element.value.size();
    }
    writer.zeros(layout.bodySize - written);
  }
  writer.bytes(payload);
  if (header.paddingSize > 0) {
    writer.zeros(header.paddingSize - 1u);
    writer.byte(header.paddingSize);
  }
}

struct CheckedHeader {
  ExtensionLayout layout;
  size_t headerSize = 0;
};

Result<CheckedHeader> checkHeader(const RtpHeader& header) {
  if (header.payloadType > kRtpMaxPayloadType) {
    return Error("RTP payload type " + std::to_string(header.payloadType) + " over 127");
  }
  if (header.csrcs.size() > kRtpMaxCsrcs) {
    return Error("RTP: " + std::to_string(header.csrcs.size()) + " CSRCs, the limit is 15");
  }
  auto layout = layoutExtensions(header);
  if (!layout) {
    return layout.error();
  }
  CheckedHeader checked{*layout, kRtpFixedHeaderSize + 4 * header.csrcs.size()};
  if (!header.extensions.empty()) {
    checked.headerSize += kExtensionHeaderSize + layout->bodySize;
  }
  return checked;
}

}  // namespace

std::vector<RtpExtension> RtpPacketView::extensions() const {
  std::vector<RtpExtension> out;
  (void)walkExtensions(extensionProfile, extensionData, [&](uint8_t id, std::span<const uint8_t> value) {
    out.push_back({id, value});
    return true;
  });
  return out;
}

std::optional<std::span<const uint8_t>> RtpPacketView::extension(uint8_t id) const {
  std::optional<std::span<const uint8_t>> found;
  (void)walkExtensions(extensionProfile, extensionData, [&](uint8_t elementId, std::span<const uint8_t> value) {
    if (elementId == id) {
      found = value;
      return false;
    }
    return true;
  });
  return found;
}

Result<RtpPacketView> parseRtpPacket(std::span<const uint8_t> packet) {
  const size_t size = packet.size();
  if (size < kRtpFixedHeaderSize) {
    return Error("RTP: " + std::to_string(size) + " bytes, the fixed header needs 12");
  }
  const uint8_t* p = packet.data();
  if (p[0] >> 6 != kRtpVersion) {
    return Error("RTP: version " + std::to_string(p[0] >> 6));
  }
  RtpPacketView view;
  view.marker = (p[1] & 0x80) != 0;
  view.payloadType = p[1] & 0x7F;
  view.sequence = loadU16(p + 2);
  view.timestamp = loadU32(p + 4);
  view.ssrc = loadU32(p + 8);
  size_t at = kRtpFixedHeaderSize;
  const size_t csrcBytes = 4u * (p[0] & 0x0F);
  if (size - at < csrcBytes) {
    return Error("RTP: truncated CSRC list: " + std::to_string(csrcBytes) + " bytes, " + std::to_string(size - at) +
                 " left");
  }
  view.csrcData = packet.subspan(at, csrcBytes);
  at += csrcBytes;
  if ((p[0] & 0x10) != 0) {
    if (size - at < kExtensionHeaderSize) {
      return Error("RTP: truncated extension header");
    }
    view.hasExtension = true;
    view.extensionProfile = loadU16(p + at);
    const size_t extensionBytes = 4u * loadU16(p + at + 2);
    at += kExtensionHeaderSize;
    if (size - at < extensionBytes) {
      return Error("RTP: truncated extension: " + std::to_string(extensionBytes) + " bytes, " +
                   std::to_string(size - at) + " left");
    }
    view.extensionData = packet.subspan(at, extensionBytes);
    at += extensionBytes;
    if (auto status = walkExtensions(view.extensionProfile, view.extensionData, [](uint8_t, auto) { return true; });
        !status) {
      return status.error();
    }
  }
  view.headerSize = at;
  size_t end = size;
  if ((p[0] & 0x20) != 0) {
    const uint8_t padding = at < size ? p[size - 1] : 0;
    if (padding == 0 || padding > size - at) {
      return Error("RTP: padding of " + std::to_string(padding) + " bytes, " + std::to_string(size - at) +
                   " after the header");
    }
    view.paddingSize = padding;
    end -= padding;
  }
  view.payload = packet.subspan(at, end - at);
  return view;
}

Result<size_t> rtpHeaderSize(const RtpHeader& header) {
  auto checked = checkHeader(header);
  if (!checked) {
    return checked.error();
  }
  return checked->headerSize;
}

Result<size_t> writeRtpPacket(std::span<uint8_t> out, const RtpHeader& header, std::span<const uint8_t> payload) {
  auto checked = checkHeader(header);
  if (!checked) {
    return checked.error();
  }
  const size_t total = checked->headerSize + payload.size() + header.paddingSize;
  if (out.size() < total) {
    return Error("RTP: packet of " + std::to_string(total) + " bytes, room for " + std::to_string(out.size()));
  }
  SpanWriter writer(out.data());
  writeChecked(writer, header, checked->layout, payload);
  return total;
}

Result<Bytes> buildRtpPacket(const RtpHeader& header, std::span<const uint8_t> payload) {
  auto checked = checkHeader(header);
  if (!checked) {
    return checked.error();
  }
  const size_t total = checked->headerSize + payload.size() + header.paddingSize;
  BytesBuilder out(total);
  BuilderWriter writer(out);
  writeChecked(writer, header, checked->layout, payload);
  return out.freeze();
}

Status rewriteRtpHeader(std::span<uint8_t> packet, const RtpHeaderRewrite& fields) {
  if (packet.size() < kRtpFixedHeaderSize) {
    return Error("RTP rewrite: " + std::to_string(packet.size()) + " bytes, the fixed header needs 12");
  }
  if (packet[0] >> 6 != kRtpVersion) {
    return Error("RTP rewrite: version " + std::to_string(packet[0] >> 6));
  }
  if (fields.payloadType > kRtpMaxPayloadType) {
    return Error("RTP rewrite: payload type " + std::to_string(fields.payloadType) + " over 127");
  }
  SpanWriter writer(packet.data() + 1);
  writer.byte(static_cast<uint8_t>((packet[1] & 0x80) | fields.payloadType));
  writer.u16(fields.sequence);
  SpanWriter(packet.data() + 8).u32(fields.ssrc);
  return Status::ok();
}

}  // namespace rtsedge::webrtc::rtp
