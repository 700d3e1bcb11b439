// libFuzzer harness: the whole reference pipeline, programmed with tests/fuzz/fuzz.yaml, on frames
// from the fuzzer (fuzz_common.h gives the input format). Each input runs on a fresh pipeline
// twice: in bursts (frames of one tick together, as the DPDK data plane runs it) and one frame at
// a time (as v6lb-replay does). Both must agree on every verdict, output byte, counter and flow
// entry; the counters must add up; a forwarded frame keeps its length. Plus ASan/UBSan.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_common.h"
#include "v6lb/control/program.h"
#include "v6lb/control/stats_json.h"
#include "v6lb/dataplane/pipeline.h"

namespace {

using namespace v6lb;

using v6lb::fuzz::check;

const Plan& plan() {
  static const Plan p = [] {
    const Config cfg = fuzz::fuzz_config();
    if (auto e = check_fits(cfg, fuzz::fuzz_geometry())) fuzz::setup_failed(*e);
    return make_plan(cfg, fuzz::fuzz_geometry());
  }();
  return p;
}

struct Run {
  std::vector<std::vector<uint8_t>> out;  // every frame after processing
  std::vector<Verdict> verdicts;
  std::vector<ParseClass> classes;
  DataPlaneStats stats;
  std::vector<uint8_t> fwd, reply;
};

// The table's bytes (compared whole: an element-wise compare would feed the fuzzer's comparison
// tracing 256 entries per input).
std::vector<uint8_t> entries(const FlowTable& t) {
  const auto* p = reinterpret_cast<const uint8_t*>(t.set(0));
  return {p, p + size_t(t.sets()) * t.ways() * sizeof(FlowEntry)};
}

Run run(const fuzz::FuzzInput& in, bool bursts) {
  Pipeline dp(fuzz::fuzz_geometry());
  write_plan(plan(), dp);
  Run r;
  for (const fuzz::FuzzFrame& f : in.frames) r.out.push_back(f.bytes);
  std::vector<Packet> pk(in.frames.size());
  for (size_t i = 0; i < pk.size(); ++i) pk[i] = {r.out[i].data(), uint16_t(r.out[i].size())};
  size_t i = 0;
  while (i < pk.size()) {
    size_t n = 1;
    if (bursts)
      while (i + n < pk.size() && n < kMaxBurst && in.frames[i + n].same_tick) ++n;
    dp.process({&pk[i], n}, in.frames[i].tick);
    i += n;
  }
  for (const Packet& p : pk) {
    r.verdicts.push_back(p.verdict);
    r.classes.push_back(p.cls);
  }
  r.stats = read_stats(dp, plan());
  r.fwd = entries(dp.forward_flows());
  r.reply = entries(dp.reply_flows());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::FuzzInput in = fuzz::split_input({data, size}, 128);
  const Run a = run(in, true);
  const Run b = run(in, false);
  check(a.verdicts == b.verdicts && a.classes == b.classes && a.out == b.out);
  check(a.stats == b.stats && a.fwd == b.fwd && a.reply == b.reply);

  const auto& g = a.stats.global;
  auto c = [&](Counter k) { return g[size_t(k)]; };
  uint64_t fwd = 0, punt = 0, rx_bytes = 0;
  for (size_t i = 0; i < in.frames.size(); ++i) {
    rx_bytes += in.frames[i].bytes.size();
    fwd += a.verdicts[i] == Verdict::kForward;
    punt += a.verdicts[i] == Verdict::kPunt;
    if (a.verdicts[i] == Verdict::kForward) check(a.classes[i] == ParseClass::kL4);
    if (a.verdicts[i] != Verdict::kForward) check(a.out[i] == in.frames[i].bytes);
  }
  check(c(Counter::kRxPackets) == in.frames.size() && c(Counter::kRxBytes) == rx_bytes);
  check(c(Counter::kFwdPackets) == fwd && c(Counter::kPuntPackets) == punt);
  check(c(Counter::kRxPackets) == c(Counter::kFwdPackets) + c(Counter::kPuntPackets) +
                                      c(Counter::kDropMalformed) + c(Counter::kDropNotIpv6) +
                                      c(Counter::kDropWrongMac) + c(Counter::kDropNoService) +
                                      c(Counter::kDropNoBackend) + c(Counter::kDropFlowTableFull) +
                                      c(Counter::kDropBadSource) + c(Counter::kDropSpoofed));
  check(c(Counter::kPuntPackets) == c(Counter::kPuntLocal) + c(Counter::kPuntFragment) +
                                        c(Counter::kPuntExtHeaders) + c(Counter::kPuntIcmp) +
                                        c(Counter::kPuntHopLimit));
  uint64_t svc_packets = 0, be_packets = 0;
  for (size_t s = 0; s < a.stats.services.size(); ++s) {
    svc_packets += a.stats.services[s].packets + a.stats.services[s].reply_packets;
    for (const BackendCounters& bc : a.stats.backends[s]) be_packets += bc.packets;
  }
  check(svc_packets <= c(Counter::kFwdPackets));
  check(be_packets <= c(Counter::kFwdPackets));
  return 0;
}
