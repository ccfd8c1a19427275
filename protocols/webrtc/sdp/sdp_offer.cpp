#include "protocols/webrtc/sdp/sdp_offer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "relay/hex.h"

namespace rtsedge::webrtc::sdp {

namespace {

constexpr size_t kQuotedLineLength = 96;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// A line as it may appear in a message: shortened, control bytes escaped.
std::string quote(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size() && i < kQuotedLineLength; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (line.size() > kQuotedLineLength) {
    out += "...";
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

std::vector<std::string_view> splitWords(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
      ++i;
    }
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      ++i;
    }
    if (i > start) {
      words.push_back(text.substr(start, i - start));
    }
  }
  return words;
}

// "first rest": the first word and the trimmed rest.
std::pair<std::string_view, std::string_view> firstWord(std::string_view text) {
  text = trim(text);
  size_t space = text.find_first_of(" \t");
  if (space == std::string_view::npos) {
    return {text, {}};
  }
  return {text.substr(0, space), trim(text.substr(space + 1))};
}

template <class T>
std::optional<T> parseNumber(std::string_view text, uint64_t max) {
  if (text.empty() || text.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return static_cast<T>(value);
}

// RFC 8866 token characters.
bool isTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u < 0x21 || u > 0x7e) {
    return false;
  }
  return c != '"' && c != '(' && c != ')' && c != ',' && c != '/' && c != ':' && c != ';' && c != '<' && c != '=' &&
         c != '>' && c != '?' && c != '@' && c != '[' && c != '\\' && c != ']' && c != '{' && c != '}';
}

bool isToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

// An m= line protocol: tokens joined by '/'.
bool isProto(std::string_view text) {
  if (text.empty() || text.front() == '/' || text.back() == '/' || text.find("//") != std::string_view::npos) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '/' || isTokenChar(c); });
}

// RFC 8839 ice-char.
bool isIceChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

