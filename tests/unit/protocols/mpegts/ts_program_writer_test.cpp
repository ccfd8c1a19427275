#include "protocols/mpegts/ts_program_writer.h"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <span>
#include <vector>

#include "protocols/mpegts/ts_demuxer.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge::mpegts {
namespace {

// The TS timeline starts 1 s after the stream's, and the PCR runs 100 ms behind the DTS.
constexpr int64_t kOffsetUs = 1'000'000;
constexpr int64_t kPcrLeadUs = 100'000;

int64_t ticks90k(int64_t us) {
  return (us + kOffsetUs) * 9 / 100;
}

// The fields of one 188-byte packet that the writer's promises are about (ISO/IEC 13818-1 2.4.3.2).
struct Packet {
  uint16_t pid = 0;
  bool unitStart = false;
  uint8_t continuity = 0;
  bool hasPayload = false;
  bool randomAccess = false;
  std::optional<int64_t> pcr27m;
  std::span<const uint8_t> payload;
};

std::vector<Packet> packetsOf(const Bytes& ts) {
  REQUIRE(ts.size() % kPacketSize == 0);
  std::vector<Packet> out;
  for (size_t at = 0; at < ts.size(); at += kPacketSize) {
    const uint8_t* p = ts.data() + at;
    REQUIRE(p[0] == kSyncByte);
    Packet packet;
    packet.pid = loadU16(p + 1) & 0x1fff;
    packet.unitStart = (p[1] & 0x40) != 0;
    packet.continuity = p[3] & 0x0f;
    packet.hasPayload = (p[3] & 0x10) != 0;
    size_t start = 4;
    if ((p[3] & 0x20) != 0) {
      size_t length = p[4];
      REQUIRE(5 + length <= kPacketSize);
      if (length > 0) {
        packet.randomAccess = (p[5] & 0x40) != 0;
        if ((p[5] & 0x10) != 0) {
          REQUIRE(length >= 7);
          int64_t base = static_cast<int64_t>(loadU32(p + 6)) << 1 | p[10] >> 7;
          packet.pcr27m = base * 300 + ((p[10] & 0x01) << 8 | p[11]);
        }
      }
      start = 5 + length;
    }
    packet.payload = std::span(p + start, kPacketSize - start);
    out.push_back(packet);
  }
  return out;
}

bool isPsi(const Packet& packet) {
  return packet.pid == kPatPid || packet.pid == kPmtPid;
}

int64_t timestampAt(const uint8_t* p) {
  return (static_cast<int64_t>(p[0] >> 1) & 0x07) << 30 | static_cast<int64_t>(loadU16(p + 1) >> 1) << 15 |
         loadU16(p + 3) >> 1;
}

// PTS and DTS (the PTS when there is no DTS) of the PES that starts in `packet`.
std::pair<int64_t, int64_t> pesTimestamps(const Packet& packet) {
  auto pes = packet.payload;
  REQUIRE(pes.size() >= 14);
  REQUIRE(pes[0] == 0);
  REQUIRE(pes[1] == 0);
  REQUIRE(pes[2] == 1);
  int64_t pts = timestampAt(&pes[9]);
  return {pts, (pes[7] & 0x40) != 0 ? timestampAt(&pes[14]) : pts};
}

// What a receiver makes of the PSI: the program's streams as the demuxer lists them.
struct ProgramRecorder final : TsDemuxer::Listener {
  void onProgram(const std::vector<ElementaryStream>& list) override { streams = list; }
  void onPes(PesPacket&&) override {}
  std::vector<ElementaryStream> streams;
};

std::vector<ElementaryStream> programOf(const Bytes& ts) {
  ProgramRecorder recorder;
  TsDemuxer demuxer(recorder, TsDemuxer::Limits{});
  demuxer.feed(ts.span());
  return recorder.streams;
}

struct Written {
  FramePtr frame;
  Bytes ts;
};

std::vector<Written> write(TsProgramWriter& writer, const std::vector<FramePtr>& frames) {
  std::vector<Written> out;
  for (const FramePtr& frame : frames) {
    Bytes ts = writer.serialize(*frame);
    REQUIRE(!ts.empty());
    out.push_back({frame, ts});
  }
  return out;
}

std::vector<Written> writeAv(int videoFrames, int gop) {
  auto video = fixtures::videoConfig(Codec::kH264);
  auto audio = fixtures::aacConfig();
  TsProgramWriter writer;
  writer.onTrackConfig(*video);
  writer.onTrackConfig(*audio);
  return write(writer, fixtures::avFrames(video, audio, videoFrames, gop, 600, 300));
}

std::vector<Written> writeAudioOnly(int64_t durationUs) {
  auto audio = fixtures::aacConfig();
  TsProgramWriter writer;
  writer.onTrackConfig(*audio);
  return write(writer,
               fixtures::avFrames(nullptr, audio, static_cast<int>(durationUs / fixtures::kVideoFrameUs), 1, 0, 300));
}

TEST_CASE("mpegts program writer: continuity counters run on from frame to frame on every pid") {
  std::map<uint16_t, uint8_t> last;
  std::map<uint16_t, size_t> count;
  for (const auto& [frame, ts] : writeAv(60, 3)) {
    for (const Packet& packet : packetsOf(ts)) {
      CAPTURE(packet.pid);
      CHECK(packet.hasPayload);  // only packets with payload advance the counter
      if (last.contains(packet.pid)) {
        CHECK(packet.continuity == ((last[packet.pid] + 1) & 0x0f));
      } else {
        CHECK(packet.continuity == 0);
      }
      last[packet.pid] = packet.continuity;
      ++count[packet.pid];
    }
  }
  // Each pid's counter wrapped at least once.
  CHECK(count.size() == 4);
  for (uint16_t pid : {kPatPid, kPmtPid, kVideoPid, kAudioPid}) {
    CAPTURE(pid);
    CHECK(count[pid] > 16);
  }
}

TEST_CASE("mpegts program writer: PAT and PMT lead every video keyframe and no other frame") {
  size_t keyframes = 0;
  for (const auto& [frame, ts] : writeAv(40, 10)) {
    auto packets = packetsOf(ts);
    int64_t dtsUs = frame->dtsUs;  // clang-14 cannot capture a structured binding (CAPTURE)
    CAPTURE(dtsUs);
    bool psiDue = frame->kind == TrackKind::kVideo && frame->keyframe;
    if (psiDue) {
      ++keyframes;
      REQUIRE(packets.size() > 2);
      CHECK(packets[0].pid == kPatPid);
      CHECK(packets[1].pid == kPmtPid);
      // A viewer starting here learns the whole program from these bytes alone.
      CHECK(programOf(ts) == std::vector<ElementaryStream>{{.pid = kVideoPid, .streamType = kH264},
                                                           {.pid = kAudioPid, .streamType = kAdtsAac}});
    }
    for (size_t i = psiDue ? 2 : 0; i < packets.size(); ++i) {
      CHECK_FALSE(isPsi(packets[i]));
    }
  }
  CHECK(keyframes == 4);
}

TEST_CASE("mpegts program writer: an audio-only program starts with PAT and PMT and repeats them") {
  auto written = writeAudioOnly(3'000'000);
  REQUIRE(!written.empty());
  CHECK(programOf(written.front().ts) == std::vector<ElementaryStream>{{.pid = kAudioPid, .streamType = kAdtsAac}});
  size_t withPsi = 0;
  for (const auto& [frame, ts] : written) {
    auto packets = packetsOf(ts);
    if (isPsi(packets.front())) {
      ++withPsi;
      REQUIRE(packets.size() > 2);
      CHECK(packets[0].pid == kPatPid);
      CHECK(packets[1].pid == kPmtPid);
    }
  }
  CHECK(isPsi(packetsOf(written.front().ts).front()));
  CHECK(withPsi >= 5);  // 3 s of audio
}

// The PAT/PMT repetition limit of ETSI TR 101 290 (1.3 PAT_error, 1.5 PMT_error).
TEST_CASE("mpegts program writer: an audio-only program repeats PAT and PMT within every 500 ms") {
  std::optional<int64_t> lastPsiUs;
  for (const auto& [frame, ts] : writeAudioOnly(3'000'000)) {
    if (isPsi(packetsOf(ts).front())) {
      if (lastPsiUs) {
        int64_t dtsUs = frame->dtsUs;  // clang-14 cannot capture a structured binding (CAPTURE)
        CAPTURE(dtsUs);
        CHECK(dtsUs - *lastPsiUs <= 500'000);
      }
      lastPsiUs = frame->dtsUs;
    }
  }
}

TEST_CASE("mpegts program writer: every PES starts with a PCR 100 ms behind its DTS") {
  auto check = [](const std::vector<Written>& written) {
    for (const auto& [frame, ts] : written) {
      int64_t dtsUs = frame->dtsUs;  // clang-14 cannot capture a structured binding (CAPTURE)
      CAPTURE(dtsUs);
      size_t starts = 0;
      for (const Packet& packet : packetsOf(ts)) {
        if (isPsi(packet)) {
          continue;
        }
        CHECK(packet.pid == (frame->kind == TrackKind::kVideo ? kVideoPid : kAudioPid));
        if (!packet.unitStart) {
          CHECK_FALSE(packet.pcr27m);
          continue;
        }
        ++starts;
        auto [pts, dts] = pesTimestamps(packet);
        CHECK(dts == ticks90k(frame->dtsUs));
        CHECK(pts == ticks90k(frame->ptsUs));
        REQUIRE(packet.pcr27m);
        CHECK(*packet.pcr27m == (frame->dtsUs + kOffsetUs - kPcrLeadUs) * 27);
        // Audio frames are all sync points; video only at keyframes.
        CHECK(packet.randomAccess == (frame->kind == TrackKind::kAudio || frame->keyframe));
      }
      CHECK(starts == 1);
    }
  };
  check(writeAv(25, 10));
  check(writeAudioOnly(1'000'000));
}

TEST_CASE("mpegts program writer: a frame it cannot write leaves the counters as they were") {
  auto video = fixtures::videoConfig(Codec::kH264);
  TsProgramWriter writer;
  writer.onTrackConfig(*video);
  auto unconfigured = fixtures::videoFrame(video, true, 0, 0, 300, 1);
  unconfigured->config = nullptr;
  CHECK(writer.serialize(*unconfigured).empty());
  auto malformed = fixtures::videoFrame(video, true, 0, 0, 300, 1);
  malformed->payload = malformed->payload.slice(0, 100);  // the length prefix runs past the end
  CHECK(writer.serialize(*malformed).empty());
  auto av1 = fixtures::videoFrame(video, true, 0, 0, 300, 1);
  av1->codec = Codec::kAv1;
  CHECK(writer.serialize(*av1).empty());

  // The first frame written: every pid's counter starts at 0.
  auto packets = packetsOf(writer.serialize(*fixtures::videoFrame(video, true, 0, 0, 300, 1)));
  std::map<uint16_t, uint8_t> next;
  for (const Packet& packet : packets) {
    CAPTURE(packet.pid);
    CHECK(packet.continuity == next[packet.pid]++);
  }
  CHECK(next[kVideoPid] >= 2);
}

}  // namespace
}  // namespace rtsedge::mpegts
