// FLV tag bodies (RTMP audio and video messages) and the codec records in them.
#include "protocols/codec/sei.h"
#include "protocols/flv/flv_tag.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  Bytes body = Bytes::copyOf(std::span(data, size));
  if (auto video = flv::parseVideoTag(body)) {
    fuzz::check(video->payload.size() <= body.size());
    if (video->kind == flv::VideoTag::Kind::kFrame) {
      (void)codec::findCaptureTime(video->payload.span(), video->codec, 4);
    }
  }
  if (auto audio = flv::parseAudioTag(body)) {
    fuzz::check(audio->payload.size() <= body.size());
  }
  return 0;
}
