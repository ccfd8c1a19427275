#include "protocols/codec/audio_transcoder.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include "protocols/codec/aac.h"
#include "protocols/codec/adts.h"
#include "protocols/codec/av_log.h"
#include "protocols/codec/opus.h"

namespace rtsedge::codec {
namespace {

constexpr int64_t kOpusBitRate = 64'000;
constexpr int64_t kAacBitRate = 128'000;
// libopus spends bits on in-band FEC only when told to expect loss.
constexpr int64_t kOpusExpectedLossPercent = 10;
constexpr double kOpusFrameMs = 20;
// No AAC or Opus frame comes near this: larger payloads are garbage, not worth decoding.
constexpr size_t kMaxPayloadSize = 64 * 1024;

std::string avError(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av_strerror(code, text.data(), text.size());
  return text.data();
}

Error avFailure(std::string_view what, int code) {
  return Error(std::string(what) + ": " + avError(code));
}

std::string label(Codec codec) {
  return codec == Codec::kAac ? "aac" : "opus";
}

int64_t samplesToUs(int64_t samples, int rate) {
  return samples * 1'000'000 / rate;
}

struct CodecContextDeleter {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct AvFrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct AvPacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwrDeleter {
  void operator()(SwrContext* swr) const { swr_free(&swr); }
};
struct FifoDeleter {
  void operator()(AVAudioFifo* fifo) const { av_audio_fifo_free(fifo); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using AvFramePtr = std::unique_ptr<AVFrame, AvFrameDeleter>;
using AvPacketPtr = std::unique_ptr<AVPacket, AvPacketDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using FifoPtr = std::unique_ptr<AVAudioFifo, FifoDeleter>;

Result<CodecContextPtr> openDecoder(Codec codec, const Bytes& record, uint32_t sampleRate, uint8_t channels) {
  const std::string what = label(codec) + " decoder";
  const AVCodec* decoder = avcodec_find_decoder(codec == Codec::kAac ? AV_CODEC_ID_AAC : AV_CODEC_ID_OPUS);
  if (decoder == nullptr) {
    return Error(what + ": not in libavcodec");
  }
  CodecContextPtr context(avcodec_alloc_context3(decoder));
  if (!context) {
    return Error(what + ": out of memory");
  }
  context->sample_rate = static_cast<int>(sampleRate);
  if (channels > 0) {
    av_channel_layout_default(&context->ch_layout, channels);
  }
  if (!record.empty()) {
    context->extradata = static_cast<uint8_t*>(av_mallocz(record.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (context->extradata == nullptr) {
      return Error(what + ": out of memory");
    }
    std::memcpy(context->extradata, record.data(), record.size());
    context->extradata_size = static_cast<int>(record.size());
  }
  if (const int rc = avcodec_open2(context.get(), decoder, nullptr); rc < 0) {
    return avFailure(what, rc);
  }
  return Result<CodecContextPtr>(std::move(context));
}

AVSampleFormat pickSampleFormat(const AVCodec* encoder) {
  if (encoder->sample_fmts == nullptr) {
    return AV_SAMPLE_FMT_FLTP;
  }
  for (const AVSampleFormat preferred : {AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_S16}) {
    for (const AVSampleFormat* format = encoder->sample_fmts; *format != AV_SAMPLE_FMT_NONE; ++format) {
      if (*format == preferred) {
        return preferred;
      }
    }
  }
  return encoder->sample_fmts[0];
}

Result<CodecContextPtr> openEncoder(Codec codec, int sampleRate, int channels) {
  const std::string what = label(codec) + " encoder";
  const AVCodec* encoder =
      codec == Codec::kOpus ? avcodec_find_encoder_by_name("libopus") : avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (encoder == nullptr) {
    return Error(what + ": not in libavcodec");
  }
  CodecContextPtr context(avcodec_alloc_context3(encoder));
  if (!context) {
    return Error(what + ": out of memory");
  }
  context->sample_rate = sampleRate;
  av_channel_layout_default(&context->ch_layout, channels);
  context->sample_fmt = pickSampleFormat(encoder);
  context->time_base = AVRational{1, sampleRate};
  if (codec == Codec::kOpus) {
    context->bit_rate = kOpusBitRate;
    for (const auto& [name, value] : {std::pair{"fec", int64_t{1}}, std::pair{"packet_loss", kOpusExpectedLossPercent}}) {
      if (const int rc = av_opt_set_int(context->priv_data, name, value, 0); rc < 0) {
        return avFailure(what + " option " + name, rc);
      }
    }
    if (const int rc = av_opt_set_double(context->priv_data, "frame_duration", kOpusFrameMs, 0); rc < 0) {
      return avFailure(what + " option frame_duration", rc);
    }
  } else {
    context->bit_rate = kAacBitRate;
    context->profile = FF_PROFILE_AAC_LOW;
  }
  if (const int rc = avcodec_open2(context.get(), encoder, nullptr); rc < 0) {
    return avFailure(what, rc);
  }
  if (context->frame_size <= 0) {
    return Error(what + ": no fixed frame size");
  }
  return Result<CodecContextPtr>(std::move(context));
}

}  // namespace

struct AudioTranscoder::State {
  Codec inputCodec = Codec::kUnknown;
  Codec outputCodec = Codec::kUnknown;
  TrackConfigPtr output;
  int outRate = 0;
  int outChannels = 0;
  AVSampleFormat outFormat = AV_SAMPLE_FMT_NONE;
  AVChannelLayout outLayout{};
  int frameSize = 0;
  int maxBuffered = 0;  // output-rate samples: one second

  CodecContextPtr decoder;
  CodecContextPtr encoder;
  // Allocated once, reused for every frame.
  AvPacketPtr inPacket;
  AvPacketPtr outPacket;
  AvFramePtr decoded;
  AvFramePtr converted;  // resampler output; nb_samples is its capacity
  AvFramePtr encodeFrame;
  std::vector<uint8_t> packetBuffer;  // payload + AV_INPUT_BUFFER_PADDING_SIZE zeros

  // The resampler follows the decoder's output format, which may change mid-stream.
  SwrPtr swr;
  int swrInRate = 0;
  int swrInFormat = AV_SAMPLE_FMT_NONE;
  AVChannelLayout swrInLayout{};
  FifoPtr fifo;  // resampled samples waiting for a whole encoder frame

  // Timeline: the next output frame is at baseUs + samplesSinceBase at outRate.
  bool timelineStarted = false;
  int64_t baseUs = 0;
  int64_t samplesSinceBase = 0;
  // Where the next input frame should start: the anchor (the input pts the timeline started
  // at) plus what was decoded since. Measured from the anchor, not from the previous frame,
  // so skipped frames and drift add up to a realignment instead of a growing offset.
  int64_t inputAnchorUs = 0;
  int64_t inputSamples = 0;
  int inputRate = 0;
  bool anyOutput = false;
  int64_t lastOutputUs = 0;
  int64_t encoderPts = 0;
  // Of the input frame that completed the output frames: relay and end-to-end latency
  // of the output count from it.
  SteadyTime arrival{};
  std::optional<WallTime> capture;

  AudioTranscoderStats stats;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    av_channel_layout_uninit(&outLayout);
    av_channel_layout_uninit(&swrInLayout);
  }

  int64_t frameUs() const { return samplesToUs(frameSize, outRate); }

  int64_t expectedInputUs() const {
    return inputAnchorUs + (inputRate > 0 ? samplesToUs(inputSamples, inputRate) : 0);
  }

  void anchorInput(int64_t inputUs) {
    inputAnchorUs = inputUs;
    inputSamples = 0;
  }

  void advanceInput(int64_t samples, int rate) {
    if (rate != inputRate) {
      inputAnchorUs = expectedInputUs();
      inputSamples = 0;
      inputRate = rate;
    }
    inputSamples += samples;
  }

  void skip(std::string reason) {
    ++stats.skippedFrames;
    stats.lastError = std::move(reason);
  }

  bool ensureConverted(int samples) {
    if (converted->data[0] != nullptr && converted->nb_samples >= samples) {
      return true;
    }
    av_frame_unref(converted.get());
    converted->format = outFormat;
    if (av_channel_layout_copy(&converted->ch_layout, &outLayout) < 0) {
      return false;
    }
    converted->nb_samples = std::max(samples, frameSize * 4);
    return av_frame_get_buffer(converted.get(), 0) >= 0;
  }

  // Appends to the FIFO, dropping the oldest samples beyond the one-second cap.
  void buffer(uint8_t** data, int samples) {
    if (samples <= 0) {
      return;
    }
    if (samples > maxBuffered) {
      stats.droppedSamples += static_cast<uint64_t>(samples - maxBuffered);
      samples = maxBuffered;
    }
    const int excess = av_audio_fifo_size(fifo.get()) + samples - maxBuffered;
    if (excess > 0) {
      av_audio_fifo_drain(fifo.get(), excess);
      stats.droppedSamples += static_cast<uint64_t>(excess);
    }
    const int written = av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(data), samples);
    if (written < samples) {
      stats.droppedSamples += static_cast<uint64_t>(samples - std::max(written, 0));
    }
  }

  void resetResampler() {
    swr.reset();
    swrInRate = 0;
    swrInFormat = AV_SAMPLE_FMT_NONE;
    av_channel_layout_uninit(&swrInLayout);
  }

  // Moves what the resampler holds back into the FIFO, then forgets it.
  void drainResampler() {
    if (swr) {
      const int capacity = swr_get_out_samples(swr.get(), 0);
      if (capacity > 0 && ensureConverted(capacity)) {
        const int got = swr_convert(swr.get(), converted->data, converted->nb_samples, nullptr, 0);
        buffer(converted->data, got);
      }
    }
    resetResampler();
  }

  // Resamples one decoded frame into the FIFO; an error text when it cannot.
  std::optional<std::string> resample(const AVFrame& in) {
    AVChannelLayout inLayout{};
    if (in.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&in.ch_layout) == 0) {
      av_channel_layout_default(&inLayout, in.ch_layout.nb_channels);
    } else if (av_channel_layout_copy(&inLayout, &in.ch_layout) < 0) {
      return "resample: out of memory";
    }
    std::optional<std::string> failure;
    const bool formatChanged = !swr || in.sample_rate != swrInRate || in.format != swrInFormat ||
                               av_channel_layout_compare(&inLayout, &swrInLayout) != 0;
    if (formatChanged) {
      drainResampler();
      SwrContext* raw = nullptr;
      int rc = swr_alloc_set_opts2(&raw, &outLayout, outFormat, outRate, &inLayout,
                                   static_cast<AVSampleFormat>(in.format), in.sample_rate, 0, nullptr);
      swr.reset(raw);
      if (rc >= 0) {
        rc = swr_init(swr.get());
      }
      if (rc < 0) {
        resetResampler();
        failure = "resample: " + avError(rc);
      } else {
        swrInRate = in.sample_rate;
        swrInFormat = in.format;
        av_channel_layout_uninit(&swrInLayout);
        av_channel_layout_copy(&swrInLayout, &inLayout);
      }
    }
    av_channel_layout_uninit(&inLayout);
    if (failure) {
      return failure;
    }
    const int capacity = swr_get_out_samples(swr.get(), in.nb_samples);
    if (capacity < 0 || !ensureConverted(capacity)) {
      return "resample: " + avError(capacity < 0 ? capacity : AVERROR(ENOMEM));
    }
    const int got = swr_convert(swr.get(), converted->data, converted->nb_samples,
                                const_cast<const uint8_t**>(in.extended_data), in.nb_samples);
    if (got < 0) {
      return "resample: " + avError(got);
    }
    buffer(converted->data, got);
    return std::nullopt;
  }