bool isVisible(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::optional<uint8_t> parsePayloadType(std::string_view text) {
  return parseNumber<uint8_t>(text, 127);
}

std::optional<Direction> parseDirection(std::string_view text) {
  if (text == "sendrecv") {
    return Direction::kSendRecv;
  }
  if (text == "sendonly") {
    return Direction::kSendOnly;
  }
  if (text == "recvonly") {
    return Direction::kRecvOnly;
  }
  if (text == "inactive") {
    return Direction::kInactive;
  }
  return std::nullopt;
}

std::optional<Setup> parseSetup(std::string_view text) {
  if (text == "actpass") {
    return Setup::kActPass;
  }
  if (text == "active") {
    return Setup::kActive;
  }
  if (text == "passive") {
    return Setup::kPassive;
  }
  if (text == "holdconn") {
    return Setup::kHoldConn;
  }
  return std::nullopt;
}

Status fail(std::string reason) {
  return Error(std::move(reason));
}

// Static payload types browsers offer without an a=rtpmap (RFC 3551).
void fillStaticType(Codec& codec) {
  struct Static {
    uint8_t type;
    const char* name;
    uint32_t clock;
  };
  static constexpr Static kStatic[] = {{0, "PCMU", 8000}, {8, "PCMA", 8000}, {9, "G722", 8000}, {13, "CN", 8000}};
  for (const auto& entry : kStatic) {
    if (entry.type == codec.payloadType) {
      codec.name = entry.name;
      codec.clockRate = entry.clock;
      codec.channels = 1;
    }
  }
}

// Session-level or media-level transport attributes: the same grammar at both levels.
struct Transport {
  std::string iceUfrag;
  std::string icePwd;
  std::vector<Fingerprint> fingerprints;
  Setup setup = Setup::kUnspecified;
  std::vector<std::string> iceOptions;
  std::optional<Direction> direction;
  std::vector<Extmap> extmaps;
  bool endOfCandidates = false;
  // The first fingerprint of another algorithm, for the message when no sha-256 one came.
  size_t otherFingerprintLine = 0;
  std::string otherFingerprint;
};

struct Rtpmap {
  std::string name;
  uint32_t clockRate = 0;
  uint8_t channels = 0;
};

struct Fmtp {
  std::string text;
  std::map<std::string, std::string, std::less<>> parameters;
};

// What a media section collects before its codecs are assembled.
struct SectionState {
  MediaSection section;
  Transport transport;
  bool sawMid = false;
  bool sawMsid = false;
  std::map<uint8_t, Rtpmap> rtpmaps;
  std::map<uint8_t, Fmtp> fmtps;
  std::map<uint8_t, std::vector<std::string>> feedback;
  std::vector<std::string> wildcardFeedback;
};

class Parser {
 public:
  explicit Parser(const SdpLimits& limits) : limits_(limits) {}

  Result<SessionDescription> run(std::string_view text);

 private:
  Status parseLine(std::string_view line);
  Status parseOrigin(std::string_view value);
  Status parseConnection(std::string_view value);
  Status parseMediaLine(std::string_view value);
  Status parseAttribute(std::string_view name, std::string_view value);
  Status parseTransportAttribute(Transport& transport, std::string_view name, std::string_view value, bool& handled);
  Status parseMediaAttribute(SectionState& state, std::string_view name, std::string_view value);
  Status parseRtpmap(SectionState& state, std::string_view value);
  Status parseFmtp(SectionState& state, std::string_view value);
  Status parseRtcpFb(SectionState& state, std::string_view value);
  Status parseSsrc(SectionState& state, std::string_view value);
  Status parseSsrcGroup(SectionState& state, std::string_view value);
  Status parseCandidate(SectionState& state, std::string_view value);
  Status parseGroup(std::string_view value);
  Status finish();
  Status finishSection(SectionState& state);
  Error lineError(size_t line, std::string_view text, std::string_view reason) const;
  std::string sectionName(const MediaSection& section) const;

  SdpLimits limits_;
  SessionDescription description_;
  Transport session_;
  std::string sessionConnection_;
  std::vector<SectionState> sections_;
  size_t lineNumber_ = 0;
  size_t lastLine_ = 0;
  bool sawOrigin_ = false;
};

Error Parser::lineError(size_t line, std::string_view text, std::string_view reason) const {
  return Error(fmt::format("line {}: {}: {}", line, quote(text), reason));
}

std::string Parser::sectionName(const MediaSection& section) const {
  std::string name = fmt::format("line {}: m={} section", section.line, quote(section.media));
  if (!section.mid.empty()) {
    name += fmt::format(" (mid {})", quote(section.mid));
  }
  return name;
}

Result<SessionDescription> Parser::run(std::string_view text) {
  if (text.size() > limits_.maxSize) {
    return Error(fmt::format("SDP of {} bytes, more than the limit of {}", text.size(), limits_.maxSize));
  }
  size_t position = 0;
  while (position < text.size()) {
    size_t newline = text.find('\n', position);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(position, end - position);
    position = newline == std::string_view::npos ? text.size() : newline + 1;
    ++lineNumber_;
    if (lineNumber_ > limits_.maxLines) {
      return Error(fmt::format("line {}: more than {} lines", lineNumber_, limits_.maxLines));
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() > limits_.maxLineLength) {
      return Error(fmt::format("line {}: {} characters, more than the limit of {}", lineNumber_, line.size(),
                               limits_.maxLineLength));
    }
    for (char c : line) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return lineError(lineNumber_, line, fmt::format("control character 0x{:02x}", u));
      }
    }
    if (Status status = parseLine(line); !status) {
      return lineError(lineNumber_, line, status.error().message());
    }
  }
  if (lineNumber_ == 0) {
    return Error("empty SDP (expected v=0 first)");
  }
  if (Status status = finish(); !status) {
    return status.error();
  }
  return std::move(description_);
}

Status Parser::parseLine(std::string_view line) {
  if (lineNumber_ == 1) {
    if (line != "v=0") {
      return fail("not an SDP (expected v=0 first)");
    }
    lastLine_ = lineNumber_;
    return {};
  }
  line = trim(line);
  if (line.empty()) {
    return {};  // tolerated: hand-written offers have blank lines
  }
  if (line.size() < 2 || line[1] != '=') {
    return fail("not <type>=<value>");
  }
  lastLine_ = lineNumber_;
  std::string_view value = line.substr(2);
  switch (line[0]) {
    case 'v': return fail("a second v= line");
    case 'o': return parseOrigin(value);
    case 'c': return parseConnection(value);
    case 'm': return parseMediaLine(value);
    case 'a': {
      size_t colon = value.find(':');
      std::string_view name = colon == std::string_view::npos ? value : value.substr(0, colon);
      std::string_view attributeValue =
          colon == std::string_view::npos ? std::string_view() : trim(value.substr(colon + 1));
      if (!isToken(name)) {
        return fail("the attribute name is not a token");
      }
      return parseAttribute(name, attributeValue);
    }
    case 's':
    case 'i':
    case 'u':
    case 'e':
    case 'p':
    case 'b':
    case 't':
    case 'r':
    case 'z':
    case 'k': return {};
    default: return fail(fmt::format("unknown line type '{}='", quote(line.substr(0, 1))));
  }
}

