#include "relay/audio_rendition.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <vector>

#include "metrics/registry.h"
#include "protocols/http/flv_muxer.h"
#include "protocols/mpegts/ts_muxer.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "relay/egress_subscriber.h"
#include "relay/stream.h"
#include "tests/unit/fixtures/audio_frames.h"
#include "tests/unit/fixtures/media_frames.h"

namespace rtsedge {
namespace {

using fixtures::EncodedAudio;

// A viewer that plays only the audio codecs it is given (every codec when given none)
// and keeps what the stream hands it.
struct Viewer final : Subscriber {
  explicit Viewer(std::vector<Codec> playable = {}) : accepts(std::move(playable)) {}

  bool acceptsAudio(Codec codec) const override {
    return accepts.empty() || std::find(accepts.begin(), accepts.end(), codec) != accepts.end();
  }
  void onMetadata(const Bytes&) override {}
  void onTrackConfig(const TrackConfigPtr& config) override { configs.push_back(config); }
  void onFrame(const FramePtr& frame) override {
    frames.push_back(frame);
    if (leaveOn && leaveOn(*frame)) {
      leaveOn = nullptr;
      stream->unsubscribe(*this);
    }
  }
  void onSourceLost() override {}
  void onSourceRestored() override {}
  void onStreamEnded() override {}

  std::vector<TrackConfigPtr> audioConfigs() const {
    std::vector<TrackConfigPtr> out;
    std::copy_if(configs.begin(), configs.end(), std::back_inserter(out),
                 [](const TrackConfigPtr& c) { return c->kind == TrackKind::kAudio; });
    return out;
  }
  std::vector<FramePtr> framesOf(TrackKind kind) const {
    std::vector<FramePtr> out;
    std::copy_if(frames.begin(), frames.end(), std::back_inserter(out),
                 [kind](const FramePtr& f) { return f->kind == kind; });
    return out;
  }
  size_t audioFrames(Codec codec) const {
    auto audio = framesOf(TrackKind::kAudio);
    return static_cast<size_t>(
        std::count_if(audio.begin(), audio.end(), [codec](const FramePtr& f) { return f->codec == codec; }));
  }

  std::vector<Codec> accepts;
  // Unsubscribes from `stream` on the first frame this says yes to.
  std::function<bool(const MediaFrame&)> leaveOn;
  Stream* stream = nullptr;
  std::vector<TrackConfigPtr> configs;
  std::vector<FramePtr> frames;
};

struct FakeSource : Source {
  void onSourceReplaced() override {}
};

// A publisher: H.264 every 40 ms with a keyframe every `gop` frames, and the packets of
// `audio` by their duration, merged in dts order on its own clock from 0. Every frame
// arrives 7 us after its dts and was captured 3 us before it, so that outputs can be
// traced to their inputs.
struct Publisher {
  const EncodedAudio* audio = nullptr;
  int gop = 25;
  TrackConfigPtr video = fixtures::videoConfig(Codec::kH264);
  int videoFrames = 0;
  size_t audioPackets = 0;

  void announce(Stream& stream) const {
    stream.publishConfig(video);
    stream.publishConfig(audio->config);
  }

  void publishUntil(Stream& stream, int64_t untilUs) {
    while (true) {
      int64_t videoUs = videoFrames * fixtures::kVideoFrameUs;
      int64_t audioUs = audio->packetUs(audioPackets);
      if (std::min(videoUs, audioUs) >= untilUs) {
        return;
      }
      std::shared_ptr<MediaFrame> frame;
      if (videoUs <= audioUs) {
        frame = fixtures::videoFrame(video, videoFrames % gop == 0, videoUs, videoUs, 300,
                                     static_cast<uint8_t>(videoFrames));
        ++videoFrames;
      } else {
        frame = audio->frame(audioPackets, audioUs);
        ++audioPackets;
      }
      frame->arrival = SteadyTime(Micros(frame->dtsUs + 7));
      frame->capture = WallTime(Micros(frame->dtsUs - 3));
      stream.publishFrame(std::move(frame));
    }
  }
};

struct RenditionFixture {
  StreamSettings settings;
  ManualClock clock;
  metrics::Registry registry;
  StreamMetrics metrics{registry};
  Stream stream{"live/a", settings, clock, &metrics};
  FakeSource source;
  Publisher publisher{&fixtures::aacTone48kStereo()};

