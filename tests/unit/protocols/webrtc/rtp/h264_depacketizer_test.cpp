#include "protocols/webrtc/rtp/h264_depacketizer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "protocols/codec/avc.h"
#include "protocols/webrtc/rtp/h264_packetizer.h"
#include "protocols/webrtc/rtp/rtp_timestamp.h"
#include "tests/unit/fixtures/avc_records.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge::webrtc::rtp {
namespace {

using ByteVector = std::vector<uint8_t>;

// testsrc2=size=1920x1080:rate=30 by ffmpeg 5.1 + libx264 (as in avc_test.cpp).
constexpr uint8_t kRecord1080p30[] = {
    0x01, 0x64, 0x00, 0x28, 0xff, 0xe1, 0x00, 0x1b, 0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78,
    0x02, 0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c,
    0x60, 0xc6, 0x58, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};

ByteVector toVector(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

// One RTP packet on the wire, and which frame it came from.
struct Wire {
  ByteVector payload;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  bool marker = false;
  size_t frame = 0;
};

RtpPacketView view(const Wire& wire) {
  RtpPacketView packet;
  packet.sequence = wire.sequence;
  packet.timestamp = wire.timestamp;
  packet.marker = wire.marker;
  packet.payload = wire.payload;
  return packet;
}

using fixtures::nal;

// `count` frames 40 ms apart, a keyframe every `gop`, in every packetization: keyframes
// of two IDR slices (FU-A), and delta frames cycling through one large slice (FU-A),
// one small slice (single NAL unit), and SEI + two small slices (STAP-A).
std::vector<FramePtr> stream(int count, int gop, TrackConfigPtr config = fixtures::videoConfig(Codec::kH264)) {
  std::vector<FramePtr> frames;
  for (int v = 0; v < count; ++v) {
    const auto seed = static_cast<uint8_t>(v);
    const int64_t pts = v * fixtures::kVideoFrameUs;
    if (v % gop == 0) {
      frames.push_back(fixtures::h264Frame({nal(0x65, 2500, seed), nal(0x65, 2000, seed + 1)}, true, pts, config));
    } else if (v % 3 == 0) {
      frames.push_back(fixtures::h264Frame({nal(0x41, 3000, seed)}, false, pts, config));
    } else if (v % 3 == 1) {
      frames.push_back(fixtures::h264Frame({nal(0x41, 150, seed)}, false, pts, config));
    } else {
      frames.push_back(fixtures::h264Frame({nal(0x06, 30, seed), nal(0x41, 200, seed), nal(0x41, 300, seed)}, false, pts, config));
    }
  }
  return frames;
}

std::vector<Wire> packetizeAll(const std::vector<FramePtr>& frames, uint16_t firstSequence,
                               const H264PacketizerOptions& options = {}) {
  std::vector<Wire> wires;
  uint16_t sequence = firstSequence;
  for (size_t i = 0; i < frames.size(); ++i) {
    auto packets = packetizeH264(*frames[i], options);
    REQUIRE(packets.isOk());
    for (const auto& payload : packets->payloads) {
      wires.push_back({toVector(payload.data.span()), sequence++, packets->timestamp, payload.marker, i});
    }
  }
  return wires;
}

// Pushes the packets in turn; then, unless told not to, flushes the reorder window as a
// session's timer would once the stream stops.
std::vector<DepacketizedFrame> feed(H264Depacketizer& depacketizer, const std::vector<Wire>& wires,
                                    bool flushAtEnd = true) {
  std::vector<DepacketizedFrame> out;
  for (const auto& wire : wires) {
    auto frames = depacketizer.push(view(wire));
    out.insert(out.end(), frames.begin(), frames.end());
  }
  if (flushAtEnd) {
    auto frames = depacketizer.flush();
    out.insert(out.end(), frames.begin(), frames.end());
  }
  return out;
}

std::vector<Wire> inOrder(const std::vector<Wire>& wires, const std::vector<size_t>& order) {
  std::vector<Wire> out;
  for (size_t index : order) {
    out.push_back(wires[index]);
  }
  return out;
}

// The frames (by index) that come out whole: compares payload, keyframe flag, timestamp.
void checkFrames(const std::vector<DepacketizedFrame>& out, const std::vector<FramePtr>& frames,
                 const std::vector<size_t>& expected) {
  REQUIRE(out.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    const auto& frame = *frames[expected[i]];
    CHECK(out[i].payload == frame.payload);
    CHECK(out[i].keyframe == frame.keyframe);
    CHECK(out[i].timestamp == rtpTimestamp(frame.ptsUs, kVideoClockRate, 0));
    REQUIRE(out[i].config);
  }
}

std::vector<size_t> allFrames(size_t count) {
  std::vector<size_t> all(count);
  std::iota(all.begin(), all.end(), size_t{0});
  return all;
}

// What survives losing part of frame `lost`: the frames before it, and from the next
// keyframe on.
std::vector<size_t> survivors(const std::vector<FramePtr>& frames, size_t lost) {
  std::vector<size_t> out;
  bool resumed = false;
  for (size_t k = 0; k < frames.size(); ++k) {
    resumed = resumed || (k > lost && frames[k]->keyframe);
    if (k < lost || resumed) {
      out.push_back(k);
    }
  }
  return out;
}

// A parameter-set STAP-A and one IDR slice: the smallest complete keyframe.
std::vector<Wire> keyframeWires(uint16_t sequence, uint32_t timestamp) {
  auto packets = packetizeH264(*fixtures::h264Frame({nal(0x65, 100)}, true, 0));
  REQUIRE(packets.isOk());
  std::vector<Wire> wires;
  for (const auto& payload : packets->payloads) {
    wires.push_back({toVector(payload.data.span()), sequence++, timestamp, payload.marker, 0});
  }
  return wires;
}

TEST_SUITE_BEGIN("rtp");

TEST_CASE("H.264 depacketizer: packetize -> depacketize gives the same access units and the record") {
  const auto frames = stream(30, 10);
  const auto wires = packetizeAll(frames, 1000);
  H264Depacketizer depacketizer;
  CHECK(depacketizer.needsKeyframe());
  const auto out = feed(depacketizer, wires);
  checkFrames(out, frames, allFrames(frames.size()));
  CHECK_FALSE(depacketizer.needsKeyframe());

  const auto& config = out.front().config;
  CHECK(config->record == Bytes::copyOf(fixtures::kAvcc1280x720));
  CHECK(config->codec == Codec::kH264);
  CHECK(config->width == 1280);
  CHECK(config->height == 720);
  CHECK(config->frameRate == 25);
  CHECK(config->nalLengthSize == 4);
  CHECK(out.front().configChanged);
  for (size_t i = 1; i < out.size(); ++i) {
    CHECK_FALSE(out[i].configChanged);
    CHECK(out[i].config == config);
  }
  CHECK(depacketizer.config() == config);
  const auto& stats = depacketizer.stats();
  CHECK(stats.packets == wires.size());
  CHECK(stats.framesOut == frames.size());
  CHECK(stats.packetsLost + stats.packetsLate + stats.packetsMalformed + stats.framesIncomplete == 0);
}

TEST_CASE("H.264 depacketizer: every budget and aggregation round-trips, across the sequence wrap") {
  const auto frames = stream(12, 4);
  for (size_t budget : {size_t{3}, size_t{50}, size_t{300}, size_t{1200}, size_t{9000}}) {
    for (bool aggregate : {true, false}) {
      CAPTURE(budget);
      CAPTURE(aggregate);
      H264PacketizerOptions options;
      options.maxPayloadSize = budget;
      options.aggregate = aggregate;
      const auto wires = packetizeAll(frames, static_cast<uint16_t>(65535 - budget % 40), options);
      H264Depacketizer depacketizer;
      checkFrames(feed(depacketizer, wires), frames, allFrames(frames.size()));
    }
  }
}

TEST_CASE("H.264 depacketizer: losing any one packet drops its frame until the next keyframe") {
  const auto frames = stream(17, 5);
  const auto wires = packetizeAll(frames, 40000);
  for (size_t lost = 0; lost < wires.size(); ++lost) {
    CAPTURE(lost);
    std::vector<size_t> order;
    for (size_t i = 0; i < wires.size(); ++i) {
      if (i != lost) {
        order.push_back(i);
      }
    }
    H264Depacketizer depacketizer;
    const auto out = feed(depacketizer, inOrder(wires, order));
    checkFrames(out, frames, survivors(frames, wires[lost].frame));
    // Frame 16 is one packet: losing it shows only when something follows.
    CHECK(depacketizer.needsKeyframe() == (wires[lost].frame == 15));
  }
}

TEST_CASE("H.264 depacketizer: after a loss it asks for a keyframe until one comes whole") {
  const auto frames = stream(12, 6);
  const auto wires = packetizeAll(frames, 0);
  H264Depacketizer depacketizer;
  bool asked = false;
  for (const auto& wire : wires) {
    if (wire.frame == 3 && !wire.marker) {
      continue;  // the first FU-A packets of frame 3
    }
    depacketizer.push(view(wire));
    if (wire.frame == 3) {
      CHECK_FALSE(depacketizer.needsKeyframe());  // the hole may still fill
      depacketizer.flush();                        // the session's timer gives up on it
    }
    if (wire.frame >= 3 && wire.frame < 6) {
      asked = asked || depacketizer.needsKeyframe();
      CHECK(depacketizer.needsKeyframe());
    }
  }
  CHECK(asked);
  CHECK_FALSE(depacketizer.needsKeyframe());
  CHECK(depacketizer.stats().packetsLost > 0);
  CHECK(depacketizer.stats().framesIncomplete == 1);
  CHECK(depacketizer.stats().framesSkipped == 2);  // frames 4, 5
}

TEST_CASE("H.264 depacketizer: neighbours swapped anywhere, blocks reversed, shuffles within the window") {
  const auto frames = stream(24, 8);
  const auto wires = packetizeAll(frames, 65000);
  const auto all = allFrames(frames.size());
  // The first packet starts the sequence: everything else may move.
  for (size_t i = 1; i + 1 < wires.size(); ++i) {
    CAPTURE(i);
    std::vector<size_t> order = allFrames(wires.size());
    std::swap(order[i], order[i + 1]);
    H264Depacketizer depacketizer;
    checkFrames(feed(depacketizer, inOrder(wires, order)), frames, all);
    CHECK(depacketizer.stats().packetsLost == 0);
  }
  for (size_t block : {size_t{2}, size_t{5}, size_t{16}}) {
    CAPTURE(block);
    std::vector<size_t> order = allFrames(wires.size());
    for (size_t at = 1; at < order.size(); at += block) {
      std::reverse(order.begin() + static_cast<ptrdiff_t>(at),
                   order.begin() + static_cast<ptrdiff_t>(std::min(at + block, order.size())));
    }
    H264Depacketizer depacketizer;
    checkFrames(feed(depacketizer, inOrder(wires, order)), frames, all);
  }
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    // Each packet moves by less than the window: sort by index plus a jitter of 0..15.
    std::vector<std::pair<size_t, size_t>> keys;
    for (size_t i = 0; i < wires.size(); ++i) {
      keys.emplace_back(i == 0 ? 0 : i + random() % 16, i);
    }
    std::stable_sort(keys.begin(), keys.end());
    std::vector<size_t> order;
    for (const auto& key : keys) {
      order.push_back(key.second);
    }
    H264Depacketizer depacketizer;
    checkFrames(feed(depacketizer, inOrder(wires, order)), frames, all);
  }
}

TEST_CASE("H.264 depacketizer: a packet later than the window is lost, then dropped as late") {
  const auto frames = stream(16, 5);
  const auto wires = packetizeAll(frames, 100);
  for (size_t late : {size_t{3}, size_t{10}, size_t{20}}) {
    CAPTURE(late);
    std::vector<size_t> order;
    for (size_t i = 0; i < wires.size(); ++i) {
      if (i != late) {
        order.push_back(i);
      }
      if (i == late + 16) {
        order.push_back(late);
      }
    }
    H264Depacketizer depacketizer;
    checkFrames(feed(depacketizer, inOrder(wires, order)), frames, survivors(frames, wires[late].frame));
    CHECK(depacketizer.stats().packetsLost == 1);
    CHECK(depacketizer.stats().packetsLate == 1);
  }
  // With a window of one, nothing waits: a swap is a loss.
  std::vector<size_t> order = allFrames(wires.size());
  std::swap(order[5], order[6]);
  H264Depacketizer strict(H264DepacketizerOptions{1, kDefaultMaxFrameSize});
  checkFrames(feed(strict, inOrder(wires, order)), frames, survivors(frames, wires[5].frame));
}

TEST_CASE("H.264 depacketizer: duplicates, at once or later, change nothing") {
  const auto frames = stream(12, 6);
  const auto wires = packetizeAll(frames, 7);
  std::vector<size_t> twice;
  std::vector<size_t> echoed;
  for (size_t i = 0; i < wires.size(); ++i) {
    twice.insert(twice.end(), {i, i});
    echoed.push_back(i);
    if (i >= 3) {
      echoed.push_back(i - 3);
    }
  }
  for (const auto* order : {&twice, &echoed}) {
    H264Depacketizer depacketizer;
    checkFrames(feed(depacketizer, inOrder(wires, *order)), frames, allFrames(frames.size()));
    CHECK(depacketizer.stats().packetsLate == order->size() - wires.size());
  }
  // Duplicates of packets still held in the window.
  std::vector<size_t> held = allFrames(wires.size());
  std::swap(held[4], held[8]);
  held.insert(held.begin() + 6, {6, 7});
  H264Depacketizer depacketizer;
  checkFrames(feed(depacketizer, inOrder(wires, held)), frames, allFrames(frames.size()));
  CHECK(depacketizer.stats().packetsLate == 2);
}

TEST_CASE("H.264 depacketizer: frames end at a timestamp change when markers are missing") {
  const auto frames = stream(10, 5);
  auto wires = packetizeAll(frames, 0);
  for (auto& wire : wires) {
    wire.marker = false;
  }
  H264Depacketizer depacketizer;
  auto out = feed(depacketizer, wires);
  std::vector<size_t> expected = allFrames(frames.size() - 1);  // the last one waits for what follows
  checkFrames(out, frames, expected);
}

TEST_CASE("H.264 depacketizer: flush gives up on missing packets at once") {
  const auto frames = stream(10, 5);
  const auto wires = packetizeAll(frames, 0);
  // Frame 5 is a keyframe: lose the last packet of frame 3, then stop sending.
  size_t lost = 0;
  while (wires[lost].frame != 4) {
    ++lost;
  }
  --lost;
  std::vector<size_t> order;
  for (size_t i = 0; i < wires.size(); ++i) {
    if (i != lost) {
      order.push_back(i);
    }
  }
  H264Depacketizer depacketizer;
  auto out = feed(depacketizer, inOrder(wires, order), false);
  CHECK(out.size() == 3);  // 0, 1, 2: the rest is held behind the hole
  auto flushed = depacketizer.flush();
  out.insert(out.end(), flushed.begin(), flushed.end());
  checkFrames(out, frames, survivors(frames, 3));
  CHECK(depacketizer.stats().packetsLost == 1);
  CHECK(depacketizer.flush().empty());
}

TEST_CASE("H.264 depacketizer: new parameter sets make a new configuration") {
  auto second = std::make_shared<TrackConfig>(*fixtures::videoConfig(Codec::kH264));
  second->record = Bytes::copyOf(kRecord1080p30);
  auto frames = stream(6, 3);
  const auto more = stream(6, 3, second);
  frames.insert(frames.end(), more.begin(), more.end());
  for (size_t i = 6; i < frames.size(); ++i) {
    auto shifted = std::make_shared<MediaFrame>(*frames[i]);
    shifted->ptsUs = shifted->dtsUs = static_cast<int64_t>(i) * fixtures::kVideoFrameUs;
    frames[i] = shifted;
  }
  H264Depacketizer depacketizer;
  const auto out = feed(depacketizer, packetizeAll(frames, 0));
  checkFrames(out, frames, allFrames(frames.size()));
  CHECK(out[0].configChanged);
  CHECK(out[6].configChanged);
  CHECK(out[6].config->record == Bytes::copyOf(kRecord1080p30));
  CHECK(out[6].config->width == 1920);
  CHECK(out[6].config->height == 1080);
  // The repeated sets of the keyframe at 9 change nothing.
  for (size_t i : {1, 3, 5, 7, 9, 11}) {
    CHECK_FALSE(out[i].configChanged);
  }
  CHECK(out[9].config == out[6].config);
  CHECK(depacketizer.config() == out[6].config);
}

TEST_CASE("H.264 depacketizer: frames before any parameter sets are skipped") {
  auto bare = std::make_shared<TrackConfig>(*fixtures::videoConfig(Codec::kH264));
  bare->record = Bytes();
  auto frames = stream(4, 2, bare);
  const auto later = stream(4, 2);
  frames.insert(frames.end(), later.begin(), later.end());
  for (size_t i = 0; i < frames.size(); ++i) {
    auto shifted = std::make_shared<MediaFrame>(*frames[i]);
    shifted->ptsUs = shifted->dtsUs = static_cast<int64_t>(i) * fixtures::kVideoFrameUs;
    frames[i] = shifted;
  }
  H264Depacketizer depacketizer;
  const auto out = feed(depacketizer, packetizeAll(frames, 0));
  checkFrames(out, frames, {4, 5, 6, 7});
  // Frame 0's first packet is not surely an access unit's start: incomplete.
  CHECK(depacketizer.stats().framesIncomplete == 1);
  CHECK(depacketizer.stats().framesSkipped == 3);
}

TEST_CASE("H.264 depacketizer: joining in the middle of a frame waits for the next keyframe") {
  const auto frames = stream(12, 6);
  const auto wires = packetizeAll(frames, 300);
  for (size_t first = 1; first < 12; ++first) {
    CAPTURE(first);
    H264Depacketizer depacketizer;
    const auto out = feed(depacketizer, std::vector<Wire>(wires.begin() + static_cast<ptrdiff_t>(first), wires.end()));
    std::vector<size_t> expected;
    for (size_t k = 6; k < frames.size(); ++k) {
      expected.push_back(k);
    }
    checkFrames(out, frames, expected);
    CHECK(depacketizer.stats().packetsMalformed == 0);
    CHECK(depacketizer.stats().packetsLost == 0);
  }
}

TEST_CASE("H.264 depacketizer: the WHEP path, shared packets rewritten per viewer, back to frames") {
  const auto frames = stream(10, 5);
  const std::array<uint32_t, 2> ssrcs = {0x11111111, 0x22222222};
  for (size_t viewer = 0; viewer < ssrcs.size(); ++viewer) {
    H264Depacketizer depacketizer;
    std::vector<DepacketizedFrame> out;
    uint16_t sequence = static_cast<uint16_t>(1000 * viewer);
    for (const auto& frame : frames) {
      auto packets = packetizeH264(*frame);
      REQUIRE(packets.isOk());
      for (const auto& payload : packets->payloads) {
        // Built once per stream...
        RtpHeader header;
        header.marker = payload.marker;
        header.timestamp = packets->timestamp;
        auto shared = buildRtpPacket(header, payload.data.span());
        REQUIRE(shared.isOk());
        // ...copied and rewritten per viewer.
        ByteVector copy = toVector(shared->span());
        REQUIRE(rewriteRtpHeader(copy, {ssrcs[viewer], sequence++, 102}).isOk());
        auto parsed = parseRtpPacket(copy);
        REQUIRE(parsed.isOk());
        CHECK(parsed->ssrc == ssrcs[viewer]);
        auto done = depacketizer.push(*parsed);
        out.insert(out.end(), done.begin(), done.end());
      }
    }
    checkFrames(out, frames, allFrames(frames.size()));
  }
}

TEST_CASE("H.264 depacketizer: in-band SPS, PPS and AUD leave the payload; SEI stays") {
  const auto sets = codec::parseAvcDecoderConfigurationRecord(fixtures::kAvcc1280x720);
  REQUIRE(sets.isOk());
  const ByteVector aud = {0x09, 0xf0};
  const ByteVector sei = nal(0x06, 12);
  const ByteVector idr = nal(0x65, 5000);
  // Sent as single NAL units, without aggregation.
  std::vector<Wire> wires;
  uint16_t sequence = 0;
  for (const auto& unit : {aud, toVector(sets->sps[0]), toVector(sets->pps[0]), sei}) {
    wires.push_back({unit, sequence++, 90, false, 0});
  }
  H264PacketizerOptions options;
  options.aggregate = false;
  auto idrPackets = packetizeH264(*fixtures::h264Frame({idr}, false, 1000), options);
  REQUIRE(idrPackets.isOk());
  for (const auto& payload : idrPackets->payloads) {
    wires.push_back({toVector(payload.data.span()), sequence++, 90, payload.marker, 0});
  }
  H264Depacketizer depacketizer;
  const auto out = feed(depacketizer, wires);
  REQUIRE(out.size() == 1);
  CHECK(out[0].keyframe);
  CHECK(out[0].payload == fixtures::h264Frame({sei, idr}, true, 0)->payload);
  CHECK(out[0].config->record == Bytes::copyOf(fixtures::kAvcc1280x720));
}

TEST_CASE("H.264 depacketizer: an access unit over the size cap is dropped and counted") {
  H264DepacketizerOptions options;
  options.maxFrameSize = 4000;
  const std::vector<FramePtr> frames = {
      fixtures::h264Frame({nal(0x65, 1000)}, true, 0),
      fixtures::h264Frame({nal(0x41, 2000), nal(0x41, 2000)}, false, 40'000),  // 4008 bytes
      fixtures::h264Frame({nal(0x41, 100)}, false, 80'000),
      fixtures::h264Frame({nal(0x65, 3000), nal(0x65, 960)}, true, 120'000),  // 3968 + 32 of SPS and PPS: fits
      fixtures::h264Frame({nal(0x41, 5000)}, false, 160'000),                  // one FU-A unit over
      fixtures::h264Frame({nal(0x65, 100)}, true, 200'000),
  };
  H264Depacketizer depacketizer(options);
  const auto out = feed(depacketizer, packetizeAll(frames, 0));
  checkFrames(out, frames, {0, 3, 5});
  CHECK(depacketizer.stats().framesTooLarge == 2);
  CHECK(depacketizer.stats().framesSkipped == 1);
}

TEST_CASE("H.264 depacketizer: a sequence that starts over elsewhere is followed after two packets") {
  const auto frames = stream(12, 4);
  auto wires = packetizeAll(frames, 500);
  size_t restart = 0;
  while (wires[restart].frame != 6) {
    ++restart;
  }
  for (size_t i = restart; i < wires.size(); ++i) {
    wires[i].sequence = static_cast<uint16_t>(wires[i].sequence + 30000);
  }
  H264Depacketizer depacketizer;
  const auto out = feed(depacketizer, wires);
  CHECK(depacketizer.stats().sequenceResets == 1);
  // Frame 6's first packet is taken as late, the frame is incomplete; 8 resumes.
  checkFrames(out, frames, survivors(frames, 6));
}

// Hostile payloads, each inside a delta frame between two good keyframes.
void checkHostile(const std::vector<ByteVector>& payloads, bool dropsFrame) {
  CAPTURE(payloads.size());
  H264Depacketizer depacketizer;
  auto wires = keyframeWires(0, 0);
  uint16_t sequence = static_cast<uint16_t>(wires.size());
  for (const auto& payload : payloads) {
    wires.push_back({payload, sequence++, 3600, false, 1});
  }
  wires.push_back({nal(0x41, 20), sequence++, 3600, true, 1});
  for (auto& wire : keyframeWires(sequence, 7200)) {
    wires.push_back(wire);
  }
  const auto out = feed(depacketizer, wires);
  REQUIRE(out.size() == (dropsFrame ? 2 : 3));
  CHECK(out.back().keyframe);
  CHECK(depacketizer.stats().framesIncomplete == (dropsFrame ? 1 : 0));
  if (!dropsFrame) {
    CHECK(out[1].payload == fixtures::h264Frame({nal(0x41, 20)}, false, 0)->payload);
  }
}

TEST_CASE("H.264 depacketizer: hostile payloads drop their frame, never more") {
  const ByteVector fragment = {0x01, 0x02, 0x03};
  // FU-A without a start; with start and end; a start while one is open; another type midway.
  checkHostile({{0x7c, 0x05, 0x01, 0x02}}, true);
  checkHostile({{0x7c, 0x45, 0x01}}, true);
  checkHostile({{0x7c, 0xc5, 0x01}}, true);
  checkHostile({{0x7c, 0x85, 0x01}, {0x7c, 0x85, 0x02}, {0x7c, 0x45, 0x03}}, true);
  checkHostile({{0x7c, 0x85, 0x01}, {0x7c, 0x01, 0x02}, {0x7c, 0x41, 0x03}}, true);
  // An FU-A never ended; one interrupted by a single unit or a STAP-A; too short; inner type 0 or 24.
  checkHostile({{0x7c, 0x85, 0x01}}, true);
  checkHostile({{0x7c, 0x85, 0x01}, {0x41, 0x01}, {0x7c, 0x45, 0x03}}, true);
  checkHostile({{0x7c, 0x85, 0x01}, {0x78, 0x00, 0x01, 0x41}}, true);
  checkHostile({{0x7c}}, true);
  checkHostile({{0x7c, 0x80, 0x01}}, true);
  checkHostile({{0x7c, 0x98, 0x01}}, true);
  // STAP-A: a size overrunning, a zero size, a trailing byte, no unit at all, a nested type.
  checkHostile({{0x78, 0x00, 0x05, 0x41, 0x01}}, true);
  checkHostile({{0x78, 0xff, 0xff, 0x41}}, true);
  checkHostile({{0x78, 0x00, 0x00, 0x00, 0x01, 0x41}}, true);
  checkHostile({{0x78, 0x00, 0x01, 0x41, 0x00}}, true);
  checkHostile({{0x78}}, true);
  checkHostile({{0x78, 0x00, 0x02, 0x7c, 0x01}}, true);
  checkHostile({{0x78, 0x00, 0x01, 0x00}}, true);
  // STAP-B, MTAP16, MTAP24, FU-B: interleaved mode only.
  for (uint8_t type : {25, 26, 27, 29}) {
    checkHostile({{type, 0x00, 0x01, 0x41, 0x01, 0x02}}, true);
  }
  // Reserved types 0, 30, 31 and empty payloads are ignored: the frame is whole.
  checkHostile({{0x00, 0x01}, {0x1e, 0x02}, {0x1f}, {}}, false);
}

TEST_CASE("H.264 depacketizer: malformed payloads are counted; a good keyframe resumes") {
  H264Depacketizer depacketizer;
  auto wires = keyframeWires(0, 0);
  wires.push_back({{0x7c, 0x05, 0x01}, static_cast<uint16_t>(wires.size()), 3600, true, 1});
  feed(depacketizer, wires);
  CHECK(depacketizer.stats().packetsMalformed == 1);
  CHECK(depacketizer.needsKeyframe());
  CHECK(feed(depacketizer, keyframeWires(static_cast<uint16_t>(wires.size()), 7200)).size() == 1);
  CHECK_FALSE(depacketizer.needsKeyframe());
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc::rtp
