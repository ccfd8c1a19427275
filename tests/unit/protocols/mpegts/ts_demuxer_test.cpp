#include "protocols/mpegts/ts_demuxer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "protocols/mpegts/crc32.h"
#include "protocols/mpegts/ts_writer.h"
#include "tests/unit/fixtures/pattern.h"

namespace rtsedge::mpegts {
namespace {

using fixtures::pattern;

constexpr uint16_t kPmtPid = 0x1000;
constexpr uint16_t kVideoPid = 0x100;
constexpr uint16_t kAudioPid = 0x101;
constexpr uint16_t kOpusPid = 0x102;

const std::vector<ElementaryStream> kStreams = {
    {.pid = kVideoPid, .streamType = kH264},
    {.pid = kAudioPid, .streamType = kAdtsAac},
    {.pid = kOpusPid, .streamType = kPrivateData, .opus = true, .opusChannels = 2},
};

// A PES as the demuxer should hand it over.
struct Sent {
  uint16_t pid = 0;
  int64_t pts = 0;
  int64_t dts = 0;
  bool randomAccess = false;
  std::vector<uint8_t> payload = {};
  bool dataLost = false;
  size_t firstPacket = 0;  // where it is in Muxer::packets
  size_t endPacket = 0;
};

// Writes a TS with ts_writer and keeps its packets apart, for tests to drop,
// repeat or damage them.
class Muxer {
 public:
  void psi(uint8_t version = 0, const std::vector<ElementaryStream>& streams = kStreams) {
    BytesBuilder out;
    writePat(out, kPmtPid, continuity_[0]);
    writePmt(out, kPmtPid, kVideoPid, version, streams, continuity_[kPmtPid]);
    add(out.freeze());
  }

  // Video PES carry PCR, as ffmpeg writes them. `unbounded` writes PES_packet_length
  // 0 on a PES small enough to have one.
  void pes(uint16_t pid, int64_t dts, size_t size, bool randomAccess = false, bool unbounded = false) {
    bool video = pid == kVideoPid;
    Sent pes{.pid = pid, .pts = video ? dts + 3600 : dts, .dts = dts, .randomAccess = randomAccess};
    pes.payload = pattern(size, static_cast<uint8_t>(sent.size()));
    PesTiming timing{.pts90k = pes.pts, .dts90k = pes.dts, .randomAccess = randomAccess};
    if (video) {
      timing.pcr27m = dts * 300;
    }
    BytesBuilder out;
    uint8_t streamId = video ? 0xe0 : pid == kOpusPid ? 0xbd : 0xc0;
    writePes(out, pid, streamId, timing, pes.payload, continuity_[pid]);
    pes.firstPacket = packets.size();
    add(out.freeze());
    pes.endPacket = packets.size();
    if (unbounded) {
      auto& first = packets[pes.firstPacket];
      size_t start = (first[3] & 0x20) ? 5 + first[4] : 4;
      first[start + 4] = 0;
      first[start + 5] = 0;
    }
    sent.push_back(std::move(pes));
  }

  // The pid's next packet skips `count` continuity_counter values.
  void jump(uint16_t pid, uint8_t count) { continuity_[pid] = (continuity_[pid] + count) & 0x0f; }

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out;
    for (const auto& packet : packets) {
      out.insert(out.end(), packet.begin(), packet.end());
    }
    return out;
  }

  std::vector<std::vector<uint8_t>> packets;
  std::vector<Sent> sent;

 private:
  void add(const Bytes& ts) {
    for (size_t at = 0; at < ts.size(); at += kPacketSize) {
      packets.emplace_back(ts.data() + at, ts.data() + at + kPacketSize);
    }
  }

