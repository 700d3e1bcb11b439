// libFuzzer harness, differential: the same frames through the reference pipeline and the
// Verilated card (the fuzz sub-build's v6lb_top with small tables), both programmed from
// tests/fuzz/fuzz.yaml through the same plan, as tests/rtl/diff_test.cc does. Any difference in
// verdicts, forwarded or punted bytes (in order), any counter (global, per service, per backend,
// flow occupancy) or any learned flow entry is a finding: the harness prints it and aborts.
//
// Input format: fuzz_common.h (at most 12 frames per input). Options bit 0 picks DATA_WIDTH 512
// (else 64); bits 1-2 a timing profile of the receive gaps and output backpressure. The model
// is fresh per input; each card (one per width and profile) is created once and cleaned after
// every input: its counters cleared and the flow entries the model learned deleted, after which
// its flow occupancy must read 0. With gaps or backpressure the card's timing draws from a
// random stream that runs on across inputs, so such a finding may need its predecessors to
// reproduce (the verdicts never should).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "v6lb/control/program.h"
#include "v6lb/control/stats_json.h"
#include "v6lb/dataplane/pipeline.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/sim_device.h"
#include "v6lb_regs.h"

namespace {

using namespace v6lb;

constexpr size_t kMaxFrames = 12;

struct Profile {
  double input_gap, output_ready;
};
constexpr Profile kProfiles[4] = {{0.0, 1.0}, {0.3, 0.6}, {0.1, 0.2}, {0.6, 0.9}};

const Config& config() {
  static const Config c = fuzz::fuzz_config();
  return c;
}

const Plan& plan() {
  static const Plan p = [] {
    if (auto e = check_fits(config(), fuzz::fuzz_geometry())) fuzz::setup_failed(*e);
    return make_plan(config(), fuzz::fuzz_geometry());
  }();
  return p;
}

struct Card {
  explicit Card(const SimOptions& so) : dev(SimCard::create(so)), tables(dev) {
    if (!(tables.geometry() == fuzz::fuzz_geometry()))
      fuzz::setup_failed("the Verilated card's geometry is not fuzz_geometry()");
    write_plan(plan(), tables);
    tables.set_control(/*aging=*/false, /*external_tick=*/true);
  }
  SimDevice dev;
  CardTables tables;
};

Card& card(uint8_t options) {
  static std::unique_ptr<Card> cards[8];
  const unsigned i = options & 7;
  if (!cards[i]) {
    SimOptions so;
    so.data_width = (options & 1) ? 512 : 64;
    so.input_gap = kProfiles[(options >> 1) & 3].input_gap;
    so.output_ready = kProfiles[(options >> 1) & 3].output_ready;
    so.seed = 1 + i;
    cards[i] = std::make_unique<Card>(so);
  }
  return *cards[i];
}

std::string hex(const std::vector<uint8_t>& b) {
  std::string s;
  char buf[4];
  for (uint8_t x : b) {
    std::snprintf(buf, sizeof buf, "%02x", x);
    s += buf;
  }
  return s;
}

[[noreturn]] void finding(const std::string& what, const fuzz::FuzzInput& in, uint8_t options) {
  std::fprintf(stderr, "rtl_diff: model and RTL differ: %s (DATA_WIDTH %d, profile %u)\n",
               what.c_str(), (options & 1) ? 512 : 64, (options >> 1) & 3);
  for (size_t i = 0; i < in.frames.size(); ++i)
    std::fprintf(stderr, "  frame %zu tick %u: %s\n", i, in.frames[i].tick,
                 hex(in.frames[i].bytes).c_str());
  std::abort();
}

std::string stats_text(const DataPlaneStats& st) { return stats_to_json(config(), st).dump(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::FuzzInput in = fuzz::split_input({data, size}, kMaxFrames);
  if (in.frames.empty()) return 0;
  const uint8_t options = in.options;

  // The model, one frame at a time (as the card sees them).
  Pipeline dp(fuzz::fuzz_geometry());
  write_plan(plan(), dp);
  std::vector<std::vector<uint8_t>> m_fwd, m_punt;
  std::vector<SimVerdict> m_verdicts;
  for (const fuzz::FuzzFrame& f : in.frames) {
    std::vector<uint8_t> b = f.bytes;
    Packet p{b.data(), uint16_t(b.size())};
    dp.process({&p, 1}, f.tick);
    if (p.verdict == Verdict::kForward)
      m_fwd.push_back(std::move(b));
    else if (p.verdict == Verdict::kPunt)
      m_punt.push_back(std::move(b));
    m_verdicts.push_back(p.verdict == Verdict::kForward ? SimVerdict::kForward
                         : p.verdict == Verdict::kPunt  ? SimVerdict::kPunt
                                                        : SimVerdict::kDrop);
  }
  const DataPlaneStats m_stats = read_stats(dp, plan());

  // The card.
  Card& c = card(options);
  SimCard& sim = c.dev.card();
  const size_t first = sim.verdicts().size();
  for (const fuzz::FuzzFrame& f : in.frames) sim.send(f.bytes, f.tick);
  if (!sim.drain(1'000'000)) finding("the card did not drain", in, options);
  std::vector<std::vector<uint8_t>> h_fwd, h_punt;
  for (SimFrame& f : sim.take_forwarded()) h_fwd.push_back(std::move(f.data));
  for (SimFrame& f : sim.take_punted()) h_punt.push_back(std::move(f.data));
  const std::vector<SimVerdict> h_verdicts(sim.verdicts().begin() + long(first),
                                           sim.verdicts().end());
  const DataPlaneStats h_stats = read_stats(c.tables, plan());

  if (h_verdicts != m_verdicts) finding("verdicts", in, options);
  if (h_fwd.size() != m_fwd.size()) finding("number of forwarded frames", in, options);
  for (size_t i = 0; i < m_fwd.size(); ++i)
    if (h_fwd[i] != m_fwd[i])
      finding("forwarded frame " + std::to_string(i) + ": model " + hex(m_fwd[i]) + " RTL " +
                  hex(h_fwd[i]),
              in, options);
  if (h_punt.size() != m_punt.size()) finding("number of punted frames", in, options);
  for (size_t i = 0; i < m_punt.size(); ++i)
    if (h_punt[i] != m_punt[i])
      finding("punted frame " + std::to_string(i) + ": model " + hex(m_punt[i]) + " RTL " +
                  hex(h_punt[i]),
              in, options);
  if (!(h_stats == m_stats))
    finding("counters: model " + stats_text(m_stats) + " RTL " + stats_text(h_stats), in, options);

  // Every entry the model learned is in the card at the same place; then the card is cleaned.
  for (FlowDirection dir : {FlowDirection::kForward, FlowDirection::kReply}) {
    const FlowTable& t = dir == FlowDirection::kForward ? dp.forward_flows() : dp.reply_flows();
    for (uint32_t s = 0; s < t.sets(); ++s)
      for (uint32_t w = 0; w < t.ways(); ++w) {
        const FlowEntry& e = t.set(s)[w];
        if (!e.valid) continue;
        const uint32_t index = s * t.ways() + w;
        if (!(c.tables.read_flow(dir, index) == e))
          finding("flow entry " + std::to_string(index) +
                      (dir == FlowDirection::kForward ? " (forward)" : " (reply)"),
                  in, options);
        c.tables.write_flow(dir, index, FlowEntry{});
      }
  }
  c.tables.clear_counters();
  sim.step(4 * fuzz::fuzz_geometry().backends);  // the clear walks one counter word per clock
  if (c.tables.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_FORWARD) != 0 ||
      c.tables.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_REPLY) != 0)
    finding("the card holds flow entries the model does not", in, options);
  return 0;
}
