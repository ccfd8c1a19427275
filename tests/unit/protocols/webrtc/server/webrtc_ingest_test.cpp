#include "protocols/webrtc/server/webrtc_ingest.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "protocols/webrtc/rtp/rtp_packet.h"
#include "relay/stream.h"
#include "tests/unit/fixtures/audio_frames.h"
#include "tests/unit/fixtures/avc_records.h"
#include "tests/unit/fixtures/h264_frames.h"
#include "tests/unit/fixtures/recording_subscriber.h"
#include "tests/unit/protocols/webrtc/server/whip_publisher.h"

namespace rtsedge::webrtc {
namespace {

using fixtures::framesOf;
using fixtures::h264Frame;
using fixtures::nal;
using namespace whip_test;  // NOLINT: the publisher's constants and helpers

constexpr uint32_t kLocalSsrc = 0x10203040;
constexpr uint8_t kTwccId = 3;
constexpr int64_t kVideoFrameUs = 40'000;
constexpr int64_t kAudioFrameUs = 20'000;

// Frame `index` of a 25 fps H.264 stream, a keyframe every `gop`: keyframes are an SEI and
// two IDR slices (SPS and PPS go before them in a STAP-A), other frames one 3000-byte
// slice, so every frame takes several packets (FU-A).
std::shared_ptr<MediaFrame> videoFrame(int index, int gop = 1000) {
  const auto seed = static_cast<uint8_t>(index);
  const int64_t pts = index * kVideoFrameUs;
  if (index % gop == 0) {
    return h264Frame({nal(0x06, 30, seed), nal(0x65, 2500, seed), nal(0x65, 800, static_cast<uint8_t>(seed + 1))}, true,
                     pts);
  }
  return h264Frame({nal(0x41, 3000, seed)}, false, pts);
}

std::shared_ptr<MediaFrame> audioFrame(int index) {
  return fixtures::opusTone48kStereo().frame(static_cast<size_t>(index), index * kAudioFrameUs);
}

struct QuietListener final : StreamSource::Listener {
  void onPublisherReplaced() override { replaced = true; }
  bool replaced = false;
};

IngestTracks bothTracks() {
  IngestTracks tracks;
  tracks.videoPayloadType = kVideoPt;
  tracks.audioPayloadType = kAudioPt;
  tracks.audioChannels = 2;
  return tracks;
}

// A Stream with a viewer on it, and a WHIP ingest publishing into it.
struct IngestFixture {
  fixtures::RecordingSubscriber viewer;
  StreamSettings settings;
  ManualClock clock;
  Stream stream{"live/whip", settings, clock};
  QuietListener listener;
  std::unique_ptr<WebRtcIngest> ingest;
  Publisher publisher;

  void start(const IngestTracks& tracks) {
    ingest = std::make_unique<WebRtcIngest>(tracks, kLocalSsrc, clock, listener);
    REQUIRE(ingest->attachTo(stream));
    stream.subscribe(viewer);
  }

  ~IngestFixture() {
    stream.unsubscribe(viewer);
    ingest.reset();
  }

  void deliver(const Bytes& packet) {
    auto view = rtp::parseRtpPacket(packet.span());
    REQUIRE_MESSAGE(view, view.error().message());
    ingest->onRtp(*view, clock.now());
  }
  void deliver(const std::vector<Bytes>& packets) {
    for (const Bytes& packet : packets) {
      deliver(packet);
    }
  }
  void advance(int64_t us) { clock.advance(Micros(us)); }
  // Video frames `first`.. (`count` of them), whole and in order, 40 ms apart.
  void deliverVideo(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      deliver(publisher.video(*videoFrame(i)));
      advance(kVideoFrameUs);
    }
  }
  Feedback feedback(int64_t rttUs = 0) { return parseFeedback(ingest->feedback(clock.now(), rttUs)); }

  std::vector<FramePtr> video() const { return framesOf(viewer.frames, TrackKind::kVideo); }
  std::vector<FramePtr> audio() const { return framesOf(viewer.frames, TrackKind::kAudio); }

