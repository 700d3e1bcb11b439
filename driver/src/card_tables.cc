#include "v6lb/card_tables.h"

#include <cstring>
#include <string>

#include "v6lb/pipeline.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

constexpr uint32_t kOpWrite = 1, kOpRead = 2;
constexpr uint32_t kTableService = 1, kTableBackend = 2, kTableMaglev = 3, kTableReverse = 6;

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}
void addr_words(const Ipv6Addr& a, uint32_t* w) {
  for (int i = 0; i < 4; ++i) w[i] = be32(&a.b[4 * i]);
}
Ipv6Addr words_addr(const uint32_t* w) {
  Ipv6Addr a;
  for (int i = 0; i < 4; ++i) put_be32(&a.b[4 * i], w[i]);
  return a;
}

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

std::vector<uint32_t> CardTables::read_data(size_t words) {
  std::vector<uint32_t> w(words);
  for (size_t i = 0; i < words; ++i) w[i] = dev_.read32(r::TBL_DATA + uint32_t(4 * i));
  return w;
}

void CardTables::set_card(const CardEntry& c) {
  dev_.write32(r::CARD_MAC_HI, uint32_t(c.mac.b[0]) << 8 | c.mac.b[1]);
  dev_.write32(r::CARD_MAC_LO, be32(&c.mac.b[2]));
  dev_.write32(r::ROUTER_MAC_HI, uint32_t(c.router_mac.b[0]) << 8 | c.router_mac.b[1]);
  dev_.write32(r::ROUTER_MAC_LO, be32(&c.router_mac.b[2]));
  uint32_t w[4];
  addr_words(c.address, w);
  dev_.write_block(r::CARD_ADDR, w);
}

void CardTables::set_service(uint32_t slot, const ServiceEntry& s) {
  uint32_t w[6];
  addr_words(s.vip, w);
  w[4] = uint32_t(s.valid) << 31 | uint32_t(s.scheduler) << 24 | uint32_t(s.proto) << 16 | s.port;
  w[5] = s.timeout_ticks;
  dev_.write_block(r::TBL_DATA, w);
  dev_.write32(r::TBL_INDEX, slot);
  command(kTableService, kOpWrite);
}

void CardTables::set_backend(uint32_t slot, const BackendEntry& b) {
  uint32_t w[7];
  addr_words(b.address, w);
  w[4] = uint32_t(b.valid) << 31 | uint32_t(b.service) << 16 | b.port;
  w[5] = be32(&b.mac.b[0]);
  w[6] = uint32_t(b.mac.b[4]) << 24 | uint32_t(b.mac.b[5]) << 16;
  dev_.write_block(r::TBL_DATA, w);
  dev_.write32(r::TBL_INDEX, slot);
  command(kTableBackend, kOpWrite);
}

void CardTables::set_reverse(uint32_t slot, const ReverseEntry& e) {
  uint32_t w[6];
  addr_words(e.address, w);
  w[4] = uint32_t(e.valid) << 31 | uint32_t(e.proto) << 16 | e.port;
  w[5] = uint32_t(e.service) << 16 | e.backend;
  dev_.write_block(r::TBL_DATA, w);
  dev_.write32(r::TBL_INDEX, slot);
  command(kTableReverse, kOpWrite);
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
  uint32_t w[12] = {};
  uint8_t k[40] = {};
  std::memcpy(k, e.key, FlowKey::kSize);
  for (int i = 0; i < 10; ++i) w[i] = be32(&k[4 * i]);
  w[10] = uint32_t(e.valid ? 1 : 0) << 31 | uint32_t(e.service) << 16 | e.backend;
  w[11] = e.deadline;
  dev_.write_block(r::TBL_DATA, w);
  dev_.write32(r::TBL_INDEX, index);
  command(uint32_t(dir), kOpWrite);
}

FlowEntry CardTables::read_flow(FlowDirection dir, uint32_t index) {
  dev_.write32(r::TBL_INDEX, index);
  command(uint32_t(dir), kOpRead);
  const auto w = read_data(12);
  FlowEntry e{};
  uint8_t k[40];
  for (int i = 0; i < 10; ++i) put_be32(&k[4 * i], w[i]);
  std::memcpy(e.key, k, FlowKey::kSize);
  e.valid = (w[10] >> 31) & 1;
  e.service = uint8_t(w[10] >> 16);
  e.backend = uint16_t(w[10]);
  e.deadline = w[11];
  return e;
}

ServiceEntry CardTables::read_service(uint32_t slot) {
  dev_.write32(r::TBL_INDEX, slot);
  command(kTableService, kOpRead);
  const auto w = read_data(6);
  ServiceEntry s;
  s.vip = words_addr(w.data());
  s.valid = (w[4] >> 31) & 1;
  s.scheduler = Scheduler((w[4] >> 24) & 3);
  s.proto = uint8_t(w[4] >> 16);
  s.port = uint16_t(w[4]);
  s.timeout_ticks = w[5];
  return s;
}

BackendEntry CardTables::read_backend(uint32_t slot) {
  dev_.write32(r::TBL_INDEX, slot);
  command(kTableBackend, kOpRead);
  const auto w = read_data(7);
  BackendEntry b;
  b.address = words_addr(w.data());
  b.valid = (w[4] >> 31) & 1;
  b.service = uint8_t(w[4] >> 16);
  b.port = uint16_t(w[4]);
  put_be32(&b.mac.b[0], w[5]);
  b.mac.b[4] = uint8_t(w[6] >> 24);
  b.mac.b[5] = uint8_t(w[6] >> 16);
  return b;
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
