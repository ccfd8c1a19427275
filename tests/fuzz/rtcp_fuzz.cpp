// Compound RTCP packets as a WebRTC peer sends them (after SRTCP unprotect), the
// transport-cc feedback in them, and the receiver-side trackers fed with the same bytes
// read as sequence numbers and arrival times.
#include <set>

#include "protocols/webrtc/rtp/retransmission_buffer.h"
#include "protocols/webrtc/rtp/rtcp_packet.h"
#include "protocols/webrtc/rtp/rtcp_receiver_stats.h"
#include "protocols/webrtc/rtp/rtcp_twcc.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using namespace rtsedge;
using namespace rtsedge::webrtc::rtp;

bool within(std::span<const uint8_t> inner, const uint8_t* begin, const uint8_t* end) {
  return inner.data() >= begin && inner.data() + inner.size() <= end;
}

// Parse -> build -> parse is stable for what parses; building never fails on it.
void checkTransportFeedback(const TransportCcItem& item) {
  auto feedback = parseTransportFeedback(item);
  if (!feedback) {
    return;
  }
  fuzz::check(!feedback->packets.empty());
  BytesBuilder out;
  fuzz::check(appendTransportFeedback(out, *feedback).isOk());
  Bytes rebuilt = out.freeze();
  auto items = parseRtcp(rebuilt.span());
  fuzz::check(items.isOk() && items->size() == 1);
  auto again = parseTransportFeedback(std::get<TransportCcItem>(items->front().body));
  fuzz::check(again.isOk() && *again == *feedback);
}

// Built reports and NACKs parse back to what was parsed.
void checkRebuilt(const RtcpItem& item) {
  BytesBuilder out;
  if (const auto* sr = std::get_if<SenderReport>(&item.body)) {
    appendSenderReport(out, *sr);
  } else if (const auto* rr = std::get_if<ReceiverReport>(&item.body)) {
    appendReceiverReport(out, *rr);
  } else if (const auto* nack = std::get_if<Nack>(&item.body)) {
    appendNack(out, nack->senderSsrc, nack->mediaSsrc, nack->lost);
  } else {
    return;
  }
  Bytes rebuilt = out.freeze();
  auto items = parseRtcp(rebuilt.span());
  fuzz::check(items.isOk() && items->size() == 1);
  const auto& body = items->front().body;
  if (const auto* nack = std::get_if<Nack>(&item.body)) {
    const auto& lost = std::get<Nack>(body).lost;
    fuzz::check(std::set<uint16_t>(lost.begin(), lost.end()) ==
                std::set<uint16_t>(nack->lost.begin(), nack->lost.end()));
  } else if (const auto* sr = std::get_if<SenderReport>(&item.body)) {
    fuzz::check(std::get<SenderReport>(body) == *sr);
  } else {
    fuzz::check(std::get<ReceiverReport>(body) == std::get<ReceiverReport>(item.body));
  }
}

void checkCompound(std::span<const uint8_t> data) {
  auto items = parseRtcp(data);
  if (!items) {
    return;
  }
  const uint8_t* begin = data.data();
  size_t offset = 0;
  for (const auto& item : *items) {
    fuzz::check(item.offset == offset && item.size >= kRtcpHeaderSize && item.offset + item.size <= data.size());
    offset += item.size;
    if (const auto* nack = std::get_if<Nack>(&item.body)) {
      fuzz::check(!nack->lost.empty());
    } else if (const auto* fir = std::get_if<Fir>(&item.body)) {
      fuzz::check(!fir->entries.empty());
    } else if (const auto* twcc = std::get_if<TransportCcItem>(&item.body)) {
      fuzz::check(within(twcc->fci, begin + item.offset, begin + item.offset + item.size));
      checkTransportFeedback(*twcc);
    }
    checkRebuilt(item);
  }
  fuzz::check(offset == data.size());
}

// Every 4 bytes: a sequence number and an arrival-time step. Bounds hold whatever comes.
void checkTrackers(std::span<const uint8_t> data) {
  NackGenerator nack({.window = 64, .maxRetries = 3});
  TwccRecorder twcc(1, 2, {.maxPacketsPerFeedback = 40, .maxFeedbackBytes = 200, .maxPending = 300});
  RetransmissionBuffer sent({.capacity = 32, .maxAgeUs = 50'000});
  ReceiverStats stats(3);
  int64_t now = 0;
  for (size_t i = 0; i + 4 <= data.size(); i += 4) {
    auto seq = static_cast<uint16_t>(data[i] << 8 | data[i + 1]);
    now += (data[i + 2] << 8 | data[i + 3]) - 0x4000;  // arrivals may step back
    (void)nack.onPacket(seq, now);
    twcc.onPacket(seq, now);
    sent.store(seq, Bytes(), now);
    (void)stats.onPacket(seq, static_cast<uint32_t>(seq) * 3000, static_cast<uint32_t>(now / 11));
    fuzz::check(nack.missingCount() <= 64);
    fuzz::check(twcc.pending() <= 300);
    fuzz::check(sent.size() <= sent.capacity());
    if (data[i + 3] % 8 == 0) {
      for (const Bytes& packet : twcc.buildFeedback()) {
        fuzz::check(packet.size() <= 200);
        auto items = parseRtcp(packet.span());
        fuzz::check(items.isOk() && parseTransportFeedback(std::get<TransportCcItem>(items->front().body)).isOk());
      }
      fuzz::check(nack.due(now, 10'000).size() <= 64);
      sent.expire(now);
      (void)stats.makeReportBlock(now);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  checkCompound({data, size});
  checkTrackers({data, size});
  return 0;
}
