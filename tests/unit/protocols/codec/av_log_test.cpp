#include "protocols/codec/av_log.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

namespace rtsedge::codec {
namespace {

// Captures what reaches spdlog's default logger for the test's duration, with av_log at
// its default level (other tests silence it).
struct CapturedLog {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  int previousAvLevel = av_log_get_level();

  CapturedLog() {
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_level(spdlog::level::debug);
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
    av_log_set_level(AV_LOG_INFO);
    routeAvLogToSpdlog();
  }
  ~CapturedLog() {
    av_log_set_level(previousAvLevel);
    spdlog::set_default_logger(previous);
  }
  std::vector<std::string> lines() const { return sink->last_formatted(); }
};

TEST_CASE_FIXTURE(CapturedLog, "libav's log goes to spdlog: errors at warn, the rest at debug, a few lines a second") {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a fresh rate window
  av_log(nullptr, AV_LOG_ERROR, "bad packet %d\n", 1);
  av_log(nullptr, AV_LOG_INFO, "in two ");
  av_log(nullptr, AV_LOG_INFO, "pieces\n");
  av_log(nullptr, AV_LOG_DEBUG, "above av_log's level: dropped\n");
  auto lines = this->lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("warning libav bad packet 1"));
  CHECK(lines[1].starts_with("debug libav in two pieces"));

  for (int i = 0; i < 50; ++i) {
    av_log(nullptr, AV_LOG_ERROR, "flood %d\n", i);
  }
  CHECK(this->lines().size() == static_cast<size_t>(kAvLogLinesPerSecond));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  av_log(nullptr, AV_LOG_ERROR, "after the flood\n");
  lines = this->lines();
  REQUIRE(lines.size() == static_cast<size_t>(kAvLogLinesPerSecond) + 1);
  CHECK(lines.back().find("after the flood (47 earlier lines not logged)") != std::string::npos);
}

}  // namespace
}  // namespace rtsedge::codec