  RenditionFixture() {
    REQUIRE(stream.attachSource(source));
    publisher.announce(stream);
  }

  int64_t transcoders() const { return metrics.audioTranscoders.value(); }
  double errors() const { return metrics.audioTranscodeErrors.value(); }
};

void checkMonotonic(const std::vector<FramePtr>& frames) {
  for (size_t i = 1; i < frames.size(); ++i) {
    CHECK(frames[i]->dtsUs >= frames[i - 1]->dtsUs);
  }
}

// Live, a rendition frame goes out when the source frame that completes it arrives, up to
// a codec frame and the encoder's delay after its own dts: each track is monotonic, the
// interleave of both is not (as from most RTMP encoders). Only the GOP replay is merged.
void checkTracksMonotonic(const Viewer& viewer) {
  checkMonotonic(viewer.framesOf(TrackKind::kVideo));
  checkMonotonic(viewer.framesOf(TrackKind::kAudio));
}

TEST_SUITE_BEGIN("audio_rendition");

TEST_CASE("audio rendition: AAC and Opus are each other's counterpart") {
  CHECK(AudioRendition::counterpart(Codec::kAac) == Codec::kOpus);
  CHECK(AudioRendition::counterpart(Codec::kOpus) == Codec::kAac);
  CHECK(AudioRendition::counterpart(Codec::kMp3) == Codec::kUnknown);
  CHECK(AudioRendition::counterpart(Codec::kH264) == Codec::kUnknown);
}

TEST_CASE("audio rendition: muxers say which audio they carry, as their frame() does") {
  http::FlvMuxer flv(true);
  rtmp::RtmpMuxer rtmp(4096);
  StreamSettings settings;
  ManualClock clock;
  Stream stream("live/a", settings, clock);
  mpegts::TsMuxer ts(stream);
  for (Muxer* muxer : std::initializer_list<Muxer*>{&flv, &rtmp}) {
    CHECK(muxer->carriesAudio(Codec::kAac));
    CHECK(muxer->carriesAudio(Codec::kMp3));
    CHECK_FALSE(muxer->carriesAudio(Codec::kOpus));
  }
  CHECK(ts.carriesAudio(Codec::kAac));
  CHECK(ts.carriesAudio(Codec::kOpus));

  const EncodedAudio& opus = fixtures::opusTone48kStereo();
  const EncodedAudio& aac = fixtures::aacTone48kStereo();
  for (Muxer* muxer : std::initializer_list<Muxer*>{&flv, &rtmp}) {
    for (const EncodedAudio* audio : {&aac, &opus}) {
      FramePtr frame = audio->frame(0, 0);
      CHECK(muxer->frame(frame).empty() == !muxer->carriesAudio(frame->codec));
    }
  }
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: no transcoder runs while no viewer needs one") {
  Viewer any;
  Viewer aacOnly({Codec::kAac});
  stream.subscribe(any);
  stream.subscribe(aacOnly);
  publisher.publishUntil(stream, 1'000'000);
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(transcoders() == 0);
  CHECK(any.audioFrames(Codec::kAac) == aacOnly.audioFrames(Codec::kAac));
  CHECK(aacOnly.audioFrames(Codec::kAac) > 40);
  CHECK(aacOnly.audioFrames(Codec::kOpus) == 0);
}

TEST_CASE_FIXTURE(RenditionFixture,
                  "audio rendition: an Opus viewer of an AAC stream gets Opus only, AAC viewers none") {
  Viewer aacOnly({Codec::kAac});
  stream.subscribe(aacOnly);
  publisher.publishUntil(stream, 500'000);
  Viewer opusOnly({Codec::kOpus});
  stream.subscribe(opusOnly);
  CHECK(stream.audioRendition().running());
  CHECK(transcoders() == 1);
  publisher.publishUntil(stream, 1'500'000);

  auto opusConfigs = opusOnly.audioConfigs();
  REQUIRE(opusConfigs.size() == 1);
  CHECK(opusConfigs[0]->codec == Codec::kOpus);
  CHECK(opusConfigs[0]->sampleRate == 48000);
  CHECK(opusConfigs[0]->channels == 2);
  CHECK(opusOnly.audioFrames(Codec::kAac) == 0);
  // About 1.5 s of 20 ms frames: the cached GOP's (from 0) transcoded at once, then live.
  CHECK(opusOnly.audioFrames(Codec::kOpus) >= 70);
  CHECK(opusOnly.framesOf(TrackKind::kVideo).size() == aacOnly.framesOf(TrackKind::kVideo).size());
  checkTracksMonotonic(opusOnly);
  for (const FramePtr& frame : opusOnly.framesOf(TrackKind::kAudio)) {
    CHECK(frame->config == opusConfigs[0]);
    // Stamped with the AAC frame that completed it: 7 us after its dts, captured 3 us before.
    REQUIRE(frame->capture);
    CHECK(frame->arrival.time_since_epoch() - frame->capture->time_since_epoch() == Micros(10));
  }

  auto aacConfigs = aacOnly.audioConfigs();
  REQUIRE(aacConfigs.size() == 1);
  CHECK(aacConfigs[0]->codec == Codec::kAac);
  CHECK(aacOnly.audioFrames(Codec::kOpus) == 0);
  CHECK(aacOnly.audioFrames(Codec::kAac) > 60);

  // The last viewer of the rendition leaves: so does its transcoder.
  stream.unsubscribe(opusOnly);
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(transcoders() == 0);
  publisher.publishUntil(stream, 2'000'000);
  CHECK(errors() == 0);
}

TEST_CASE_FIXTURE(RenditionFixture,
                  "audio rendition: a late joiner gets its cached frames by dts among the GOP's video") {
  Viewer first({Codec::kOpus});
  stream.subscribe(first);
  publisher.publishUntil(stream, 1'200'000);  // keyframes at 0 and 1 s
  const auto& gop = stream.gopCache().frames();
  REQUIRE(gop.front()->keyframe);
  CHECK(gop.front()->dtsUs == 1'000'000);
  const auto& cached = stream.audioRendition().frames();
  REQUIRE(cached.size() >= 8);
  CHECK(cached.front()->dtsUs >= 1'000'000);  // trimmed to the GOP

  Viewer late({Codec::kOpus});
  stream.subscribe(late);
  REQUIRE(late.audioConfigs().size() == 1);
  CHECK(late.audioConfigs()[0] == first.audioConfigs()[0]);
  REQUIRE(!late.frames.empty());
  CHECK(late.frames.front()->keyframe);
  checkMonotonic(late.frames);
  auto lateAudio = late.framesOf(TrackKind::kAudio);
  CHECK(std::equal(lateAudio.begin(), lateAudio.end(), cached.begin(), cached.end()));
  // The same frames the first viewer got live: transcoded once, shared.
  auto firstAudio = first.framesOf(TrackKind::kAudio);
  CHECK(std::equal(lateAudio.begin(), lateAudio.end(), firstAudio.end() - static_cast<ptrdiff_t>(lateAudio.size())));
  CHECK(late.audioFrames(Codec::kAac) == 0);
  CHECK(late.framesOf(TrackKind::kVideo).size() == 5);
  CHECK(transcoders() == 1);

  // Both get the same live frames on.
  first.frames.clear();
  late.frames.clear();
  publisher.publishUntil(stream, 1'400'000);
  CHECK(first.frames.size() == late.frames.size());
  CHECK(late.audioFrames(Codec::kOpus) >= 8);
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: viewers may leave in the middle of its fan-out") {
  Viewer first({Codec::kOpus});
  Viewer second({Codec::kOpus});
  stream.subscribe(first);
  stream.subscribe(second);
  publisher.publishUntil(stream, 300'000);
  // The first leaves on a rendition frame, the second, the last one, on the next: the
  // transcoder goes while its output is being handed out.
  auto opus = [](const MediaFrame& frame) { return frame.codec == Codec::kOpus; };
  first.stream = second.stream = &stream;
  first.leaveOn = [&](const MediaFrame& frame) {
    if (opus(frame)) {
      second.leaveOn = opus;
    }
    return opus(frame);
  };
  Viewer aacOnly({Codec::kAac});
  stream.subscribe(aacOnly);
  publisher.publishUntil(stream, 600'000);
  CHECK(stream.subscriberCount() == 1);
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(transcoders() == 0);
  CHECK(aacOnly.audioFrames(Codec::kAac) > 10);

  // A viewer leaving during its own replay of the rendition's cache.
  Viewer late({Codec::kOpus});
  late.stream = &stream;
  late.leaveOn = opus;
  stream.subscribe(late);
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(stream.subscriberCount() == 1);
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: the first viewer gets the cached GOP's audio at once") {
  publisher.publishUntil(stream, 900'000);
  CHECK_FALSE(stream.audioRendition().running());
  Viewer viewer({Codec::kOpus});
  stream.subscribe(viewer);
  // 0.9 s of AAC, transcoded on subscribing; the encoder holds back a frame or two.
  CHECK(viewer.audioFrames(Codec::kOpus) >= 40);
  CHECK(viewer.framesOf(TrackKind::kVideo).size() == 23);
  CHECK(viewer.frames.front()->keyframe);
  checkMonotonic(viewer.frames);
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: a viewer that plays neither codec gets video only") {
  Viewer mp3Only({Codec::kMp3});
  stream.subscribe(mp3Only);
  publisher.publishUntil(stream, 500'000);
  CHECK(mp3Only.audioConfigs().empty());
  CHECK(mp3Only.framesOf(TrackKind::kAudio).empty());
  CHECK(mp3Only.framesOf(TrackKind::kVideo).size() == 13);
  CHECK_FALSE(stream.audioRendition().running());
}

TEST_CASE("audio rendition: a viewer who came before the audio configuration is routed when it comes") {
  StreamSettings settings;
  ManualClock clock;
  Stream stream("live/a", settings, clock);
  Viewer opusOnly({Codec::kOpus});
  stream.subscribe(opusOnly);  // an edge: the viewer starts the pull
  CHECK_FALSE(stream.audioRendition().running());
  FakeSource source;
  REQUIRE(stream.attachSource(source));
  Publisher publisher{&fixtures::aacTone48kStereo()};
  publisher.announce(stream);
  CHECK(stream.audioRendition().running());
  publisher.publishUntil(stream, 500'000);
  REQUIRE(opusOnly.audioConfigs().size() == 1);
  CHECK(opusOnly.audioConfigs()[0]->codec == Codec::kOpus);
  CHECK(opusOnly.audioFrames(Codec::kAac) == 0);
  CHECK(opusOnly.audioFrames(Codec::kOpus) >= 20);
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: a new source in the other codec turns the routes around") {
  settings.onDuplicatePublish = DuplicatePublish::kReplace;
  Viewer aacOnly({Codec::kAac});
  Viewer opusOnly({Codec::kOpus});
  stream.subscribe(aacOnly);
  stream.subscribe(opusOnly);
  publisher.publishUntil(stream, 500'000);
  CHECK(transcoders() == 1);
  CHECK(opusOnly.audioFrames(Codec::kOpus) > 0);

  stream.detachSource(source);
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(transcoders() == 0);
  CHECK(stream.audioRendition().frames().empty());

  // A browser publishes now (WHIP): Opus.
  FakeSource browser;
  REQUIRE(stream.attachSource(browser));
  Publisher whip{&fixtures::opusTone48kStereo()};
  whip.announce(stream);
  CHECK(stream.audioRendition().running());
  CHECK(transcoders() == 1);
  aacOnly.frames.clear();
  opusOnly.frames.clear();
  whip.publishUntil(stream, 800'000);

  auto aacConfigs = aacOnly.audioConfigs();
  REQUIRE(aacConfigs.size() == 2);
  CHECK(aacConfigs[1]->codec == Codec::kAac);
  CHECK(aacConfigs[1] != fixtures::aacTone48kStereo().config);  // the rendition's
  CHECK(aacOnly.audioFrames(Codec::kOpus) == 0);
  CHECK(aacOnly.audioFrames(Codec::kAac) >= 30);  // 0.8 s of 1024-sample frames
  checkTracksMonotonic(aacOnly);

  auto opusConfigs = opusOnly.audioConfigs();
  REQUIRE(opusConfigs.size() == 2);
  CHECK(opusConfigs[1] == fixtures::opusTone48kStereo().config);  // the source's own
  CHECK(opusOnly.audioFrames(Codec::kAac) == 0);
  CHECK(opusOnly.audioFrames(Codec::kOpus) == 40);
  CHECK(errors() == 0);
}

TEST_CASE_FIXTURE(RenditionFixture, "audio rendition: a new audio configuration recreates the transcoder") {
  Viewer opusOnly({Codec::kOpus});
  stream.subscribe(opusOnly);
  publisher.publishUntil(stream, 500'000);
  REQUIRE(opusOnly.audioConfigs().size() == 1);
  CHECK(opusOnly.audioConfigs()[0]->channels == 2);

  // The encoder restarts mono at 44.1 kHz, on the same timeline.
  static const EncodedAudio mono = fixtures::encodeTone("aac", 44100, 1, 1.0);
  stream.publishConfig(mono.config);
  CHECK(stream.audioRendition().running());
  CHECK(transcoders() == 1);
  REQUIRE(opusOnly.audioConfigs().size() == 2);
  CHECK(opusOnly.audioConfigs()[1]->codec == Codec::kOpus);
  CHECK(opusOnly.audioConfigs()[1]->channels == 1);
  size_t before = opusOnly.audioFrames(Codec::kOpus);

  Publisher restarted{&mono};
  restarted.videoFrames = publisher.videoFrames;
  restarted.audioPackets = static_cast<size_t>(int64_t{500'000} * 44100 / 1024 / 1'000'000) + 1;
  restarted.publishUntil(stream, 1'000'000);
  auto audio = opusOnly.framesOf(TrackKind::kAudio);
  CHECK(audio.size() >= before + 20);
  CHECK(audio.back()->config == opusOnly.audioConfigs()[1]);
  checkTracksMonotonic(opusOnly);
  CHECK(errors() == 0);
}

TEST_CASE("audio rendition: a transcoder that cannot start leaves video flowing") {
  StreamSettings settings;
  ManualClock clock;
  metrics::Registry registry;
  StreamMetrics metrics(registry);
  Stream stream("live/a", settings, clock, &metrics);
  FakeSource source;
  REQUIRE(stream.attachSource(source));
  // An AudioSpecificConfig with a reserved sampling frequency index.
  auto garbage = std::make_shared<TrackConfig>(*fixtures::aacTone48kStereo().config);
  constexpr uint8_t kReservedRate[] = {0x17, 0x00};
  garbage->record = Bytes::copyOf(kReservedRate);
  EncodedAudio broken = fixtures::aacTone48kStereo();
  broken.config = garbage;
  Publisher publisher{&broken};
  publisher.announce(stream);

  Viewer aacOnly({Codec::kAac});
  Viewer opusOnly({Codec::kOpus});
  Viewer second({Codec::kOpus});
  stream.subscribe(aacOnly);
  stream.subscribe(opusOnly);
  stream.subscribe(second);  // the same configuration is not tried again
  CHECK_FALSE(stream.audioRendition().running());
  CHECK(metrics.audioTranscodeErrors.value() == 1);
  CHECK(metrics.audioTranscoders.value() == 0);
  publisher.publishUntil(stream, 500'000);

  CHECK(opusOnly.audioConfigs().empty());
  CHECK(opusOnly.framesOf(TrackKind::kAudio).empty());
  CHECK(opusOnly.framesOf(TrackKind::kVideo).size() == 13);
  CHECK(second.framesOf(TrackKind::kVideo).size() == 13);
  CHECK(aacOnly.audioFrames(Codec::kAac) > 20);  // relayed as it came
  CHECK(metrics.audioTranscodeErrors.value() == 1);

  // A sound configuration from the publisher brings the rendition back.
  stream.publishConfig(fixtures::aacTone48kStereo().config);
  CHECK(stream.audioRendition().running());
  REQUIRE(opusOnly.audioConfigs().size() == 1);
  CHECK(opusOnly.audioConfigs()[0]->codec == Codec::kOpus);
}

// What FLV player the whole way gets from a browser's stream: AAC tags, no Opus.
struct NullListener final : EgressSubscriber::Listener {
  void onEgressOutput() override {}
  void onEgressSkipped() override {}
  void onEgressOverflow() override {}
  void onEgressStreamEnded() override {}
};

TEST_CASE("audio rendition: an HTTP-FLV viewer of a WHIP stream gets AAC tags") {
  StreamSettings settings;
  ManualClock clock;
  Stream stream("live/a", settings, clock);
  FakeSource source;
  REQUIRE(stream.attachSource(source));
  Publisher whip{&fixtures::opusTone48kStereo()};
  whip.announce(stream);
  whip.publishUntil(stream, 300'000);

  EgressQueue queue({}, clock);
  http::FlvMuxer muxer(false);
  NullListener listener;
  {
    EgressSubscriber viewer(stream, queue, muxer, TrackFilter{}, listener);
    CHECK(stream.audioRendition().running());
    whip.publishUntil(stream, 600'000);

    std::vector<Bytes> batch;
    size_t audioTags = 0;
    size_t sequenceHeaders = 0;
    while (queue.hasPending()) {
      queue.takeBatch(batch);
      for (const Bytes& tag : batch) {
        REQUIRE(tag.size() > 13);
        if (tag[0] != 8) {
          continue;  // video or script
        }
        ++audioTags;
        CHECK((tag[11] >> 4) == 10);  // sound format: AAC
        sequenceHeaders += tag[12] == 0 ? 1 : 0;
      }
      queue.onBatchWritten();
      batch.clear();
    }
    CHECK(sequenceHeaders == 1);
    CHECK(audioTags >= 20);
  }
  CHECK_FALSE(stream.audioRendition().running());  // the viewer left
}

TEST_CASE("audio rendition: a viewer that asked for no audio starts no transcoder") {
  StreamSettings settings;
  ManualClock clock;
  Stream stream("live/a", settings, clock);
  FakeSource source;
  REQUIRE(stream.attachSource(source));
  Publisher whip{&fixtures::opusTone48kStereo()};
  whip.announce(stream);
  EgressQueue queue({}, clock);
  http::FlvMuxer muxer(false);
  NullListener listener;
  EgressSubscriber viewer(stream, queue, muxer, TrackFilter{.video = true, .audio = false, .data = true}, listener);
  CHECK_FALSE(stream.audioRendition().running());
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge
