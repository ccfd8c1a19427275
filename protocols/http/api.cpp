#include "protocols/http/api.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <strings.h>

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "metrics/process_metrics.h"
#include "relay/config_values.h"
#include "relay/version.h"

namespace rtsedge::http {

namespace {

using nlohmann::json;

constexpr std::string_view kStreamsPrefix = "/api/v1/streams/";
constexpr std::string_view kClientsPrefix = "/api/v1/clients/";

HttpResponse jsonResponse(int status, const json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}

double secondsSince(SteadyTime then, SteadyTime now) {
  return std::chrono::duration<double>(now - then).count();
}

json trackJson(const TrackConfig& config) {
  json track{{"codec", codecName(config.codec)}};
  if (config.kind == TrackKind::kVideo) {
    track["width"] = config.width;
    track["height"] = config.height;
    track["fps"] = config.frameRate;
  } else {
    track["sample_rate"] = config.sampleRate;
    track["channels"] = config.channels;
  }
  return track;
}

json upstreamUrls(const Config& config) {
  json urls = json::array();
  for (const UpstreamSettings& upstream : config.upstreams) {
    urls.push_back(upstream.url);
  }
  return urls;
}

json clientJson(const ClientInfo& info, SteadyTime now) {
  json client{{"id", info.id},
              {"protocol", info.protocol},
              {"role", info.role},
              {"stream", info.stream},
              {"remote", info.remote},
              {"seconds", secondsSince(info.since, now)},
              {"bytes_received", info.bytesReceived},
              {"bytes_sent", info.bytesSent}};
  if (!info.transport.empty()) {
    json transport = json::object();
    for (const auto& [name, value] : info.transport) {
      transport[name] = value;
    }
    client["transport"] = std::move(transport);
  }
  return client;
}

}  // namespace

HttpResponse errorResponse(int status, std::string message) {
  return jsonResponse(status, json{{"error", {{"code", status}, {"message", std::move(message)}}}});
}

Api::Api(Hub& hub, ClientRegistry& clients, metrics::Registry& registry, const Config& config, const Clock& clock)
    : hub_(hub),
      clients_(clients),
      registry_(registry),
      config_(config),
      clock_(clock),
      started_(clock.now()),
      apiRefused_(registry.counter("rtsedge_api_unauthorized_total",
                                   "API and /metrics requests refused for a missing or wrong bearer token.", {})
                      .labels({})) {}

namespace {

// Constant-time: how much of a token matched must not show in the response time.
bool bearerMatches(const HttpRequest& request, const std::string& token) {
  const std::string* header = request.header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header == nullptr || header->size() != kScheme.size() + token.size() ||
      strncasecmp(header->c_str(), kScheme.data(), kScheme.size()) != 0) {
    return false;
  }
  return CRYPTO_memcmp(header->data() + kScheme.size(), token.data(), token.size()) == 0;
}

}  // namespace

HttpResponse Api::handle(const HttpRequest& request) {
  const std::string& path = request.path;
  bool read = request.method == "GET" || request.method == "HEAD";
  if (path == "/healthz") {
    return HttpResponse{200, "text/plain; charset=utf-8", "ok\n", {}};
  }
  if (path == "/readyz") {
    return ready_ ? HttpResponse{200, "text/plain; charset=utf-8", "ready\n", {}}
                  : HttpResponse{503, "text/plain; charset=utf-8", "starting\n", {}};
  }
  if (!config_.api.token.empty() && !(read && config_.api.publicReads) && !bearerMatches(request, config_.api.token)) {
    apiRefused_.inc();
    HttpResponse refused = errorResponse(401, "this route needs Authorization: Bearer <api.token>");
    refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rtsedge\"");
    return refused;
  }
  if (path == "/metrics" && read) {
    std::string text = registry_.exposition() + metrics::processMetrics();
    if (config_.metrics.perStream) {
      text += perStreamMetrics();
    }
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}};
  }
  if (path == "/api/v1/server" && read) {
    return server();
  }
  if ((path == "/api/v1/streams" || path == "/api/v1/streams/") && read) {
    return streams();
  }
  if (path.starts_with(kStreamsPrefix) && read) {
    return stream(path.substr(kStreamsPrefix.size()));
  }
  if (path == "/api/v1/clients" && read) {
    return clients(request);
  }
  if (path.starts_with(kClientsPrefix) && request.method == "DELETE") {
    return kickClient(path.substr(kClientsPrefix.size()));
  }
  if (path.starts_with("/api/") || path == "/metrics") {
    return errorResponse(path.starts_with("/api/v1/") ? 405 : 404,
                         request.method + " " + path + " is not an API route");
  }
  return errorResponse(404, "nothing at " + path);
}

