#include "protocols/codec/av_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

extern "C" {
#include <libavutil/log.h>
}

namespace rtsedge::codec {
namespace {

// A line longer than this is cut: libav's own lines are far shorter.
constexpr size_t kMaxLineSize = 1024;

// libav may log from its own threads (frame threading): the limiter is shared.
struct RateLimiter {
  std::mutex mutex;
  std::chrono::steady_clock::time_point windowStart{};
  int linesInWindow = 0;
  uint64_t suppressed = 0;

  // Whether a line may go out now; `held` is what was suppressed since the last one.
  bool admit(uint64_t& held) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    if (now - windowStart >= std::chrono::seconds(1)) {
      windowStart = now;
      linesInWindow = 0;
    }
    if (linesInWindow >= kAvLogLinesPerSecond) {
      ++suppressed;
      return false;
    }
    ++linesInWindow;
    held = suppressed;
    suppressed = 0;
    return true;
  }
};

RateLimiter& limiter() {
  static RateLimiter instance;
  return instance;
}

void emit(int level, std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return;
  }
  uint64_t held = 0;
  if (!limiter().admit(held)) {
    return;
  }
  const auto spdLevel = level <= AV_LOG_ERROR ? spdlog::level::warn : spdlog::level::debug;
  if (held > 0) {
    spdlog::log(spdLevel, "libav {} ({} earlier lines not logged)", text, held);
  } else {
    spdlog::log(spdLevel, "libav {}", text);
  }
}

// libav hands a line in pieces (a context prefix, then the message; a message without a
// newline continues in the next call): collect them per thread until the newline.
void logCallback(void* context, int level, const char* format, va_list args) {
  if (level > av_log_get_level()) {
    return;
  }
  if (level > AV_LOG_ERROR && !spdlog::should_log(spdlog::level::debug)) {
    return;  // nothing to format
  }
  thread_local int printPrefix = 1;
  thread_local std::string pending;
  std::array<char, kMaxLineSize> piece{};
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(context, level, format, copy, piece.data(), static_cast<int>(piece.size()), &printPrefix);
  va_end(copy);
  std::string_view text(piece.data());
  pending.append(text.substr(0, kMaxLineSize - std::min(pending.size(), kMaxLineSize)));
  if (!text.empty() && text.back() == '\n') {
    emit(level, pending);
    pending.clear();
  }
}

}  // namespace

void routeAvLogToSpdlog() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(&logCallback); });
}

}  // namespace rtsedge::codec
