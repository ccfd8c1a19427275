#include "protocols/webrtc/rtp/h264_packetizer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "protocols/codec/annexb.h"
#include "protocols/codec/avc.h"
#include "tests/unit/fixtures/avc_records.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge::webrtc::rtp {
namespace {

using ByteVector = std::vector<uint8_t>;

ByteVector toVector(std::span<const uint8_t> data) {
  return {data.begin(), data.end()};
}

using fixtures::h264Frame;
using fixtures::nal;

// The NAL units a receiver gets back from the payloads, decoded here independently of
// the depacketizer. Checks the RFC 6184 framing on the way.
std::vector<ByteVector> unitsOf(const PacketizedFrame& packets) {
  std::vector<ByteVector> units;
  ByteVector fragmented;
  for (const auto& payload : packets.payloads) {
    const auto data = payload.data.span();
    REQUIRE(!data.empty());
    const uint8_t type = data[0] & 0x1f;
    if (type == 24) {
      for (size_t at = 1; at < data.size();) {
        REQUIRE(data.size() - at >= 2);
        const size_t size = loadU16(data.data() + at);
        at += 2;
        REQUIRE(size <= data.size() - at);
        units.emplace_back(data.begin() + static_cast<ptrdiff_t>(at),
                           data.begin() + static_cast<ptrdiff_t>(at + size));
        at += size;
      }
    } else if (type == 28) {
      REQUIRE(data.size() >= 3);
      const bool start = (data[1] & 0x80) != 0;
      const bool end = (data[1] & 0x40) != 0;
      CHECK_FALSE((start && end));
      CHECK((data[1] & 0x20) == 0);
      if (start) {
        REQUIRE(fragmented.empty());
        fragmented.push_back(static_cast<uint8_t>((data[0] & 0xe0) | (data[1] & 0x1f)));
      } else {
        REQUIRE(!fragmented.empty());
        CHECK((fragmented[0] & 0x1f) == (data[1] & 0x1f));
      }
      fragmented.insert(fragmented.end(), data.begin() + 2, data.end());
      if (end) {
        units.push_back(std::move(fragmented));
        fragmented.clear();
      }
    } else {
      REQUIRE(type >= 1);
      REQUIRE(type <= 23);
      units.push_back(toVector(data));
    }
  }
  CHECK(fragmented.empty());
  return units;
}

PacketizedFrame packetize(const MediaFrame& frame, const H264PacketizerOptions& options = {}) {
  auto packets = packetizeH264(frame, options);
  REQUIRE(packets.isOk());
  for (const auto& payload : packets->payloads) {
    CHECK(payload.data.size() <= options.maxPayloadSize);
  }
  // The marker on the last payload only.
  for (size_t i = 0; i < packets->payloads.size(); ++i) {
    CHECK(packets->payloads[i].marker == (i + 1 == packets->payloads.size()));
  }
  return *packets;
}

// The SPS and PPS of the fixture record.
std::vector<ByteVector> recordSets() {
  auto config = codec::parseAvcDecoderConfigurationRecord(fixtures::kAvcc1280x720);
  REQUIRE(config.isOk());
  return {toVector(config->sps[0]), toVector(config->pps[0])};
}

TEST_SUITE_BEGIN("rtp");

TEST_CASE("H.264 packetizer: a keyframe gets the record's SPS and PPS in a STAP-A first") {
  const auto config = fixtures::videoConfig(Codec::kH264);
  const auto frame = fixtures::videoFrame(config, true, 0, 80'000, 6000, 3);
  const PacketizedFrame packets = packetize(*frame);
  CHECK(packets.timestamp == 7200);
  REQUIRE(packets.payloads.size() >= 2);
  // F 0, NRI 3 (of the SPS and PPS), type 24; then each unit after its 16-bit size.
  const auto& stapA = packets.payloads[0].data;
  const auto sets = recordSets();
  ByteVector expected = {0x78, 0x00, static_cast<uint8_t>(sets[0].size())};
  expected.insert(expected.end(), sets[0].begin(), sets[0].end());
  expected.insert(expected.end(), {0x00, static_cast<uint8_t>(sets[1].size())});
  expected.insert(expected.end(), sets[1].begin(), sets[1].end());
  CHECK(toVector(stapA.span()) == expected);

  auto split = codec::splitLengthPrefixed(frame->payload.span(), 4);
  REQUIRE(split.isOk());
  std::vector<ByteVector> units = sets;
  for (auto unit : *split) {
    units.push_back(toVector(unit));
  }
  CHECK(unitsOf(packets) == units);
}

TEST_CASE("H.264 packetizer: delta frames get no parameter sets; frames carrying them get no second copy") {
  const auto config = fixtures::videoConfig(Codec::kH264);
  const auto delta = fixtures::videoFrame(config, false, 40'000, 40'000, 800, 4);
  const PacketizedFrame deltaPackets = packetize(*delta);
  REQUIRE(deltaPackets.payloads.size() == 1);
  CHECK(toVector(deltaPackets.payloads[0].data.span()) == toVector(delta->payload.span().subspan(4)));
  CHECK(deltaPackets.timestamp == 3600);

  const auto sets = recordSets();
  const std::vector<ByteVector> inBand = {sets[0], sets[1], nal(0x65, 3000)};
  const PacketizedFrame packets = packetize(*h264Frame(inBand, true));
  CHECK(unitsOf(packets) == inBand);
  // A keyframe whose config has no record goes as it is.
  auto bare = std::make_shared<TrackConfig>(*config);
  bare->record = Bytes();
  const std::vector<ByteVector> idr = {nal(0x65, 500)};
  CHECK(unitsOf(packetize(*h264Frame(idr, true, 0, bare))) == idr);
  // Only an SPS in band: the record's pair is sent before it.
  const std::vector<ByteVector> spsOnly = {sets[0], nal(0x65, 100)};
  std::vector<ByteVector> expected = {sets[0], sets[1], sets[0], nal(0x65, 100)};
  CHECK(unitsOf(packetize(*h264Frame(spsOnly, true))) == expected);
}

TEST_CASE("H.264 packetizer: FU-A boundaries at the budget, one under and one over") {
  H264PacketizerOptions options;
  options.maxPayloadSize = 1200;
  for (size_t size : {size_t{1199}, size_t{1200}}) {
    CAPTURE(size);
    const std::vector<ByteVector> units = {nal(0x41, size)};
    const PacketizedFrame packets = packetize(*h264Frame(units, false), options);
    REQUIRE(packets.payloads.size() == 1);
    CHECK(toVector(packets.payloads[0].data.span()) == units[0]);
  }
  const std::vector<ByteVector> over = {nal(0x41, 1201)};
  const PacketizedFrame split = packetize(*h264Frame(over, false), options);
  REQUIRE(split.payloads.size() == 2);
  CHECK(split.payloads[0].data[0] == (0x40 | 28));  // NRI of 0x41 kept
  CHECK(split.payloads[0].data[1] == (0x80 | 1));   // start
  CHECK(split.payloads[1].data[1] == (0x40 | 1));   // end
  // 1200 bytes after the header byte, split evenly.
  CHECK(split.payloads[0].data.size() == 602);
  CHECK(split.payloads[1].data.size() == 602);
  CHECK(unitsOf(split) == over);
}

TEST_CASE("H.264 packetizer: huge units take the fewest fragments, near-equal in size") {
  for (size_t budget : {size_t{3}, size_t{4}, size_t{100}, size_t{1200}}) {
    for (size_t size : {budget + 1, 2 * budget - 3, 2 * budget - 2, 2 * budget + 7, 100 * budget + 13}) {
      if (size <= budget) {
        continue;
      }
      CAPTURE(budget);
      CAPTURE(size);
      H264PacketizerOptions options;
      options.maxPayloadSize = budget;
      const std::vector<ByteVector> units = {nal(0x65, size, 9)};
      const PacketizedFrame packets = packetize(*h264Frame(units, false), options);
      const size_t room = budget - 2;
      CHECK(packets.payloads.size() == (size - 1 + room - 1) / room);
      size_t smallest = SIZE_MAX;
      size_t largest = 0;
      for (const auto& payload : packets.payloads) {
        smallest = std::min(smallest, payload.data.size());
        largest = std::max(largest, payload.data.size());
      }
      CHECK(largest - smallest <= 1);
      CHECK(unitsOf(packets) == units);
    }
  }
}

TEST_CASE("H.264 packetizer: small units share a STAP-A up to the budget, exactly") {
  const ByteVector sei = nal(0x06, 20);
  const ByteVector slice1 = nal(0x41, 30);
  const ByteVector slice2 = nal(0x41, 40);
  const std::vector<ByteVector> units = {sei, slice1, slice2};
  // 1 + (2 + 20) + (2 + 30) + (2 + 40) = 97 bytes.
  H264PacketizerOptions options;
  options.maxPayloadSize = 97;
  PacketizedFrame packets = packetize(*h264Frame(units, false), options);
  REQUIRE(packets.payloads.size() == 1);
  CHECK(packets.payloads[0].data[0] == (0x40 | 24));  // NRI: the largest of 0 and 2
  CHECK(unitsOf(packets) == units);

  options.maxPayloadSize = 96;  // the third no longer fits: STAP-A of two, then a single
  packets = packetize(*h264Frame(units, false), options);
  REQUIRE(packets.payloads.size() == 2);
  CHECK((packets.payloads[0].data[0] & 0x1f) == 24);
  CHECK(toVector(packets.payloads[1].data.span()) == slice2);
  CHECK(unitsOf(packets) == units);

  options.aggregate = false;
  packets = packetize(*h264Frame(units, false), options);
  REQUIRE(packets.payloads.size() == 3);
  CHECK(unitsOf(packets) == units);

  // A unit too large for the budget breaks a run; small ones around it still aggregate.
  options = {};
  options.maxPayloadSize = 100;
  const std::vector<ByteVector> mixed = {nal(0x06, 10), nal(0x06, 10), nal(0x65, 500), nal(0x41, 10), nal(0x41, 10)};
  packets = packetize(*h264Frame(mixed, false), options);
  CHECK((packets.payloads.front().data[0] & 0x1f) == 24);
  CHECK((packets.payloads.back().data[0] & 0x1f) == 24);
  CHECK(unitsOf(packets) == mixed);
}

TEST_CASE("H.264 packetizer: AUD, filler and types 0, 24..31 are dropped") {
  const std::vector<ByteVector> units = {{0x09, 0xf0}, nal(0x67, 10), nal(0x68, 4),  nal(0x06, 8), nal(0x65, 2000),
                                         nal(0x0c, 50), nal(0x00, 5), nal(0x18, 9), nal(0x1c, 9), nal(0x1f, 3)};
  const PacketizedFrame packets = packetize(*h264Frame(units, true));
  const std::vector<ByteVector> expected = {units[1], units[2], units[3], units[4]};
  CHECK(unitsOf(packets) == expected);

  // Nothing left: no payload at all.
  const std::vector<ByteVector> audOnly = {{0x09, 0xf0}};
  auto empty = packetizeH264(*h264Frame(audOnly, false));
  REQUIRE(empty.isOk());
  CHECK(empty->payloads.empty());
}

TEST_CASE("H.264 packetizer: single units are slices of the frame, the rest one shared block") {
  const std::vector<ByteVector> units = {nal(0x41, 300), nal(0x41, 5000)};
  const auto frame = h264Frame(units, false);
  H264PacketizerOptions options;
  options.aggregate = false;
  const PacketizedFrame packets = packetize(*frame, options);
  REQUIRE(packets.payloads.size() == 6);
  CHECK(packets.payloads[0].data.data() == frame->payload.data() + 4);
  for (size_t i = 2; i < packets.payloads.size(); ++i) {
    CHECK(packets.payloads[i].data.data() == packets.payloads[i - 1].data.data() + packets.payloads[i - 1].data.size());
  }
}

TEST_CASE("H.264 packetizer: 1- and 2-byte length prefixes, timestamps with a base") {
  for (uint8_t lengthSize : {uint8_t{1}, uint8_t{2}}) {
    auto config = std::make_shared<TrackConfig>(*fixtures::videoConfig(Codec::kH264));
    config->nalLengthSize = lengthSize;
    const std::vector<ByteVector> units = {nal(0x41, 100), nal(0x41, 200)};
    H264PacketizerOptions options;
    options.timestampBase = 0xffffffffu;
    const PacketizedFrame packets = packetize(*h264Frame(units, false, 1'000'000, config), options);
    CHECK(unitsOf(packets) == units);
    CHECK(packets.timestamp == 89999);
  }
}

TEST_CASE("H.264 packetizer: refuses other codecs, malformed frames and records, tiny budgets") {
  const std::vector<ByteVector> units = {nal(0x41, 100)};
  auto frame = h264Frame(units, false);
  H264PacketizerOptions options;
  options.maxPayloadSize = 2;
  CHECK_FALSE(packetizeH264(*frame, options).isOk());

  auto hevc = std::make_shared<MediaFrame>(*frame);
  hevc->codec = Codec::kH265;
  CHECK_FALSE(packetizeH264(*hevc).isOk());

  auto truncated = std::make_shared<MediaFrame>(*frame);
  truncated->payload = frame->payload.slice(0, frame->payload.size() - 1);
  CHECK_FALSE(packetizeH264(*truncated).isOk());

  auto badRecord = std::make_shared<TrackConfig>(*fixtures::videoConfig(Codec::kH264));
  badRecord->record = badRecord->record.slice(0, 10);
  CHECK_FALSE(packetizeH264(*h264Frame(units, true, 0, badRecord)).isOk());
  // A delta frame never reads the record.
  CHECK(packetizeH264(*h264Frame(units, false, 0, badRecord)).isOk());
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc::rtp
