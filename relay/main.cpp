#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "relay/app.h"
#include "relay/config.h"
#include "relay/config_values.h"
#include "relay/stream_key.h"
#include "relay/version.h"
#include "security/signature.h"

namespace {

constexpr const char* kUsage = R"(usage: rtsedge [options]
       rtsedge sign [--config FILE] --action publish|play --key APP/NAME [--ttl SECONDS]

Low-latency live streaming edge relay. Without --config it runs the embedded
default configuration (the same as conf/rtsedge.yaml).

options:
  -c, --config FILE        run with the configuration in FILE
      --check-config FILE  check FILE and exit: 0 if valid, 1 with file:line: error if not
  -l, --log-level LEVEL    trace, debug, info, warn, error, critical or off (overrides log.level)
  -V, --version            print the version and exit
  -h, --help               print this help and exit

commands:
  sign                     print the query of a signed URL, expires=...&sign=..., for one
                           action on one stream, signed with the first of the app's
                           security.apps[].secrets; valid --ttl seconds (default 3600)
)";

constexpr const char* kSignUsage =
    R"(usage: rtsedge sign [--config FILE] --action publish|play --key APP/NAME [--ttl SECONDS]

Prints the query to append to a publish or play URL, `expires=...&sign=...`, signed
with the first secret of the app's rules (security.apps[].secrets) in FILE, or in the
embedded default configuration without --config.

options:
  -c, --config FILE     the configuration with the app's secrets
      --action ACTION   publish or play: a link signed for one does not do the other
      --key APP/NAME    the stream key, e.g. live/cam1
      --ttl SECONDS     how long the link stays valid: 1 to 31536000 (a year); default 3600
  -h, --help            print this help and exit
)";

constexpr uint64_t kDefaultSignTtl = 3600;
constexpr uint64_t kMaxSignTtl = 31'536'000;

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

struct SignOptions {
  std::optional<std::string> configFile;
  std::optional<std::string> action;
  std::optional<std::string> key;
  std::optional<std::string> ttl;
};

int signUsageError(const std::string& message) {
  std::cerr << "rtsedge sign: " << message << "\n" << kSignUsage;
  return 2;
}

// `rtsedge sign ...`: argv[1] is "sign". Returns the exit code.
int runSign(int argc, char** argv) {
  SignOptions options;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string>* target = nullptr;
    if (arg == "-h" || arg == "--help") {
      std::cout << kSignUsage;
      return 0;
    } else if (arg == "-c" || arg == "--config") {
      target = &options.configFile;
    } else if (arg == "--action") {
      target = &options.action;
    } else if (arg == "--key") {
      target = &options.key;
    } else if (arg == "--ttl") {
      target = &options.ttl;
    } else {
      return signUsageError("unknown option " + arg);
    }
    if (*target) {
      return signUsageError(arg + " given twice");
    }
    if (i + 1 >= argc) {
      return signUsageError(arg + " needs a value");
    }
    *target = argv[++i];
  }
  if (!options.action || (*options.action != "publish" && *options.action != "play")) {
    return signUsageError(options.action ? "--action must be publish or play, not \"" + *options.action + "\""
                                         : "--action publish|play is required");
  }
  if (!options.key) {
    return signUsageError("--key APP/NAME is required");
  }
  const size_t slash = options.key->rfind('/');
  auto key = slash == std::string::npos
                 ? rtsedge::Result<rtsedge::StreamKey>(rtsedge::Error("no / between app and name"))
                 : rtsedge::parseStreamKey(std::string_view(*options.key).substr(0, slash),
                                           std::string_view(*options.key).substr(slash + 1));
  if (key && key->key() != *options.key) {
    key = rtsedge::Error("not exactly app/name");  // a query, or a doubled or trailing slash
  }
  if (!key) {
    return signUsageError("--key \"" + *options.key + "\" is not a stream key APP/NAME such as live/cam1 (" +
                          key.error().message() + ")");
  }
  uint64_t ttl = kDefaultSignTtl;
  if (options.ttl) {
    auto parsed = rtsedge::parseInteger(*options.ttl);
    if (!parsed || *parsed < 1 || *parsed > kMaxSignTtl) {
      return signUsageError("--ttl \"" + *options.ttl + "\" is not a number of seconds from 1 to " +
                            std::to_string(kMaxSignTtl));
    }
    ttl = *parsed;
  }

  auto config =
      options.configFile ? rtsedge::loadConfigFile(*options.configFile) : rtsedge::loadEmbeddedDefaultConfig();
  if (!config) {
    std::cerr << "rtsedge sign: " << config.error().message() << "\n";
    return 1;
  }
  const rtsedge::AppSecurity* rules = rtsedge::findAppSecurity(config->security, key->app);
  if (rules == nullptr || rules->secrets.empty()) {
    std::cerr << "rtsedge sign: app \"" << key->app << "\" has no signing secret in " << config->source
              << (rules == nullptr ? " (no rules for it and no app \"*\")"
                                   : " (the rules of app \"" + rules->app + "\" have none)")
              << ": secrets go in security.apps[].secrets\n";
    return 1;
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::cout << rtsedge::security::signedQuery(rules->secrets.front(), *options.action, key->key(),
                                              now + static_cast<int64_t>(ttl))
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "sign") == 0) {
    return runSign(argc, argv);
  }
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
