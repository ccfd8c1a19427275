#include "relay/stream_key.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace rtsedge {

TEST_CASE("stream keys keep the query out of the key") {
  auto key = parseStreamKey("live?token=abc", "cam1?x=1");
  REQUIRE(key);
  CHECK(key->key() == "live/cam1");
  CHECK(key->query == "token=abc&x=1");
  auto nested = parseStreamKey("shop/eu/", "room_7");
  REQUIRE(nested);
  CHECK(nested->key() == "shop/eu/room_7");
  CHECK(nested->query.empty());
}

TEST_CASE("bad stream names are refused") {
  for (const auto& entry : std::vector<std::pair<std::string, std::string>>{{"live", ""},
                                                                            {"", "x"},
                                                                            {"live", "a/b"},
                                                                            {"live", ".."},
                                                                            {"../etc", "x"},
                                                                            {"live", "a b"},
                                                                            {"live", "x\n"},
                                                                            {"live//x", "y"},
                                                                            {"live", std::string(300, 'a')},
                                                                            {"live", "?q=1"}}) {
    const std::string& app = entry.first;  // named copies: clang cannot capture structured bindings
    const std::string& name = entry.second;
    CAPTURE(app);
    CAPTURE(name);
    CHECK_FALSE(parseStreamKey(app, name));
  }
}

}  // namespace rtsedge
