#include "bench/rtsbench/publisher.h"

#include <fmt/format.h>
#include <srt/srt.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>

#include "bench/rtsbench/flv_file.h"
#include "protocols/codec/annexb.h"
#include "protocols/codec/sei.h"
#include "protocols/http/request_parser.h"
#include "protocols/mpegts/ts_muxer.h"
#include "protocols/rtmp/rtmp_client.h"
#include "protocols/rtmp/rtmp_mux.h"
#include "protocols/srt/srt_caller.h"
#include "protocols/srt/srt_library.h"
#include "protocols/srt/srt_sender.h"
#include "relay/config_values.h"
#include "relay/query.h"
#include "relay/quoted.h"
#include "relay/uv/handle.h"
#include "relay/uv/timer.h"

namespace rtsedge::bench {

namespace {

constexpr std::string_view kUsage =
    "usage: rtsbench publish --url URL --file FILE [--seconds S]\n"
    "  URL   rtmp://host:port/app/name or srt://host:port?streamid=#!::r=app/name,m=publish\n"
    "  FILE  FLV with H.264 or H.265 video and AAC audio (scripts/bench-fixture writes one)\n"
    "  S     stop after S seconds (default: loop until SIGINT or SIGTERM)";
// How often due frames are released: jitter of a few ms, well under a frame interval.
constexpr Millis kPaceInterval{5};
constexpr Millis kReportInterval{5000};

// Where the paced frames go: an RTMP publish, or MPEG-TS over an SRT caller.
class Transport {
 public:
  class Listener {
   public:
    virtual void onTransportStarted() = 0;
    // The transport has stopped already.
    virtual void onTransportFailed(std::string_view reason) = 0;

   protected:
    ~Listener() = default;
  };

  virtual ~Transport() = default;
  // An Error when the connection cannot even be attempted.
  virtual Status start() = 0;
  // From onTransportStarted on: bytes in muxer()'s form go into queue(), flush() sends them.
  virtual Muxer& muxer() = 0;
  virtual EgressQueue& queue() = 0;
  virtual void flush() = 0;
  virtual uint64_t bytesSent() const = 0;
  // Stops without a callback.
  virtual void close() = 0;
};

class RtmpTransport final : public Transport, private rtmp::RtmpClient::Listener {
 public:
  RtmpTransport(uv::Loop& loop, const Clock& clock, rtmp::ClientOptions options, Transport::Listener& listener)
      : listener_(listener), client_(loop, clock, std::move(options), *this), muxer_(client_.options().chunkSize) {}

  Status start() override { return client_.start(); }
  Muxer& muxer() override { return muxer_; }
  EgressQueue& queue() override { return client_.queue(); }
  void flush() override { client_.flush(); }
  uint64_t bytesSent() const override { return client_.bytesSent(); }
  void close() override { client_.close(); }

 private:
  void onClientStarted() override { listener_.onTransportStarted(); }
  void onClientMedia(const rtmp::Message&) override {}
  void onClientData(const rtmp::Message&, const std::vector<amf0::Value>&) override {}
  void onClientFailed(rtmp::ClientFailure failure, std::string_view detail) override {
    listener_.onTransportFailed(fmt::format("{}: {}", rtmp::clientFailureName(failure), detail));
  }

  Transport::Listener& listener_;
  rtmp::RtmpClient client_;
  rtmp::RtmpMuxer muxer_;
};

// An SRT publish has no answer to wait for: connected is started.
class SrtTransport final : public Transport, private srt::SrtCaller::Listener {
 public:
  SrtTransport(uv::Loop& loop, const Clock& clock, UpstreamSettings upstream, std::string streamId,
               Transport::Listener& listener)
      : listener_(listener),
        upstream_(std::move(upstream)),
        streamId_(std::move(streamId)),
        poller_(loop),
        context_{loop, clock, poller_, settings_, tier_, viewers_, framesReceived_},
        caller_(context_, *this),
        queue_(EgressQueueLimits{}, clock),
        sender_(queue_, settings_.payloadSize),
        stream_(streamId_, streamSettings_, clock),
        muxer_(stream_) {}

  Status start() override { return caller_.connect(upstream_, streamId_); }
  Muxer& muxer() override { return muxer_; }
  EgressQueue& queue() override { return queue_; }
  void flush() override {
    if (caller_.socket() != SRT_INVALID_SOCK && !sender_.send(caller_.socket())) {
      caller_.fail("closed", srt_getlasterror_str());
    }
  }
  uint64_t bytesSent() const override { return sender_.bytesSent(); }
  void close() override {
    caller_.close();
    poller_.stop();  // its wake-up handle would keep the loop running
  }

