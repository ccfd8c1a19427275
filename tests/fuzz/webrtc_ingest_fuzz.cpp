// A WHIP publisher's decrypted RTP into WebRtcIngest, publishing into a Stream with a
// viewer: H.264 (with RTX on its own payload type), Opus, the transport-wide sequence
// number extension, any order, loss or payload. Each chunk of the input is a length byte
// and that many bytes of an RTP packet; a zero length moves the clock 100 ms and takes the
// RTCP feedback, as the session's timer does. Invariants: the feedback always parses as
// RTCP, every frame the stream hands its viewer decodes with a configuration of its codec,
// and video timestamps never go back.
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtp_packet.h"
#include "protocols/webrtc/server/webrtc_ingest.h"
#include "relay/clock.h"
#include "relay/stream.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;
using namespace rtsedge::webrtc;

class CheckingViewer final : public Subscriber {
 public:
  void onMetadata(const Bytes&) override {}
  void onTrackConfig(const TrackConfigPtr& config) override { fuzz::check(config != nullptr); }
  void onFrame(const FramePtr& frame) override {
    fuzz::check(frame->config != nullptr && frame->config->codec == frame->codec);
    fuzz::check(frame->codec == Codec::kH264 || frame->codec == Codec::kOpus);
    if (frame->kind == TrackKind::kVideo) {
      fuzz::check(frame->dtsUs >= lastVideoDtsUs_);
      lastVideoDtsUs_ = frame->dtsUs;
    }
  }
  void onSourceLost() override {}
  void onSourceRestored() override {}
  void onStreamEnded() override {}

 private:
  int64_t lastVideoDtsUs_ = INT64_MIN;
};

class QuietSource final : public StreamSource::Listener {
 public:
  void onPublisherReplaced() override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  StreamSettings settings;
  ManualClock clock;
  Stream stream("live/fuzz", settings, clock);
  CheckingViewer viewer;
  stream.subscribe(viewer);
  QuietSource listener;
  IngestTracks tracks{.videoPayloadType = 96,
                      .videoRtxPayloadType = 97,
                      .audioPayloadType = 111,
                      .audioChannels = 2,
                      .transportCcId = 3};
  {
    WebRtcIngest ingest(tracks, 0x1234, clock, listener);
    fuzz::check(static_cast<bool>(ingest.attachTo(stream)));
    std::span<const uint8_t> input(data, size);
    while (!input.empty()) {
      const size_t length = std::min<size_t>(input[0], input.size() - 1);
      const auto packet = input.subspan(1, length);
      input = input.subspan(1 + length);
      if (length == 0) {
        clock.advance(Millis(100));
        Bytes feedback = ingest.feedback(clock.now(), 0);
        fuzz::check(feedback.empty() || rtp::parseRtcp(feedback.span()).isOk());
      } else if (auto parsed = rtp::parseRtpPacket(packet)) {
        clock.advance(Micros(500));
        ingest.onRtp(*parsed, clock.now());
      }
    }
  }
  stream.unsubscribe(viewer);
  return 0;
}
