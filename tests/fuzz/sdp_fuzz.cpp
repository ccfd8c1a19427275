// SDP offers as a WHIP or WHEP client posts them: any text is a description or an
// error; a description gets an answer or an error, and every answer we build parses
// back, section for section. Seed with tests/fixtures/sdp.
#include <string_view>

#include "protocols/webrtc/sdp/sdp_answer.h"
#include "protocols/webrtc/sdp/sdp_offer.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge::webrtc::sdp;

AnswerOptions optionsFor(Role role) {
  AnswerOptions options;
  options.role = role;
  options.iceUfrag = "fuzz";
  options.icePwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
  options.candidates = {{"198.18.0.1", 8000}, {"2001:db8::1", 8000}};
  options.videoSsrc = 1;
  options.videoRtxSsrc = 2;
  options.audioSsrc = 3;
  return options;
}

bool knownError(std::string_view message) {
  return message.starts_with("line ") || message.starts_with("SDP of ") || message.starts_with("empty SDP") ||
         message.starts_with("a=group:BUNDLE");
}

void answerAndReparse(const SessionDescription& offer, const AnswerOptions& options) {
  using rtsedge::fuzz::check;
  auto answer = buildAnswer(offer, options);
  if (!answer) {
    check(!answer.error().message().empty());
    return;
  }
  check(answer->media.size() == offer.media.size());
  // The answer may be longer than the offer it answers (a c= line per rejected section).
  SdpLimits generous{.maxSize = 1 << 20, .maxLines = 1 << 16, .maxLineLength = 1 << 16, .maxMediaSections = 1 << 10};
  auto back = parseSessionDescription(answer->sdp, generous);
  check(back.isOk());
  check(back->iceLite);
  check(back->media.size() == offer.media.size());
  bool any = false;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaSection& section = back->media[i];
    const NegotiatedMedia& media = answer->media[i];
    check(section.mid == offer.media[i].mid);
    check(media.accepted == !section.rejected());
    if (media.accepted) {
      any = true;
      check(section.setup == Setup::kPassive);
      check(section.iceUfrag == options.iceUfrag);
      check(section.rtcpMux);
      check(!section.codecs.empty() && section.codecs[0].payloadType == media.codec.payloadType);
    }
  }
  check(any);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto offer = parseSessionDescription(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!offer) {
    rtsedge::fuzz::check(knownError(offer.error().message()));
    return 0;
  }
  rtsedge::fuzz::check(!offer->media.empty());
  answerAndReparse(*offer, optionsFor(Role::kPlay));
  answerAndReparse(*offer, optionsFor(Role::kPublish));
  AnswerOptions h265 = optionsFor(Role::kPlay);
  h265.videoCodecs = {VideoCodec::kH265, VideoCodec::kH264};
  answerAndReparse(*offer, h265);
  return 0;
}