  void emit(const AVPacket& packet, std::vector<FramePtr>& out) {
    int64_t ts = baseUs + samplesToUs(samplesSinceBase, outRate);
    samplesSinceBase += frameSize;
    if (anyOutput && ts <= lastOutputUs) {
      ts = lastOutputUs + 1;  // defensive: never backwards
    }
    anyOutput = true;
    lastOutputUs = ts;
    if (packet.size <= 0) {
      return;
    }
    auto frame = std::make_shared<MediaFrame>();
    frame->kind = TrackKind::kAudio;
    frame->codec = outputCodec;
    frame->dtsUs = ts;
    frame->ptsUs = ts;
    frame->keyframe = true;
    frame->payload = Bytes::copyOf(std::span<const uint8_t>(packet.data, static_cast<size_t>(packet.size)));
    frame->config = output;
    frame->arrival = arrival;
    frame->capture = capture;
    out.push_back(std::move(frame));
    ++stats.outputFrames;
  }

  // Sends one frame (nullptr: drain) and collects the packets the encoder has ready.
  Status encode(const AVFrame* frame, std::vector<FramePtr>& out) {
    const std::string what = label(outputCodec) + " encode";
    int rc = avcodec_send_frame(encoder.get(), frame);
    if (rc < 0 && rc != AVERROR_EOF) {
      return avFailure(what, rc);
    }
    while (true) {
      rc = avcodec_receive_packet(encoder.get(), outPacket.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
        return Status::ok();
      }
      if (rc < 0) {
        return avFailure(what, rc);
      }
      emit(*outPacket, out);
      av_packet_unref(outPacket.get());
    }
  }