  std::map<uint16_t, uint8_t> continuity_;
};

// Big video PES (unbounded PES_packet_length), small ones (bounded), audio and Opus
// PES of one and several packets, the PSI repeated, an audio PES of three packets last.
Muxer bigStream() {
  Muxer mux;
  mux.psi();
  mux.pes(kVideoPid, 0, 100'000, true);
  mux.pes(kAudioPid, 100, 300);
  mux.pes(kOpusPid, 150, 150);
  mux.pes(kAudioPid, 2000, 350);
  mux.pes(kVideoPid, 3600, 5000);
  mux.pes(kAudioPid, 3900, 300);
  mux.pes(kVideoPid, 7200, 100'000);
  mux.psi();
  mux.pes(kAudioPid, 7800, 320);
  mux.pes(kOpusPid, 8000, 500);
  mux.pes(kVideoPid, 10'800, 70'000, true);
  mux.pes(kAudioPid, 11'000, 400);
  return mux;
}

// The same kinds of PES, small enough to feed split at every byte.
Muxer smallStream() {
  Muxer mux;
  mux.psi();
  mux.pes(kVideoPid, 0, 3000, true, true);
  mux.pes(kAudioPid, 100, 300);
  mux.pes(kOpusPid, 150, 100);
  mux.pes(kVideoPid, 3600, 1200);
  mux.pes(kAudioPid, 2000, 200);
  mux.psi();
  mux.pes(kVideoPid, 7200, 800, true, true);
  mux.pes(kAudioPid, 3900, 400);
  return mux;
}

struct Recorder final : TsDemuxer::Listener {
  void onProgram(const std::vector<ElementaryStream>& streams) override { programs.push_back(streams); }
  void onPes(PesPacket&& packet) override { pes.push_back(std::move(packet)); }

  std::vector<std::vector<ElementaryStream>> programs;
  std::vector<PesPacket> pes;
};

struct Run {
  Recorder got;
  TsDemuxStats stats;
};

Run demux(const std::vector<uint8_t>& bytes, TsDemuxer::Limits limits = {}) {
  Run run;
  TsDemuxer demuxer(run.got, limits);
  demuxer.feed(bytes);
  demuxer.flush();
  run.stats = demuxer.stats();
  return run;
}

std::vector<uint8_t> join(const std::vector<std::vector<uint8_t>>& packets) {
  std::vector<uint8_t> out;
  for (const auto& packet : packets) {
    out.insert(out.end(), packet.begin(), packet.end());
  }
  return out;
}

// Each pid's PES in order; the order across pids depends on which PES are bounded.
void checkDelivered(const Recorder& got, const std::vector<Sent>& expected) {
  for (uint16_t pid : {kVideoPid, kAudioPid, kOpusPid}) {
    CAPTURE(pid);
    std::vector<const Sent*> want;
    for (const auto& sent : expected) {
      if (sent.pid == pid) {
        want.push_back(&sent);
      }
    }
    std::vector<const PesPacket*> have;
    for (const auto& pes : got.pes) {
      if (pes.pid == pid) {
        have.push_back(&pes);
      }
    }
    REQUIRE(have.size() == want.size());
    for (size_t i = 0; i < have.size(); ++i) {
      CAPTURE(i);
      CHECK(have[i]->streamType == (pid == kVideoPid ? kH264 : pid == kAudioPid ? kAdtsAac : kPrivateData));
      CHECK(have[i]->opus == (pid == kOpusPid));
      CHECK(have[i]->pts90k == want[i]->pts);
      CHECK(have[i]->dts90k == want[i]->dts);
      CHECK(have[i]->randomAccess == want[i]->randomAccess);
      CHECK(have[i]->dataLost == want[i]->dataLost);
      CHECK(std::vector<uint8_t>(have[i]->payload.data(), have[i]->payload.data() + have[i]->payload.size()) ==
            want[i]->payload);
    }
  }
}

void checkSame(const Run& a, const Run& b) {
  CHECK(a.stats == b.stats);
  CHECK(a.got.programs == b.got.programs);
  REQUIRE(a.got.pes.size() == b.got.pes.size());
  for (size_t i = 0; i < a.got.pes.size(); ++i) {
    CAPTURE(i);
    const auto& x = a.got.pes[i];
    const auto& y = b.got.pes[i];
    CHECK(x.pid == y.pid);
    CHECK(x.pts90k == y.pts90k);
    CHECK(x.dts90k == y.dts90k);
    CHECK(x.randomAccess == y.randomAccess);
    CHECK(x.dataLost == y.dataLost);
    CHECK(x.payload == y.payload);
  }
}

size_t findSent(const Muxer& mux, uint16_t pid, size_t nth) {
  for (size_t i = 0; i < mux.sent.size(); ++i) {
    if (mux.sent[i].pid == pid && nth-- == 0) {
      return i;
    }
  }
  FAIL("no such PES");
  return 0;
}

TEST_CASE("mpegts demuxer: writer round trip of PAT, PMT and PES of every kind") {
  Muxer mux = bigStream();
  auto bytes = mux.bytes();
  Recorder got;
  TsDemuxer demuxer(got, {});

  // A bounded PES is handed over as soon as its last packet is in.
  const Sent& audio = mux.sent[findSent(mux, kAudioPid, 0)];
  demuxer.feed(std::span(bytes).first(audio.endPacket * kPacketSize));
  REQUIRE(got.programs.size() == 1);
  CHECK(got.programs[0] == kStreams);
  REQUIRE(got.pes.size() == 1);
  CHECK(got.pes[0].pid == kAudioPid);

  // An unbounded one waits for the next payload_unit_start on its pid, or flush().
  demuxer.feed(std::span(bytes).subspan(audio.endPacket * kPacketSize));
  auto last = std::find_if(got.pes.begin(), got.pes.end(), [](auto& p) { return p.dts90k == 10'800; });
  CHECK(last == got.pes.end());
  demuxer.flush();
  checkDelivered(got, mux.sent);
  CHECK(got.programs.size() == 1);  // the repeated PMT is no news

  const TsDemuxStats& stats = demuxer.stats();
  CHECK(stats.packets == mux.packets.size());
  CHECK(stats == TsDemuxStats{.packets = stats.packets});
}

TEST_CASE("mpegts demuxer: whole, split at every byte, and one byte at a time agree") {
  Muxer mux = smallStream();
  // Garbage before the first packet and between two, with sync bytes that are not
  // followed by another one a packet later.
  std::vector<uint8_t> lead = {0x00, 0x47, 0x12, 0x47, 0x34, 0x56, 0x78};
  std::vector<uint8_t> between = {0x00, 0x47, 0x00, 0x01, 0xe0, 0x47, 0x9a};
  auto packets = mux.packets;
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(mux.sent[3].firstPacket + 1), between);
  packets.insert(packets.begin(), lead);
  auto bytes = join(packets);

  Run whole = demux(bytes);
  checkDelivered(whole.got, mux.sent);
  CHECK(whole.stats.syncLosses == 2);
  CHECK(whole.stats.skippedBytes == lead.size() + between.size());
  CHECK(whole.stats.packets == mux.packets.size());
  CHECK(whole.stats.continuityErrors == 0);
  CHECK(whole.stats.brokenPes == 0);

  for (size_t split = 1; split < bytes.size(); ++split) {
    CAPTURE(split);
    Run run;
    TsDemuxer demuxer(run.got, {});
    demuxer.feed(std::span(bytes).first(split));
    demuxer.feed(std::span(bytes).subspan(split));
    demuxer.flush();
    run.stats = demuxer.stats();
    checkSame(run, whole);
  }
  Run bytewise;
  TsDemuxer demuxer(bytewise.got, {});
  for (uint8_t byte : bytes) {
    demuxer.feed(std::span(&byte, 1));
  }
  demuxer.flush();
  bytewise.stats = demuxer.stats();
  checkSame(bytewise, whole);
}

TEST_CASE("mpegts demuxer: a packet lost inside a PES drops it and marks the next one") {
  Muxer mux = bigStream();
  size_t index = findSent(mux, kVideoPid, 0);
  auto packets = mux.packets;
  packets.erase(packets.begin() + static_cast<ptrdiff_t>(mux.sent[index].firstPacket + 5));
  Run run = demux(join(packets));
  CHECK(run.stats.continuityErrors == 1);
  CHECK(run.stats.brokenPes == 1);
  auto expected = mux.sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(index));
  expected[findSent(mux, kVideoPid, 1) - 1].dataLost = true;
  checkDelivered(run.got, expected);
}

TEST_CASE("mpegts demuxer: a lost last packet of a bounded PES is noticed at the next one") {
  Muxer mux = bigStream();
  size_t index = findSent(mux, kAudioPid, 1);
  REQUIRE(mux.sent[index].endPacket - mux.sent[index].firstPacket >= 2);
  auto packets = mux.packets;
  packets.erase(packets.begin() + static_cast<ptrdiff_t>(mux.sent[index].endPacket - 1));
  Run run = demux(join(packets));
  CHECK(run.stats.continuityErrors == 1);
  CHECK(run.stats.brokenPes == 1);
  auto expected = mux.sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(index));
  expected[findSent(mux, kAudioPid, 2) - 1].dataLost = true;
  checkDelivered(run.got, expected);
}

TEST_CASE("mpegts demuxer: a repeated packet is dropped silently") {
  Muxer mux = bigStream();
  auto packets = mux.packets;
  const Sent& video = mux.sent[findSent(mux, kVideoPid, 0)];
  const Sent& audio = mux.sent[findSent(mux, kAudioPid, 1)];
  // Later positions first, so the earlier ones stay valid.
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(audio.firstPacket), packets[audio.firstPacket]);
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(video.firstPacket + 7), packets[video.firstPacket + 7]);
  Run run = demux(join(packets));
  CHECK(run.stats.continuityErrors == 0);
  CHECK(run.stats.brokenPes == 0);
  CHECK(run.stats.packets == packets.size());
  checkDelivered(run.got, mux.sent);
}

TEST_CASE("mpegts demuxer: a third copy of a packet is a continuity error") {
  Muxer mux = bigStream();
  auto packets = mux.packets;
  size_t at = mux.sent[findSent(mux, kVideoPid, 0)].firstPacket + 7;
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(at), 2, packets[at]);
  Run run = demux(join(packets));
  CHECK(run.stats.continuityErrors == 1);
  CHECK(run.stats.brokenPes == 1);
}

