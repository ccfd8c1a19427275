// HTTP/1.x requests as a client sends them, in two reads.
#include "protocols/http/request_parser.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtsedge;
  http::HttpLimits limits{256, 1024, 4096};
  http::RequestParser parser(limits);
  std::vector<http::HttpRequest> out;
  auto [first, second] = fuzz::split(data, size);
  if (!parser.feed(first, out)) {
    (void)parser.feed(second, out);
  }
  for (const auto& request : out) {
    fuzz::check(request.target.size() <= limits.maxRequestLine);
    fuzz::check(request.body.size() <= limits.maxBodySize);
    fuzz::check(!request.path.empty() && request.path[0] == '/');
    (void)request.queryParam("only-audio");
  }
  return 0;
}