  // `count` video frames from `first`, 40 ms apart, each with the two audio frames of its span.
  void publishAv(int first, int count, int gop = 1000) {
    for (int i = first; i < first + count; ++i) {
      deliver(publisher.video(*videoFrame(i, gop)));
      deliver(publisher.audio(*audioFrame(2 * i)));
      advance(kAudioFrameUs);
      deliver(publisher.audio(*audioFrame(2 * i + 1)));
      advance(kAudioFrameUs);
    }
  }
};

void checkSpacing(const std::vector<FramePtr>& frames, int64_t stepUs) {
  for (size_t i = 1; i < frames.size(); ++i) {
    CAPTURE(i);
    CHECK(frames[i]->ptsUs - frames[i - 1]->ptsUs == stepUs);
    CHECK(frames[i]->dtsUs == frames[i]->ptsUs);
  }
}

TEST_SUITE_BEGIN("webrtc-server");

TEST_CASE_FIXTURE(IngestFixture,
                  "WebRTC ingest: H.264 and Opus over RTP become the stream's configurations and frames") {
  start(bothTracks());
  CHECK_FALSE(ingest->receivedMedia());
  publishAv(0, 10, 5);

  // The video configuration is the record built from the SPS and PPS sent in band.
  TrackConfigPtr videoConfig;
  TrackConfigPtr audioConfig;
  for (const TrackConfigPtr& config : viewer.configs) {
    (config->kind == TrackKind::kVideo ? videoConfig : audioConfig) = config;
  }
  REQUIRE(videoConfig);
  CHECK(videoConfig->codec == Codec::kH264);
  CHECK(videoConfig->record == Bytes::copyOf(fixtures::kAvcc1280x720));
  CHECK(videoConfig->width == 1280);
  CHECK(videoConfig->height == 720);
  REQUIRE(audioConfig);
  CHECK(audioConfig->codec == Codec::kOpus);
  CHECK(audioConfig->sampleRate == 48000);
  CHECK(audioConfig->channels == 2);
  CHECK(stream.videoConfig() == videoConfig);
  CHECK(stream.audioConfig() == audioConfig);

  const auto video = this->video();
  REQUIRE(video.size() == 10);
  for (size_t i = 0; i < video.size(); ++i) {
    CAPTURE(i);
    const auto sent = videoFrame(static_cast<int>(i), 5);
    CHECK(video[i]->codec == Codec::kH264);
    CHECK(video[i]->keyframe == (i % 5 == 0));
    CHECK(video[i]->payload == sent->payload);
    CHECK(video[i]->config == videoConfig);
  }
  checkSpacing(video, kVideoFrameUs);
  CHECK(video.front()->ptsUs == 0);  // the first packet arrived when the session started

  const auto audio = this->audio();
  REQUIRE(audio.size() == 20);
  for (size_t i = 0; i < audio.size(); ++i) {
    CAPTURE(i);
    CHECK(audio[i]->codec == Codec::kOpus);
    CHECK(audio[i]->payload == audioFrame(static_cast<int>(i))->payload);
  }
  checkSpacing(audio, kAudioFrameUs);
  CHECK(audio.front()->ptsUs == 0);

  CHECK(ingest->receivedMedia());
  CHECK(ingest->stats().framesPublished == 30);
  CHECK(ingest->stats().packetsUnknown == 0);
  CHECK(ingest->stats().packets == static_cast<uint64_t>(publisher.videoSeq - 20000 + publisher.audioSeq - 4000));
  CHECK(ingest->lastMedia() == clock.now() - Micros(kAudioFrameUs));
  CHECK(ingest->packetsLost() == 0);
  CHECK(ingest->nacksSent() == 0);
  CHECK(stream.playable());
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: a payload type the answer did not agree on is counted and dropped") {
  start(bothTracks());
  publishAv(0, 2);
  const size_t frames = viewer.frames.size();
  const uint64_t packets = ingest->stats().packets;
  const auto sample = videoFrame(2);
  auto unknown = publisher.packet(99, kVideoSsrc, 30000, 1234, true, sample->payload.span().subspan(4, 100));
  deliver(unknown);
  deliver(publisher.packet(static_cast<uint8_t>(kAudioPt + 1), kAudioSsrc, 4500, 1234, false,
                           audioFrame(5)->payload.span()));
  CHECK(ingest->stats().packetsUnknown == 2);
  CHECK(ingest->stats().packets == packets + 2);
  CHECK(viewer.frames.size() == frames);
  // The tracks go on undisturbed.
  publishAv(2, 2);
  CHECK(video().size() == 4);
  CHECK(audio().size() == 8);
  checkSpacing(video(), kVideoFrameUs);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: without a stream nothing is published, nothing breaks") {
  IngestTracks tracks = bothTracks();
  ingest = std::make_unique<WebRtcIngest>(tracks, kLocalSsrc, clock, listener);
  deliver(publisher.video(*videoFrame(0)));
  deliver(publisher.audio(*audioFrame(0)));
  CHECK(ingest->stats().framesPublished == 0);
  CHECK_FALSE(ingest->receivedMedia());
  CHECK(viewer.frames.empty());
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: a lost packet is NACKed at once; its frame is not published") {
  start(bothTracks());
  deliverVideo(0, 3);
  // The first report, and no keyframe request: the keyframe came whole.
  Feedback first = feedback();
  CHECK(first.plis.empty());
  CHECK(first.nacks.empty());
  REQUIRE(first.reports.size() == 1);
  CHECK(video().size() == 3);

  auto lossy = publisher.video(*videoFrame(3));
  REQUIRE(lossy.size() == 3);
  const uint16_t lost = rtp::parseRtpPacket(lossy[1].span())->sequence;
  deliver(lossy[0]);
  deliver(lossy[2]);
  Feedback afterLoss = feedback();
  REQUIRE(afterLoss.nacks.size() == 1);
  CHECK(afterLoss.nacks[0].senderSsrc == kLocalSsrc);
  CHECK(afterLoss.nacks[0].mediaSsrc == kVideoSsrc);
  CHECK(afterLoss.nacks[0].lost == std::vector<uint16_t>{lost});
  CHECK(ingest->nacksSent() == 1);
  CHECK(afterLoss.plis.empty());  // the retransmission may still come
  CHECK(video().size() == 3);
  // Asked again only after the retry interval (the RTT, at least 20 ms).
  CHECK(feedback(30'000).nacks.empty());
  advance(29'999);
  CHECK(feedback(30'000).nacks.empty());
  advance(1);
  CHECK(feedback(30'000).nacks.size() == 1);
  CHECK(ingest->nacksSent() == 2);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: the NACKed packet arriving fills the hole: nothing is lost") {
  start(bothTracks());
  deliverVideo(0, 3);
  auto lossy = publisher.video(*videoFrame(3));
  deliver(lossy[0]);
  deliver(lossy[2]);
  deliver(publisher.video(*videoFrame(4)));  // held back behind the hole
  CHECK(feedback().nacks.size() == 1);
  CHECK(video().size() == 3);
  advance(10'000);
  deliver(lossy[1]);  // the retransmission
  const auto video = this->video();
  REQUIRE(video.size() == 5);
  CHECK(video[3]->payload == videoFrame(3)->payload);
  CHECK(video[4]->payload == videoFrame(4)->payload);
  checkSpacing(video, kVideoFrameUs);
  advance(20'000);
  const Feedback later = feedback();
  CHECK(later.nacks.empty());
  CHECK(later.plis.empty());
  CHECK(ingest->plisSent() == 0);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: a loss given up on asks for a keyframe, at most every 500 ms") {
  start(bothTracks());
  deliverVideo(0, 3);
  auto lossy = publisher.video(*videoFrame(3));
  deliver(lossy[0]);
  deliver(lossy[2]);
  CHECK(feedback().plis.empty());
  // The depacketizer gives up on the hole once its reorder window (16 packets) is past.
  for (int i = 4; i <= 8; ++i) {
    deliver(publisher.video(*videoFrame(i)));
    advance(kVideoFrameUs);
  }
  CHECK(video().size() == 3);  // frame 3 lost, 4..8 wait for a keyframe
  Feedback asked = feedback();
  REQUIRE(asked.plis.size() == 1);
  CHECK(asked.plis[0].senderSsrc == kLocalSsrc);
  CHECK(asked.plis[0].mediaSsrc == kVideoSsrc);
  CHECK(ingest->plisSent() == 1);
  // Not again within 500 ms, though frames keep being skipped.
  for (int i = 9; i < 21; ++i) {
    deliver(publisher.video(*videoFrame(i)));
    advance(kVideoFrameUs);
    CHECK(feedback().plis.empty());
  }
  advance(500'000 - 12 * kVideoFrameUs - 1);
  CHECK(feedback().plis.empty());
  advance(1);
  CHECK(feedback().plis.size() == 1);
  CHECK(ingest->plisSent() == 2);
  CHECK(video().size() == 3);
  // The keyframe comes: published, and no more keyframe requests.
  auto key = videoFrame(21, 21);
  REQUIRE(key->keyframe);
  deliver(publisher.video(*key));
  deliver(publisher.video(*videoFrame(22)));
  const auto video = this->video();
  REQUIRE(video.size() == 5);
  CHECK(video[3]->keyframe);
  CHECK(video[3]->ptsUs - video[2]->ptsUs == 19 * kVideoFrameUs);
  CHECK_FALSE(video[4]->keyframe);
  advance(600'000);
  CHECK(feedback().plis.empty());
  CHECK(ingest->plisSent() == 2);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: a loss with few packets after it still asks for a keyframe in time") {
  start(bothTracks());
  deliverVideo(0, 3);
  auto lossy = publisher.video(*videoFrame(3));
  deliver(lossy[0]);
  deliver(lossy[2]);
  deliver(publisher.video(*videoFrame(4)));
  advance(kVideoFrameUs);
  CHECK(feedback().nacks.size() == 1);
  // No retransmission comes; a second passes.
  bool asked = false;
  for (int step = 0; step < 10 && !asked; ++step) {
    advance(100'000);
    asked = !feedback().plis.empty();
  }
  CHECK(asked);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: receiver reports every second, a block per track") {
  start(bothTracks());
  // The first call reports at once, with nothing received yet.
  Feedback initial = feedback();
  REQUIRE(initial.reports.size() == 1);
  CHECK(initial.reports[0].ssrc == kLocalSsrc);
  CHECK(initial.reports[0].reports.empty());
  CHECK(initial.items == 1);
  // Within the second: nothing to say at all.
  for (int i = 0; i < 25; ++i) {
    publishAv(i, 1);
    if (i < 24) {
      CHECK(ingest->feedback(clock.now(), 0).empty());
    }
  }
  // 25 * 40 ms later: due.
  Feedback due = feedback();
  REQUIRE(due.reports.size() == 1);
  CHECK(due.reports[0].ssrc == kLocalSsrc);
  const auto& blocks = due.reports[0].reports;
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].ssrc == kVideoSsrc);
  CHECK(blocks[1].ssrc == kAudioSsrc);
  CHECK(blocks[0].extendedHighestSeq == static_cast<uint16_t>(publisher.videoSeq - 1));
  CHECK(blocks[1].extendedHighestSeq == static_cast<uint16_t>(publisher.audioSeq - 1));
  for (const auto& block : blocks) {
    CHECK(block.fractionLost == 0);
    CHECK(block.cumulativeLost == 0);
    CHECK(block.lastSr == 0);
    CHECK(block.delaySinceLastSr == 0);
  }
  CHECK(ingest->feedback(clock.now(), 0).empty());
  advance(999'999);
  CHECK(ingest->feedback(clock.now(), 0).empty());
  advance(1);
  CHECK(feedback().reports.at(0).reports.size() == 2);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: reports carry loss, and LSR/DLSR from the sender's SR") {
  start(bothTracks());
  CHECK(feedback().reports.size() == 1);
  publishAv(0, 3);
  auto lossy = publisher.video(*videoFrame(3));
  deliver(lossy[0]);
  deliver(lossy[2]);
  const uint64_t ntp = (uint64_t{3'900'000'000} << 32) | 0x40000000u;
  ingest->onSenderReport(kVideoSsrc, ntp, publisher.videoBase + 3 * 3600, clock.now());
  ingest->onSenderReport(0xdeadbeef, ntp + 1, 0, clock.now());  // nobody's: ignored
  advance(1'000'000);
  Feedback report = feedback();
  REQUIRE(report.reports.size() == 1);
  const auto& blocks = report.reports[0].reports;
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].ssrc == kVideoSsrc);
  CHECK(blocks[0].cumulativeLost == 1);
  CHECK(blocks[0].fractionLost > 0);
  CHECK(blocks[0].lastSr == rtp::compactNtp(ntp));
  CHECK(blocks[0].delaySinceLastSr == 65536);  // one second, in 1/65536 s
  CHECK(blocks[1].ssrc == kAudioSsrc);
  CHECK(blocks[1].cumulativeLost == 0);
  CHECK(blocks[1].lastSr == 0);
  CHECK(ingest->packetsLost() == 1);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: transport-wide CC feedback for every packet with the extension") {
  IngestTracks tracks = bothTracks();
  tracks.transportCcId = kTwccId;
  publisher.twccId = kTwccId;
  start(tracks);
  const uint16_t firstTransportSeq = publisher.transportSeq;
  std::vector<SteadyTime> arrivals;
  auto deliverTimed = [&](const std::vector<Bytes>& packets) {
    for (const Bytes& packet : packets) {
      deliver(packet);
      arrivals.push_back(clock.now());
      advance(1'000);  // 4 ticks of 250 us
    }
  };
  for (int i = 0; i < 3; ++i) {
    deliverTimed(publisher.video(*videoFrame(i)));
    deliverTimed({publisher.audio(*audioFrame(i))});
  }
  Feedback first = feedback();
  REQUIRE(first.twcc.size() == 1);
  const rtp::TransportFeedback& cc = first.twcc[0];
  CHECK(cc.mediaSsrc == kVideoSsrc);
  CHECK(cc.baseSeq == firstTransportSeq);
  REQUIRE(cc.packets.size() == arrivals.size());
  for (size_t i = 0; i < cc.packets.size(); ++i) {
    CAPTURE(i);
    CHECK(cc.packets[i].seq == static_cast<uint16_t>(firstTransportSeq + i));
    CHECK(cc.packets[i].received);
    if (i > 0) {
      CHECK(cc.packets[i].arrivalUs - cc.packets[i - 1].arrivalUs ==
            std::chrono::duration_cast<Micros>(arrivals[i] - arrivals[i - 1]).count());
    }
  }
  // Nothing new: no transport feedback.
  CHECK(feedback().twcc.empty());
  // The next one starts where this one ended; a packet that never came is reported lost.
  const uint16_t next = publisher.transportSeq;
  deliverTimed({publisher.audio(*audioFrame(3))});
  publisher.audio(*audioFrame(4));  // lost on the way
  deliverTimed({publisher.audio(*audioFrame(5))});
  Feedback second = feedback();
  REQUIRE(second.twcc.size() == 1);
  CHECK(second.twcc[0].baseSeq == next);
  CHECK(second.twcc[0].feedbackCount == static_cast<uint8_t>(cc.feedbackCount + 1));
  REQUIRE(second.twcc[0].packets.size() == 3);
  CHECK(second.twcc[0].packets[0].received);
  CHECK_FALSE(second.twcc[0].packets[1].received);
  CHECK(second.twcc[0].packets[2].received);
  // A packet without the extension is not reported.
  publisher.twccId.reset();
  deliver(publisher.audio(*audioFrame(6)));
  CHECK(feedback().twcc.empty());
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: no transport-wide CC feedback when the answer did not agree on it") {
  start(bothTracks());
  publisher.twccId = kTwccId;
  publishAv(0, 3);
  advance(1'000'000);
  Feedback report = feedback();
  CHECK(report.twcc.empty());
  CHECK(report.reports.size() == 1);
}

TEST_CASE_FIXTURE(IngestFixture,
                  "WebRTC ingest: audio before video is reported in transport-wide CC feedback") {
  IngestTracks tracks = bothTracks();
  tracks.transportCcId = kTwccId;
  publisher.twccId = kTwccId;
  start(tracks);
  const uint16_t firstTransportSeq = publisher.transportSeq;
  deliver(publisher.audio(*audioFrame(0)));
  advance(1'000);
  deliver(publisher.audio(*audioFrame(1)));
  advance(1'000);
  deliver(publisher.video(*videoFrame(0)));
  Feedback first = feedback();
  REQUIRE(first.twcc.size() == 1);
  CHECK(first.twcc[0].baseSeq == firstTransportSeq);
  CHECK(first.twcc[0].packets.size() == static_cast<size_t>(publisher.transportSeq - firstTransportSeq));
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: RTP timestamps wrapping past 2^32 keep pts monotonic") {
  publisher.videoBase = 0xffffffffu - 3 * 3600 + 100;  // wraps after the third frame
  publisher.audioBase = 0xffffffffu - 5 * 960;         // and after the sixth
  start(bothTracks());
  publishAv(0, 12, 6);
  const auto video = this->video();
  REQUIRE(video.size() == 12);
  checkSpacing(video, kVideoFrameUs);
  CHECK(video.front()->ptsUs == 0);
  CHECK(video.back()->ptsUs == 11 * kVideoFrameUs);
  const auto audio = this->audio();
  REQUIRE(audio.size() == 24);
  checkSpacing(audio, kAudioFrameUs);
  CHECK(audio.back()->ptsUs == 23 * kAudioFrameUs);
}

TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: each track starts where its first packet arrived") {
  start(bothTracks());
  advance(100'000);
  deliver(publisher.video(*videoFrame(0)));
  advance(30'000);
  deliver(publisher.audio(*audioFrame(0)));
  advance(kAudioFrameUs);
  deliver(publisher.audio(*audioFrame(1)));
  advance(kAudioFrameUs);
  deliver(publisher.video(*videoFrame(1)));
  const auto video = this->video();
  REQUIRE(video.size() == 2);
  CHECK(video[0]->ptsUs == 100'000);
  CHECK(video[1]->ptsUs == 140'000);
  const auto audio = this->audio();
  REQUIRE(audio.size() == 2);
  CHECK(audio[0]->ptsUs == 130'000);
  CHECK(audio[1]->ptsUs == 150'000);
}

TEST_SUITE_END();

}  // namespace
TEST_CASE_FIXTURE(IngestFixture, "WebRTC ingest: an RTX retransmission repairs the lost packet; empty RTX is padding") {
  constexpr uint8_t kRtxPt = 103;
  constexpr uint32_t kRtxSsrc = 0x5EED0001;
  IngestTracks tracks = bothTracks();
  tracks.videoRtxPayloadType = kRtxPt;
  start(tracks);
  deliverVideo(0, 2);
  auto lossy = publisher.video(*videoFrame(2));
  REQUIRE(lossy.size() == 3);
  deliver(lossy[0]);
  deliver(lossy[2]);
  CHECK(video().size() == 2);
  // RFC 4588: the original sequence number, then the original payload, on the RTX SSRC.
  auto original = rtp::parseRtpPacket(lossy[1].span());
  REQUIRE(original);
  std::vector<uint8_t> rtxPayload{static_cast<uint8_t>(original->sequence >> 8),
                                  static_cast<uint8_t>(original->sequence)};
  rtxPayload.insert(rtxPayload.end(), original->payload.begin(), original->payload.end());
  deliver(publisher.packet(kRtxPt, kRtxSsrc, 7, original->timestamp, original->marker, rtxPayload));
  CHECK(video().size() == 3);
  CHECK(ingest->stats().retransmissions == 1);
  CHECK(ingest->stats().packetsUnknown == 0);
  // Bandwidth probing: RTX packets without payload repair nothing and are not unknown.
  deliver(publisher.packet(kRtxPt, kRtxSsrc, 8, original->timestamp, false, {}));
  CHECK(ingest->stats().padding == 1);
  CHECK(ingest->stats().packetsUnknown == 0);
  CHECK(video().size() == 3);
}

}  // namespace rtsedge::webrtc