TEST_CASE("mpegts demuxer: garbage before and between packets costs no PES") {
  Muxer mux = bigStream();
  auto packets = mux.packets;
  std::vector<uint8_t> garbage = pattern(500, 0x40);  // sync bytes at 1 and 257
  REQUIRE(garbage[1] == kSyncByte);
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(mux.sent[findSent(mux, kVideoPid, 1)].firstPacket + 1),
                 std::vector<uint8_t>(garbage.begin(), garbage.begin() + 33));
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(mux.sent[findSent(mux, kVideoPid, 0)].firstPacket + 3),
                 garbage);
  packets.insert(packets.begin(), std::vector<uint8_t>(garbage.begin(), garbage.begin() + 200));
  Run run = demux(join(packets));
  CHECK(run.stats.syncLosses == 3);
  CHECK(run.stats.skippedBytes == 500 + 33 + 200);
  CHECK(run.stats.continuityErrors == 0);
  CHECK(run.stats.brokenPes == 0);
  checkDelivered(run.got, mux.sent);
}

// In sync, a packet is read where the last one ended as soon as it starts with the
// sync byte, without waiting for the next one: no latency. Garbage starting with a
// sync byte then swallows the start of the real packet behind it, which the
// continuity counter reports.
TEST_CASE("mpegts demuxer: garbage starting with a sync byte right after a packet costs one packet") {
  Muxer mux = bigStream();
  size_t index = findSent(mux, kVideoPid, 0);
  auto packets = mux.packets;
  packets.insert(packets.begin() + static_cast<ptrdiff_t>(mux.sent[index].firstPacket + 3), pattern(33, 0x47));
  Run run = demux(join(packets));
  CHECK(run.stats.syncLosses == 1);
  CHECK(run.stats.continuityErrors == 1);
  CHECK(run.stats.brokenPes == 1);
  auto expected = mux.sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(index));
  expected[findSent(mux, kVideoPid, 1) - 1].dataLost = true;
  checkDelivered(run.got, expected);
}