Status Parser::parseOrigin(std::string_view value) {
  if (!sections_.empty()) {
    return fail("o= inside a media section");
  }
  if (sawOrigin_) {
    return fail("a second o= line");
  }
  auto words = splitWords(value);
  if (words.size() != 6) {
    return fail("o= needs 6 fields: username sess-id sess-version nettype addrtype address");
  }
  sawOrigin_ = true;
  description_.originUsername = words[0];
  description_.sessionId = words[1];
  description_.sessionVersion = words[2];
  return {};
}

Status Parser::parseConnection(std::string_view value) {
  auto words = splitWords(value);
  if (words.size() != 3 || words[0] != "IN" || (words[1] != "IP4" && words[1] != "IP6")) {
    return fail("c= is not IN IP4|IP6 <address>");
  }
  std::string address(words[2].substr(0, words[2].find('/')));
  if (sections_.empty()) {
    sessionConnection_ = std::move(address);
  } else {
    sections_.back().section.connectionAddress = std::move(address);
  }
  return {};
}

Status Parser::parseMediaLine(std::string_view value) {
  if (sections_.size() >= limits_.maxMediaSections) {
    return fail(fmt::format("more than {} media sections", limits_.maxMediaSections));
  }
  auto words = splitWords(value);
  if (words.size() < 4) {
    return fail("m= needs <media> <port> <proto> <format>...");
  }
  SectionState state;
  MediaSection& section = state.section;
  section.line = lineNumber_;
  if (!isToken(words[0])) {
    return fail("the media type is not a token");
  }
  section.media = words[0];
  section.kind = section.media == "audio"   ? MediaKind::kAudio
                 : section.media == "video" ? MediaKind::kVideo
                                            : MediaKind::kOther;
  std::string_view portText = words[1];
  if (size_t slash = portText.find('/'); slash != std::string_view::npos) {
    if (!parseNumber<uint16_t>(portText.substr(slash + 1), 65535)) {
      return fail(fmt::format("port count \"{}\" is not a number", quote(portText.substr(slash + 1))));
    }
    portText = portText.substr(0, slash);
  }
  auto port = parseNumber<uint16_t>(portText, 65535);
  if (!port) {
    return fail(fmt::format("port \"{}\" is not a number 0-65535", quote(portText)));
  }
  section.port = *port;
  if (!isProto(words[2])) {
    return fail(fmt::format("protocol \"{}\" is not a token", quote(words[2])));
  }
  section.proto = words[2];
  std::set<uint8_t> seen;
  for (size_t i = 3; i < words.size(); ++i) {
    std::string_view format = words[i];
    if (section.isRtp()) {
      auto type = parsePayloadType(format);
      if (!type) {
        return fail(fmt::format("payload type \"{}\" is not a number 0-127", quote(format)));
      }
      if (!seen.insert(*type).second) {
        return fail(fmt::format("payload type {} listed twice", *type));
      }
    } else if (!isToken(format)) {
      return fail(fmt::format("format \"{}\" is not a token", quote(format)));
    }
    section.formats.emplace_back(format);
  }
  sections_.push_back(std::move(state));
  return {};
}

Status Parser::parseAttribute(std::string_view name, std::string_view value) {
  if (sections_.empty()) {
    bool handled = false;
    if (Status status = parseTransportAttribute(session_, name, value, handled); !status || handled) {
      return status;
    }
    if (name == "group") {
      return parseGroup(value);
    }
    if (name == "ice-lite") {
      description_.iceLite = true;
    } else if (name == "extmap-allow-mixed") {
      description_.extmapAllowMixed = true;
    }
    return {};  // everything else at session level is not ours to check
  }
  SectionState& state = sections_.back();
  bool handled = false;
  if (Status status = parseTransportAttribute(state.transport, name, value, handled); !status || handled) {
    return status;
  }
  return parseMediaAttribute(state, name, value);
}

