#include "protocols/srt/stream_id.h"

#include <doctest/doctest.h>
#include <srt/access_control.h>

namespace rtsedge::srt {

namespace {

SrtStreamId accepted(std::string_view text) {
  auto parsed = parseStreamId(text);
  auto* refused = std::get_if<StreamIdRejection>(&parsed);
  INFO(text, ": ", refused != nullptr ? refused->message : "");
  REQUIRE(refused == nullptr);
  return std::get<SrtStreamId>(parsed);
}

int rejectedWith(std::string_view text) {
  auto parsed = parseStreamId(text);
  auto* refused = std::get_if<StreamIdRejection>(&parsed);
  INFO(text);
  REQUIRE(refused != nullptr);
  CHECK(!refused->message.empty());
  return refused->reason;
}

}  // namespace

TEST_CASE("srt stream id: the access control form") {
  SrtStreamId publish = accepted("#!::r=live/cam1,m=publish");
  CHECK(publish.key.key() == "live/cam1");
  CHECK(publish.mode == SrtMode::kPublish);

  SrtStreamId play = accepted("#!::m=request,r=live/cam1");
  CHECK(play.key.key() == "live/cam1");
  CHECK(play.mode == SrtMode::kRequest);

  CHECK(accepted("#!::r=live/cam1").mode == SrtMode::kRequest);  // the convention's default

  SrtStreamId all = accepted("#!::r=a/b/cam?x=1,m=publish,h=example.com,u=alice,s=42,t=stream,token=abc");
  CHECK(all.key.app == "a/b");
  CHECK(all.key.name == "cam");
  CHECK(all.key.query == "x=1&token=abc");
  CHECK(all.host == "example.com");
  CHECK(all.user == "alice");
  CHECK(all.session == "42");
}

TEST_CASE("srt stream id: the plain form publishes, h= may carry the resource") {
  SrtStreamId plain = accepted("live/cam1");
  CHECK(plain.key.key() == "live/cam1");
  CHECK(plain.mode == SrtMode::kPublish);
  CHECK(accepted("live/cam1?token=t").key.query == "token=t");

  SrtStreamId legacy = accepted("#!::h=live/cam1,m=publish");
  CHECK(legacy.key.key() == "live/cam1");
  CHECK(legacy.host.empty());
}

TEST_CASE("srt stream id: malformed ids are refused with a reason") {
  CHECK(rejectedWith("") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("cam1") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!::m=publish") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!::r=live/cam1,m=bidirectional") == SRT_REJX_BAD_MODE);
  CHECK(rejectedWith("#!::r=live/cam1,t=file") == SRT_REJX_NOTSUP_MEDIA);
  CHECK(rejectedWith("#!::r=live/cam1,,m=publish") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!::r=live/cam1,=x") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!::r=live/../x") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!::r=live/ca m") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("#!:{\"r\":1}") == SRT_REJX_BAD_REQUEST);
  CHECK(rejectedWith("/cam") == SRT_REJX_BAD_REQUEST);
}

TEST_CASE("srt stream id: a truncated id names no other stream") {
  std::string_view full = "#!::r=live/cam1?x=1,m=publish,u=me,token=abc";
  for (size_t length = 0; length <= full.size(); ++length) {
    auto parsed = parseStreamId(full.substr(0, length));
    if (auto* id = std::get_if<SrtStreamId>(&parsed)) {
      INFO(full.substr(0, length));
      CHECK(std::string_view("live/cam1").starts_with(id->key.key()));
      CHECK(length >= std::string_view("#!::r=live/c").size());
    }
  }
}

}  // namespace rtsedge::srt