TEST_CASE("mpegts demuxer: truncated input hands over what is complete") {
  Muxer mux = bigStream();
  auto bytes = mux.bytes();
  const Sent& last = mux.sent.back();
  REQUIRE(last.endPacket - last.firstPacket >= 2);
  bytes.resize((last.firstPacket + 1) * kPacketSize + 50);  // in the middle of its second packet
  Recorder got;
  TsDemuxer demuxer(got, {});
  demuxer.feed(bytes);
  size_t before = got.pes.size();
  demuxer.flush();
  CHECK(got.pes.size() == before + 1);    // the last video PES, unbounded
  CHECK(demuxer.stats().brokenPes == 1);  // the audio PES, shorter than its PES_packet_length
  auto expected = mux.sent;
  expected.pop_back();
  checkDelivered(got, expected);

  for (size_t size : {size_t{0}, size_t{1}, size_t{187}, size_t{188}, size_t{189}, size_t{400}}) {
    Run run = demux(std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(size)));
    CHECK(run.got.pes.empty());
  }
}

TEST_CASE("mpegts demuxer: a PMT with a bad CRC is ignored") {
  Muxer mux;
  mux.psi();
  mux.pes(kAudioPid, 100, 300);
  mux.psi();
  mux.pes(kAudioPid, 200, 300);
  auto packets = mux.packets;
  packets[1][20] ^= 0x01;  // inside the first PMT's section
  Run run = demux(join(packets));
  CHECK(run.stats.psiErrors == 1);
  REQUIRE(run.got.programs.size() == 1);
  REQUIRE(run.got.pes.size() == 1);
  CHECK(run.got.pes[0].dts90k == 200);

  packets = mux.packets;
  packets[0][10] ^= 0x80;  // the PAT's
  run = demux(join(packets));
  CHECK(run.stats.psiErrors == 1);
  CHECK(run.got.pes.size() == 1);
}