Status Parser::parseTransportAttribute(Transport& transport, std::string_view name, std::string_view value,
                                       bool& handled) {
  handled = true;
  if (name == "ice-ufrag") {
    if (!transport.iceUfrag.empty()) {
      return fail("a second a=ice-ufrag");
    }
    if (value.size() < 4 || value.size() > 256 || !isIceChars(value)) {
      return fail("ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + /");
    }
    transport.iceUfrag = value;
    return {};
  }
  if (name == "ice-pwd") {
    if (!transport.icePwd.empty()) {
      return fail("a second a=ice-pwd");
    }
    if (value.size() < 22 || value.size() > 256 || !isIceChars(value)) {
      return fail("ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + /");
    }
    transport.icePwd = value;
    return {};
  }
  if (name == "ice-options") {
    for (std::string_view option : splitWords(value)) {
      if (!isToken(option)) {
        return fail("an ice-option is not a token");
      }
      transport.iceOptions.emplace_back(option);
    }
    return {};
  }
  if (name == "fingerprint") {
    auto [algorithm, digest] = firstWord(value);
    if (algorithm.empty() || digest.empty()) {
      return fail("a=fingerprint needs <hash function> <digest>");
    }
    if (!equalsIgnoreCase(algorithm, "sha-256")) {
      if (transport.otherFingerprintLine == 0) {
        transport.otherFingerprintLine = lineNumber_;
        transport.otherFingerprint = fmt::format("a=fingerprint:{}", value);
      }
      return {};  // ignored; an error only if no sha-256 one comes
    }
    auto fingerprint = Fingerprint::fromHex(digest);
    if (!fingerprint) {
      return fail("not a sha-256 digest (32 hex pairs separated by ':')");
    }
    if (std::find(transport.fingerprints.begin(), transport.fingerprints.end(), *fingerprint) ==
        transport.fingerprints.end()) {
      transport.fingerprints.push_back(*fingerprint);
    }
    return {};
  }
  if (name == "setup") {
    auto setup = parseSetup(value);
    if (!setup) {
      return fail("setup is not actpass, active, passive or holdconn");
    }
    if (transport.setup != Setup::kUnspecified) {
      return fail("a second a=setup");
    }
    transport.setup = *setup;
    return {};
  }
  if (auto direction = parseDirection(name)) {
    if (transport.direction) {
      return fail("a second direction attribute");
    }
    transport.direction = direction;
    return {};
  }
  if (name == "end-of-candidates") {
    transport.endOfCandidates = true;
    return {};
  }
  if (name == "extmap") {
    auto [idText, rest] = firstWord(value);
    auto [uri, attributes] = firstWord(rest);
    Extmap extmap;
    if (size_t slash = idText.find('/'); slash != std::string_view::npos) {
      extmap.direction = parseDirection(idText.substr(slash + 1));
      if (!extmap.direction) {
        return fail("the extmap direction is not sendrecv, sendonly, recvonly or inactive");
      }
      idText = idText.substr(0, slash);
    }
    auto id = parseNumber<uint16_t>(idText, 4351);
    if (!id || *id == 0 || *id == 15 || (*id > 255 && *id < 4096)) {
      return fail(fmt::format("extmap id \"{}\" is not 1-14, 16-255 or 4096-4351", quote(idText)));
    }
    if (uri.empty() || !isVisible(uri)) {
      return fail("a=extmap needs <id> <uri>");
    }
    for (const Extmap& other : transport.extmaps) {
      if (other.id == *id) {
        return fail(fmt::format("extmap id {} used twice", *id));
      }
    }
    extmap.id = *id;
    extmap.uri = uri;
    extmap.attributes = attributes;
    transport.extmaps.push_back(std::move(extmap));
    return {};
  }
  handled = false;
  return {};
}

Status Parser::parseMediaAttribute(SectionState& state, std::string_view name, std::string_view value) {
  MediaSection& section = state.section;
  if (name == "mid") {
    if (!isToken(value) || value.size() > 255) {
      return fail("mid must be a token of 1 to 255 characters");
    }
    if (state.sawMid) {
      return fail("a second a=mid");
    }
    state.sawMid = true;
    section.mid = value;
    return {};
  }
  if (name == "rtcp-mux") {
    section.rtcpMux = true;
    return {};
  }
  if (name == "rtcp-rsize") {
    section.rtcpRsize = true;
    return {};
  }
  if (name == "bundle-only") {
    section.bundleOnly = true;
    return {};
  }
  if (name == "rtpmap") {
    return parseRtpmap(state, value);
  }
  if (name == "fmtp") {
    return parseFmtp(state, value);
  }
  if (name == "rtcp-fb") {
    return parseRtcpFb(state, value);
  }
  if (name == "ssrc") {
    return parseSsrc(state, value);
  }
  if (name == "ssrc-group") {
    return parseSsrcGroup(state, value);
  }
  if (name == "candidate") {
    return parseCandidate(state, value);
  }
  if (name == "msid") {
    if (state.sawMsid) {
      return {};  // a track in several streams: the first is enough for us
    }
    auto words = splitWords(value);
    if (words.empty() || words.size() > 2 || !isToken(words[0]) || (words.size() == 2 && !isToken(words[1]))) {
      return fail("a=msid needs <stream id> [<track id>]");
    }
    state.sawMsid = true;
    section.msidStream = words[0];
    section.msidTrack = words.size() == 2 ? std::string(words[1]) : std::string();
    return {};
  }
  return {};  // a=rtcp, a=rid, a=simulcast, a=rtcp-xr, ...: not ours to check
}

