#include "protocols/flv/flv_tag.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tests/unit/fixtures/hevc_records.h"

namespace rtsedge::flv {
namespace {

// Tag bodies from FLV files written by ffmpeg 5.1 + libx264 (-x264-params info=0): the
// sequence headers whole, frames cut after 15 payload bytes (the parser reads no further).
// testsrc2=size=1280x720:rate=25.
constexpr uint8_t kAvcConfig720p25[] = {
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f, 0xac,
    0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1,
    0x83, 0x19, 0x60, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
// testsrc2=size=1920x1080:rate=30: coded 1088 rows, cropped to 1080.
constexpr uint8_t kAvcConfig1080p30[] = {
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x1b, 0x67, 0x64, 0x00, 0x28, 0xac,
    0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0,
    0x3c, 0x60, 0xc6, 0x58, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
// The first keyframe (composition time 80 ms) and an inter frame (120 ms) of the 720p file.
constexpr uint8_t kAvcKeyframe[] = {
    0x17, 0x01, 0x00, 0x00, 0x50, 0x00, 0x00, 0x02, 0xae, 0x06,
    0x05, 0xff, 0xff, 0xaa, 0xdc, 0x45, 0xe9, 0xbd, 0xe6, 0xd9,
};
constexpr uint8_t kAvcInterFrame[] = {
    0x27, 0x01, 0x00, 0x00, 0x78, 0x00, 0x00, 0x3c, 0xe2, 0x41,
    0x9a, 0x22, 0x6c, 0x49, 0xff, 0xbc, 0xdd, 0x2d, 0xb0, 0x21,
};
// From MP4 files (ffmpeg has no FLV muxer for these before 6.1): the hvcC of libx265 at
// 640x362 and the start of its first sample; the av1C (libaom) and vpcC (libvpx-vp9) boxes
// and the start of their first samples.
constexpr auto& kHvcc = fixtures::kHvcc640x362;
constexpr uint8_t kHevcFrame[] = {
    0x00, 0x00, 0x1a, 0x31, 0x28, 0x01, 0xaf, 0x08, 0x4c, 0x31, 0x82, 0x50, 0xcc, 0xb4, 0x13, 0x0e,
};
constexpr uint8_t kAv1C[] = {
    0x81, 0x00, 0x0c, 0x00, 0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0xda, 0xf9, 0x00, 0x40,
};
constexpr uint8_t kAv1Frame[] = {
    0x0a, 0x0b, 0x00, 0x00, 0x00, 0x04, 0x3c, 0xff, 0xbc, 0xda, 0xf9, 0x00, 0x40, 0x32, 0xc4, 0x1b,
};
constexpr uint8_t kVpcC[] = {
    0x01, 0x00, 0x00, 0x00, 0x00, 0x14, 0x82, 0x02, 0x02, 0x02, 0x00, 0x00,
};
constexpr uint8_t kVp9Frame[] = {
    0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xf0, 0x0e, 0xf6, 0x04, 0x38, 0x24, 0x1c, 0x18, 0x4a, 0x00,
};
// ffmpeg's aac encoder in FLV: sequence headers (48 kHz stereo, 44.1 kHz mono) and a frame start.
constexpr uint8_t kAacConfig48kStereo[] = {0xaf, 0x00, 0x11, 0x90, 0x56, 0xe5, 0x00};
constexpr uint8_t kAacConfig44kMono[] = {0xaf, 0x00, 0x12, 0x08, 0x56, 0xe5, 0x00};
constexpr uint8_t kAacFrame[] = {0xaf, 0x01, 0x21, 0x4c, 0x6c, 0xfe, 0x07, 0xfc};
// libmp3lame in FLV, 44.1 kHz mono: sound byte 0x2e, then the MPEG audio frame.
constexpr uint8_t kMp3Frame[] = {0x2e, 0xff, 0xfb, 0x50, 0xc4, 0x00, 0x00, 0x0a, 0x2c, 0x43, 0x2e, 0x55};

constexpr uint8_t kFourCcAvc1[] = {'a', 'v', 'c', '1'};
constexpr uint8_t kFourCcHvc1[] = {'h', 'v', 'c', '1'};
constexpr uint8_t kFourCcAv01[] = {'a', 'v', '0', '1'};
constexpr uint8_t kFourCcVp09[] = {'v', 'p', '0', '9'};

Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
  BytesBuilder builder;
  for (auto part : parts) {
    builder.append(part);
  }
  return builder.freeze();
}

Bytes concat(std::initializer_list<uint8_t> head, std::initializer_list<std::span<const uint8_t>> parts) {
  return concat({std::span<const uint8_t>(head.begin(), head.size()), concat(parts).span()});
}

VideoTag videoOf(const Bytes& body) {
  auto tag = parseVideoTag(body);
  REQUIRE_MESSAGE(tag.isOk(), tag.error().message());
  return *tag;
}

AudioTag audioOf(const Bytes& body) {
  auto tag = parseAudioTag(body);
  REQUIRE_MESSAGE(tag.isOk(), tag.error().message());
  return *tag;
}

// Tag body -> MediaFrame -> tag header + payload, the way ingest and egress meet.
Bytes videoRoundTrip(const Bytes& body, TrackConfigPtr config) {
  const VideoTag tag = videoOf(body);
  REQUIRE(tag.kind == VideoTag::Kind::kFrame);
  MediaFrame frame;
  frame.codec = tag.codec;
  frame.keyframe = tag.keyframe;
  frame.dtsUs = 5'000'000;
  frame.ptsUs = frame.dtsUs + int64_t{tag.compositionTimeMs} * 1000;
  frame.payload = tag.payload;
  frame.config = std::move(config);
  return concat({videoFrameHeader(frame).span(), frame.payload.span()});
}

Bytes audioRoundTrip(const Bytes& body, TrackConfigPtr config) {
  const AudioTag tag = audioOf(body);
  REQUIRE(tag.kind == AudioTag::Kind::kFrame);
  MediaFrame frame;
  frame.kind = TrackKind::kAudio;
  frame.codec = tag.codec;
  frame.payload = tag.payload;
  frame.config = std::move(config);
  return concat({audioFrameHeader(frame).span(), frame.payload.span()});
}

TEST_CASE("FLV video: H.264 sequence header gives the record and the picture") {
  const Bytes body = Bytes::copyOf(kAvcConfig720p25);
  const VideoTag tag = videoOf(body);
  REQUIRE(tag.kind == VideoTag::Kind::kConfig);
  CHECK(tag.codec == Codec::kH264);
  CHECK(tag.keyframe);
  REQUIRE(tag.config);
  CHECK(tag.config->kind == TrackKind::kVideo);
  CHECK(tag.config->codec == Codec::kH264);
  CHECK(tag.config->record.data() == body.data() + 5);  // a slice, not a copy
  CHECK(tag.config->record.size() == body.size() - 5);
  CHECK(tag.config->width == 1280);
  CHECK(tag.config->height == 720);
  CHECK(tag.config->frameRate == doctest::Approx(25));
  CHECK_FALSE(tag.config->flvLegacyHevc);
  CHECK(videoConfigBody(*tag.config) == body);

  const VideoTag hd = videoOf(Bytes::copyOf(kAvcConfig1080p30));
  CHECK(hd.config->width == 1920);
  CHECK(hd.config->height == 1080);
  CHECK(hd.config->frameRate == doctest::Approx(30));
}

TEST_CASE("FLV video: a record we cannot read is relayed without a picture size") {
  constexpr uint8_t kBadRecord[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x02, 0x64};
  const VideoTag tag = videoOf(Bytes::copyOf(kBadRecord));
  REQUIRE(tag.kind == VideoTag::Kind::kConfig);
  CHECK(tag.config->record.size() == 2);
  CHECK(tag.config->width == 0);
  CHECK(tag.config->height == 0);
  constexpr uint8_t kEmptyRecord[] = {0x17, 0x00, 0x00, 0x00, 0x00};
  CHECK(videoOf(Bytes::copyOf(kEmptyRecord)).config->record.empty());
}

TEST_CASE("FLV video: H.264 frames, composition times, end of sequence") {
  const Bytes key = Bytes::copyOf(kAvcKeyframe);
  const VideoTag keyframe = videoOf(key);
  REQUIRE(keyframe.kind == VideoTag::Kind::kFrame);
  CHECK(keyframe.codec == Codec::kH264);
  CHECK(keyframe.keyframe);
  CHECK(keyframe.compositionTimeMs == 80);
  CHECK(keyframe.payload.data() == key.data() + 5);
  CHECK(keyframe.payload.size() == 15);

  const VideoTag inter = videoOf(Bytes::copyOf(kAvcInterFrame));
  CHECK_FALSE(inter.keyframe);
  CHECK(inter.compositionTimeMs == 120);

  const VideoTag negative = videoOf(concat({0x27, 0x01, 0xFF, 0xFF, 0xF6, 0x00}, {}));
  CHECK(negative.compositionTimeMs == -10);

  const VideoTag end = videoOf(concat({0x17, 0x02, 0x00, 0x00, 0x00}, {}));
  CHECK(end.kind == VideoTag::Kind::kEndOfSequence);
  CHECK(end.codec == Codec::kH264);
}

TEST_CASE("FLV video: legacy H.265 (codec id 12)") {
  const Bytes config = concat({0x1C, 0x00, 0x00, 0x00, 0x00}, {kHvcc});
  const VideoTag tag = videoOf(config);
  REQUIRE(tag.kind == VideoTag::Kind::kConfig);
  CHECK(tag.codec == Codec::kH265);
  CHECK(tag.config->flvLegacyHevc);
  CHECK(tag.config->width == 640);
  CHECK(tag.config->height == 362);
  CHECK(videoConfigBody(*tag.config) == config);

  const Bytes frame = concat({0x1C, 0x01, 0x00, 0x00, 0x28}, {kHevcFrame});
  CHECK(videoRoundTrip(frame, tag.config) == frame);
  const Bytes inter = concat({0x2C, 0x01, 0xFF, 0xFF, 0xD8}, {kHevcFrame});
  CHECK(videoRoundTrip(inter, tag.config) == inter);
}

TEST_CASE("FLV video: Enhanced RTMP hvc1") {
  const Bytes config = concat({0x90}, {kFourCcHvc1, kHvcc});
  const VideoTag tag = videoOf(config);
  REQUIRE(tag.kind == VideoTag::Kind::kConfig);
  CHECK(tag.codec == Codec::kH265);
  CHECK_FALSE(tag.config->flvLegacyHevc);
  CHECK(tag.config->record.span().size() == sizeof(kHvcc));
  CHECK(tag.config->width == 640);
  CHECK(videoConfigBody(*tag.config) == config);

  const Bytes coded = concat({0x91}, {kFourCcHvc1, std::span<const uint8_t>({0x00, 0x00, 0x50}), kHevcFrame});
  const VideoTag frame = videoOf(coded);
  REQUIRE(frame.kind == VideoTag::Kind::kFrame);
  CHECK(frame.keyframe);
  CHECK(frame.compositionTimeMs == 80);
  CHECK(frame.payload == Bytes::copyOf(kHevcFrame));
  CHECK(videoRoundTrip(coded, tag.config) == coded);

  const Bytes codedX = concat({0xA3}, {kFourCcHvc1, kHevcFrame});
  const VideoTag frameX = videoOf(codedX);
  CHECK_FALSE(frameX.keyframe);
  CHECK(frameX.compositionTimeMs == 0);
  CHECK(frameX.payload == Bytes::copyOf(kHevcFrame));
  CHECK(videoRoundTrip(codedX, tag.config) == codedX);

  // CodedFrames with a zero composition time comes back as the shorter CodedFramesX.
  const Bytes zero = concat({0xA1}, {kFourCcHvc1, std::span<const uint8_t>({0x00, 0x00, 0x00}), kHevcFrame});
  CHECK(videoRoundTrip(zero, tag.config) == codedX);

  CHECK(videoOf(concat({0x92}, {kFourCcHvc1})).kind == VideoTag::Kind::kEndOfSequence);
}

TEST_CASE("FLV video: Enhanced RTMP av01 and vp09 carry no composition time") {
  const Bytes av1Config = concat({0x90}, {kFourCcAv01, kAv1C});
  const VideoTag av1 = videoOf(av1Config);
  REQUIRE(av1.kind == VideoTag::Kind::kConfig);
  CHECK(av1.codec == Codec::kAv1);
  CHECK(av1.config->record == Bytes::copyOf(kAv1C));
  CHECK(videoConfigBody(*av1.config) == av1Config);
  const Bytes av1Frame = concat({0x91}, {kFourCcAv01, kAv1Frame});
  CHECK(videoOf(av1Frame).payload == Bytes::copyOf(kAv1Frame));
  CHECK(videoRoundTrip(av1Frame, av1.config) == av1Frame);
  // CodedFramesX is read too, and written back as CodedFrames (the same layout here).
  CHECK(videoRoundTrip(concat({0x93}, {kFourCcAv01, kAv1Frame}), av1.config) == av1Frame);

  const Bytes vp9Config = concat({0x90}, {kFourCcVp09, kVpcC});
  const VideoTag vp9 = videoOf(vp9Config);
  REQUIRE(vp9.kind == VideoTag::Kind::kConfig);
  CHECK(vp9.codec == Codec::kVp9);
  CHECK(videoConfigBody(*vp9.config) == vp9Config);
  const Bytes vp9Frame = concat({0xA1}, {kFourCcVp09, kVp9Frame});
  CHECK_FALSE(videoOf(vp9Frame).keyframe);
  CHECK(videoRoundTrip(vp9Frame, vp9.config) == vp9Frame);
}

TEST_CASE("FLV video: Enhanced RTMP avc1 is read, and H.264 is written in the legacy form") {
  const Bytes config = concat({0x90}, {kFourCcAvc1, std::span<const uint8_t>(kAvcConfig720p25).subspan(5)});
  const VideoTag tag = videoOf(config);
  REQUIRE(tag.kind == VideoTag::Kind::kConfig);
  CHECK(tag.config->width == 1280);
  CHECK(videoConfigBody(*tag.config) == Bytes::copyOf(kAvcConfig720p25));

  const Bytes enhanced =
      concat({0x91}, {kFourCcAvc1, std::span<const uint8_t>(kAvcKeyframe).subspan(2)});  // CT + payload
  const VideoTag frame = videoOf(enhanced);
  CHECK(frame.compositionTimeMs == 80);
  CHECK(videoRoundTrip(enhanced, tag.config) == Bytes::copyOf(kAvcKeyframe));
}

TEST_CASE("FLV video: legacy H.264 round trips, also without a config") {
  for (const auto body : {std::span<const uint8_t>(kAvcKeyframe), std::span<const uint8_t>(kAvcInterFrame)}) {
    CHECK(videoRoundTrip(Bytes::copyOf(body), nullptr) == Bytes::copyOf(body));
  }
  const Bytes negative = concat({0x27, 0x01, 0xFF, 0xFF, 0xF6}, {kAvcInterFrame});
  CHECK(videoRoundTrip(negative, nullptr) == negative);
}

TEST_CASE("FLV video: composition time is rounded to milliseconds and clamped to SI24") {
  MediaFrame frame;
  frame.codec = Codec::kH264;
  auto compositionTime = [&](int64_t us) {
    frame.ptsUs = frame.dtsUs + us;
    const auto header = videoFrameHeader(frame);
    REQUIRE(header.size == 5);
    const auto raw = static_cast<int32_t>(loadU24(header.bytes.data() + 2));
    return (raw & 0x800000) != 0 ? raw - 0x1000000 : raw;
  };
  CHECK(compositionTime(0) == 0);
  CHECK(compositionTime(1499) == 1);
  CHECK(compositionTime(1500) == 2);
  CHECK(compositionTime(-1499) == -1);
  CHECK(compositionTime(-1500) == -2);
  CHECK(compositionTime(int64_t{1} << 40) == (1 << 23) - 1);
  CHECK(compositionTime(-(int64_t{1} << 40)) == -(1 << 23));
}

TEST_CASE("FLV video: what is ignored, and why") {
  auto reasonOf = [](const Bytes& body) {
    const VideoTag tag = videoOf(body);
    CHECK(tag.kind == VideoTag::Kind::kIgnored);
    CHECK_FALSE(tag.ignoredReason.empty());
    return tag.ignoredReason;
  };
  CHECK(reasonOf(Bytes()) == "empty video tag");
  CHECK(reasonOf(concat({0x57, 0x00}, {})) == "video info/command frame");
  CHECK(reasonOf(concat({0x22, 0x00, 0x00}, {})) == "unsupported video codec id 2");
  CHECK(reasonOf(concat({0x17, 0x03, 0x00, 0x00, 0x00}, {})) == "AVCPacketType 3");
  CHECK(reasonOf(concat({0xD1}, {})) == "video command frame");
  CHECK(reasonOf(concat({0x96, 0x00}, {})) == "unsupported Enhanced RTMP packet type 6");
  CHECK(reasonOf(concat({0x97}, {})) == "unsupported Enhanced RTMP packet type 7");
  CHECK(reasonOf(concat({0x9F}, {})) == "unsupported Enhanced RTMP packet type 15");
  CHECK(reasonOf(concat({0x94}, {kFourCcHvc1})) == "Enhanced RTMP packet type 4 not relayed");
  CHECK(reasonOf(concat({0x95}, {kFourCcAv01})) == "Enhanced RTMP packet type 5 not relayed");
  CHECK(reasonOf(concat({0x90, 'v', 'p', '0', 0x01}, {})) == "unsupported video FourCC 'vp0?'");
}

TEST_CASE("FLV video: headers cut short are errors") {
  for (size_t length = 1; length < 5; ++length) {
    CAPTURE(length);
    CHECK_FALSE(parseVideoTag(Bytes::copyOf(std::span(kAvcKeyframe, length))).isOk());
    CHECK_FALSE(parseVideoTag(concat({0x1C, 0x01, 0x00, 0x00}, {}).slice(0, length)).isOk());
    CHECK_FALSE(parseVideoTag(concat({0x90}, {kFourCcAv01}).slice(0, length)).isOk());
  }
  const Bytes coded = concat({0x91}, {kFourCcHvc1, std::span<const uint8_t>({0x00, 0x00, 0x50})});
  for (size_t length = 5; length < coded.size(); ++length) {
    CAPTURE(length);
    CHECK_FALSE(parseVideoTag(coded.slice(0, length)).isOk());
  }
  CHECK(videoOf(coded).payload.empty());
}

TEST_CASE("FLV audio: AAC sequence headers and frames") {
  const Bytes config = Bytes::copyOf(kAacConfig48kStereo);
  const AudioTag tag = audioOf(config);
  REQUIRE(tag.kind == AudioTag::Kind::kConfig);
  CHECK(tag.codec == Codec::kAac);
  CHECK(tag.soundByte == 0xAF);
  REQUIRE(tag.config);
  CHECK(tag.config->kind == TrackKind::kAudio);
  CHECK(tag.config->record.data() == config.data() + 2);
  CHECK(tag.config->sampleRate == 48000);
  CHECK(tag.config->channels == 2);
  CHECK(audioConfigBody(*tag.config) == config);

  const AudioTag mono = audioOf(Bytes::copyOf(kAacConfig44kMono));
  CHECK(mono.config->sampleRate == 44100);
  CHECK(mono.config->channels == 1);

  const AudioTag broken = audioOf(concat({0xAF, 0x00, 0x16}, {}));
  REQUIRE(broken.kind == AudioTag::Kind::kConfig);
  CHECK(broken.config->sampleRate == 0);

  const Bytes frame = Bytes::copyOf(kAacFrame);
  const AudioTag raw = audioOf(frame);
  REQUIRE(raw.kind == AudioTag::Kind::kFrame);
  CHECK(raw.payload.data() == frame.data() + 2);
  CHECK(audioRoundTrip(frame, tag.config) == frame);
  CHECK(audioRoundTrip(frame, nullptr) == frame);
}

TEST_CASE("FLV audio: MP3 and legacy formats keep their sound byte") {
  const Bytes mp3 = Bytes::copyOf(kMp3Frame);
  const AudioTag tag = audioOf(mp3);
  REQUIRE(tag.kind == AudioTag::Kind::kFrame);
  CHECK(tag.codec == Codec::kMp3);
  CHECK(tag.soundByte == 0x2E);
  CHECK(tag.payload.data() == mp3.data() + 1);
  const TrackConfigPtr config = implicitAudioConfig(tag.codec, tag.soundByte);
  CHECK(config->kind == TrackKind::kAudio);
  CHECK(config->flvSoundByte == 0x2E);
  CHECK(config->sampleRate == 44100);
  CHECK(config->channels == 1);
  CHECK(audioRoundTrip(mp3, config) == mp3);
  CHECK(audioConfigBody(*config).empty());

  const Bytes speex = concat({0xB2, 0x01, 0x02}, {});
  const AudioTag speexTag = audioOf(speex);
  CHECK(speexTag.codec == Codec::kFlvLegacyAudio);
  const TrackConfigPtr speexConfig = implicitAudioConfig(speexTag.codec, speexTag.soundByte);
  CHECK(speexConfig->sampleRate == 16000);
  CHECK(speexConfig->channels == 1);
  CHECK(audioRoundTrip(speex, speexConfig) == speex);

  CHECK(implicitAudioConfig(Codec::kFlvLegacyAudio, 0x82)->sampleRate == 8000);   // G.711 mu-law
  CHECK(implicitAudioConfig(Codec::kFlvLegacyAudio, 0x3B)->sampleRate == 22050);  // PCM LE stereo
  CHECK(implicitAudioConfig(Codec::kFlvLegacyAudio, 0x3B)->channels == 2);

  const AudioTag empty = audioOf(concat({0x2F}, {}));
  CHECK(empty.kind == AudioTag::Kind::kFrame);
  CHECK(empty.payload.empty());
}

TEST_CASE("FLV audio: what is ignored, and short AAC headers") {
  for (uint8_t first : {0x90, 0xC0, 0xD0}) {
    const AudioTag tag = audioOf(concat({first, 0x00}, {}));
    CHECK(tag.kind == AudioTag::Kind::kIgnored);
    CHECK_FALSE(tag.ignoredReason.empty());
  }
  CHECK(audioOf(Bytes()).kind == AudioTag::Kind::kIgnored);
  CHECK(audioOf(concat({0xAF, 0x02}, {})).ignoredReason == "AACPacketType 2");
  CHECK_FALSE(parseAudioTag(concat({0xAF}, {})).isOk());
}

TEST_CASE("FLV: codecs without an FLV form get no header") {
  MediaFrame opus;
  opus.kind = TrackKind::kAudio;
  opus.codec = Codec::kOpus;
  CHECK(audioFrameHeader(opus).size == 0);
  CHECK_FALSE(isFlvMediaCodec(Codec::kOpus));
  CHECK_FALSE(isFlvMediaCodec(Codec::kAmf0));
  CHECK(isFlvMediaCodec(Codec::kVp9));
  TrackConfig config;
  config.codec = Codec::kOpus;
  CHECK(videoConfigBody(config).empty());
  CHECK(audioConfigBody(config).empty());
  MediaFrame unknown;
  CHECK(videoFrameHeader(unknown).size == 0);
}

TEST_CASE("FLV: every prefix and every bit flip of real tags never crashes") {
  const std::vector<Bytes> bodies = {
      Bytes::copyOf(kAvcConfig720p25),
      Bytes::copyOf(kAvcConfig1080p30),
      concat({0x1C, 0x00, 0x00, 0x00, 0x00}, {kHvcc}),
      concat({0x90}, {kFourCcHvc1, kHvcc}),
      concat({0x90}, {kFourCcAv01, kAv1C}),
      Bytes::copyOf(kAvcKeyframe),
      concat({0x91}, {kFourCcHvc1, std::span<const uint8_t>({0x00, 0x00, 0x50}), kHevcFrame}),
      Bytes::copyOf(kAacConfig48kStereo),
      Bytes::copyOf(kAacFrame),
      Bytes::copyOf(kMp3Frame)};
  for (const Bytes& body : bodies) {
    for (size_t length = 0; length <= body.size(); ++length) {
      (void)parseVideoTag(body.slice(0, length));
      (void)parseAudioTag(body.slice(0, length));
    }
    std::vector<uint8_t> copy(body.span().begin(), body.span().end());
    for (size_t bit = 0; bit < copy.size() * 8; ++bit) {
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
      const Bytes flipped = Bytes::copyOf(copy);
      if (auto tag = parseVideoTag(flipped); tag && tag->kind == VideoTag::Kind::kFrame) {
        CHECK(tag->payload.size() < flipped.size());
      }
      (void)parseAudioTag(flipped);
      copy[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
  }
}

TEST_CASE("FLV: every first byte with random bodies of every short length never crashes") {
  std::mt19937 random(20240604);
  std::vector<uint8_t> data;
  for (unsigned first = 0; first < 256; ++first) {
    for (size_t length = 1; length <= 24; ++length) {
      data.resize(length);
      for (auto& byte : data) {
        byte = static_cast<uint8_t>(random());
      }
      data[0] = static_cast<uint8_t>(first);
      const Bytes body = Bytes::copyOf(data);
      if (auto video = parseVideoTag(body); video && video->kind == VideoTag::Kind::kFrame) {
        CHECK(video->payload.size() < body.size());
      }
      if (auto audio = parseAudioTag(body); audio && audio->kind == AudioTag::Kind::kFrame) {
        CHECK(audio->payload.size() < body.size());
      }
    }
  }
}

}  // namespace
}  // namespace rtsedge::flv
