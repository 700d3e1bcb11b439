#include "v6lb/card_tables.h"

#include <cstring>
#include <string>

#include "v6lb/pipeline.h"
#include "v6lb/table_words.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

constexpr uint32_t kOpWrite = 1, kOpRead = 2;
constexpr uint32_t kTableService = 1, kTableBackend = 2, kTableMaglev = 3, kTableReverse = 6;

}  // namespace

CardTables::CardTables(Device& dev) : dev_(dev) {
  const uint32_t id = dev_.read32(r::ID);
  if (id != r::ID_RESET)
    throw CardError(dev_.name() + ": not a v6lb card (ID register reads 0x" + std::to_string(id) +
                    ")");
  const uint32_t version = dev_.read32(r::VERSION);
  if (version >> 16 != r::MAP_VERSION_MAJOR)
    throw CardError(dev_.name() + ": register map version " + std::to_string(version >> 16) + "." +
                    std::to_string(version & 0xFFFF) + ", this driver knows " +
                    std::to_string(r::MAP_VERSION_MAJOR) + ".x");
  data_width_ = dev_.read32(r::CAP_DATA_WIDTH);
  geo_.services = dev_.read32(r::CAP_SERVICES);
  geo_.backends = dev_.read32(r::CAP_BACKENDS);
  geo_.maglev_size = dev_.read32(r::CAP_MAGLEV_M);
  geo_.flow_sets = dev_.read32(r::CAP_FLOW_SETS);
  geo_.flow_ways = dev_.read32(r::CAP_FLOW_WAYS);
  geo_.reverse_entries = dev_.read32(r::CAP_REVERSE_ENTRIES);
  banks_.resize(r::ACTIVE_BANK_COUNT);
  for (uint32_t i = 0; i < r::ACTIVE_BANK_COUNT; ++i)
    banks_[i] = dev_.read32(r::ACTIVE_BANK + 4 * i);
}

void CardTables::command(uint32_t table, uint32_t op) {
  dev_.write32(r::TBL_CMD, table | op << 4);
  for (int guard = 0;; ++guard) {
    const uint32_t st = dev_.read32(r::TBL_STATUS);
    if (st & 2) throw CardError(dev_.name() + ": table command rejected");
    if (!(st & 1)) return;
    if (guard > 1000000) throw CardError(dev_.name() + ": table command timed out");
  }
}

void CardTables::set_card(const CardEntry& c) {
  uint32_t lo;
  dev_.write32(r::CARD_MAC_HI, uint32_t(c.mac.b[0]) << 8 | c.mac.b[1]);
  put_be_words(&c.mac.b[2], 4, &lo);
  dev_.write32(r::CARD_MAC_LO, lo);
  dev_.write32(r::ROUTER_MAC_HI, uint32_t(c.router_mac.b[0]) << 8 | c.router_mac.b[1]);
  put_be_words(&c.router_mac.b[2], 4, &lo);
  dev_.write32(r::ROUTER_MAC_LO, lo);
  uint32_t w[4];
  put_be_words(c.address.b.data(), 16, w);
  dev_.write_block(r::CARD_ADDR, w);
}

void CardTables::write_entry(uint32_t table, uint32_t index, const TableWords& w, size_t words) {
  dev_.write_block(r::TBL_DATA, {w.data(), words});
  dev_.write32(r::TBL_INDEX, index);
  command(table, kOpWrite);
}

TableWords CardTables::read_entry(uint32_t table, uint32_t index, size_t words) {
  dev_.write32(r::TBL_INDEX, index);
  command(table, kOpRead);
  TableWords w{};
  for (size_t i = 0; i < words; ++i) w[i] = dev_.read32(r::TBL_DATA + uint32_t(4 * i));
  return w;
}

void CardTables::set_service(uint32_t slot, const ServiceEntry& s) {
  write_entry(kTableService, slot, encode_service(s), kServiceWords);
}

void CardTables::set_backend(uint32_t slot, const BackendEntry& b) {
  write_entry(kTableBackend, slot, encode_backend(b), kBackendWords);
}

void CardTables::set_reverse(uint32_t slot, const ReverseEntry& e) {
  write_entry(kTableReverse, slot, encode_reverse(e), kReverseWords);
}

void CardTables::write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                              std::span<const uint16_t> entries) {
  dev_.write32(r::TBL_SEL, service | bank << 16);
  for (size_t base = 0; base < entries.size(); base += 32) {
    uint32_t w[16] = {};
    const size_t n = std::min<size_t>(32, entries.size() - base);
    for (size_t k = 0; k < n; ++k) w[k / 2] |= uint32_t(entries[base + k]) << (16 * (k % 2));
    // A short last chunk would overwrite entries past it: pad with what the table already
    // holds only when the chunk ends inside the table.
    if (n < 32 && offset + base + 32 <= geo_.maglev_size)
      throw CardError("maglev: partial chunk inside the table");
    dev_.write_block(r::TBL_DATA, {w, (n + 1) / 2});
    dev_.write32(r::TBL_INDEX, uint32_t(offset + base));
    command(kTableMaglev, kOpWrite);
  }
}

void CardTables::set_active_bank(uint32_t service, uint32_t bank) {
  uint32_t& word = banks_.at(service / 32);
  const uint32_t bit = 1u << (service % 32);
  word = bank ? (word | bit) : (word & ~bit);
  dev_.write32(r::ACTIVE_BANK + 4 * (service / 32), word);
}

