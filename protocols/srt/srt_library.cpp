#include "protocols/srt/srt_library.h"

#include <spdlog/spdlog.h>
#include <srt/logging_api.h>
#include <srt/srt.h>
#include <sys/syslog.h>

#include <string_view>

namespace rtsedge::srt {

namespace {

// Called on libsrt's threads; spdlog is thread-safe.
void logLine(void*, int level, const char*, int, const char*, const char* message) {
  std::string_view text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  // A non-blocking accept that finds the backlog empty is how an edge-triggered accept
  // loop ends, yet libsrt logs it as an error.
  if (text.find("no pending connection available") != std::string_view::npos) {
    return;
  }
  // A session that closes after its peer vanished removes a socket libsrt has already
  // closed and collected: libsrt still drops it from the epoll set, and its collector may
  // then report on it once more. Both are libsrt's own bookkeeping, logged as errors
  // (found by the soak under ASan, whose timing makes the race common); debug here.
  if (text.find("not found as either socket or group") != std::string_view::npos ||
      text.find("which is NOT SUBSCRIBED") != std::string_view::npos) {
    spdlog::debug("libsrt {}", text);
    return;
  }
  // libsrt starts its messages with their function's name already.
  spdlog::log(level <= LOG_ERR ? spdlog::level::err : spdlog::level::warn, "libsrt {}", text);
}

}  // namespace

SrtLibrary::SrtLibrary() {
  srt_startup();
  srt_setloglevel(LOG_WARNING);
  srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_SEVERITY |
                  SRT_LOGF_DISABLE_EOL);
  srt_setloghandler(nullptr, &logLine);
}

SrtLibrary::~SrtLibrary() {
  srt_cleanup();
}

}  // namespace rtsedge::srt
