#include "metrics/process_metrics.h"

#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace rtsedge::metrics {

namespace {

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double residentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double openFds() {
  std::error_code error;
  auto entries = std::filesystem::directory_iterator("/proc/self/fd", error);
  return error ? 0 : static_cast<double>(std::distance(entries, std::filesystem::directory_iterator()));
}

// Field 22 of /proc/self/stat is the start time in clock ticks since boot.
double startTimeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  double ticks = std::strtod(field.c_str(), nullptr);
  std::ifstream uptimeFile("/proc/uptime");
  double uptime = 0;
  uptimeFile >> uptime;
  double bootTime = static_cast<double>(time(nullptr)) - uptime;
  return bootTime + ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// What the C heap holds: bytes handed out and still allocated (arenas plus mmapped
// blocks), and free bytes the allocator keeps in its arenas instead of returning them to
// the kernel. Next to process_resident_memory_bytes they tell a leak (allocated grows)
// from fragmentation or a high-water mark (free grows, allocated does not).
struct HeapUse {
  double allocated = 0;
  double free = 0;
};

HeapUse heapUse() {
#ifdef __GLIBC__
  struct mallinfo2 info = mallinfo2();
  return {static_cast<double>(info.uordblks + info.hblkhd), static_cast<double>(info.fordblks)};
#else
  return {};
#endif
}

}  // namespace

std::string processMetrics() {
  std::string out;
  auto put = [&out](const char* name, const char* type, const char* help, double value) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  put("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", cpuSeconds());
  put("process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.", residentBytes());
  put("process_open_fds", "gauge", "Open file descriptors.", openFds());
  HeapUse heap = heapUse();
  put("rtsedge_heap_allocated_bytes", "gauge", "Bytes the C heap has handed out and not had back.", heap.allocated);
  put("rtsedge_heap_free_bytes", "gauge", "Free bytes the C heap keeps in its arenas.", heap.free);
  put("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.",
      startTimeSeconds());
  return out;
}

}  // namespace rtsedge::metrics