uint32_t CardTables::active_bank(uint32_t service) const {
  return (banks_.at(service / 32) >> (service % 32)) & 1;
}

void CardTables::write_flow(FlowDirection dir, uint32_t index, const FlowEntry& e) {
  write_entry(uint32_t(dir), index, encode_flow(e), kFlowWords);
}

FlowEntry CardTables::read_flow(FlowDirection dir, uint32_t index) {
  return decode_flow(read_entry(uint32_t(dir), index, kFlowWords));
}

uint32_t CardTables::read_flow_owner(FlowDirection dir, uint32_t index) {
  dev_.write32(r::TBL_INDEX, index);
  command(uint32_t(dir), kOpRead);
  return dev_.read32(r::TBL_DATA + 4 * 10);  // table_words.h: word 10 of a flow entry
}

void CardTables::read_flow_owners(FlowDirection dir, uint32_t first, std::span<uint32_t> out) {
  // Per entry: index, command, status, word 10. A status still BUSY when read (the command had
  // not finished: no card does that today) sends that entry through the polling path instead.
  std::vector<Device::RegOp> ops;
  ops.reserve(4 * out.size());
  for (uint32_t i = 0; i < out.size(); ++i) {
    ops.push_back({r::TBL_INDEX, first + i, false});
    ops.push_back({r::TBL_CMD, uint32_t(dir) | kOpRead << 4, false});
    ops.push_back({r::TBL_STATUS, 0, true});
    ops.push_back({r::TBL_DATA + 4 * 10, 0, true});
  }
  std::vector<uint32_t> got(2 * out.size());
  dev_.run_ops(ops, got);
  for (uint32_t i = 0; i < out.size(); ++i) {
    const uint32_t st = got[2 * i];
    if (st & 2) throw CardError(dev_.name() + ": table command rejected");
    out[i] = (st & 1) ? read_flow_owner(dir, first + i) : got[2 * i + 1];
  }
}

ServiceEntry CardTables::read_service(uint32_t slot) {
  return decode_service(read_entry(kTableService, slot, kServiceWords));
}

BackendEntry CardTables::read_backend(uint32_t slot) {
  return decode_backend(read_entry(kTableBackend, slot, kBackendWords));
}

uint64_t CardTables::read_counter(uint32_t kind, uint32_t index, uint32_t field) {
  dev_.write32(r::CNT_SEL, kind << 24 | field << 16 | index);
  const uint32_t lo = dev_.read32(r::CNT_LO);
  const uint32_t hi = dev_.read32(r::CNT_HI);
  return uint64_t(hi) << 32 | lo;
}

DataPlaneStats CardTables::read_stats(const Plan& plan) {
  DataPlaneStats st;
  for (size_t i = 0; i < kNumCounters; ++i) st.global[i] = read_counter(0, uint32_t(i));
  for (const PlannedService& ps : plan.services) {
    ServiceCounters c;
    c.packets = read_counter(1, ps.slot, 0);
    c.bytes = read_counter(1, ps.slot, 1);
    c.new_flows = read_counter(1, ps.slot, 2);
    c.reply_packets = read_counter(1, ps.slot, 3);
    c.reply_bytes = read_counter(1, ps.slot, 4);
    st.services.push_back(c);
    std::vector<BackendCounters> bcs;
    for (const PlannedBackend& pb : ps.backends) {
      BackendCounters b;
      b.packets = read_counter(2, pb.slot, 0);
      b.bytes = read_counter(2, pb.slot, 1);
      b.reply_packets = read_counter(2, pb.slot, 2);
      b.reply_bytes = read_counter(2, pb.slot, 3);
      b.new_flows = read_counter(2, pb.slot, 4);
      bcs.push_back(b);
    }
    st.backends.push_back(std::move(bcs));
  }
  st.flows_forward = read_counter(3, 0);
  st.flows_reply = read_counter(3, 1);
  st.flow_capacity = uint64_t(geo_.flow_sets) * geo_.flow_ways;
  return st;
}

void CardTables::clear_counters() { dev_.write32(r::CNT_CLEAR, 1); }

SlotMap CardTables::recover_slots(const Config& cfg) {
  SlotMap out;
  std::vector<ServiceEntry> svcs(geo_.services);
  for (uint32_t s = 0; s < geo_.services; ++s) svcs[s] = read_service(s);
  std::vector<BackendEntry> bes(geo_.backends);
  bool any_backend_read = false;
  for (const ServiceConfig& sc : cfg.services) {
    for (uint32_t s = 0; s < geo_.services; ++s) {
      const ServiceEntry& e = svcs[s];
      if (!e.valid || e.vip != sc.vip || e.proto != uint8_t(sc.protocol) || e.port != sc.port)
        continue;
      out.services[sc.name] = s;
      if (!any_backend_read) {
        for (uint32_t b = 0; b < geo_.backends; ++b) bes[b] = read_backend(b);
        any_backend_read = true;
      }
      for (const BackendConfig& bc : sc.backends)
        for (uint32_t b = 0; b < geo_.backends; ++b)
          if (bes[b].service == s && bes[b].address == bc.address && bes[b].port == bc.port &&
              !bes[b].address.is_zero()) {
            out.backends[{sc.name, bc.address, bc.port}] = b;
            break;
          }
      break;
    }
  }
  return out;
}

void CardTables::set_control(bool aging, bool external_tick) {
  dev_.write32(r::CTRL, uint32_t(aging) | uint32_t(external_tick) << 1);
}

}  // namespace v6lb
