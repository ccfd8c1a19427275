#include "metrics/process_metrics.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define RTSEDGE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RTSEDGE_UNDER_ASAN 1
#endif
#endif

namespace rtsedge::metrics {
namespace {

double valueOf(const std::string& exposition, const std::string& name) {
  size_t line = exposition.find("\n" + name + " ");
  REQUIRE_MESSAGE(line != std::string::npos, name << " missing from:\n" << exposition);
  return std::strtod(exposition.c_str() + line + name.size() + 2, nullptr);
}

TEST_CASE("process metrics: every series, each with its HELP and TYPE") {
  std::string text = processMetrics();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "process_start_time_seconds", "rtsedge_heap_allocated_bytes", "rtsedge_heap_free_bytes"}) {
    CAPTURE(name);
    CHECK(text.find(std::string("# HELP ") + name + " ") != std::string::npos);
    CHECK(text.find(std::string("# TYPE ") + name + " ") != std::string::npos);
    CHECK(valueOf(text, name) >= 0);
  }
  CHECK(valueOf(text, "process_resident_memory_bytes") > 1e6);
  CHECK(valueOf(text, "process_open_fds") >= 3);
}

#ifndef RTSEDGE_UNDER_ASAN  // ASan's allocator replaces glibc's, whose figures these are
TEST_CASE("heap metrics follow an allocation and its release") {
  constexpr size_t kBlock = 32 << 20;
  double before = valueOf(processMetrics(), "rtsedge_heap_allocated_bytes");
  char* block = static_cast<char*>(std::malloc(kBlock));
  REQUIRE(block != nullptr);
  std::memset(block, 1, kBlock);  // touched, so the optimiser cannot drop it
  double during = valueOf(processMetrics(), "rtsedge_heap_allocated_bytes");
  CHECK(block[kBlock - 1] == 1);
  std::free(block);
  double after = valueOf(processMetrics(), "rtsedge_heap_allocated_bytes");
  CHECK(during - before >= static_cast<double>(kBlock));
  CHECK(during - after >= static_cast<double>(kBlock));
}
#endif

}  // namespace
}  // namespace rtsedge::metrics