 private:
  void onCallerConnected() override { listener_.onTransportStarted(); }
  void onCallerWritable() override { flush(); }
  void onCallerFailed(std::string_view kind, std::string_view detail) override {
    listener_.onTransportFailed(fmt::format("{}: {}", kind, detail));
  }

  srt::SrtLibrary library_;  // started before any SRT socket, cleaned up after the last
  Transport::Listener& listener_;
  UpstreamSettings upstream_;  // address, and the URL's latency and passphrase
  std::string streamId_;
  // What SrtCaller reads besides the upstream: a node's defaults (tier_: the connect timeout).
  SrtSettings settings_;
  TierSettings tier_;
  ViewerSettings viewers_;
  metrics::Counter framesReceived_;
  srt::SrtPoller poller_;
  srt::SrtUpstreamContext context_;
  srt::SrtCaller caller_;
  EgressQueue queue_;
  srt::SrtSender sender_;
  // TsMuxer keeps the MPEG-TS program (PMT, continuity counters) in a stream's egress state.
  StreamSettings streamSettings_;
  Stream stream_;
  mpegts::TsMuxer muxer_;
};

// rtmp://host:port/app/name?query: the app is the first path segment, the stream name
// (with any query) the rest.
Result<std::unique_ptr<Transport>> rtmpTransport(std::string_view url, uv::Loop& loop, const Clock& clock,
                                                 Transport::Listener& listener) {
  size_t app = url.find('/', std::string_view("rtmp://").size());
  size_t name = app == std::string_view::npos ? app : url.find('/', app + 1);
  if (name == std::string_view::npos || name == app + 1 || name + 1 == url.size()) {
    return Error("an rtmp:// URL needs an app and a stream name: rtmp://host:port/app/name");
  }
  auto server = parseUpstreamUrl(url.substr(0, name));
  if (!server) {
    return server.error();
  }
  rtmp::ClientOptions options;
  options.host = server->address.host;
  options.port = server->address.port;
  options.app = server->app;
  options.streamName = std::string(url.substr(name + 1));
  options.mode = rtmp::ClientMode::kPublish;
  return std::unique_ptr<Transport>(std::make_unique<RtmpTransport>(loop, clock, std::move(options), listener));
}

// srt://host:port?streamid=...: the stream id percent-decoded, as ffmpeg does; the other
// options (latency, passphrase) are those of an srt:// upstream.
Result<std::unique_ptr<Transport>> srtTransport(std::string_view url, uv::Loop& loop, const Clock& clock,
                                                Transport::Listener& listener) {
  size_t query = url.find('?');
  std::string_view options = query == std::string_view::npos ? std::string_view() : url.substr(query + 1);
  http::HttpRequest request;  // for its query parameter parsing
  request.query = options;
  auto streamId = request.queryParam("streamid");
  if (!streamId || streamId->empty()) {
    return Error("an srt:// URL needs a stream id: srt://host:port?streamid=#!::r=app/name,m=publish");
  }
  std::string others;
  forEachQueryParam(options, [&](std::string_view name, std::string_view value) {
    if (!name.empty() && name != "streamid") {
      others += fmt::format("{}{}={}", others.empty() ? "?" : "&", name, value);
    }
  });
  auto server = parseUpstreamUrl(fmt::format("{}{}", url.substr(0, query), others));
  if (!server) {
    return server.error();
  }
  return std::unique_ptr<Transport>(
      std::make_unique<SrtTransport>(loop, clock, std::move(*server), std::move(*streamId), listener));
}

// Where the stamp goes: first, or after an access unit delimiter, which has to stay first.
size_t stampOffset(const MediaFrame& frame) {
  auto units = codec::splitLengthPrefixed(frame.payload.span(), frame.config->nalLengthSize);
  if (!units || units->empty()) {
    return 0;
  }
  std::span<const uint8_t> first = units->front();
  bool delimiter = frame.codec == Codec::kH264 ? (first[0] & 0x1f) == 9 : ((first[0] >> 1) & 0x3f) == 35;
  return delimiter ? static_cast<size_t>(first.data() + first.size() - frame.payload.data()) : 0;
}

// The frame's payload with a capture-time SEI unit inserted, length-prefixed like the others.
Bytes stamped(const MediaFrame& frame, int64_t unixMicros) {
  std::vector<uint8_t> sei = codec::captureTimeSei(frame.codec, unixMicros);
  uint8_t lengthSize = frame.config->nalLengthSize;
  size_t at = stampOffset(frame);
  BytesBuilder out(frame.payload.size() + lengthSize + sei.size());
  out.append(frame.payload.span().first(at));
  for (int shift = 8 * (lengthSize - 1); shift >= 0; shift -= 8) {
    out.appendByte(static_cast<uint8_t>(sei.size() >> shift));
  }
  out.append(sei);
  out.append(frame.payload.span().subspan(at));
  return out.freeze();
}

// Publishes the file's frames at the pace of their timestamps, looping.
class Publisher final : private Transport::Listener {
 public:
  Publisher(uv::Loop& loop, const Clock& clock, const FlvFile& file, const PublisherOptions& options)
      : loop_(loop),
        clock_(clock),
        file_(file),
        url_(options.url),
        stopAtUs_(std::llround(options.seconds * 1e6)),
        pacer_(loop, [this] { pace(); }),
        reporter_(loop, [this] { report(); }),
        sigint_(this),
        sigterm_(this) {
    uv_signal_init(loop.raw(), sigint_.get());
    uv_signal_init(loop.raw(), sigterm_.get());
  }