  // Encodes every whole frame in the FIFO; with padLast also the rest, padded with silence.
  Status encodeBuffered(std::vector<FramePtr>& out, bool padLast) {
    while (true) {
      const int available = av_audio_fifo_size(fifo.get());
      if (available == 0 || (available < frameSize && !padLast)) {
        return Status::ok();
      }
      if (const int rc = av_frame_make_writable(encodeFrame.get()); rc < 0) {
        return avFailure(label(outputCodec) + " encode", rc);
      }
      const int samples = std::min(available, frameSize);
      av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(encodeFrame->data), samples);
      if (samples < frameSize) {
        av_samples_set_silence(encodeFrame->data, samples, frameSize - samples, outChannels, outFormat);
      }
      encodeFrame->pts = encoderPts;
      encoderPts += frameSize;
      if (auto status = encode(encodeFrame.get(), out); !status) {
        return status;
      }
    }
  }

  // Where a new timeline starts: at the input's time, but never before what was handed out.
  int64_t newBase(int64_t inputUs) const { return anyOutput ? std::max(inputUs, lastOutputUs + frameUs()) : inputUs; }

  // An input jump: hand out what is buffered, then align to the new input time.
  Status realign(int64_t inputUs, std::vector<FramePtr>& out) {
    ++stats.timelineResets;
    drainResampler();
    if (auto status = encodeBuffered(out, true); !status) {
      return status;
    }
    avcodec_flush_buffers(decoder.get());
    baseUs = newBase(inputUs);
    samplesSinceBase = 0;
    anchorInput(inputUs);
    return Status::ok();
  }

