#include "relay/quoted.h"

#include <doctest/doctest.h>

#include <string>

#include "security/cidr.h"

namespace rtsedge {
namespace {

TEST_CASE("quoted: printable ASCII as it is, everything else escaped, never an abort") {
  CHECK(quoted("live/cam") == "\"live/cam\"");
  CHECK(quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(quoted(std::string("\t\n\0", 3)) == "\"\\x09\\x0a\\x00\"");
  CHECK(quoted("caf\xc3\xa9") == "\"caf\\xc3\\xa9\"");
  CHECK(quoted("\xc9\xc9\xc9") == "\"\\xc9\\xc9\\xc9\"");
  CHECK(quoted("") == "\"\"");
}

TEST_CASE("an error about invalid UTF-8 is a message, not an abort (found by access_rules_fuzz)") {
  auto range = security::Cidr::parse("ke=\xc9\xc9\xc9");
  REQUIRE_FALSE(range);
  CHECK(range.error().message().starts_with("\"ke=\\xc9\\xc9\\xc9\" is not a numeric"));
}

}  // namespace
}  // namespace rtsedge
