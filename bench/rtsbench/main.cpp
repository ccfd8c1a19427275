#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <span>
#include <string_view>

#include "bench/rtsbench/play_options.h"
#include "bench/rtsbench/play_run.h"
#include "bench/rtsbench/publisher.h"

namespace {

constexpr const char* kUsage = R"(usage: rtsbench publish --url URL --file FILE [--seconds S]
       rtsbench play --url URL [--players N] [--duration SECONDS] [--ramp RATE] [--buffer MS]
                     [--json FILE] [--csv FILE] [--label TEXT]

Load and measurement tool for rtsedge and other live servers: `publish` sends a file
with capture-time stamps in every video frame, `play` runs N players and reports
connect and first-frame times, end-to-end latency, stalls and throughput.
`rtsbench play --help` details the player options.
)";

bool wantsHelp(std::span<char*> args) {
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::span<char*> args(argv, static_cast<size_t>(argc));
  if (args.size() < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string_view mode = args[1];
  std::span<char*> rest = args.subspan(2);
  // Logs are the libraries' warnings only: stdout is the report's.
  spdlog::set_default_logger(spdlog::stderr_color_mt("rtsbench"));
  spdlog::set_level(spdlog::level::warn);
  // A write to a connection the server has reset must fail that one write, not the run.
  std::signal(SIGPIPE, SIG_IGN);
  if (mode == "publish") {
    auto options = rtsedge::bench::parsePublisherArgs(rest);
    if (!options) {
      std::cerr << "rtsbench publish: " << options.error().message() << "\n";
      return 2;
    }
    return rtsedge::bench::runPublisher(*options);
  }
  if (mode == "play") {
    if (wantsHelp(rest)) {
      std::cout << rtsedge::bench::kPlayUsage;
      return 0;
    }
    auto options = rtsedge::bench::parsePlayArgs(rest);
    if (!options) {
      std::cerr << "rtsbench play: " << options.error().message() << "\n\n" << rtsedge::bench::kPlayUsage;
      return 2;
    }
    return rtsedge::bench::runPlay(*options);
  }
  if (mode == "-h" || mode == "--help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "rtsbench: unknown mode " << mode << "\n" << kUsage;
  return 2;
}