  // Connects; the loop then runs until the publisher is done.
  Status start() {
    auto transport = url_.starts_with("rtmp://")  ? rtmpTransport(url_, loop_, clock_, *this)
                     : url_.starts_with("srt://") ? srtTransport(url_, loop_, clock_, *this)
                                                  : Error("not an rtmp:// or srt:// URL");
    if (!transport) {
      return transport.error();
    }
    transport_ = std::move(*transport);
    if (Status started = transport_->start(); !started) {
      return started;
    }
    uv_signal_start(sigint_.get(), &Publisher::onSignal, SIGINT);
    uv_signal_start(sigterm_.get(), &Publisher::onSignal, SIGTERM);
    return Status::ok();
  }

  int exitCode() const { return exitCode_; }

 private:
  void onTransportStarted() override {
    fmt::print("publish: {} started\n", url_);
    std::fflush(stdout);
    started_ = clock_.now();
    lastReport_ = started_;
    if (!file_.metadata.empty()) {
      if (Bytes bytes = transport_->muxer().metadata(file_.metadata); !bytes.empty()) {
        transport_->queue().pushControl(std::move(bytes));
      }
    }
    pacer_.start(Millis(0), kPaceInterval);
    reporter_.start(kReportInterval, kReportInterval);
  }

  void onTransportFailed(std::string_view reason) override {
    fmt::print(stderr, "publish: {}: {}\n", url_, reason);
    finish(1);
  }

  static void onSignal(uv_signal_t* handle, int) {
    if (auto* self = uv::ownerOf<Publisher>(handle)) {
      self->finish(0);
    }
  }

  void pace() {
    int64_t elapsedUs = std::chrono::duration_cast<Micros>(clock_.now() - started_).count();
    if (stopAtUs_ > 0 && elapsedUs >= stopAtUs_) {
      finish(0);
      return;
    }
    while (file_.frames[next_]->dtsUs + loopOffsetUs_ <= elapsedUs) {
      if (!send(*file_.frames[next_])) {
        return;
      }
      if (++next_ == file_.frames.size()) {
        next_ = 0;
        loopOffsetUs_ += file_.loopUs;
      }
    }
    transport_->flush();
  }

