#include "protocols/mpegts/ts_publisher.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <span>
#include <vector>

#include "metrics/registry.h"
#include "protocols/codec/adts.h"
#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "protocols/codec/hevc.h"
#include "protocols/codec/opus.h"
#include "protocols/mpegts/ts_program_writer.h"
#include "protocols/mpegts/ts_writer.h"
#include "relay/clock.h"
#include "relay/stream.h"
#include "tests/unit/fixtures/media_frames.h"
#include "tests/unit/fixtures/recording_subscriber.h"

namespace rtsedge::mpegts {
namespace {

using fixtures::framesOf;

// TS timestamps count 90 kHz ticks: microseconds truncated to a tick and back lose up to 11 us.
constexpr int64_t kToleranceUs = 11;
constexpr int64_t kWrap = int64_t{1} << 33;

std::vector<uint8_t> bytesOf(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

// Each frame's TS bytes, as TsProgramWriter makes them for the stream's TS viewers.
std::vector<Bytes> serialize(const std::vector<FramePtr>& frames) {
  TsProgramWriter writer;
  for (const FramePtr& frame : frames) {
    writer.onTrackConfig(*frame->config);
  }
  std::vector<Bytes> out;
  for (const FramePtr& frame : frames) {
    out.push_back(writer.serialize(*frame));
    REQUIRE(!out.back().empty());
  }
  return out;
}

std::vector<uint8_t> join(const std::vector<Bytes>& parts) {
  std::vector<uint8_t> out;
  for (const Bytes& part : parts) {
    out.insert(out.end(), part.data(), part.data() + part.size());
  }
  return out;
}

struct IgnoreReplaced final : StreamSource::Listener {
  void onPublisherReplaced() override {}
};

// What a viewer of the stream got, and the publisher's counts.
struct Received {
  std::vector<TrackConfigPtr> configs;
  std::vector<FramePtr> frames;
  TsIngestStats stats;
  TsDemuxStats demux;
};

// A TsPublisher on a fresh stream with one viewer.
struct Publishing {
  Publishing() {
    REQUIRE(publisher.attachTo(stream));
    stream.subscribe(viewer);
  }

  Received received() const {
    CHECK(framesReceived.value() == static_cast<double>(publisher.stats().framesPublished));
    return {viewer.configs, viewer.frames, publisher.stats(), publisher.demuxStats()};
  }

  StreamSettings settings;
  ManualClock clock;
  Stream stream{"live/ts", settings, clock};
  fixtures::RecordingSubscriber viewer;
  metrics::Counter framesReceived;
  IgnoreReplaced listener;
  TsPublisher publisher{clock, framesReceived, listener};
};

// Feeds the chunks in order.
Received ingest(const std::vector<std::span<const uint8_t>>& chunks) {
  Publishing publishing;
  for (auto chunk : chunks) {
    publishing.publisher.feed(chunk);
  }
  return publishing.received();
}

Received ingest(std::span<const uint8_t> bytes) {
  return ingest(std::vector<std::span<const uint8_t>>{bytes});
}

// Per track, the frames that came are the ones sent: same order, payload and flags, and
// timestamps within a tick once the writer's constant offset (seen on the first frame,
// which both lists start with) is taken off. One offset for both tracks keeps them aligned.
void checkFrames(const std::vector<FramePtr>& got, const std::vector<FramePtr>& sent) {
  REQUIRE(!got.empty());
  REQUIRE(!sent.empty());
  int64_t offset = got.front()->dtsUs - sent.front()->dtsUs;
  for (TrackKind kind : {TrackKind::kVideo, TrackKind::kAudio}) {
    auto have = framesOf(got, kind);
    auto want = framesOf(sent, kind);
    CAPTURE(static_cast<int>(kind));
    REQUIRE(have.size() == want.size());
    for (size_t i = 0; i < have.size(); ++i) {
      CAPTURE(i);
      CHECK(have[i]->codec == want[i]->codec);
      CHECK(have[i]->keyframe == want[i]->keyframe);
      CHECK(bytesOf(have[i]->payload.span()) == bytesOf(want[i]->payload.span()));
      CHECK(std::llabs(have[i]->dtsUs - offset - want[i]->dtsUs) <= kToleranceUs);
      CHECK(std::llabs(have[i]->ptsUs - offset - want[i]->ptsUs) <= kToleranceUs);
      REQUIRE(have[i]->config);
      CHECK(have[i]->config->kind == kind);
    }
  }
}

// The parameter sets of a record, in order: what decoders get.
std::vector<std::vector<uint8_t>> parameterSets(Codec codec, std::span<const uint8_t> record) {
  std::vector<std::vector<uint8_t>> out;
  if (codec == Codec::kH264) {
    auto avc = codec::parseAvcDecoderConfigurationRecord(record);
    REQUIRE(avc.isOk());
    for (const auto& units : {avc->sps, avc->pps}) {
      for (auto unit : units) {
        out.push_back(bytesOf(unit));
      }
    }
  } else {
    auto hevc = codec::parseHevcDecoderConfigurationRecord(record);
    REQUIRE(hevc.isOk());
    for (auto type : {codec::HevcNalType::kVps, codec::HevcNalType::kSps, codec::HevcNalType::kPps}) {
      out.push_back(bytesOf(hevc->firstNalUnit(type)));
    }
  }
  return out;
}

// One video and one AAC configuration, in that order (the first keyframe comes first),
// and never again: every keyframe repeats the same parameter sets.
void checkConfigs(const std::vector<TrackConfigPtr>& configs, const TrackConfig& sentVideo) {
  REQUIRE(configs.size() == 2);
  const TrackConfig& video = *configs[0];
  CHECK(video.kind == TrackKind::kVideo);
  CHECK(video.codec == sentVideo.codec);
  CHECK(video.width == sentVideo.width);
  CHECK(video.height == sentVideo.height);
  CHECK(video.nalLengthSize == 4);
  CHECK(parameterSets(video.codec, video.record.span()) == parameterSets(sentVideo.codec, sentVideo.record.span()));
  const TrackConfig& audio = *configs[1];
  CHECK(audio.kind == TrackKind::kAudio);
  CHECK(audio.codec == Codec::kAac);
  CHECK(audio.sampleRate == 48000);
  CHECK(audio.channels == 2);
  CHECK(bytesOf(audio.record.span()) == bytesOf(fixtures::kAacLc48kStereo));
}

// Two ingests of the same bytes agree on everything.
void checkSame(const Received& a, const Received& b) {
  CHECK(a.stats.framesPublished == b.stats.framesPublished);
  CHECK(a.stats.framesDropped == b.stats.framesDropped);
  CHECK(a.demux == b.demux);
  REQUIRE(a.configs.size() == b.configs.size());
  for (size_t i = 0; i < a.configs.size(); ++i) {
    CHECK(*a.configs[i] == *b.configs[i]);
  }
  REQUIRE(a.frames.size() == b.frames.size());
  for (size_t i = 0; i < a.frames.size(); ++i) {
    CAPTURE(i);
    CHECK(a.frames[i]->kind == b.frames[i]->kind);
    CHECK(a.frames[i]->keyframe == b.frames[i]->keyframe);
    CHECK(a.frames[i]->dtsUs == b.frames[i]->dtsUs);
    CHECK(a.frames[i]->ptsUs == b.frames[i]->ptsUs);
    CHECK(a.frames[i]->payload == b.frames[i]->payload);
  }
}

void roundTrip(Codec codec) {
  auto video = fixtures::videoConfig(codec);
  auto sent = fixtures::avFrames(video, fixtures::aacConfig(), 30, 10, 700, 300);
  auto ts = join(serialize(sent));
  Received got = ingest(ts);
  checkConfigs(got.configs, *video);
  // Every PES here is small enough for its PES_packet_length, so the last one is
  // complete at its last byte and nothing waits for more input.
  checkFrames(got.frames, sent);
  CHECK(got.stats.framesPublished == sent.size());
  CHECK(got.stats.framesDropped == 0);
  CHECK(got.demux.continuityErrors == 0);
  CHECK(got.demux.brokenPes == 0);
}

TEST_CASE("mpegts publisher: H.264 and AAC written by TsProgramWriter come back as they were") {
  roundTrip(Codec::kH264);
}

TEST_CASE("mpegts publisher: H.265 and AAC written by TsProgramWriter come back as they were") {
  roundTrip(Codec::kH265);
}

TEST_CASE("mpegts publisher: a keyframe too big for PES_packet_length waits for the next video PES") {
  // Over 64 KiB the writer leaves PES_packet_length 0: the PES ends only where the next
  // one of its pid begins. TsPublisher has no end-of-input call, so a stream's last such
  // frame is never published; on a live stream it only comes one frame late.
  auto video = fixtures::videoConfig(Codec::kH264);
  std::vector<FramePtr> sent{fixtures::videoFrame(video, true, 0, 0, 70'000, 1),
                             fixtures::videoFrame(video, false, 40'000, 40'000, 500, 2)};
  auto ts = serialize(sent);
  Publishing publishing;
  publishing.publisher.feed(ts[0].span());
  CHECK(publishing.publisher.hasProgram());
  Received held = publishing.received();
  CHECK(held.frames.empty());
  CHECK(held.configs.empty());  // the parameter sets are in the PES still held
  publishing.publisher.feed(ts[1].span());
  Received got = publishing.received();
  REQUIRE(got.frames.size() == 2);
  CHECK(got.configs.size() == 1);
  checkFrames(got.frames, sent);
}

TEST_CASE("mpegts publisher: an Opus program written by TsProgramWriter comes back as it was") {
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = Codec::kOpus;
  config->record = codec::opusHead(2);
  config->sampleRate = 48000;
  config->channels = 2;
  std::vector<FramePtr> sent;
  for (int i = 0; i < 10; ++i) {
    // TOC 0xfc: CELT fullband 20 ms, stereo, one frame; some need a size of two bytes.
    std::vector<uint8_t> packet(static_cast<size_t>(100 + i * 37), static_cast<uint8_t>(i));
    packet[0] = 0xfc;
    auto frame = std::make_shared<MediaFrame>();
    frame->kind = TrackKind::kAudio;
    frame->codec = Codec::kOpus;
    frame->dtsUs = frame->ptsUs = i * 20'000;
    frame->payload = Bytes::copyOf(packet);
    frame->config = config;
    sent.push_back(frame);
  }
  auto ts = join(serialize(sent));
  Received got = ingest(ts);
  REQUIRE(got.configs.size() == 1);
  CHECK(*got.configs[0] == *config);
  checkFrames(got.frames, sent);
}

TEST_CASE("mpegts publisher: a few frames split in two at every byte give the same frames") {
  auto sent = fixtures::avFrames(fixtures::videoConfig(Codec::kH264), fixtures::aacConfig(), 3, 3, 150, 100);
  auto ts = join(serialize(sent));
  std::span<const uint8_t> all(ts);
  Received whole = ingest(all);
  checkFrames(whole.frames, sent);
  for (size_t at = 0; at <= ts.size(); ++at) {
    CAPTURE(at);
    checkSame(ingest({all.first(at), all.subspan(at)}), whole);
  }
}

TEST_CASE("mpegts publisher: a longer stream split anywhere, or in random chunks, gives the same frames") {
  auto sent = fixtures::avFrames(fixtures::videoConfig(Codec::kH265), fixtures::aacConfig(), 50, 12, 900, 250);
  auto ts = join(serialize(sent));
  std::span<const uint8_t> all(ts);
  Received whole = ingest(all);
  checkFrames(whole.frames, sent);
  // A stride prime to the packet size: the splits fall at every offset within a packet.
  REQUIRE(ts.size() / 379 >= kPacketSize);
  for (size_t at = 0; at <= ts.size(); at += 379) {
    CAPTURE(at);
    checkSame(ingest({all.first(at), all.subspan(at)}), whole);
  }
  std::mt19937 random(7);
  for (int run = 0; run < 20; ++run) {
    std::vector<std::span<const uint8_t>> chunks;
    for (size_t at = 0; at < ts.size();) {
      size_t size = std::min<size_t>(ts.size() - at, std::uniform_int_distribution<size_t>(1, 1500)(random));
      chunks.push_back(all.subspan(at, size));
      at += size;
    }
    checkSame(ingest(chunks), whole);
  }
}

// The index in `sent` of the n-th frame of a track.
size_t nthOf(const std::vector<FramePtr>& sent, TrackKind kind, int n) {
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i]->kind == kind && n-- == 0) {
      return i;
    }
  }
  FAIL("no such frame");
  return 0;
}

// The frames' TS bytes with the second packet of frame `damaged` left out.
std::vector<uint8_t> withoutSecondPacket(const std::vector<Bytes>& ts, size_t damaged) {
  REQUIRE(ts[damaged].size() >= 2 * kPacketSize);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < ts.size(); ++i) {
    auto bytes = ts[i].span();
    if (i == damaged) {
      out.insert(out.end(), bytes.begin(), bytes.begin() + kPacketSize);
      bytes = bytes.subspan(2 * kPacketSize);
    }
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

TEST_CASE("mpegts publisher: a packet lost inside a delta frame stops video until the next keyframe") {
  auto sent = fixtures::avFrames(fixtures::videoConfig(Codec::kH264), fixtures::aacConfig(), 30, 10, 700, 300);
  // The fourth video frame, a delta frame of several packets, loses one in its middle.
  size_t damaged = nthOf(sent, TrackKind::kVideo, 3);
  size_t nextKeyframe = nthOf(sent, TrackKind::kVideo, 10);
  REQUIRE(!sent[damaged]->keyframe);
  REQUIRE(sent[nextKeyframe]->keyframe);
  auto ts = serialize(sent);
  REQUIRE(ts[damaged].size() >= 3 * kPacketSize);
  std::vector<FramePtr> expected;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (sent[i]->kind == TrackKind::kAudio || i < damaged || i >= nextKeyframe) {
      expected.push_back(sent[i]);
    }
  }
  Received got = ingest(withoutSecondPacket(ts, damaged));
  checkFrames(got.frames, expected);
  CHECK(got.demux.continuityErrors == 1);
  CHECK(got.demux.brokenPes == 1);  // the damaged frame: the demuxer never hands it over
  // The six delta frames after it, which may reference it, up to the keyframe.
  CHECK(got.stats.framesDropped == 6);
  CHECK(got.stats.framesPublished == expected.size());
}

TEST_CASE("mpegts publisher: a packet lost inside an audio frame costs that frame alone") {
  auto sent = fixtures::avFrames(fixtures::videoConfig(Codec::kH264), fixtures::aacConfig(), 30, 10, 700, 300);
  size_t damaged = nthOf(sent, TrackKind::kAudio, 4);
  std::vector<FramePtr> expected = sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(damaged));
  Received got = ingest(withoutSecondPacket(serialize(sent), damaged));
  checkFrames(got.frames, expected);
  CHECK(got.demux.continuityErrors == 1);
  CHECK(got.demux.brokenPes == 1);
  CHECK(got.stats.framesDropped == 0);
}

