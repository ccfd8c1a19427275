// RTP packets as a WHIP publisher sends them, into the H.264 depacketizer: any order,
// any loss, any payload. Each chunk of the input is a length byte and that many bytes
// of an RTP packet; a zero length flushes the reorder window, as a session timer does.
// Invariant: every frame out is 4-byte length-prefixed NAL units filling it exactly,
// under the size cap, with a configuration.
#include "protocols/codec/annexb.h"
#include "protocols/webrtc/rtp/h264_depacketizer.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;
using namespace rtsedge::webrtc::rtp;

constexpr size_t kMaxFrameSize = 16 * 1024;  // small, so that the cap is reached

void checkFrame(const DepacketizedFrame& frame) {
  fuzz::check(frame.config != nullptr);
  fuzz::check(frame.payload.size() <= kMaxFrameSize);
  const auto data = frame.payload.span();
  size_t at = 0;
  bool idr = false;
  while (at < data.size()) {
    fuzz::check(data.size() - at >= 4);
    const size_t length = loadU32(data.data() + at);
    at += 4;
    fuzz::check(length > 0 && length <= data.size() - at);
    idr = idr || (data[at] & 0x1f) == 5;
    at += length;
  }
  fuzz::check(at == data.size());
  fuzz::check(frame.keyframe == idr);
  auto units = codec::splitLengthPrefixed(data, 4);
  fuzz::check(units.isOk() && !units->empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  H264DepacketizerOptions options;
  options.maxFrameSize = kMaxFrameSize;
  H264Depacketizer depacketizer(options);
  std::span<const uint8_t> input(data, size);
  while (!input.empty()) {
    const size_t length = std::min<size_t>(input[0], input.size() - 1);
    const auto packet = input.subspan(1, length);
    input = input.subspan(1 + length);
    std::vector<DepacketizedFrame> frames;
    if (length == 0) {
      frames = depacketizer.flush();
    } else if (auto parsed = parseRtpPacket(packet)) {
      frames = depacketizer.push(*parsed);
    }
    for (const auto& frame : frames) {
      checkFrame(frame);
    }
  }
  for (const auto& frame : depacketizer.flush()) {
    checkFrame(frame);
  }
  const auto& stats = depacketizer.stats();
  fuzz::check(stats.framesOut <= stats.packets);
  return 0;
}