  // False when the publisher failed.
  bool send(const MediaFrame& original) {
    auto frame = std::make_shared<MediaFrame>(original);
    frame->dtsUs += loopOffsetUs_;
    frame->ptsUs += loopOffsetUs_;
    frame->arrival = clock_.now();
    if (frame->kind == TrackKind::kVideo) {
      frame->capture = std::chrono::system_clock::now();
      frame->payload =
          stamped(original, std::chrono::duration_cast<Micros>(frame->capture->time_since_epoch()).count());
    }
    Muxer& muxer = transport_->muxer();
    EgressQueue& queue = transport_->queue();
    TrackConfigPtr& sentConfig = frame->kind == TrackKind::kVideo ? videoConfig_ : audioConfig_;
    if (frame->config != sentConfig) {
      if (Bytes bytes = muxer.trackConfig(*frame->config, frame->dtsUs); !bytes.empty()) {
        queue.pushControl(std::move(bytes));
      }
      sentConfig = frame->config;
    }
    Bytes bytes = muxer.frame(frame);
    if (bytes.empty()) {
      return true;  // malformed: MPEG-TS could not split it into NAL units
    }
    bool syncPoint = frame->kind == TrackKind::kVideo ? frame->keyframe : !file_.hasVideo;
    auto pushed = queue.pushFrame(std::move(bytes), FrameMark{syncPoint, frame->arrival, frame->dtsUs, frame->capture});
    if (pushed == EgressQueue::Push::kOverflow) {
      onTransportFailed("the server took no data for 5 s");
      return false;
    }
    // Over a second behind, the queue drops frames up to the next keyframe: those are not sent.
    if (pushed == EgressQueue::Push::kQueued || (pushed == EgressQueue::Push::kSkipped && syncPoint)) {
      ++framesSent_;
    }
    return true;
  }

  void report() {
    SteadyTime now = clock_.now();
    uint64_t bytes = transport_->bytesSent();
    double seconds = std::chrono::duration<double>(now - lastReport_).count();
    fmt::print("publish: {:.0f} s, {} frames sent, {:.2f} Mbit/s\n",
               std::chrono::duration<double>(now - started_).count(), framesSent_ - reportedFrames_,
               static_cast<double>(bytes - reportedBytes_) * 8 / seconds / 1e6);
    std::fflush(stdout);
    lastReport_ = now;
    reportedFrames_ = framesSent_;
    reportedBytes_ = bytes;
  }

  void finish(int exitCode) {
    if (finished_) {
      return;
    }
    finished_ = true;
    exitCode_ = exitCode;
    pacer_.close();
    reporter_.close();
    sigint_.close();
    sigterm_.close();
    transport_->close();
  }

  uv::Loop& loop_;
  const Clock& clock_;
  const FlvFile& file_;
  std::string url_;
  int64_t stopAtUs_;  // 0: never
  std::unique_ptr<Transport> transport_;
  uv::Timer pacer_;
  uv::Timer reporter_;
  uv::Handle<uv_signal_t> sigint_;
  uv::Handle<uv_signal_t> sigterm_;
  bool finished_ = false;
  int exitCode_ = 0;

  SteadyTime started_{};
  size_t next_ = 0;             // the next frame of the file to send
  int64_t loopOffsetUs_ = 0;    // added to the file's timestamps in this loop
  TrackConfigPtr videoConfig_;  // the configurations sent last
  TrackConfigPtr audioConfig_;

  SteadyTime lastReport_{};
  uint64_t framesSent_ = 0;
  uint64_t reportedFrames_ = 0;
  uint64_t reportedBytes_ = 0;
};

Error usage(std::string_view problem) {
  return Error(fmt::format("{}\n{}", problem, kUsage));
}

}  // namespace

Result<PublisherOptions> parsePublisherArgs(std::span<char*> args) {
  PublisherOptions options;
  for (size_t i = 0; i < args.size(); i += 2) {
    std::string_view flag = args[i];
    if (i + 1 == args.size()) {
      return usage(fmt::format("{} needs a value", flag));
    }
    std::string_view value = args[i + 1];
    if (flag == "--url") {
      options.url = value;
    } else if (flag == "--file") {
      options.file = value;
    } else if (flag == "--seconds") {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), options.seconds);
      if (error != std::errc() || end != value.data() + value.size() || !std::isfinite(options.seconds) ||
          options.seconds < 0) {
        return usage(fmt::format("--seconds {} is not a number of seconds", quoted(value)));
      }
    } else {
      return usage(fmt::format("unknown argument {}", quoted(flag)));
    }
  }
  if (options.url.empty() || options.file.empty()) {
    return usage("--url and --file are required");
  }
  return options;
}

int runPublisher(const PublisherOptions& options) {
  auto file = readFlvFile(options.file);
  if (!file) {
    fmt::print(stderr, "publish: {}: {}\n", options.file, file.error().message());
    return 1;
  }
  uv::Loop loop;  // before the publisher: destroyed after everything on it
  SteadyClock clock;
  Publisher publisher(loop, clock, *file, options);
  if (Status started = publisher.start(); !started) {
    fmt::print(stderr, "publish: {}: {}\n", options.url, started.error().message());
    return 1;
  }
  loop.run();
  return publisher.exitCode();
}

}  // namespace rtsedge::bench
