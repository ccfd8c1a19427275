#include "protocols/webrtc/server/send_pacer.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rtsedge::webrtc {
namespace {

// 1 MB/s with a 10 kB burst: 1 byte per microsecond.
SendPacer::Settings settings(size_t maxHeldBytes = 1'000'000) {
  return {.bytesPerSecond = 1'000'000, .burstBytes = 10'000, .maxHeldBytes = maxHeldBytes};
}

Bytes frame(size_t size, char tag) {
  return Bytes::copyOf(std::string(size, tag));
}

std::string tags(const std::vector<Bytes>& frames) {
  std::string out;
  for (const Bytes& f : frames) {
    out += static_cast<char>(f.data()[0]);
  }
  return out;
}

TEST_CASE("send pacer: live frames within the burst pass straight through") {
  SendPacer pacer(settings());
  std::vector<Bytes> out;
  int64_t now = 0;
  for (char tag : std::string("abcdefghij")) {
    pacer.push(frame(2'000, tag), now, out);
    now += 40'000;  // 25 frames a second of 2 kB: far below the rate
  }
  CHECK(tags(out) == "abcdefghij");
  CHECK_FALSE(pacer.nextReleaseUs().has_value());
  CHECK_FALSE(pacer.nextReleaseUs().has_value());
}

TEST_CASE("send pacer: a burst is spread at the rate, in order") {
  SendPacer pacer(settings());
  std::vector<Bytes> out;
  for (char tag : std::string("abcdefghij")) {
    pacer.push(frame(5'000, tag), 0, out);
  }
  // 10 kB of burst: the first two go at once; the second overdraws nothing (exactly 0 left).
  CHECK(tags(out) == "ab");
  REQUIRE(pacer.nextReleaseUs().has_value());
  REQUIRE(pacer.nextReleaseUs().has_value());
  CHECK(*pacer.nextReleaseUs() == 1);  // one byte of budget earns the next frame its turn
  out.clear();
  pacer.release(1, out);
  CHECK(tags(out) == "c");  // overdraws to -4999
  out.clear();
  pacer.release(4'999, out);
  CHECK(out.empty());
  CHECK(*pacer.nextReleaseUs() == 5'001);
  pacer.release(5'001, out);
  CHECK(tags(out) == "d");
  out.clear();
  pacer.release(1'000'000, out);  // the budget refills only up to the burst: two more go
  CHECK(tags(out) == "ef");
  out.clear();
  int64_t now = 1'000'000;
  for (int step = 0; step < 100 && pacer.nextReleaseUs().has_value(); ++step) {
    now = *pacer.nextReleaseUs();
    pacer.release(now, out);
  }
  CHECK(tags(out) == "ghij");
  CHECK(now - 1'000'000 == 15'001);  // g at once, then h, i, j each 5 kB (5 ms) later
}

TEST_CASE("send pacer: a frame larger than the burst still goes") {
  SendPacer pacer(settings());
  std::vector<Bytes> out;
  pacer.push(frame(50'000, 'k'), 0, out);
  CHECK(tags(out) == "k");
  pacer.push(frame(100, 'p'), 0, out);
  CHECK(tags(out) == "k");
  REQUIRE(pacer.nextReleaseUs().has_value());
  CHECK(*pacer.nextReleaseUs() == 40'001);  // the 40 kB overdraft first
}

TEST_CASE("send pacer: past the held bound everything goes, and the debt is capped") {
  SendPacer pacer(settings(20'000));
  std::vector<Bytes> out;
  for (char tag : std::string("abcde")) {
    pacer.push(frame(8'000, tag), 0, out);
  }
  // a, b go on the burst; c..e held: 24 kB > 20 kB, so all go.
  CHECK(tags(out) == "abcde");
  CHECK_FALSE(pacer.nextReleaseUs().has_value());
  out.clear();
  pacer.push(frame(100, 'z'), 0, out);
  CHECK(out.empty());
  CHECK(*pacer.nextReleaseUs() == 10'001);  // the debt was capped at one burst
}

TEST_CASE("send pacer: a clock going back earns nothing and loses nothing") {
  SendPacer pacer(settings());
  std::vector<Bytes> out;
  pacer.push(frame(20'000, 'a'), 1'000, out);
  pacer.push(frame(100, 'b'), 500, out);
  CHECK(tags(out) == "a");
  pacer.release(11'001, out);
  CHECK(tags(out) == "ab");
}

}  // namespace
}  // namespace rtsedge::webrtc