Status Parser::parseRtpmap(SectionState& state, std::string_view value) {
  auto [typeText, encoding] = firstWord(value);
  auto type = parsePayloadType(typeText);
  if (!type) {
    return fail(fmt::format("payload type \"{}\" is not a number 0-127", quote(typeText)));
  }
  if (state.rtpmaps.contains(*type)) {
    return fail(fmt::format("a second a=rtpmap for payload type {}", *type));
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = encoding.find('/', start);
    parts.push_back(encoding.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || !isToken(parts[0])) {
    return fail("a=rtpmap needs <payload type> <name>/<clock rate>[/<channels>]");
  }
  auto clock = parseNumber<uint32_t>(parts[1], UINT32_MAX);
  if (!clock || *clock == 0) {
    return fail(fmt::format("clock rate \"{}\" is not a positive number", quote(parts[1])));
  }
  Rtpmap rtpmap{std::string(parts[0]), *clock, 0};
  if (parts.size() == 3) {
    auto channels = parseNumber<uint8_t>(parts[2], 255);
    if (!channels || *channels == 0) {
      return fail(fmt::format("channels \"{}\" is not a number 1-255", quote(parts[2])));
    }
    rtpmap.channels = *channels;
  }
  state.rtpmaps.emplace(*type, std::move(rtpmap));
  return {};
}

Status Parser::parseFmtp(SectionState& state, std::string_view value) {
  auto [typeText, parameters] = firstWord(value);
  auto type = parsePayloadType(typeText);
  if (!type) {
    return fail(fmt::format("payload type \"{}\" is not a number 0-127", quote(typeText)));
  }
  if (state.fmtps.contains(*type)) {
    return fail(fmt::format("a second a=fmtp for payload type {}", *type));
  }
  Fmtp fmtp;
  fmtp.text = parameters;
  size_t start = 0;
  while (start <= parameters.size()) {
    size_t semicolon = parameters.find(';', start);
    std::string_view item = trim(
        parameters.substr(start, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - start));
    start = semicolon == std::string_view::npos ? parameters.size() + 1 : semicolon + 1;
    size_t equals = item.find('=');
    if (item.empty() || equals == std::string_view::npos) {
      continue;  // "0-15", "111/111": not key=value, kept in the text only
    }
    std::string key = toLower(trim(item.substr(0, equals)));
    std::string_view itemValue = trim(item.substr(equals + 1));
    if (key == "profile-level-id") {
      if (itemValue.size() != 6 ||
          !std::all_of(itemValue.begin(), itemValue.end(), [](char c) { return hexDigitValue(c) >= 0; })) {
        return fail("profile-level-id is not 6 hex digits");
      }
    } else if (key == "packetization-mode") {
      if (!parseNumber<int>(itemValue, 2)) {
        return fail("packetization-mode is not 0, 1 or 2");
      }
    } else if (key == "level-asymmetry-allowed") {
      if (itemValue != "0" && itemValue != "1") {
        return fail("level-asymmetry-allowed is not 0 or 1");
      }
    } else if (key == "apt") {
      if (!parsePayloadType(itemValue)) {
        return fail("apt is not a payload type 0-127");
      }
    }
    fmtp.parameters.insert_or_assign(std::move(key), std::string(itemValue));
  }
  state.fmtps.emplace(*type, std::move(fmtp));
  return {};
}

Status Parser::parseRtcpFb(SectionState& state, std::string_view value) {
  auto words = splitWords(value);
  if (words.size() < 2) {
    return fail("a=rtcp-fb needs <payload type or *> <type> [<parameter>]");
  }
  std::string feedback;
  for (size_t i = 1; i < words.size(); ++i) {
    if (!isVisible(words[i])) {
      return fail("feedback is not visible text");
    }
    feedback += (i > 1 ? " " : "") + toLower(words[i]);
  }
  std::vector<std::string>* list = nullptr;
  if (words[0] == "*") {
    list = &state.wildcardFeedback;
  } else {
    auto type = parsePayloadType(words[0]);
    if (!type) {
      return fail(fmt::format("payload type \"{}\" is not a number 0-127 or *", quote(words[0])));
    }
    list = &state.feedback[*type];
  }
  if (std::find(list->begin(), list->end(), feedback) == list->end()) {
    list->push_back(std::move(feedback));
  }
  return {};
}

Status Parser::parseSsrc(SectionState& state, std::string_view value) {
  auto [ssrcText, attribute] = firstWord(value);
  auto ssrc = parseNumber<uint32_t>(ssrcText, UINT32_MAX);
  if (!ssrc) {
    return fail(fmt::format("ssrc \"{}\" is not a number 0-4294967295", quote(ssrcText)));
  }
  size_t colon = attribute.find(':');
  std::string_view name = attribute.substr(0, colon);
  std::string_view attributeValue =
      colon == std::string_view::npos ? std::string_view() : trim(attribute.substr(colon + 1));
  if (!isToken(name)) {
    return fail("a=ssrc needs <ssrc> <attribute>[:<value>]");
  }
  auto& ssrcs = state.section.ssrcs;
  auto found = std::find_if(ssrcs.begin(), ssrcs.end(), [&](const SsrcInfo& info) { return info.ssrc == *ssrc; });
  if (found == ssrcs.end()) {
    found = ssrcs.insert(ssrcs.end(), SsrcInfo{*ssrc, {}, {}});
  }
  if (name == "cname") {
    found->cname = attributeValue;
  } else if (name == "msid") {
    found->msid = attributeValue;
  }
  return {};
}

Status Parser::parseSsrcGroup(SectionState& state, std::string_view value) {
  auto words = splitWords(value);
  if (words.size() < 2 || !isToken(words[0])) {
    return fail("a=ssrc-group needs <semantics> <ssrc>...");
  }
  SsrcGroup group;
  group.semantics = words[0];
  for (size_t i = 1; i < words.size(); ++i) {
    auto ssrc = parseNumber<uint32_t>(words[i], UINT32_MAX);
    if (!ssrc) {
      return fail(fmt::format("ssrc \"{}\" is not a number 0-4294967295", quote(words[i])));
    }
    group.ssrcs.push_back(*ssrc);
  }
  state.section.ssrcGroups.push_back(std::move(group));
  return {};
}

Status Parser::parseCandidate(SectionState& state, std::string_view value) {
  auto words = splitWords(value);
  if (words.size() < 8 || words[6] != "typ") {
    return fail("a=candidate needs <foundation> <component> <transport> <priority> <address> <port> typ <type>");
  }
  Candidate candidate;
  if (words[0].size() > 32 || !isIceChars(words[0])) {
    return fail("the candidate foundation is not 1 to 32 ice-chars");
  }
  candidate.foundation = words[0];
  auto component = parseNumber<uint16_t>(words[1], 256);
  auto priority = parseNumber<uint32_t>(words[3], UINT32_MAX);
  auto port = parseNumber<uint16_t>(words[5], 65535);
  if (!component || *component == 0 || !priority || !port || !isToken(words[2]) || !isVisible(words[4]) ||
      !isToken(words[7])) {
    return fail("the candidate has a malformed component, transport, priority, address, port or type");
  }
  candidate.component = *component;
  candidate.transport = toLower(words[2]);
  candidate.priority = *priority;
  candidate.address = words[4];
  candidate.port = *port;
  candidate.type = words[7];
  state.section.candidates.push_back(std::move(candidate));
  return {};
}

Status Parser::parseGroup(std::string_view value) {
  auto words = splitWords(value);
  if (words.empty() || !isToken(words[0])) {
    return fail("a=group needs <semantics> <mid>...");
  }
  Group group;
  group.semantics = words[0];
  for (size_t i = 1; i < words.size(); ++i) {
    if (!isToken(words[i])) {
      return fail("a mid in a=group is not a token");
    }
    group.mids.emplace_back(words[i]);
  }
  description_.groups.push_back(std::move(group));
  return {};
}

Status Parser::finishSection(SectionState& state) {
  MediaSection& section = state.section;
  Transport& own = state.transport;
  section.iceUfrag = !own.iceUfrag.empty() ? own.iceUfrag : session_.iceUfrag;
  section.icePwd = !own.icePwd.empty() ? own.icePwd : session_.icePwd;
  section.fingerprints = !own.fingerprints.empty() ? own.fingerprints : session_.fingerprints;
  section.setup = own.setup != Setup::kUnspecified ? own.setup : session_.setup;
  section.iceOptions = !own.iceOptions.empty() ? own.iceOptions : session_.iceOptions;
  section.direction = own.direction.value_or(session_.direction.value_or(Direction::kSendRecv));
  section.endOfCandidates = own.endOfCandidates || session_.endOfCandidates;
  if (section.connectionAddress.empty()) {
    section.connectionAddress = sessionConnection_;
  }
  section.extmaps = std::move(own.extmaps);
  for (const Extmap& extmap : session_.extmaps) {
    if (std::none_of(section.extmaps.begin(), section.extmaps.end(),
                     [&](const Extmap& other) { return other.id == extmap.id; })) {
      section.extmaps.push_back(extmap);
    }
  }
  if (section.isRtp()) {
    for (const std::string& format : section.formats) {
      Codec codec;
      codec.payloadType = *parsePayloadType(format);
      if (auto rtpmap = state.rtpmaps.find(codec.payloadType); rtpmap != state.rtpmaps.end()) {
        codec.name = rtpmap->second.name;
        codec.clockRate = rtpmap->second.clockRate;
        codec.channels = rtpmap->second.channels;
      } else {
        fillStaticType(codec);
      }
      if (auto fmtp = state.fmtps.find(codec.payloadType); fmtp != state.fmtps.end()) {
        codec.fmtp = fmtp->second.text;
        codec.parameters = fmtp->second.parameters;
      }
      if (auto feedback = state.feedback.find(codec.payloadType); feedback != state.feedback.end()) {
        codec.feedback = feedback->second;
      }
      for (const std::string& feedback : state.wildcardFeedback) {
        if (!codec.hasFeedback(feedback)) {
          codec.feedback.push_back(feedback);
        }
      }
      section.codecs.push_back(std::move(codec));
    }
  }
  if (section.rejected()) {
    return {};
  }
  if (section.mid.empty()) {
    return Error(fmt::format("{}: no a=mid", sectionName(section)));
  }
  if (section.iceUfrag.empty()) {
    return Error(fmt::format("{}: no a=ice-ufrag, here or at session level", sectionName(section)));
  }
  if (section.icePwd.empty()) {
    return Error(fmt::format("{}: no a=ice-pwd, here or at session level", sectionName(section)));
  }
  if (section.fingerprints.empty()) {
    const Transport& other = own.otherFingerprintLine != 0 ? own : session_;
    if (other.otherFingerprintLine != 0) {
      return lineError(other.otherFingerprintLine, other.otherFingerprint,
                       "only sha-256 fingerprints are accepted, and this section has none");
    }
    return Error(fmt::format("{}: no a=fingerprint, here or at session level", sectionName(section)));
  }
  return {};
}

Status Parser::finish() {
  if (sections_.empty()) {
    return Error(fmt::format("line {}: the SDP ends with no media section (m= line)", lastLine_));
  }
  std::set<std::string_view> mids;
  for (const SectionState& state : sections_) {
    if (state.sawMid && !mids.insert(state.section.mid).second) {
      return Error(fmt::format("{}: mid used by an earlier section too", sectionName(state.section)));
    }
  }
  // RFC 8843: bundled sections other than the BUNDLE tag (the group's first mid) may
  // leave out the transport; they share the tag's.
  for (const Group& group : description_.groups) {
    if (group.semantics != "BUNDLE" || group.mids.empty()) {
      continue;
    }
    const Transport* tag = nullptr;
    for (const SectionState& state : sections_) {
      if (state.sawMid && state.section.mid == group.mids[0]) {
        tag = &state.transport;
        break;
      }
    }
    for (SectionState& state : sections_) {
      if (tag == nullptr || &state.transport == tag ||
          std::find(group.mids.begin(), group.mids.end(), state.section.mid) == group.mids.end()) {
        continue;
      }
      Transport& own = state.transport;
      if (own.iceUfrag.empty() && own.icePwd.empty() && own.fingerprints.empty() && own.otherFingerprintLine == 0) {
        own.iceUfrag = tag->iceUfrag;
        own.icePwd = tag->icePwd;
        own.fingerprints = tag->fingerprints;
        own.otherFingerprintLine = tag->otherFingerprintLine;
        own.otherFingerprint = tag->otherFingerprint;
        if (own.setup == Setup::kUnspecified) {
          own.setup = tag->setup;
        }
      }
    }
  }
  for (SectionState& state : sections_) {
    if (Status status = finishSection(state); !status) {
      return status;
    }
  }
  description_.iceUfrag = session_.iceUfrag;
  description_.icePwd = session_.icePwd;
  description_.fingerprints = session_.fingerprints;
  description_.setup = session_.setup;
  description_.iceOptions = session_.iceOptions;
  for (SectionState& state : sections_) {
    description_.media.push_back(std::move(state.section));
  }
  for (const Group& group : description_.groups) {
    if (group.semantics != "BUNDLE") {
      continue;
    }
    for (const std::string& mid : group.mids) {
      if (description_.find(mid) == nullptr) {
        return Error(fmt::format("a=group:BUNDLE names mid {}, which no media section has", quote(mid)));
      }
    }
  }
  return {};
}

}  // namespace

