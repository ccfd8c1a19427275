#include "protocols/flv/flv_mux.h"

#include <doctest/doctest.h>

#include <vector>

#include "protocols/http/flv_muxer.h"

namespace rtsedge {
namespace {

std::vector<uint8_t> vec(const Bytes& b) {
  return {b.data(), b.data() + b.size()};
}

TEST_CASE("FLV file header for each track combination") {
  CHECK(vec(flv::fileHeader(true, true)) == std::vector<uint8_t>{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0});
  CHECK(vec(flv::fileHeader(true, false))[4] == 4);
  CHECK(vec(flv::fileHeader(false, true))[4] == 1);
}

FramePtr h264Frame(int64_t dtsMs, int64_t ctsMs, bool key) {
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kVideo;
  config->codec = Codec::kH264;
  auto frame = std::make_shared<MediaFrame>();
  frame->kind = TrackKind::kVideo;
  frame->codec = Codec::kH264;
  frame->dtsUs = dtsMs * 1000;
  frame->ptsUs = (dtsMs + ctsMs) * 1000;
  frame->keyframe = key;
  frame->config = config;
  frame->payload = Bytes::copyOf(std::vector<uint8_t>{0, 0, 0, 2, 0x65, 0x88});
  return frame;
}

TEST_CASE("an H.264 frame's tag against known bytes") {
  BytesBuilder out;
  flv::appendFrameTag(out, *h264Frame(0x01020304, 40, true));
  std::vector<uint8_t> expected{9,    0,    0,    11,                // video tag, data size 5 + 6
                                0x02, 0x03, 0x04, 0x01,              // timestamp low 24 bits, then the extension byte
                                0,    0,    0,                       // stream id
                                0x17, 1,    0,    0,    40,          // keyframe + AVC, NALU, composition time 40
                                0,    0,    0,    2,    0x65, 0x88,  // the payload, untouched
                                0,    0,    0,    22};               // previous tag size: 11 + 11
  CHECK(vec(out.freeze()) == expected);
}

TEST_CASE("HTTP-FLV frames are chunk-framed once; HTTP/1.0 viewers get the tag slice of the same bytes") {
  FramePtr frame = h264Frame(1000, 0, false);
  http::FlvMuxer chunked(true), plain(false);
  Bytes framed = chunked.frame(frame);
  Bytes tag = plain.frame(frame);
  std::string text(reinterpret_cast<const char*>(framed.data()), framed.size());
  CHECK(text.starts_with("1a\r\n"));  // 26 bytes of tag: 11 + 5 + 6 + 4
  CHECK(text.ends_with("\r\n"));
  CHECK(tag.size() == 26);
  CHECK(tag.data() == framed.data() + 4);               // a slice, not a copy
  CHECK(chunked.frame(frame).data() == framed.data());  // built once, cached on the frame
}

}  // namespace
}  // namespace rtsedge
