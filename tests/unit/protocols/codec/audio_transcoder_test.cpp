#include "protocols/codec/audio_transcoder.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include "protocols/codec/aac.h"
#include "protocols/codec/opus.h"
#include "tests/unit/fixtures/audio_frames.h"

namespace rtsedge::codec {
namespace {

constexpr int64_t kStartUs = 10'000'007;  // deliberately not on any frame grid
constexpr double kToneHz = 1000;

// A codec stream that libavcodec encoded inside the test: the input the relay would get.
struct Encoded {
  std::vector<Bytes> packets;
  Bytes extradata;  // AudioSpecificConfig for aac
  int frameSize = 0;
  int initialPadding = 0;
  int sampleRate = 0;
  int channels = 0;
};

float getSample(const AVFrame& frame, int index, int channel) {
  const int channels = frame.ch_layout.nb_channels;
  switch (frame.format) {
    case AV_SAMPLE_FMT_FLTP: return reinterpret_cast<const float*>(frame.extended_data[channel])[index];
    case AV_SAMPLE_FMT_FLT: return reinterpret_cast<const float*>(frame.data[0])[index * channels + channel];
    case AV_SAMPLE_FMT_S16:
      return reinterpret_cast<const int16_t*>(frame.data[0])[index * channels + channel] / 32768.0f;
    case AV_SAMPLE_FMT_S16P: return reinterpret_cast<const int16_t*>(frame.extended_data[channel])[index] / 32768.0f;
    default: FAIL("unexpected decoder sample format ", frame.format);
  }
  return 0;
}

// A 1 kHz tone of `seconds` at `rate`, encoded by libavcodec's "aac" or "libopus" (the
// shared fixture), in the raw form these tests build their input configurations from.
Encoded encodeTone(const char* encoderName, int rate, int channels, double seconds) {
  fixtures::EncodedAudio audio = fixtures::encodeTone(encoderName, rate, channels, seconds);
  Encoded encoded{audio.packets, Bytes(), audio.frameSize, 0, rate, channels};
  if (audio.config->codec == Codec::kAac) {
    encoded.extradata = audio.config->record;
  } else {
    // OpusHead's pre-skip (RFC 7845 5.1, little-endian at byte 10) is the encoder's padding.
    REQUIRE(audio.config->record.size() >= 12);
    encoded.initialPadding = audio.config->record[10] | (audio.config->record[11] << 8);
  }
  return encoded;
}

const Encoded& aac48kStereo() {
  static const Encoded encoded = encodeTone("aac", 48000, 2, 2.0);
  return encoded;
}

TrackConfigPtr inputConfig(const Encoded& encoded, Codec codec, Bytes record) {
  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = codec;
  config->record = std::move(record);
  config->sampleRate = static_cast<uint32_t>(encoded.sampleRate);
  config->channels = static_cast<uint8_t>(encoded.channels);
  return config;
}

// Input frame `index` of `encoded`, stamped on a timeline starting at kStartUs (+ offsetUs).
MediaFrame inputFrame(const Encoded& encoded, Codec codec, const TrackConfigPtr& config, size_t index,
                      Bytes payload, int64_t offsetUs = 0) {
  MediaFrame frame;
  frame.kind = TrackKind::kAudio;
  frame.codec = codec;
  frame.ptsUs = kStartUs + offsetUs +
                static_cast<int64_t>(index) * encoded.frameSize * 1'000'000 / encoded.sampleRate;
  frame.dtsUs = frame.ptsUs;
  frame.keyframe = true;
  frame.payload = std::move(payload);
  frame.config = config;
  return frame;
}

void append(std::vector<FramePtr>& out, Result<std::vector<FramePtr>> frames) {
  REQUIRE(frames.isOk());
  out.insert(out.end(), frames->begin(), frames->end());
}

// Every packet of `encoded` through a transcoder, then a flush.
std::vector<FramePtr> transcodeAll(AudioTranscoder& transcoder, const Encoded& encoded, Codec codec,
                                   const TrackConfigPtr& config) {
  std::vector<FramePtr> out;
  for (size_t i = 0; i < encoded.packets.size(); ++i) {
    append(out, transcoder.push(inputFrame(encoded, codec, config, i, encoded.packets[i])));
  }
  append(out, transcoder.flush());
  return out;
}

// The first channel of what `frames` decode to, with the decoder configured by `config`.
std::vector<float> decodeAll(const TrackConfig& config, const std::vector<FramePtr>& frames) {
  const AVCodec* decoder = avcodec_find_decoder(config.codec == Codec::kAac ? AV_CODEC_ID_AAC : AV_CODEC_ID_OPUS);
  REQUIRE(decoder != nullptr);
  AVCodecContext* context = avcodec_alloc_context3(decoder);
  context->sample_rate = static_cast<int>(config.sampleRate);
  av_channel_layout_default(&context->ch_layout, config.channels);
  context->extradata = static_cast<uint8_t*>(av_mallocz(config.record.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(context->extradata, config.record.data(), config.record.size());
  context->extradata_size = static_cast<int>(config.record.size());
  REQUIRE(avcodec_open2(context, decoder, nullptr) == 0);
  CHECK(context->ch_layout.nb_channels == config.channels);

  std::vector<float> samples;
  AVPacket* packet = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  for (const auto& encoded : frames) {
    REQUIRE(av_new_packet(packet, static_cast<int>(encoded->payload.size())) == 0);
    std::memcpy(packet->data, encoded->payload.data(), encoded->payload.size());
    REQUIRE(avcodec_send_packet(context, packet) == 0);
    av_packet_unref(packet);
    while (avcodec_receive_frame(context, frame) == 0) {
      CHECK(frame->sample_rate == static_cast<int>(config.sampleRate));
      for (int i = 0; i < frame->nb_samples; ++i) {
        samples.push_back(getSample(*frame, i, 0));
      }
      av_frame_unref(frame);
    }
  }
  av_frame_free(&frame);
  av_packet_free(&packet);
  avcodec_free_context(&context);
  return samples;
}

// Goertzel: the power of `samples` at one frequency.
double power(std::span<const float> samples, double hz, uint32_t rate) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * hz / rate);
  double s1 = 0;
  double s2 = 0;
  for (const float sample : samples) {
    const double s = sample + coefficient * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

// The decoded tone is at 1 kHz: far more energy there than at 3 kHz, and not silence.
void checkTone(const std::vector<float>& samples, uint32_t rate, double seconds) {
  CHECK(samples.size() >= static_cast<size_t>(seconds * rate * 0.95));
  REQUIRE(samples.size() > rate);
  // A middle stretch: no priming, no padded tail.
  const std::span<const float> middle(samples.data() + rate / 4, rate / 2);
  const double tone = power(middle, kToneHz, rate);
  const double other = power(middle, 3 * kToneHz, rate);
  CHECK(tone > 1000 * other);
  // A 0.5 sine over N samples: (0.5 * N / 2)^2.
  const double full = std::pow(0.5 * static_cast<double>(middle.size()) / 2, 2);
  CHECK(tone > full / 4);
}

// Output frames are `frameSamples` apart from the first input pts on.
void checkTimeline(const std::vector<FramePtr>& frames, const TrackConfigPtr& config, int frameSamples) {
  for (size_t i = 0; i < frames.size(); ++i) {
    CAPTURE(i);
    CHECK(frames[i]->kind == TrackKind::kAudio);
    CHECK(frames[i]->codec == config->codec);
    CHECK(frames[i]->keyframe);
    CHECK(frames[i]->config == config);
    CHECK_FALSE(frames[i]->payload.empty());
    CHECK(frames[i]->dtsUs == frames[i]->ptsUs);
    CHECK(frames[i]->ptsUs ==
          kStartUs + static_cast<int64_t>(i) * frameSamples * 1'000'000 / static_cast<int64_t>(config->sampleRate));
  }
}

std::vector<uint8_t> randomBytes(std::mt19937& random, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (auto& byte : bytes) {
    byte = static_cast<uint8_t>(random());
  }
  return bytes;
}

// libav* log every malformed packet the garbage tests feed them to stderr: keep the run readable.
struct QuietLibav {
  QuietLibav() { av_log_set_level(AV_LOG_QUIET); }
};

TEST_SUITE_BEGIN("audio_transcoder");

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: AAC 48 kHz stereo to Opus") {
  const Encoded& aac = aac48kStereo();
  auto input = inputConfig(aac, Codec::kAac, aac.extradata);
  auto transcoder = AudioTranscoder::create(*input, Codec::kOpus);
  REQUIRE(transcoder.isOk());
  auto config = (*transcoder)->config();
  CHECK(config->kind == TrackKind::kAudio);
  CHECK(config->codec == Codec::kOpus);
  CHECK(config->sampleRate == 48000);
  CHECK(config->channels == 2);
  REQUIRE(config->record.size() == 19);
  const uint16_t preSkip = static_cast<uint16_t>(config->record[10] | (config->record[11] << 8));
  CHECK(preSkip > 0);  // libopus' lookahead
  CHECK(config->record == opusHead(2, preSkip));

  auto frames = transcodeAll(**transcoder, aac, Codec::kAac, input);
  // 2 s at 50 frames a second, plus the AAC priming frame and the padded tail.
  CHECK(frames.size() >= 100);
  CHECK(frames.size() <= 104);
  checkTimeline(frames, config, 960);
  for (const auto& frame : frames) {
    auto samples = opusPacketSamples(frame->payload.span());
    REQUIRE(samples.isOk());
    CHECK(*samples == 960);
  }
  const auto& stats = (*transcoder)->stats();
  CHECK(stats.inputFrames == aac.packets.size());
  CHECK(stats.decodedFrames == aac.packets.size());
  CHECK(stats.skippedFrames == 0);
  CHECK(stats.outputFrames == frames.size());
  CHECK(stats.timelineResets == 0);
  CHECK(stats.droppedSamples == 0);
  // The OpusHead configures a real decoder, which hears the tone.
  checkTone(decodeAll(*config, frames), 48000, 2.0);
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: AAC 44.1 kHz mono to Opus") {
  const Encoded aac = encodeTone("aac", 44100, 1, 2.0);
  auto input = inputConfig(aac, Codec::kAac, aac.extradata);
  auto transcoder = AudioTranscoder::create(*input, Codec::kOpus);
  REQUIRE(transcoder.isOk());
  auto config = (*transcoder)->config();
  CHECK(config->sampleRate == 48000);
  CHECK(config->channels == 1);
  CHECK(config->record[9] == 1);

  auto frames = transcodeAll(**transcoder, aac, Codec::kAac, input);
  CHECK(frames.size() >= 100);
  CHECK(frames.size() <= 105);
  checkTimeline(frames, config, 960);
  checkTone(decodeAll(*config, frames), 48000, 2.0);
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: Opus to AAC") {
  SUBCASE("48 kHz stereo") {
    const Encoded opus = encodeTone("libopus", 48000, 2, 2.0);
    REQUIRE(opus.frameSize == 960);
    auto input = inputConfig(opus, Codec::kOpus, opusHead(2, static_cast<uint16_t>(opus.initialPadding)));
    auto transcoder = AudioTranscoder::create(*input, Codec::kAac);
    REQUIRE(transcoder.isOk());
    auto config = (*transcoder)->config();
    CHECK(config->codec == Codec::kAac);
    CHECK(config->sampleRate == 48000);
    CHECK(config->channels == 2);
    auto asc = parseAudioSpecificConfig(config->record.span());
    REQUIRE(asc.isOk());
    CHECK(asc->objectType == kAacLc);
    CHECK(asc->sampleRate == 48000);
    CHECK(asc->channels == 2);

    auto frames = transcodeAll(**transcoder, opus, Codec::kOpus, input);
    // 2 s of 1024-sample frames: 93.75, plus the encoder's priming frame.
    CHECK(frames.size() >= 93);
    CHECK(frames.size() <= 97);
    checkTimeline(frames, config, 1024);
    CHECK((*transcoder)->stats().skippedFrames == 0);
    checkTone(decodeAll(*config, frames), 48000, 2.0);
  }
  SUBCASE("44.1 kHz mono is kept") {
    const Encoded opus = encodeTone("libopus", 48000, 1, 2.0);
    auto input = inputConfig(opus, Codec::kOpus, opusHead(1, static_cast<uint16_t>(opus.initialPadding)));
    auto sourceRate = std::make_shared<TrackConfig>(*input);
    sourceRate->sampleRate = 44100;
    auto transcoder = AudioTranscoder::create(*sourceRate, Codec::kAac);
    REQUIRE(transcoder.isOk());
    auto config = (*transcoder)->config();
    CHECK(config->sampleRate == 44100);
    CHECK(config->channels == 1);
    auto asc = parseAudioSpecificConfig(config->record.span());
    REQUIRE(asc.isOk());
    CHECK(asc->sampleRate == 44100);
    CHECK(asc->channels == 1);

    auto frames = transcodeAll(**transcoder, opus, Codec::kOpus, input);
    CHECK(frames.size() >= 85);
    CHECK(frames.size() <= 89);
    checkTimeline(frames, config, 1024);
    checkTone(decodeAll(*config, frames), 44100, 2.0);
  }
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: input timestamp jumps realign, output never goes backwards") {
  const Encoded& aac = aac48kStereo();
  auto input = inputConfig(aac, Codec::kAac, aac.extradata);
  auto transcoder = AudioTranscoder::create(*input, Codec::kOpus);
  REQUIRE(transcoder.isOk());
  constexpr size_t kJumpAt = 30;
  constexpr size_t kBackAt = 60;
  constexpr int64_t kForwardUs = 500'000;
  constexpr int64_t kBackwardUs = -2'000'000;
  std::vector<FramePtr> frames;
  size_t firstAfterJump = 0;
  for (size_t i = 0; i < aac.packets.size(); ++i) {
    // Jitter under 100 ms changes nothing.
    const int64_t jitterUs = i == 10 ? 30'000 : 0;
    const int64_t offset = i < kJumpAt ? jitterUs : i < kBackAt ? kForwardUs : kForwardUs + kBackwardUs;
    if (i == kJumpAt) {
      firstAfterJump = frames.size();
    }
    append(frames, (*transcoder)->push(inputFrame(aac, Codec::kAac, input, i, aac.packets[i], offset)));
  }
  append(frames, (*transcoder)->flush());
  CHECK((*transcoder)->stats().timelineResets == 2);
  CHECK((*transcoder)->stats().skippedFrames == 0);

  // Before the jump: the regular grid from the first input pts.
  REQUIRE(firstAfterJump > 10);
  for (size_t i = 0; i < firstAfterJump; ++i) {
    CHECK(frames[i]->ptsUs == kStartUs + static_cast<int64_t>(i) * 20'000);
  }
  // The buffered tail came out with the jump; the next frame is at the new input time.
  const int64_t jumpedUs = inputFrame(aac, Codec::kAac, input, kJumpAt, {}, kForwardUs).ptsUs;
  size_t realigned = firstAfterJump;
  while (realigned < frames.size() && frames[realigned]->ptsUs < jumpedUs) {
    ++realigned;
  }
  REQUIRE(realigned < frames.size());
  CHECK(frames[realigned]->ptsUs == jumpedUs);
  CHECK(realigned - firstAfterJump <= 2);
  // Strictly increasing throughout, the backward jump included.
  for (size_t i = 1; i < frames.size(); ++i) {
    CAPTURE(i);
    CHECK(frames[i]->ptsUs - frames[i - 1]->ptsUs >= 20'000);
  }
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: lost input frames do not add up to a growing lag") {
  const Encoded& aac = aac48kStereo();
  auto input = inputConfig(aac, Codec::kAac, aac.extradata);
  auto transcoder = AudioTranscoder::create(*input, Codec::kOpus);
  REQUIRE(transcoder.isOk());
  std::vector<FramePtr> frames;
  int64_t lastInputUs = 0;
  for (size_t i = 0; i < aac.packets.size(); ++i) {
    // Every fourth frame lost (arrives empty): 21 ms missing each time, 0.5 s in all.
    const Bytes payload = i % 4 == 3 ? Bytes() : aac.packets[i];
    const auto frame = inputFrame(aac, Codec::kAac, input, i, payload);
    lastInputUs = frame.ptsUs;
    append(frames, (*transcoder)->push(frame));
  }
  CHECK((*transcoder)->stats().skippedFrames == aac.packets.size() / 4);
  CHECK((*transcoder)->stats().timelineResets >= 1);
  REQUIRE_FALSE(frames.empty());
  // The output keeps up with the input, within the realignment threshold and a frame or two.
  CHECK(std::llabs(frames.back()->ptsUs - lastInputUs) <= AudioTranscoder::kTimelineJumpUs + 50'000);
  for (size_t i = 1; i < frames.size(); ++i) {
    CHECK(frames[i]->ptsUs - frames[i - 1]->ptsUs >= 20'000);
  }
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: garbage is skipped and counted") {
  std::mt19937 random(7);
  SUBCASE("AAC input") {
    const Encoded& aac = aac48kStereo();
    auto input = inputConfig(aac, Codec::kAac, aac.extradata);
    auto transcoder = AudioTranscoder::create(*input, Codec::kOpus);
    REQUIRE(transcoder.isOk());
    auto& t = **transcoder;
    std::vector<FramePtr> frames;
    size_t index = 0;
    auto pushPayload = [&](Bytes payload) {
      append(frames, t.push(inputFrame(aac, Codec::kAac, input, index++, std::move(payload))));
    };
    for (int i = 0; i < 10; ++i) {
      pushPayload(aac.packets[index]);
    }
    CHECK(t.stats().skippedFrames == 0);
    pushPayload(Bytes());
    CHECK(t.stats().skippedFrames == 1);
    CHECK(t.stats().lastError == "aac decode: empty frame");
    pushPayload(Bytes::copyOf(randomBytes(random, 200'000)));
    CHECK(t.stats().skippedFrames == 2);
    for (int i = 0; i < 20; ++i) {
      pushPayload(Bytes::copyOf(randomBytes(random, 1 + random() % 800)));
    }
    for (int i = 0; i < 5; ++i) {
      pushPayload(aac.packets[index].slice(0, aac.packets[index].size() / 3));
    }
    CHECK(t.stats().skippedFrames > 2);
    CHECK(t.stats().lastError.starts_with("aac decode: "));
    for (int i = 0; i < 20; ++i) {
      pushPayload(aac.packets[index]);
    }
    append(frames, t.flush());
    const auto& stats = t.stats();
    CHECK(stats.inputFrames == index);
    CHECK(stats.decodedFrames + stats.skippedFrames == stats.inputFrames);
    CHECK(stats.decodedFrames >= 30);
    CHECK(frames.size() >= 30 * 1024 / 960);
    for (size_t i = 1; i < frames.size(); ++i) {
      CHECK(frames[i]->ptsUs > frames[i - 1]->ptsUs);
    }
  }
  SUBCASE("Opus input") {
    const Encoded opus = encodeTone("libopus", 48000, 2, 0.4);
    auto input = inputConfig(opus, Codec::kOpus, opusHead(2, static_cast<uint16_t>(opus.initialPadding)));
    auto transcoder = AudioTranscoder::create(*input, Codec::kAac);
    REQUIRE(transcoder.isOk());
    auto& t = **transcoder;
    std::vector<FramePtr> frames;
    size_t index = 0;
    auto pushPayload = [&](Bytes payload) {
      append(frames, t.push(inputFrame(opus, Codec::kOpus, input, index++, std::move(payload))));
    };
    pushPayload(Bytes());
    for (int i = 0; i < 30; ++i) {
      pushPayload(Bytes::copyOf(randomBytes(random, random() % 1500)));
    }
    for (size_t i = 0; i < opus.packets.size(); ++i) {
      pushPayload(opus.packets[i]);
      pushPayload(opus.packets[i].slice(0, 1));
    }
    append(frames, t.flush());
    const auto& stats = t.stats();
    CHECK(stats.skippedFrames >= 1);
    CHECK(stats.decodedFrames + stats.skippedFrames == stats.inputFrames);
    CHECK(stats.decodedFrames >= opus.packets.size());
    CHECK_FALSE(frames.empty());
    for (size_t i = 1; i < frames.size(); ++i) {
      CHECK(frames[i]->ptsUs > frames[i - 1]->ptsUs);
    }
  }
}

TEST_CASE_FIXTURE(QuietLibav, "audio transcoder: unsupported inputs are refused") {
  TrackConfig aac;
  aac.kind = TrackKind::kAudio;
  aac.codec = Codec::kAac;
  aac.sampleRate = 48000;
  aac.channels = 2;
  CHECK_FALSE(AudioTranscoder::create(aac, Codec::kAac).isOk());
  CHECK_FALSE(AudioTranscoder::create(aac, Codec::kMp3).isOk());
  TrackConfig mp3 = aac;
  mp3.codec = Codec::kMp3;
  CHECK_FALSE(AudioTranscoder::create(mp3, Codec::kOpus).isOk());
  TrackConfig badAsc = aac;
  constexpr uint8_t kReservedRate[] = {0x17, 0x00};  // sampling frequency index 14
  badAsc.record = Bytes::copyOf(kReservedRate);
  auto refused = AudioTranscoder::create(badAsc, Codec::kOpus);
  REQUIRE_FALSE(refused.isOk());
  CHECK(refused.error().message().starts_with("audio transcoder: AAC config"));
  // Without a record, the track's rate and channels are enough.
  auto bare = AudioTranscoder::create(aac, Codec::kOpus);
  REQUIRE(bare.isOk());
  CHECK((*bare)->config()->channels == 2);
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::codec