TEST_CASE("mpegts publisher: garbage before a stream costs none of its frames") {
  auto sent = fixtures::avFrames(fixtures::videoConfig(Codec::kH264), fixtures::aacConfig(), 20, 10, 500, 200);
  auto ts = join(serialize(sent));
  std::mt19937 random(20240601);
  std::vector<uint8_t> input(5000);
  for (auto& byte : input) {
    byte = static_cast<uint8_t>(random());
  }
  input.insert(input.end(), ts.begin(), ts.end());
  Received got = ingest(input);
  CHECK(got.demux.syncLosses >= 1);
  checkConfigs(got.configs, *sent.front()->config);
  checkFrames(got.frames, sent);
}

TEST_CASE("mpegts publisher: random bytes publish nothing") {
  std::mt19937 random(99);
  std::vector<uint8_t> input(200'000);
  for (auto& byte : input) {
    byte = static_cast<uint8_t>(random());
  }
  // Sync bytes one packet apart now and then, so that some of it is read as packets.
  for (size_t at = 0; at + kPacketSize < input.size(); at += 3000) {
    input[at] = kSyncByte;
    input[at + kPacketSize] = kSyncByte;
  }
  Received got = ingest(input);
  CHECK(got.demux.packets > 0);
  CHECK(got.configs.empty());
  CHECK(got.frames.empty());
  CHECK(got.stats.framesPublished == 0);
}

// A PES of H.264 with the given 90 kHz timestamps (taken mod 2^33, as on the wire).
void writeVideo(BytesBuilder& out, int64_t dts, int64_t pts, bool keyframe, uint8_t seed, uint8_t& continuity) {
  BytesBuilder annexB;
  if (keyframe) {
    for (const auto& set : parameterSets(Codec::kH264, fixtures::kAvcc1280x720)) {
      codec::appendAnnexB(annexB, set);
    }
  }
  codec::appendAnnexB(annexB, fixtures::fakeNalUnit({static_cast<uint8_t>(keyframe ? 0x65 : 0x41)}, 400, seed));
  Bytes payload = annexB.freeze();
  PesTiming timing{.pts90k = pts % kWrap, .dts90k = dts % kWrap, .pcr27m = dts % kWrap * 300, .randomAccess = keyframe};
  writePes(out, kVideoPid, 0xe0, timing, payload.span(), continuity);
}

void writeAac(BytesBuilder& out, int64_t pts, uint8_t seed, uint8_t& continuity) {
  std::vector<uint8_t> raw(200, seed);
  auto header = codec::adtsHeaderFor(fixtures::kAacLc48kStereo, raw.size());
  REQUIRE(header.isOk());
  BytesBuilder payload;
  payload.append(*header);
  payload.append(raw);
  PesTiming timing{.pts90k = pts % kWrap, .dts90k = pts % kWrap};
  writePes(out, kAudioPid, 0xc0, timing, payload.freeze().span(), continuity);
}

TEST_CASE("mpegts publisher: timestamps keep increasing across the 33-bit wrap") {
  constexpr int64_t kVideoTicks = 3600;  // 40 ms
  constexpr int64_t kAudioTicks = 1920;  // 1024 samples at 48 kHz
  // The sixth video frame's DTS wraps; the fourth's PTS (80 ms later) wraps before its DTS.
  constexpr int64_t kStart = kWrap - 5 * kVideoTicks + 1000;
  constexpr int kVideoFrames = 10;
  BytesBuilder out;
  uint8_t patContinuity = 0;
  uint8_t pmtContinuity = 0;
  uint8_t videoContinuity = 0;
  uint8_t audioContinuity = 0;
  std::vector<ElementaryStream> streams{{.pid = kVideoPid, .streamType = kH264},
                                        {.pid = kAudioPid, .streamType = kAdtsAac}};
  writePat(out, kPmtPid, patContinuity);
  writePmt(out, kPmtPid, kVideoPid, 0, streams, pmtContinuity);
  int64_t audio = 0;
  for (int v = 0; v < kVideoFrames; ++v) {
    int64_t dts = kStart + v * kVideoTicks;
    writeVideo(out, dts, dts + 2 * kVideoTicks, v == 0, static_cast<uint8_t>(v), videoContinuity);
    for (; audio * kAudioTicks < (v + 1) * kVideoTicks; ++audio) {
      writeAac(out, kStart + audio * kAudioTicks, static_cast<uint8_t>(audio), audioContinuity);
    }
  }
  Bytes ts = out.freeze();
  Received got = ingest(ts.span());
  auto video = framesOf(got.frames, TrackKind::kVideo);
  auto aac = framesOf(got.frames, TrackKind::kAudio);
  REQUIRE(video.size() == kVideoFrames);
  REQUIRE(aac.size() == static_cast<size_t>(audio));
  int64_t first = video.front()->dtsUs;
  for (size_t i = 0; i < video.size(); ++i) {
    CAPTURE(i);
    CHECK(std::llabs(video[i]->dtsUs - first - static_cast<int64_t>(i) * 40'000) <= kToleranceUs);
    CHECK(std::llabs(video[i]->ptsUs - video[i]->dtsUs - 80'000) <= kToleranceUs);
    if (i > 0) {
      CHECK(video[i]->dtsUs > video[i - 1]->dtsUs);
    }
  }
  for (size_t i = 0; i < aac.size(); ++i) {
    CAPTURE(i);
    CHECK(std::llabs(aac[i]->dtsUs - first - fixtures::aacFrameUs(static_cast<int64_t>(i))) <= kToleranceUs);
    if (i > 0) {
      CHECK(aac[i]->dtsUs > aac[i - 1]->dtsUs);
    }
  }
}

TEST_CASE("mpegts publisher: Opus access units in one PES become frames 20 ms apart") {
  constexpr uint16_t kOpusPid = 0x102;
  // TOC 0xfc: CELT fullband 20 ms, stereo, one frame. The second packet needs a
  // two-byte size (0xff, then the rest).
  std::vector<uint8_t> first(120, 0x11);
  std::vector<uint8_t> second(300, 0x22);
  first[0] = second[0] = 0xfc;
  BytesBuilder payload;
  payload.appendU16(0x7fe0);
  payload.appendByte(static_cast<uint8_t>(first.size()));
  payload.append(first);
  payload.appendU16(0x7fe0);
  payload.appendByte(0xff);
  payload.appendByte(static_cast<uint8_t>(second.size() - 255));
  payload.append(second);
  BytesBuilder out;
  uint8_t patContinuity = 0;
  uint8_t pmtContinuity = 0;
  uint8_t opusContinuity = 0;
  std::vector<ElementaryStream> streams{{.pid = kOpusPid, .streamType = kPrivateData, .opus = true, .opusChannels = 2}};
  writePat(out, kPmtPid, patContinuity);
  writePmt(out, kPmtPid, kOpusPid, 0, streams, pmtContinuity);
  writePes(out, kOpusPid, 0xbd, PesTiming{.pts90k = 90'000, .dts90k = 90'000}, payload.freeze().span(), opusContinuity);
  Bytes ts = out.freeze();
  Received got = ingest(ts.span());
  REQUIRE(got.configs.size() == 1);
  const TrackConfig& config = *got.configs[0];
  CHECK(config.kind == TrackKind::kAudio);
  CHECK(config.codec == Codec::kOpus);
  CHECK(config.sampleRate == 48000);
  CHECK(config.channels == 2);
  CHECK(config.record == codec::opusHead(2));
  REQUIRE(got.frames.size() == 2);
  for (const FramePtr& frame : got.frames) {
    CHECK(frame->kind == TrackKind::kAudio);
    CHECK(frame->codec == Codec::kOpus);
    CHECK(frame->ptsUs == frame->dtsUs);
    CHECK(frame->config == got.configs[0]);
  }
  CHECK(bytesOf(got.frames[0]->payload.span()) == first);
  CHECK(bytesOf(got.frames[1]->payload.span()) == second);
  CHECK(got.frames[1]->dtsUs - got.frames[0]->dtsUs == 20'000);
  CHECK(got.stats.framesDropped == 0);
}

}  // namespace
}  // namespace rtsedge::mpegts
