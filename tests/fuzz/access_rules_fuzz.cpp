// What a client controls in access control: the query it signs (or forges) and the
// address text it comes from; and what an operator writes as CIDR ranges.
#include <string>
#include <vector>

#include "security/cidr.h"
#include "security/signature.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge::security;
  auto [first, second] = rtsedge::fuzz::split(data, size);
  std::string query(first.begin(), first.end());
  std::string text(second.begin(), second.end());
  const std::vector<std::string> secrets{"fuzz-secret-0123456789", "fuzz-secret-abcdefghij"};
  SignatureCheck check = checkSignature(secrets, "play", "live/cam", query, 1'767'225'600, 30);
  // Random bytes never carry a valid HMAC; a crash, or a "valid", is a finding.
  rtsedge::fuzz::check(check.verdict != SignatureVerdict::kValid);
  auto range = Cidr::parse(text);
  if (range) {
    rtsedge::fuzz::check(Cidr::parse(range->text()).isOk());  // what parsed, parses again
    (void)range->contains(query);
  }
  (void)hostOfPeer(text);
  return 0;
}
