// The DPDK device answers the register interface exactly as the model device does: the same
// programming (write_plan through CardTables) reads back the same from both, errors are the same
// errors, flow entries land in (and come back from) the worker the index names, counters are
// summed over the workers. Run with EAL arguments (one process per EAL):
//   v6lb_dpdk_device_test -- --no-huge --no-pci -l 0-1 --file-prefix X --vdev net_ring0
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/control/program.h"
#include "v6lb/control/slot_recovery.h"
#include "v6lb/dpdk/dpdk_device.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/model_device.h"
#include "v6lb/driver/table_words.h"
#include "v6lb_print.h"
#include "v6lb_regs.h"

using namespace v6lb;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what.c_str());
    ++failures;
  }
}

// Whole values compared; a failure names the fields that differ.
template <class T>
void check_same(const T& got, const T& want, const std::string& what) {
  check(got == want, what + ": " + test::diff(got, want));
}

template <class F>
bool throws_card_error(F f) {
  try {
    f();
  } catch (const CardError&) {
    return true;
  }
  return false;
}

FlowEntry flow(uint32_t n) {
  FlowEntry e{};
  for (size_t i = 0; i < FlowKey::kSize; ++i) e.key[i] = uint8_t(n * 7 + i);
  e.valid = 1;
  e.backend = uint16_t(n % 3);
  e.service = uint8_t(n % 2);
  e.deadline = 100000 + n;
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CONFIG -- EAL ARGS\n", argv[0]);
    return 2;
  }
  auto loaded = load_config_file(argv[1]);
  if (auto* e = std::get_if<ConfigError>(&loaded)) {
    std::fprintf(stderr, "%s\n", e->message.c_str());
    return 2;
  }
  const Config& cfg = std::get<Config>(loaded);
  std::vector<std::string> eal(argv + 3, argv + argc);
  Geometry geo;
  geo.flow_sets = 1024;  // small: the occupancy counters scan whole tables
  std::string err;
  auto dev = DpdkDevice::open(eal, geo, err);
  if (!dev) {
    std::fprintf(stderr, "open: %s\n", err.c_str());
    return 2;
  }
  ModelDevice model(geo);
  CardTables d(*dev), m(model);
  const uint32_t w = dev->workers(), per = geo.flow_sets * geo.flow_ways;

  // Capabilities: the model's, with W times the flow sets.
  const Geometry dg = d.geometry(), mg = m.geometry();
  Geometry want = mg;
  want.flow_sets = w * mg.flow_sets;
  check_same(dg, want, "capabilities (CAP_FLOW_SETS: workers x sets)");
  for (uint32_t off :
       {regs::ID, regs::VERSION, regs::CAP_DATA_WIDTH, regs::CAP_PARSE_WINDOW, regs::CAP_MAX_FRAME})
    check(dev->read32(off) == model.read32(off), "register " + std::to_string(off) + " differs");

  // The same programming reads back the same.
  const Plan plan = make_plan(cfg, mg);
  write_plan(plan, d);
  write_plan(plan, m);
  d.set_control(true, false);
  m.set_control(true, false);
  for (uint32_t s = 0; s < geo.services; ++s)
    check_same(d.read_service(s), m.read_service(s), "service " + std::to_string(s));
  for (uint32_t b = 0; b < geo.backends; ++b)
    check_same(d.read_backend(b), m.read_backend(b), "backend " + std::to_string(b));
  for (uint32_t s = 0; s < geo.services; ++s)
    check(d.active_bank(s) == m.active_bank(s), "active bank differs");
  for (uint32_t off = regs::CARD_MAC_HI; off <= regs::ROUTER_MAC_LO; off += 4)
    check(dev->read32(off) == model.read32(off), "MAC register differs");
  for (uint32_t i = 0; i < 4; ++i)
    check(dev->read32(regs::CARD_ADDR + 4 * i) == model.read32(regs::CARD_ADDR + 4 * i),
          "card address differs");
  check(dev->read32(regs::CTRL) == model.read32(regs::CTRL), "CTRL differs");
  const SlotMap ds = recover_slots(d, cfg), ms = recover_slots(m, cfg);
  check(ds.services == ms.services && ds.backends == ms.backends, "recover_slots differs");

  // Flow entries: every worker's range, both tables; the last index of the last worker; one
  // past it is an error, as an index past the model's table is.
  std::vector<uint32_t> idx = {0, 5, per - 1};
  for (uint32_t k = 1; k < w; ++k)
    idx.insert(idx.end(), {k * per, k * per + 17, (k + 1) * per - 1});
  uint32_t n = 0;
  for (FlowDirection dir : {FlowDirection::kForward, FlowDirection::kReply})
    for (uint32_t i : idx) {
      const FlowEntry e = flow(++n);
      d.write_flow(dir, i, e);
      if (i < per) m.write_flow(dir, i, e);
    }
  n = 0;
  for (FlowDirection dir : {FlowDirection::kForward, FlowDirection::kReply})
    for (uint32_t i : idx) {
      const FlowEntry e = flow(++n);
      check_same(d.read_flow(dir, i), e, "flow " + std::to_string(i));
      if (i < per) check_same(m.read_flow(dir, i), e, "model flow " + std::to_string(i));
    }
  check(!d.read_flow(FlowDirection::kForward, 1).valid, "an unwritten flow entry is valid");
  check(throws_card_error([&] { d.read_flow(FlowDirection::kForward, w * per); }),
        "flow index past the last worker accepted");
  check(throws_card_error([&] { m.read_flow(FlowDirection::kForward, per); }),
        "model: flow index past the table accepted");
  check(throws_card_error([&] { d.read_service(geo.services); }) &&
            throws_card_error([&] { m.read_service(geo.services); }),
        "service index past the table");
  check(throws_card_error([&] { d.write_maglev(geo.services, 0, 0, plan.services[0].maglev); }) &&
            throws_card_error([&] { m.write_maglev(geo.services, 0, 0, plan.services[0].maglev); }),
        "Maglev write to a service past the table");

  // A batched sweep (CardTables::read_flow_owners, pipelined by DpdkDevice::run_ops) gives what
  // single reads give, and what the model gives for its own range.
  for (FlowDirection dir : {FlowDirection::kForward, FlowDirection::kReply}) {
    std::vector<uint32_t> batch(size_t(w) * per), model_batch(per);
    const auto t0 = std::chrono::steady_clock::now();
    d.read_flow_owners(dir, 0, batch);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    m.read_flow_owners(dir, 0, model_batch);
    size_t bad = 0;
    for (uint32_t i = 0; i < w * per; ++i) {
      if (i % 97 == 0 || std::find(idx.begin(), idx.end(), i) != idx.end())
        bad += batch[i] != d.read_flow_owner(dir, i);
      if (i < per) bad += batch[i] != model_batch[i];
    }
    check(bad == 0, std::to_string(bad) + " batched flow-owner reads differ");
    std::printf("batched sweep of %u entries: %.1f ms\n", w * per, ms);
  }
  check(throws_card_error([&] {
          std::vector<uint32_t> past(4);
          d.read_flow_owners(FlowDirection::kForward, w * per - 2, past);
        }),
        "a batch running past the last worker is accepted");
  // After a batch, TBL_DATA holds the last entry read, as after single reads.
  {
    std::vector<uint32_t> one(3);
    d.read_flow_owners(FlowDirection::kReply, idx.back() - 2, one);
    TableWords tw{};
    for (uint32_t i = 0; i < 16; ++i) tw[i] = dev->read32(regs::TBL_DATA + 4 * i);
    check_same(decode_flow(tw), flow(n), "TBL_DATA after a batch (the last entry read)");
  }

  // Occupancy is summed over the workers: idx.size() entries per direction.
  check(
      d.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_FORWARD) == idx.size() &&
          d.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_REPLY) == idx.size(),
      "occupancy: " +
          std::to_string(d.read_counter(CounterKind::kFlowOccupancy, regs::CNT_FLOW_OCC_FORWARD)) +
          ", want " + std::to_string(idx.size()));
  for (uint32_t c = 0; c < kNumCounters; ++c)
    check(d.read_counter(CounterKind::kGlobal, c) == 0,
          "counter " + std::to_string(c) + " not zero");

  // A hitless flip: a new table in the inactive bank, then the bank register.
  std::vector<uint16_t> t(geo.maglev_size, uint16_t(plan.services[0].backends[0].slot));
  const uint32_t slot = plan.services[0].slot, before = d.active_bank(slot);
  write_maglev_hitless(d, slot, t);
  write_maglev_hitless(m, slot, t);
  check(d.active_bank(slot) == 1 - before && d.active_bank(slot) == m.active_bank(slot),
        "bank flip");
  for (uint32_t i = 0; i < 8; ++i)
    check(dev->read32(regs::ACTIVE_BANK + 4 * i) == model.read32(regs::ACTIVE_BANK + 4 * i),
          "ACTIVE_BANK register differs");

  const uint32_t t0 = dev->read32(regs::TICK_NOW);
  usleep(20000);
  const uint32_t t1 = dev->read32(regs::TICK_NOW);
  check(t1 - t0 >= 15 && t1 - t0 < 1000, "TICK_NOW does not count milliseconds");

  // After stop the registers still answer, now applied directly.
  dev->stop();
  check_same(d.read_flow(FlowDirection::kReply, idx.back()), flow(n), "read after stop");
  const FlowEntry late = flow(999);
  d.write_flow(FlowDirection::kForward, 3, late);
  check_same(d.read_flow(FlowDirection::kForward, 3), late, "write after stop");

  std::printf("%s: %u worker(s), %zu flow indices, %d failure(s)\n", failures ? "FAIL" : "ok", w,
              idx.size(), failures);
  return failures ? 1 : 0;
}
