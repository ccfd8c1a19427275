#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "relay/app.h"
#include "relay/config.h"
#include "relay/config_values.h"
#include "relay/version.h"

namespace {

constexpr const char* kUsage = R"(usage: rtsedge [options]

Low-latency live streaming edge relay. Without --config it runs the embedded
default configuration (the same as conf/rtsedge.yaml).

options:
  -c, --config FILE        run with the configuration in FILE
      --check-config FILE  check FILE and exit: 0 if valid, 1 with file:line: error if not
  -l, --log-level LEVEL    trace, debug, info, warn, error, critical or off (overrides log.level)
  -V, --version            print the version and exit
  -h, --help               print this help and exit
)";

struct Options {
  std::optional<std::string> configFile;
  std::optional<std::string> checkFile;
  std::optional<std::string> logLevel;
};

// Returns the exit code when the command line says to exit at once.
std::optional<int> parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      return i + 1 < argc ? std::optional<std::string>(argv[++i]) : std::nullopt;
    };
    std::optional<std::string>* target = nullptr;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "-V" || arg == "--version") {
      std::cout << "rtsedge " << rtsedge::kVersion << "\n";
      return 0;
    } else if (arg == "-c" || arg == "--config") {
      target = &options.configFile;
    } else if (arg == "--check-config") {
      target = &options.checkFile;
    } else if (arg == "-l" || arg == "--log-level") {
      target = &options.logLevel;
    } else {
      std::cerr << "rtsedge: unknown option " << arg << "\n" << kUsage;
      return 2;
    }
    *target = value();
    if (!*target) {
      std::cerr << "rtsedge: " << arg << " needs a value\n";
      return 2;
    }
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (auto exitCode = parseOptions(argc, argv, options)) {
    return *exitCode;
  }
  if (options.checkFile) {
    auto config = rtsedge::loadConfigFile(*options.checkFile);
    if (!config) {
      std::cerr << config.error().message() << "\n";
      return 1;
    }
    std::cout << *options.checkFile << ": ok\n";
    return 0;
  }
  auto config =
      options.configFile ? rtsedge::loadConfigFile(*options.configFile) : rtsedge::loadEmbeddedDefaultConfig();
  if (!config) {
    std::cerr << "rtsedge: " << config.error().message() << "\n";
    return 1;
  }
  auto level = rtsedge::parseLogLevel(options.logLevel.value_or(config->log.level));
  if (!level) {
    std::cerr << "rtsedge: --log-level: " << level.error().message() << "\n";
    return 2;
  }
  spdlog::set_default_logger(spdlog::stderr_color_mt("rtsedge"));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(*level));

  // A write to a connection the peer has reset must fail that one write (EPIPE),
  // not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  rtsedge::App app(std::move(*config));
  if (auto status = app.start(); !status) {
    spdlog::critical("cannot start: {}", status.error().message());
    return 1;
  }
  spdlog::info("rtsedge {} running ({})", rtsedge::kVersion,
               options.configFile ? *options.configFile : "embedded default configuration");
  app.run();
  spdlog::info("stopped");
  return 0;
}