TEST_CASE("mpegts demuxer: an adaptation field longer than its packet drops the packet") {
  Muxer mux = bigStream();
  size_t index = findSent(mux, kVideoPid, 2);
  auto packets = mux.packets;
  auto& packet = packets[mux.sent[index].firstPacket + 3];
  packet[3] = static_cast<uint8_t>(0x30 | (packet[3] & 0x0f));
  packet[4] = 184;
  Run run = demux(join(packets));
  CHECK(run.stats.malformedPackets == 1);
  CHECK(run.stats.continuityErrors == 1);
  CHECK(run.stats.brokenPes == 1);
  auto expected = mux.sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(index));
  expected[findSent(mux, kVideoPid, 3) - 1].dataLost = true;
  checkDelivered(run.got, expected);
}

TEST_CASE("mpegts demuxer: a packet with transport_error_indicator is dropped") {
  Muxer mux = bigStream();
  size_t index = findSent(mux, kVideoPid, 0);
  auto packets = mux.packets;
  packets[mux.sent[index].firstPacket + 10][1] |= 0x80;
  Run run = demux(join(packets));
  CHECK(run.stats.transportErrors == 1);
  CHECK(run.stats.continuityErrors == 1);
  auto expected = mux.sent;
  expected.erase(expected.begin() + static_cast<ptrdiff_t>(index));
  expected[findSent(mux, kVideoPid, 1) - 1].dataLost = true;
  checkDelivered(run.got, expected);
}

