#include "v6lb/driver/card_tables.h"

#include <fmt/format.h>

#include <cstring>
#include <string>

#include "v6lb/driver/table_words.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

constexpr uint32_t kOpWrite = r::TBL_CMD_OP_WRITE, kOpRead = r::TBL_CMD_OP_READ;
constexpr uint32_t kTableService = r::TBL_CMD_TABLE_SERVICE,
                   kTableBackend = r::TBL_CMD_TABLE_BACKEND, kTableMaglev = r::TBL_CMD_TABLE_MAGLEV;
constexpr uint32_t cmd(uint32_t table, uint32_t op) {
  return r::TBL_CMD_TABLE(table) | r::TBL_CMD_OP(op);
}
// The word of a flow entry that says whether it holds a flow and whose (VALID, SERVICE, BACKEND).
static_assert(r::TBL_FLOW_VALID_WORD == r::TBL_FLOW_SERVICE_WORD &&
              r::TBL_FLOW_VALID_WORD == r::TBL_FLOW_BACKEND_WORD);
constexpr uint32_t kFlowOwnerWord = r::at(r::TBL_DATA, r::TBL_FLOW_VALID_WORD);

}  // namespace

CardTables::CardTables(Device& dev) : dev_(dev) {
  const uint32_t id = dev_.read32(r::ID);
  if (id != r::ID_RESET)
    throw CardError(fmt::format("{}: not a v6lb card (ID register reads {:#010x}, want {:#010x})",
                                dev_.name(), id, r::ID_RESET));
  const uint32_t version = dev_.read32(r::VERSION);
  if (r::VERSION_MAJOR_GET(version) != r::MAP_VERSION_MAJOR)
    throw CardError(dev_.name() + ": register map version " +
                    std::to_string(r::VERSION_MAJOR_GET(version)) + "." +
                    std::to_string(r::VERSION_MINOR_GET(version)) + ", this driver knows " +
                    std::to_string(r::MAP_VERSION_MAJOR) + ".x");
  data_width_ = dev_.read32(r::CAP_DATA_WIDTH);
  geo_.services = dev_.read32(r::CAP_SERVICES);
  geo_.backends = dev_.read32(r::CAP_BACKENDS);
  geo_.maglev_size = dev_.read32(r::CAP_MAGLEV_M);
  geo_.flow_sets = dev_.read32(r::CAP_FLOW_SETS);
  geo_.flow_ways = dev_.read32(r::CAP_FLOW_WAYS);
  banks_.resize(r::ACTIVE_BANK_COUNT);
  for (uint32_t i = 0; i < r::ACTIVE_BANK_COUNT; ++i)
    banks_[i] = dev_.read32(r::at(r::ACTIVE_BANK, i));
}

void CardTables::command(uint32_t table, uint32_t op) {
  dev_.write32(r::TBL_CMD, cmd(table, op));
  for (int guard = 0;; ++guard) {
    const uint32_t st = dev_.read32(r::TBL_STATUS);
    if (r::TBL_STATUS_ERROR_GET(st)) throw CardError(dev_.name() + ": table command rejected");
    if (!r::TBL_STATUS_BUSY_GET(st)) return;
    if (guard > 1000000) throw CardError(dev_.name() + ": table command timed out");
  }
}

void CardTables::set_card(const CardEntry& c) {
  uint32_t lo;
  dev_.write32(r::CARD_MAC_HI, r::CARD_MAC_HI_BYTES_0_1(uint32_t(c.mac.b[0]) << 8 | c.mac.b[1]));
  put_be_words(&c.mac.b[2], 4, &lo);
  dev_.write32(r::CARD_MAC_LO, lo);
  dev_.write32(r::ROUTER_MAC_HI,
               r::ROUTER_MAC_HI_BYTES_0_1(uint32_t(c.router_mac.b[0]) << 8 | c.router_mac.b[1]));
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
  for (size_t i = 0; i < words; ++i) w[i] = dev_.read32(r::at(r::TBL_DATA, uint32_t(i)));
  return w;
}