  Status openEncoderFrames() {
    auto opened = openEncoder(outputCodec, outRate, outChannels);
    if (!opened) {
      return opened.error();
    }
    encoder = std::move(*opened);
    // The sample format and frame size are the encoder's; both stay the same when reopened.
    outFormat = encoder->sample_fmt;
    frameSize = encoder->frame_size;
    encoderPts = 0;
    av_frame_unref(encodeFrame.get());
    encodeFrame->format = outFormat;
    encodeFrame->nb_samples = frameSize;
    encodeFrame->sample_rate = outRate;
    if (const int rc = av_channel_layout_copy(&encodeFrame->ch_layout, &outLayout); rc < 0) {
      return avFailure("encoder frame", rc);
    }
    if (const int rc = av_frame_get_buffer(encodeFrame.get(), 0); rc < 0) {
      return avFailure("encoder frame", rc);
    }
    return Status::ok();
  }

  Result<std::vector<FramePtr>> push(const MediaFrame& frame) {
    std::vector<FramePtr> out;
    ++stats.inputFrames;
    arrival = frame.arrival;
    capture = frame.capture;
    const std::string what = label(inputCodec) + " decode";
    if (frame.payload.empty()) {
      skip(what + ": empty frame");
      return out;
    }
    if (frame.payload.size() > kMaxPayloadSize) {
      skip(what + ": " + std::to_string(frame.payload.size()) + "-byte frame");
      return out;
    }
    if (timelineStarted && std::llabs(frame.ptsUs - expectedInputUs()) > kTimelineJumpUs) {
      if (auto status = realign(frame.ptsUs, out); !status) {
        return status.error();
      }
    }

    packetBuffer.assign(frame.payload.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
    std::memcpy(packetBuffer.data(), frame.payload.data(), frame.payload.size());
    inPacket->data = packetBuffer.data();
    inPacket->size = static_cast<int>(frame.payload.size());
    int rc = avcodec_send_packet(decoder.get(), inPacket.get());
    inPacket->data = nullptr;
    inPacket->size = 0;
    if (rc < 0) {
      skip(what + ": " + avError(rc));
      return out;
    }
    int64_t decodedSamples = 0;
    int decodedRate = 0;
    std::optional<std::string> failure;
    while (true) {
      rc = avcodec_receive_frame(decoder.get(), decoded.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
        break;
      }
      if (rc < 0) {
        failure = what + ": " + avError(rc);
        break;
      }
      if (decoded->nb_samples > 0 && decoded->sample_rate > 0 && decoded->ch_layout.nb_channels > 0) {
        if (!timelineStarted) {
          timelineStarted = true;
          baseUs = newBase(frame.ptsUs);
          samplesSinceBase = 0;
          anchorInput(frame.ptsUs);
        }
        if (auto error = resample(*decoded); error) {
          failure = std::move(error);
        } else {
          decodedSamples += decoded->nb_samples;
          decodedRate = decoded->sample_rate;
        }
      }
      av_frame_unref(decoded.get());
    }
    if (decodedSamples == 0) {
      skip(failure ? *failure : what + ": no samples");
      return out;
    }
    ++stats.decodedFrames;
    // Opus says its own duration (the decoder trims the pre-skip from the first packet);
    // AAC's is what it decoded to.
    std::optional<uint32_t> packetSamples;
    if (inputCodec == Codec::kOpus) {
      if (auto parsed = opusPacketSamples(frame.payload.span())) {
        packetSamples = *parsed;
      }
    }
    if (packetSamples) {
      advanceInput(*packetSamples, static_cast<int>(kOpusSampleRate));
    } else {
      advanceInput(decodedSamples, decodedRate);
    }

    if (auto status = encodeBuffered(out, false); !status) {
      return status.error();
    }
    return out;
  }

  Result<std::vector<FramePtr>> flush() {
    std::vector<FramePtr> out;
    drainResampler();
    if (auto status = encodeBuffered(out, true); !status) {
      return status.error();
    }
    if (auto status = encode(nullptr, out); !status) {
      return status.error();
    }
    // A drained encoder takes no more input: open a fresh one for later pushes.
    if (auto status = openEncoderFrames(); !status) {
      return status.error();
    }
    avcodec_flush_buffers(decoder.get());
    timelineStarted = false;
    return out;
  }
};

AudioTranscoder::AudioTranscoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
AudioTranscoder::~AudioTranscoder() = default;

Result<std::unique_ptr<AudioTranscoder>> AudioTranscoder::create(const TrackConfig& input, Codec output) {
  routeAvLogToSpdlog();
  const bool supported = (input.codec == Codec::kAac && output == Codec::kOpus) ||
                         (input.codec == Codec::kOpus && output == Codec::kAac);
  if (!supported) {
    return Error("audio transcoder: " + std::string(codecName(input.codec)) + " to " +
                 std::string(codecName(output)) + " unsupported");
  }
  uint32_t inRate = input.sampleRate;
  uint8_t inChannels = input.channels;
  if (input.codec == Codec::kAac) {
    if (!input.record.empty()) {
      auto asc = parseAudioSpecificConfig(input.record.span());
      if (!asc) {
        return asc.error().wrap("audio transcoder");
      }
      inRate = asc->sampleRate;
      inChannels = asc->channels != 0 ? asc->channels : inChannels;
    } else if (inRate == 0 || inChannels == 0) {
      return Error("audio transcoder: AAC without an AudioSpecificConfig, sample rate or channels");
    }
  } else {
    inRate = kOpusSampleRate;
  }

  auto state = std::make_unique<State>();
  state->inputCodec = input.codec;
  state->outputCodec = output;
  state->outChannels = std::clamp<int>(inChannels == 0 ? 2 : inChannels, 1, 2);
  state->outRate = output == Codec::kOpus ? static_cast<int>(kOpusSampleRate)
                                          : (input.sampleRate == 44100 ? 44100 : 48000);
  state->maxBuffered = state->outRate;
  av_channel_layout_default(&state->outLayout, state->outChannels);

  auto decoder = openDecoder(input.codec, input.record, inRate, static_cast<uint8_t>(state->outChannels));
  if (!decoder) {
    return decoder.error().wrap("audio transcoder");
  }
  state->decoder = std::move(*decoder);
  state->inPacket.reset(av_packet_alloc());
  state->outPacket.reset(av_packet_alloc());
  state->decoded.reset(av_frame_alloc());
  state->converted.reset(av_frame_alloc());
  state->encodeFrame.reset(av_frame_alloc());
  if (!state->inPacket || !state->outPacket || !state->decoded || !state->converted || !state->encodeFrame) {
    return Error("audio transcoder: out of memory");
  }
  if (auto status = state->openEncoderFrames(); !status) {
    return status.error().wrap("audio transcoder");
  }
  state->fifo.reset(av_audio_fifo_alloc(state->outFormat, state->outChannels, state->maxBuffered + state->frameSize));
  if (!state->fifo) {
    return Error("audio transcoder: out of memory");
  }

  auto config = std::make_shared<TrackConfig>();
  config->kind = TrackKind::kAudio;
  config->codec = output;
  config->sampleRate = static_cast<uint32_t>(state->outRate);
  config->channels = static_cast<uint8_t>(state->outChannels);
  if (output == Codec::kOpus) {
    config->record = opusHead(config->channels, static_cast<uint16_t>(std::max(state->encoder->initial_padding, 0)));
  } else {
    AdtsFrame lc;
    lc.objectType = kAacLc;
    lc.sampleRateIndex = *aacSampleRateIndex(config->sampleRate);  // 44100 or 48000: in the table
    lc.sampleRate = config->sampleRate;
    lc.channelConfiguration = config->channels;
    config->record = audioSpecificConfigFromAdts(lc);
  }
  state->output = std::move(config);
  return std::unique_ptr<AudioTranscoder>(new AudioTranscoder(std::move(state)));
}

Result<std::vector<FramePtr>> AudioTranscoder::push(const MediaFrame& frame) {
  return state_->push(frame);
}

Result<std::vector<FramePtr>> AudioTranscoder::flush() {
  return state_->flush();
}

const TrackConfigPtr& AudioTranscoder::config() const {
  return state_->output;
}

const AudioTranscoderStats& AudioTranscoder::stats() const {
  return state_->stats;
}

}  // namespace rtsedge::codec