// Built at scrape time from the hub, so no frame pays for it; bounded by
// metrics.max_streams (stream keys are validated, so they need no escaping).
std::string Api::perStreamMetrics() {
  std::map<std::string, int> viewers;
  for (const auto& [id, client] : clients_.all()) {
    ClientInfo info = client->clientInfo();
    if (info.role == "player") {
      ++viewers[info.stream];
    }
  }
  std::string viewerLines, byteLines;
  size_t count = 0;
  hub_.forEach([&](Stream& s) {
    if (count++ >= config_.metrics.maxStreams) {
      return;
    }
    viewerLines += fmt::format("rtsedge_stream_viewers{{stream=\"{}\"}} {}\n", s.key(), viewers[s.key()]);
    byteLines += fmt::format("rtsedge_stream_ingest_bytes_total{{stream=\"{}\"}} {}\n", s.key(), s.stats().bytes());
  });
  return "# HELP rtsedge_stream_viewers Viewers of one stream, all protocols.\n"
         "# TYPE rtsedge_stream_viewers gauge\n" +
         viewerLines +
         "# HELP rtsedge_stream_ingest_bytes_total Media bytes one stream received since it was created here.\n"
         "# TYPE rtsedge_stream_ingest_bytes_total counter\n" +
         byteLines;
}

HttpResponse Api::server() {
  return jsonResponse(200, json{{"version", kVersion},
                                {"uptime_seconds", secondsSince(started_, clock_.now())},
                                {"role", config_.upstreams.empty() ? "origin" : "edge"},
                                {"node_id", tier_ != nullptr ? tier_->nodeId() : config_.tier.nodeId},
                                {"upstreams", upstreamUrls(config_)},
                                {"streams", hub_.streamCount()},
                                {"clients", clients_.all().size()},
                                {"config",
                                 {{"source", config_.source},
                                  {"rtmp", config_.rtmp.enabled ? formatListenAddress(config_.rtmp.listen) : "off"},
                                  {"http", config_.http.enabled ? formatListenAddress(config_.http.listen) : "off"},
                                  {"srt", config_.srt.enabled ? formatListenAddress(config_.srt.listen) : "off"}}}});
}

HttpResponse Api::streams() {
  json list = json::array();
  hub_.forEach([&](Stream& s) { list.push_back(streamJson(s)); });
  return jsonResponse(200, json{{"streams", list}});
}

HttpResponse Api::stream(const std::string& key) {
  Stream* s = hub_.find(key);
  return s == nullptr ? errorResponse(404, "no stream " + key) : jsonResponse(200, streamJson(*s));
}

nlohmann::json Api::streamJson(Stream& stream) {
  const std::string& key = stream.key();
  Stream* s = &stream;
  SteadyTime now = clock_.now();
  json viewers{{"total", 0}};
  json source = nullptr;
  uint64_t egressBytes = 0;
  for (const auto& [id, client] : clients_.all()) {
    ClientInfo info = client->clientInfo();
    if (info.stream != key) {
      continue;
    }
    if (info.role == "publisher") {
      source = json{{"client", info.id},
                    {"protocol", info.protocol},
                    {"remote", info.remote},
                    {"seconds", secondsSince(info.since, now)}};
    } else if (info.role == "player") {
      viewers["total"] = viewers["total"].get<int>() + 1;
      viewers[info.protocol] = viewers.value(info.protocol, 0) + 1;
      egressBytes += info.bytesSent;
    }
  }
  json tracks = json::object();
  if (s->videoConfig()) {
    tracks["video"] = trackJson(*s->videoConfig());
  }
  if (s->audioConfig()) {
    tracks["audio"] = trackJson(*s->audioConfig());
  }
  json origin{{"kind", "local"}};
  if (auto pull = tier_ != nullptr ? tier_->pullInfo(key) : std::nullopt) {
    origin = json{{"kind", "pulled"},
                  {"upstream", pull->upstream},
                  {"playing", pull->playing},
                  {"seconds", pull->playing ? secondsSince(pull->since, now) : 0.0},
                  {"failovers", pull->failovers}};
  } else if (auto push = tier_ != nullptr ? tier_->pushInfo(key) : std::nullopt) {
    origin["pushed_to"] = json{{"upstream", push->upstream},
                               {"pushing", push->pushing},
                               {"seconds", push->pushing ? secondsSince(push->since, now) : 0.0}};
  }
  StreamStats& stats = s->stats();
  return json{{"key", key},
              {"live", s->hasSource()},
              {"origin", origin},
              {"source", source},
              {"tracks", tracks},
              {"frames", stats.frames()},
              {"ingest_bytes", stats.bytes()},
              {"ingest_kbps", stats.bitrate(now) / 1000},
              {"keyframe_interval_ms", stats.keyframeIntervalUs() / 1000},
              {"gop_cache", {{"frames", s->gopCache().frames().size()}, {"bytes", s->gopCache().bytes()}}},
              {"viewers", viewers},
              {"egress_bytes", egressBytes}};
}

HttpResponse Api::clients(const HttpRequest& request) {
  auto filter = request.queryParam("stream");
  SteadyTime now = clock_.now();
  json list = json::array();
  for (const auto& [id, client] : clients_.all()) {
    ClientInfo info = client->clientInfo();
    if (!filter || info.stream == *filter) {
      list.push_back(clientJson(info, now));
    }
  }
  return jsonResponse(200, json{{"clients", list}});
}

HttpResponse Api::kickClient(const std::string& id) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), value);
  if (error != std::errc() || end != id.data() + id.size()) {
    return errorResponse(400, "\"" + id + "\" is not a client id");
  }
  Client* client = clients_.find(value);
  if (client == nullptr) {
    return errorResponse(404, "no client " + id);
  }
  client->kick();
  return jsonResponse(200, json{{"kicked", value}});
}

}  // namespace rtsedge::http