std::string_view directionName(Direction direction) {
  switch (direction) {
    case Direction::kSendRecv: return "sendrecv";
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: return "inactive";
  }
  return "inactive";
}

std::string_view setupName(Setup setup) {
  switch (setup) {
    case Setup::kUnspecified: return "";
    case Setup::kActPass: return "actpass";
    case Setup::kActive: return "active";
    case Setup::kPassive: return "passive";
    case Setup::kHoldConn: return "holdconn";
  }
  return "";
}

Direction reverse(Direction direction) {
  switch (direction) {
    case Direction::kSendOnly: return Direction::kRecvOnly;
    case Direction::kRecvOnly: return Direction::kSendOnly;
    default: return direction;
  }
}

std::string Fingerprint::toString() const {
  std::string out = "sha-256 ";
  for (size_t i = 0; i < sha256.size(); ++i) {
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", sha256[i]);
  }
  return out;
}

std::optional<Fingerprint> Fingerprint::fromHex(std::string_view hex) {
  Fingerprint fingerprint;
  if (hex.size() != fingerprint.sha256.size() * 3 - 1) {
    return std::nullopt;
  }
  for (size_t i = 0; i < fingerprint.sha256.size(); ++i) {
    int high = hexDigitValue(hex[i * 3]);
    int low = hexDigitValue(hex[i * 3 + 1]);
    if (high < 0 || low < 0 || (i + 1 < fingerprint.sha256.size() && hex[i * 3 + 2] != ':')) {
      return std::nullopt;
    }
    fingerprint.sha256[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return fingerprint;
}

bool Codec::is(std::string_view codecName) const {
  return equalsIgnoreCase(name, codecName);
}

std::optional<std::string_view> Codec::parameter(std::string_view key) const {
  auto found = parameters.find(key);
  if (found == parameters.end()) {
    return std::nullopt;
  }
  return std::string_view(found->second);
}

bool Codec::hasFeedback(std::string_view value) const {
  return std::find(feedback.begin(), feedback.end(), value) != feedback.end();
}

std::optional<uint8_t> Codec::rtxApt() const {
  auto apt = parameter("apt");
  return apt ? parsePayloadType(*apt) : std::nullopt;
}

uint32_t Codec::h264ProfileLevelId() const {
  auto text = parameter("profile-level-id");
  uint32_t value = 0;
  if (!text || text->size() != 6) {
    return 0x42000a;
  }
  for (char c : *text) {
    int digit = hexDigitValue(c);
    if (digit < 0) {
      return 0x42000a;
    }
    value = value * 16 + static_cast<uint32_t>(digit);
  }
  return value;
}

int Codec::h264PacketizationMode() const {
  auto text = parameter("packetization-mode");
  return text ? parseNumber<int>(*text, 2).value_or(0) : 0;
}

bool Codec::h264LevelAsymmetryAllowed() const {
  return parameter("level-asymmetry-allowed") == "1";
}

bool MediaSection::isRtp() const {
  return proto.find("RTP/") != std::string::npos;
}

const Codec* MediaSection::codec(uint8_t payloadType) const {
  for (const Codec& codec : codecs) {
    if (codec.payloadType == payloadType) {
      return &codec;
    }
  }
  return nullptr;
}

const Extmap* MediaSection::extmap(std::string_view uri) const {
  for (const Extmap& extmap : extmaps) {
    if (extmap.uri == uri) {
      return &extmap;
    }
  }
  return nullptr;
}

std::optional<uint32_t> MediaSection::mediaSsrc() const {
  for (const SsrcGroup& group : ssrcGroups) {
    if (group.semantics == "FID" && !group.ssrcs.empty()) {
      return group.ssrcs[0];
    }
  }
  if (!ssrcs.empty()) {
    return ssrcs[0].ssrc;
  }
  return std::nullopt;
}

std::optional<uint32_t> MediaSection::rtxSsrc() const {
  auto primary = mediaSsrc();
  for (const SsrcGroup& group : ssrcGroups) {
    if (group.semantics == "FID" && group.ssrcs.size() >= 2 && group.ssrcs[0] == primary) {
      return group.ssrcs[1];
    }
  }
  return std::nullopt;
}

const Group* SessionDescription::bundle() const {
  for (const Group& group : groups) {
    if (group.semantics == "BUNDLE") {
      return &group;
    }
  }
  return nullptr;
}

const MediaSection* SessionDescription::find(std::string_view mid) const {
  for (const MediaSection& section : media) {
    if (!section.mid.empty() && section.mid == mid) {
      return &section;
    }
  }
  return nullptr;
}

Result<SessionDescription> parseSessionDescription(std::string_view text, const SdpLimits& limits) {
  return Parser(limits).run(text);
}

}  // namespace rtsedge::webrtc::sdp
