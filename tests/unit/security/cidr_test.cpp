#include "security/cidr.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace rtsedge::security {
namespace {

Cidr range(std::string_view text) {
  auto cidr = Cidr::parse(text);
  REQUIRE_MESSAGE(cidr, cidr.error().message());
  return *cidr;
}

std::string errorOf(std::string_view text) {
  auto cidr = Cidr::parse(text);
  REQUIRE_FALSE(cidr);
  return cidr.error().message();
}

TEST_CASE("cidr: IPv4 ranges") {
  const Cidr ten = range("10.0.0.0/8");
  CHECK(ten.text() == "10.0.0.0/8");
  CHECK(ten.contains("10.0.0.0"));
  CHECK(ten.contains("10.1.2.3"));
  CHECK(ten.contains("10.255.255.255"));
  CHECK_FALSE(ten.contains("11.0.0.0"));
  CHECK_FALSE(ten.contains("9.255.255.255"));
  const Cidr odd = range("192.168.4.0/22");
  CHECK(odd.contains("192.168.4.1"));
  CHECK(odd.contains("192.168.7.255"));
  CHECK_FALSE(odd.contains("192.168.8.0"));
  CHECK_FALSE(odd.contains("192.168.3.255"));
}

TEST_CASE("cidr: IPv6 ranges") {
  const Cidr doc = range("2001:db8::/32");
  CHECK(doc.contains("2001:db8::1"));
  CHECK(doc.contains("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  CHECK(doc.contains("2001:DB8::1"));
  CHECK_FALSE(doc.contains("2001:db9::1"));
  CHECK_FALSE(doc.contains("::1"));
  const Cidr odd = range("fe80::/10");
  CHECK(odd.contains("fe80::1"));
  CHECK(odd.contains("febf::1"));
  CHECK_FALSE(odd.contains("fec0::1"));
}

TEST_CASE("cidr: single addresses, /32 and /128") {
  for (std::string_view text : {"192.0.2.7", "192.0.2.7/32"}) {
    CAPTURE(text);
    const Cidr one = range(text);
    CHECK(one.contains("192.0.2.7"));
    CHECK(one.contains("::ffff:192.0.2.7"));
    CHECK_FALSE(one.contains("192.0.2.6"));
    CHECK_FALSE(one.contains("192.0.2.8"));
  }
  for (std::string_view text : {"::1", "::1/128"}) {
    CAPTURE(text);
    const Cidr one = range(text);
    CHECK(one.contains("::1"));
    CHECK(one.contains("0:0:0:0:0:0:0:1"));
    CHECK_FALSE(one.contains("::2"));
    CHECK_FALSE(one.contains("127.0.0.1"));
  }
}

TEST_CASE("cidr: /0") {
  const Cidr anyV4 = range("0.0.0.0/0");
  CHECK(anyV4.contains("0.0.0.0"));
  CHECK(anyV4.contains("255.255.255.255"));
  CHECK(anyV4.contains("::ffff:1.2.3.4"));
  CHECK_FALSE(anyV4.contains("::1"));
  CHECK_FALSE(anyV4.contains("2001:db8::1"));
  // ::/0 is every address, IPv4 ones (mapped) included.
  const Cidr any = range("::/0");
  CHECK(any.contains("::1"));
  CHECK(any.contains("2001:db8::1"));
  CHECK(any.contains("1.2.3.4"));
}

TEST_CASE("cidr: IPv4 ranges match IPv4-mapped IPv6 addresses, IPv6 ranges no IPv4 address") {
  const Cidr ten = range("10.0.0.0/8");
  CHECK(ten.contains("::ffff:10.1.2.3"));
  CHECK(ten.contains("::FFFF:10.1.2.3"));
  CHECK(ten.contains("::ffff:a01:203"));
  CHECK_FALSE(ten.contains("::ffff:11.1.2.3"));
  CHECK_FALSE(ten.contains("::10.1.2.3"));  // IPv4-compatible, deprecated: not IPv4
  CHECK_FALSE(ten.contains("64:ff9b::10.1.2.3"));
  CHECK_FALSE(range("2001:db8::/32").contains("10.1.2.3"));
  CHECK_FALSE(range("::/96").contains("10.1.2.3"));
  const Cidr mapped = range("::ffff:0:0/96");
  CHECK(mapped.contains("10.1.2.3"));
  CHECK(mapped.contains("::ffff:10.1.2.3"));
  CHECK_FALSE(mapped.contains("::1"));
  const Cidr mappedTen = range("::ffff:10.0.0.0/104");
  CHECK(mappedTen.contains("10.1.2.3"));
  CHECK_FALSE(mappedTen.contains("11.1.2.3"));
}

TEST_CASE("cidr: bad ranges are refused with a reason") {
  CHECK(errorOf("") == "empty address range (expected e.g. 10.0.0.0/8, 2001:db8::/32 or 192.0.2.7)");
  CHECK(errorOf("10.0.0.1/8") == "10.0.0.1/8 has host bits set: did you mean 10.0.0.0/8?");
  CHECK(errorOf("1.2.3.4/8") == "1.2.3.4/8 has host bits set: did you mean 1.0.0.0/8?");
  CHECK(errorOf("192.168.5.0/22") == "192.168.5.0/22 has host bits set: did you mean 192.168.4.0/22?");
  CHECK(errorOf("2001:db8::1/32") == "2001:db8::1/32 has host bits set: did you mean 2001:db8::/32?");
  CHECK(errorOf("::1/0") == "::1/0 has host bits set: did you mean ::/0?");
  CHECK(errorOf("10.0.0.0/") == "\"10.0.0.0/\" has no prefix length after the /");
  CHECK(errorOf("/8") == "\"/8\" has no address before the /");
  CHECK(errorOf("10.0.0.0/33") == "\"10.0.0.0/33\": the prefix length must be 0 to 32 for an IPv4 address");
  CHECK(errorOf("::/129") == "\"::/129\": the prefix length must be 0 to 128 for an IPv6 address");
  CHECK(errorOf("fe80::1%eth0") == "\"fe80::1%eth0\": zone ids (%eth0) are not allowed in address ranges");
  CHECK(errorOf("fe80::%eth0/64") == "\"fe80::%eth0/64\": zone ids (%eth0) are not allowed in address ranges");
  for (std::string_view bad :
       {"10.0.0.0/8a", "10.0.0.0/-8", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/0008", "10.0.0.0/8/8"}) {
    CAPTURE(bad);
    CHECK(errorOf(bad) == "\"" + std::string(bad) + "\": the prefix length must be 0 to 32 for an IPv4 address");
  }
  for (std::string_view bad : {"localhost", "example.com/24", "10.0.0", "10.0.0.0.0", "256.0.0.0", " 10.0.0.0/8", "::g",
                               "1:2:3:4:5:6:7:8:9", "[::1]", "10.0.0.0:80"}) {
    CAPTURE(bad);
    CHECK(errorOf(bad) ==
          "\"" + std::string(bad) + "\" is not a numeric IPv4 or IPv6 address or range (host names are not allowed)");
  }
}

TEST_CASE("cidr: anything but a numeric address is in no range") {
  const Cidr any = range("::/0");
  const Cidr anyV4 = range("0.0.0.0/0");
  const std::vector<std::string_view> garbages{
      "",      "localhost",    "1.2.3.4:5678", "[::1]", "[::1]:80",      "fe80::1%eth0",
      "1.2.3", "::ffff:1.2.3", " 1.2.3.4",     "?",     {"1.2.3.4\0", 8}};
  for (std::string_view garbage : garbages) {
    CAPTURE(garbage);
    CHECK_FALSE(any.contains(garbage));
    CHECK_FALSE(anyV4.contains(garbage));
  }
}

TEST_CASE("cidr: anyContains") {
  const std::vector<Cidr> ranges{range("10.0.0.0/8"), range("2001:db8::/32")};
  CHECK(anyContains(ranges, "10.9.9.9"));
  CHECK(anyContains(ranges, "2001:db8::9"));
  CHECK_FALSE(anyContains(ranges, "192.0.2.1"));
  CHECK_FALSE(anyContains({}, "10.9.9.9"));
}

TEST_CASE("cidr: hostOfPeer strips the port and the brackets") {
  CHECK(hostOfPeer("1.2.3.4:5678") == "1.2.3.4");
  CHECK(hostOfPeer("1.2.3.4") == "1.2.3.4");
  CHECK(hostOfPeer("[::1]:5678") == "::1");
  CHECK(hostOfPeer("[::ffff:10.1.2.3]:5678") == "::ffff:10.1.2.3");
  CHECK(hostOfPeer("[::1]") == "::1");
  CHECK(hostOfPeer("::1") == "::1");
  CHECK(hostOfPeer("2001:db8::1") == "2001:db8::1");
  CHECK(hostOfPeer("") == "");
  CHECK(range("10.0.0.0/8").contains(hostOfPeer("10.0.0.7:40000")));
  CHECK(range("::ffff:0:0/96").contains(hostOfPeer("[::ffff:10.0.0.7]:40000")));
}

}  // namespace
}  // namespace rtsedge::security