void CardTables::set_service(uint32_t slot, const ServiceEntry& s) {
  write_entry(kTableService, slot, encode_service(s), kServiceWords);
}

void CardTables::set_backend(uint32_t slot, const BackendEntry& b) {
  write_entry(kTableBackend, slot, encode_backend(b), kBackendWords);
}

void CardTables::write_maglev(uint32_t service, uint32_t bank, uint32_t offset,
                              std::span<const uint16_t> entries) {
  dev_.write32(r::TBL_SEL, r::TBL_SEL_SERVICE(service) | r::TBL_SEL_BANK(bank));
  for (size_t base = 0; base < entries.size(); base += kMaglevPerCommand) {
    const size_t n = std::min<size_t>(kMaglevPerCommand, entries.size() - base);
    const TableWords w = encode_maglev(entries.subspan(base, n));
    // A short last chunk would overwrite entries past it: pad with what the table already
    // holds only when the chunk ends inside the table.
    if (n < kMaglevPerCommand && offset + base + kMaglevPerCommand <= geo_.maglev_size)
      throw CardError("maglev: partial chunk inside the table");
    dev_.write_block(r::TBL_DATA, {w.data(), (n + kMaglevPerWord - 1) / kMaglevPerWord});
    dev_.write32(r::TBL_INDEX, uint32_t(offset + base));
    command(kTableMaglev, kOpWrite);
  }
}

void CardTables::set_active_bank(uint32_t service, uint32_t bank) {
  uint32_t& word = banks_.at(service / 32);
  const uint32_t bit = 1u << (service % 32);
  word = bank ? (word | bit) : (word & ~bit);
  dev_.write32(r::at(r::ACTIVE_BANK, service / 32), word);
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
  return dev_.read32(kFlowOwnerWord);
}

void CardTables::read_flow_owners(FlowDirection dir, uint32_t first, std::span<uint32_t> out) {
  // Per entry: index, command, status, word 10. A status still BUSY when read (the command had
  // not finished: no card does that today) sends that entry through the polling path instead.
  std::vector<Device::RegOp> ops;
  ops.reserve(4 * out.size());
  for (uint32_t i = 0; i < out.size(); ++i) {
    ops.push_back({r::TBL_INDEX, first + i, false});
    ops.push_back({r::TBL_CMD, cmd(uint32_t(dir), kOpRead), false});
    ops.push_back({r::TBL_STATUS, 0, true});
    ops.push_back({kFlowOwnerWord, 0, true});
  }
  std::vector<uint32_t> got(2 * out.size());
  dev_.run_ops(ops, got);
  for (uint32_t i = 0; i < out.size(); ++i) {
    const uint32_t st = got[2 * i];
    if (r::TBL_STATUS_ERROR_GET(st)) throw CardError(dev_.name() + ": table command rejected");
    out[i] = r::TBL_STATUS_BUSY_GET(st) ? read_flow_owner(dir, first + i) : got[2 * i + 1];
  }
}

ServiceEntry CardTables::read_service(uint32_t slot) {
  return decode_service(read_entry(kTableService, slot, kServiceWords));
}

BackendEntry CardTables::read_backend(uint32_t slot) {
  return decode_backend(read_entry(kTableBackend, slot, kBackendWords));
}

uint64_t CardTables::read_counter(CounterKind kind, uint32_t index, uint32_t field) {
  dev_.write32(r::CNT_SEL,
               r::CNT_SEL_KIND(uint32_t(kind)) | r::CNT_SEL_FIELD(field) | r::CNT_SEL_INDEX(index));
  const uint32_t lo = dev_.read32(r::CNT_LO);
  const uint32_t hi = dev_.read32(r::CNT_HI);
  return uint64_t(hi) << 32 | lo;
}

void CardTables::clear_counters() { dev_.write32(r::CNT_CLEAR, r::CNT_CLEAR_CLEAR(1)); }

void CardTables::set_control(bool aging, bool external_tick) {
  dev_.write32(r::CTRL, r::CTRL_AGING_EN(aging) | r::CTRL_TICK_EXT(external_tick));
}

}  // namespace v6lb
