#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace rtsedge::webrtc::sdp::fixtures {

// tests/fixtures/sdp, found from this header's own path (CMake compiles by absolute
// path, so __FILE__ is absolute; RTSEDGE_SDP_FIXTURES overrides it).
inline std::filesystem::path fixtureDirectory() {
  if (const char* overridden = std::getenv("RTSEDGE_SDP_FIXTURES")) {
    return overridden;
  }
  // .../tests/unit/protocols/webrtc/sdp/sdp_fixtures.h -> .../tests
  std::filesystem::path tests = std::filesystem::path(__FILE__).parent_path();
  for (int i = 0; i < 4; ++i) {
    tests = tests.parent_path();
  }
  return tests / "fixtures" / "sdp";
}

inline std::string readFixture(std::string_view name) {
  std::filesystem::path path = fixtureDirectory() / name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read fixture ", path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The same text with LF line ends.
inline std::string withLf(std::string text) {
  std::string out;
  for (char c : text) {
    if (c != '\r') {
      out += c;
    }
  }
  return out;
}

// Replaces the first occurrence of `from`; fails the test if there is none.
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "no \"", std::string(from), "\" to replace");
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace rtsedge::webrtc::sdp::fixtures