TEST_CASE("mpegts demuxer: a PES over maxPesSize is dropped") {
  Muxer mux = bigStream();
  Run run = demux(mux.bytes(), {.maxPesSize = 60'000});
  std::vector<Sent> expected;
  bool lost = false;
  size_t dropped = 0;
  for (const auto& sent : mux.sent) {
    if (sent.payload.size() + 19 > 60'000) {
      lost = true;
      ++dropped;
      continue;
    }
    expected.push_back(sent);
    if (sent.pid == kVideoPid) {
      expected.back().dataLost = lost;
      lost = false;
    }
  }
  CHECK(dropped == 3);
  CHECK(run.stats.brokenPes == dropped);
  checkDelivered(run.got, expected);

  // A bounded PES is refused as soon as its length is read.
  run = demux(mux.bytes(), {.maxPesSize = 300});
  for (const auto& pes : run.got.pes) {
    CHECK(pes.payload.size() + 14 <= 300);
  }
}

TEST_CASE("mpegts demuxer: the discontinuity_indicator allows a counter jump") {
  for (bool flagged : {true, false}) {
    CAPTURE(flagged);
    Muxer mux;
    mux.psi();
    mux.pes(kVideoPid, 0, 1000, true);
    mux.jump(kVideoPid, 5);
    mux.pes(kVideoPid, 3600, 1000, true);
    auto& packet = mux.packets[mux.sent[1].firstPacket];
    REQUIRE((packet[3] & 0x20) != 0);  // the adaptation field that carries its PCR
    if (flagged) {
      packet[5] |= 0x80;
    }
    Run run = demux(mux.bytes());
    CHECK(run.stats.continuityErrors == (flagged ? 0 : 1));
    REQUIRE(run.got.pes.size() == 2);
    CHECK(run.got.pes[1].dataLost == !flagged);
  }
}

// Sections packed back to back into packets of `pid`, after `lead` bytes that end a
// section never seen: each packet in which a section starts has a pointer_field.
std::vector<std::vector<uint8_t>> psiPackets(uint16_t pid, const std::vector<uint8_t>& lead,
                                             const std::vector<std::vector<uint8_t>>& sections) {
  std::vector<uint8_t> all = lead;
  std::vector<size_t> starts;
  for (const auto& section : sections) {
    starts.push_back(all.size());
    all.insert(all.end(), section.begin(), section.end());
  }
  std::vector<std::vector<uint8_t>> packets;
  size_t pos = 0;
  uint8_t continuity = 0;
  while (pos < all.size()) {
    auto start = std::find_if(starts.begin(), starts.end(), [&](size_t s) { return s >= pos && s < pos + 183; });
    bool unitStart = start != starts.end();
    REQUIRE((unitStart || std::none_of(starts.begin(), starts.end(), [&](size_t s) { return s == pos + 183; })));
    std::vector<uint8_t> packet = {kSyncByte, static_cast<uint8_t>((unitStart ? 0x40 : 0) | pid >> 8),
                                   static_cast<uint8_t>(pid), static_cast<uint8_t>(0x10 | continuity)};
    continuity = (continuity + 1) & 0x0f;
    if (unitStart) {
      packet.push_back(static_cast<uint8_t>(*start - pos));
    }
    size_t take = std::min(all.size() - pos, kPacketSize - packet.size());
    packet.insert(packet.end(), all.begin() + static_cast<ptrdiff_t>(pos),
                  all.begin() + static_cast<ptrdiff_t>(pos + take));
    packet.resize(kPacketSize, 0xff);
    pos += take;
    packets.push_back(std::move(packet));
  }
  return packets;
}

std::vector<uint8_t> section(uint8_t tableId, uint16_t extension, uint8_t version, const std::vector<uint8_t>& body) {
  size_t length = 5 + body.size() + 4;  // after section_length, CRC included
  BytesBuilder out;
  out.appendByte(tableId);
  out.appendU16(static_cast<uint16_t>(0xb000 | length));
  out.appendU16(extension);
  out.appendByte(static_cast<uint8_t>(0xc1 | version << 1));
  out.appendU16(0);  // section_number, last_section_number
  out.append(body);
  out.appendU32(crc32(std::span(out.mutableData(), out.size())));
  Bytes bytes = out.freeze();
  return {bytes.data(), bytes.data() + bytes.size()};
}

std::vector<uint8_t> patSection(uint16_t pmtPid) {
  // A network information entry (program 0) comes before the program.
  return section(0x00, 1, 0, {0, 0, 0xe0, 0x10, 0, 1, static_cast<uint8_t>(0xe0 | pmtPid >> 8), uint8_t(pmtPid)});
}

// A PMT of `count` streams, each with a 30-byte descriptor that means nothing here.
std::vector<uint8_t> pmtSection(uint8_t version, size_t count, uint8_t firstType = kH264) {
  uint8_t otherType = kAdtsAac;
  std::vector<uint8_t> body = {0xe1, 0x00, 0xf0, 0x00};
  for (size_t i = 0; i < count; ++i) {
    uint16_t pid = static_cast<uint16_t>(0x100 + i);
    body.insert(body.end(), {i == 0 ? firstType : otherType, static_cast<uint8_t>(0xe0 | pid >> 8), uint8_t(pid), 0xf0,
                             32, 0x0a, 30});
    auto filler = pattern(30, static_cast<uint8_t>(i));
    body.insert(body.end(), filler.begin(), filler.end());
  }
  return section(0x02, 1, version, body);
}

TEST_CASE("mpegts demuxer: sections after a pointer_field, across packets, several in a packet") {
  std::vector<uint8_t> tail = pattern(20, 9);  // the end of a section that started before we joined
  auto packets = psiPackets(kPatPid, tail, {patSection(kPmtPid)});
  REQUIRE(packets.size() == 1);
  REQUIRE(packets[0][4] == 20);
  // A PMT of 8 streams spans two packets; two more versions follow it in the second.
  auto pmt = psiPackets(kPmtPid, {}, {pmtSection(0, 8), pmtSection(1, 1), pmtSection(2, 2, kH265)});
  REQUIRE(pmt.size() == 3);
  packets.insert(packets.end(), pmt.begin(), pmt.end());

  Run run = demux(join(packets));
  CHECK(run.stats.psiErrors == 0);
  REQUIRE(run.got.programs.size() == 3);
  REQUIRE(run.got.programs[0].size() == 8);
  CHECK(run.got.programs[0][7].pid == 0x107);
  CHECK(run.got.programs[0][7].streamType == kAdtsAac);
  CHECK(run.got.programs[1] == std::vector<ElementaryStream>{{.pid = 0x100, .streamType = kH264}});
  CHECK(run.got.programs[2] ==
        std::vector<ElementaryStream>{{.pid = 0x100, .streamType = kH265}, {.pid = 0x101, .streamType = kAdtsAac}});

  run = demux(join(packets), {.maxStreams = 4});
  REQUIRE_FALSE(run.got.programs.empty());
  CHECK(run.got.programs[0].size() == 4);
}

TEST_CASE("mpegts demuxer: bad section lengths are PSI errors") {
  auto packets = psiPackets(kPatPid, {}, {patSection(kPmtPid)});
  auto tooLong = packets;
  tooLong[0][6] = 0xb3;  // section_length over 1021
  tooLong[0][7] = 0xff;
  CHECK(demux(join(tooLong)).stats.psiErrors == 1);
  auto pointerOut = packets;
  pointerOut[0][4] = 184;  // pointer_field past the packet
  CHECK(demux(join(pointerOut)).stats.psiErrors == 1);
}

TEST_CASE("mpegts demuxer: onProgram on a new version or new content only") {
  Muxer mux;
  mux.psi(0);
  mux.psi(0);
  mux.psi(1);  // same streams, new version
  auto changed = kStreams;
  changed[2].opusChannels = 6;
  mux.psi(1, changed);  // new content, same version
  mux.pes(kOpusPid, 100, 50);
  Run run = demux(mux.bytes());
  REQUIRE(run.got.programs.size() == 3);
  CHECK(run.got.programs[2] == changed);
  REQUIRE(run.got.pes.size() == 1);
  CHECK(run.got.pes[0].opus);
}

TEST_CASE("mpegts demuxer: hostile input never crashes and stays within the limits") {
  constexpr size_t kLimit = 8000;
  std::mt19937 random(1234);
  auto valid = smallStream().bytes();
  Muxer psiOnly;
  psiOnly.psi();
  auto psi = psiOnly.bytes();
  const uint16_t pids[] = {kPatPid, kPmtPid, kVideoPid, kAudioPid, kOpusPid, kNullPid};
  size_t delivered = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> input;
    if (round % 3 == 0) {  // noise
      input.resize(random() % 4000);
      for (auto& byte : input) {
        byte = static_cast<uint8_t>(random());
      }
    } else if (round % 3 == 1) {  // valid PSI, then noise packets on the program's pids
      input = psi;
      for (size_t packets = random() % 30; packets > 0; --packets) {
        uint16_t pid = pids[random() % std::size(pids)];
        std::vector<uint8_t> packet(kPacketSize);
        for (auto& byte : packet) {
          byte = static_cast<uint8_t>(random());
        }
        packet[0] = kSyncByte;
        packet[1] = static_cast<uint8_t>((packet[1] & 0x60) | pid >> 8);
        packet[2] = static_cast<uint8_t>(pid);
        if (random() % 2) {
          packet[4] = 0;  // a PES start code now and then
          packet[5] = 0;
          packet[6] = 1;
        }
        input.insert(input.end(), packet.begin(), packet.end());
      }
    } else {  // a valid stream with a few bytes changed and maybe cut
      input = valid;
      for (int flips = 1 + random() % 8; flips > 0; --flips) {
        input[random() % input.size()] = static_cast<uint8_t>(random());
      }
      if (random() % 2) {
        input.resize(random() % input.size());
      }
    }
    Recorder got;
    TsDemuxer demuxer(got, {.maxPesSize = kLimit, .maxStreams = 4});
    for (size_t at = 0; at < input.size();) {
      size_t size = std::min<size_t>(1 + random() % 700, input.size() - at);
      demuxer.feed(std::span(input).subspan(at, size));
      at += size;
    }
    demuxer.flush();
    size_t total = 0;
    for (const auto& pes : got.pes) {
      REQUIRE(pes.payload.size() <= kLimit);
      total += pes.payload.size();
    }
    REQUIRE(total <= input.size());
    for (const auto& program : got.programs) {
      REQUIRE(program.size() <= 4);
    }
    delivered += got.pes.size();
  }
  CHECK(delivered > 0);  // the damaged valid streams still deliver
}

}  // namespace
}  // namespace rtsedge::mpegts
