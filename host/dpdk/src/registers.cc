// The register map on the control thread, decoded exactly as ModelDevice decodes it: plain
// registers kept here and sent to every worker, table commands checked here and relayed, counter
// snapshots summed over the workers.
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "device_impl.h"
#include "ports.h"
#include "v6lb/packet_parser.h"
#include "v6lb_regs.h"

namespace v6lb {

using dpdk::ControlMsg;
using dpdk::in_array;
using dpdk::kNoPort;
using dpdk::MsgKind;
using dpdk::Reply;
using dpdk::Worker;
namespace r = regs;

// Table commands, checked as the card checks them, then relayed: a flow-table entry to the one
// worker that holds it, a read to one worker, a write to all of them. A read is posted and its
// answer collected later (`Posted`), so a batch of reads can be in flight at once.
DpdkDevice::Impl::Posted DpdkDevice::Impl::start_command(uint32_t cmd) {
  const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;
  const bool write = op == r::TBL_CMD_OP_WRITE, read = op == r::TBL_CMD_OP_READ;
  const bool flow = table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW;
  const uint32_t per = flow_entries_per_worker();
  bool ok = false;
  switch (table) {
    case r::TBL_CMD_TABLE_SERVICE:
      ok = index < geo.services && (write || read);
      break;
    case r::TBL_CMD_TABLE_BACKEND:
      ok = index < geo.backends && (write || read);
      break;
    case r::TBL_CMD_TABLE_MAGLEV:
      ok = write && index < geo.maglev_size && (sel & 0xFFFF) < geo.services;
      break;
    case r::TBL_CMD_TABLE_FWD_FLOW:
    case r::TBL_CMD_TABLE_REPLY_FLOW:
      ok = index / per < workers.size() && (write || read);
      break;
    case r::TBL_CMD_TABLE_REVERSE:
      ok = write && index < geo.reverse_entries;
      break;
    default:
      break;
  }
  status = ok ? 0 : 2;  // TBL_STATUS.ERROR, as the card reports an unknown table, op or index
  if (!ok) return {};
  ControlMsg m{};
  m.kind = MsgKind::kCommand;
  m.offset = cmd;
  m.value = flow ? index % per : index;
  m.sel = sel;
  m.data = data;
  Worker& target = *workers[flow ? index / per : 0];
  if (read) return {&target, post(target, m)};
  if (flow)
    send(target, m);
  else
    broadcast(m);
  return {};
}

void DpdkDevice::Impl::command(uint32_t cmd) {
  const Posted p = start_command(cmd);
  if (p.worker) data = collect(p);
}

const std::array<uint32_t, 16>& DpdkDevice::Impl::collect(const Posted& p) {
  wait(*p.worker, p.seq);
  return p.worker->reply().slot(p.seq).data;
}

// A batch of register accesses (CardTables::read_flow_owners sweeps whole flow tables so: index,
// read command, status, a data word, per entry). Table reads are posted without waiting for each
// answer, up to Reply::kSlots in flight, and the data words read after them are filled in when
// the answers arrive: one round trip per window instead of one per entry. Anything else in the
// batch first settles what is in flight, then runs as a single access would.
void DpdkDevice::run_ops(std::span<const RegOp> ops, std::span<uint32_t> reads) {
  Impl& d = *impl_;
  struct Deferred {
    size_t k;  // position in `reads`
    Impl::Posted p;
    uint32_t word;
  };
  std::vector<Deferred> deferred;
  Impl::Posted last;  // the latest read command posted: TBL_DATA holds its answer
  size_t posted = 0, k = 0;
  auto settle = [&] {
    for (const Deferred& x : deferred) reads[x.k] = d.collect(x.p)[x.word];
    deferred.clear();
    if (last.worker) d.data = d.collect(last);
    last = {};
    posted = 0;
  };
  for (const RegOp& op : ops) {
    if (!op.read && op.offset == r::TBL_CMD && ((op.value >> 4) & 3) == r::TBL_CMD_OP_READ) {
      // Posts in one window have consecutive numbers, so fewer than kSlots never share a slot.
      if (posted + 1 >= Reply::kSlots) settle();
      ++writes_;
      const Impl::Posted p = d.start_command(op.value);
      if (p.worker) {  // a rejected command leaves TBL_DATA as it was, as on the card
        last = p;
        ++posted;
      }
      continue;
    }
    if (op.read && last.worker && in_array(op.offset, r::TBL_DATA, 16)) {
      deferred.push_back({k++, last, (op.offset - r::TBL_DATA) / 4});
      continue;
    }
    const bool harmless = (!op.read && (op.offset == r::TBL_INDEX || op.offset == r::TBL_SEL)) ||
                          (op.read && op.offset == r::TBL_STATUS);
    if (!harmless) settle();
    if (op.read)
      reads[k++] = read32(op.offset);
    else
      write32(op.offset, op.value);
  }
  settle();
}

// A counter is the sum over the workers (occupancy too: each holds its own flows).
void DpdkDevice::Impl::take_snapshot() {
  ControlMsg m{};
  m.kind = MsgKind::kCounter;
  m.offset = cnt_sel;
  std::vector<uint64_t> seqs;
  seqs.reserve(workers.size());
  for (auto& w : workers) seqs.push_back(post(*w, m));
  snapshot = 0;
  for (size_t i = 0; i < workers.size(); ++i) {
    wait(*workers[i], seqs[i]);
    snapshot += workers[i]->reply().slot(seqs[i]).value;
  }
}

// The host's stack behind a TAP exception port answers for the card: give it the card's MAC.
void DpdkDevice::Impl::set_exception_mac() {
  if (sh.exc_port == kNoPort || dpdk::port_driver(sh.exc_port) != "net_tap") return;
  rte_ether_addr a{{uint8_t(card_mac_hi >> 8), uint8_t(card_mac_hi), uint8_t(card_mac_lo >> 24),
                    uint8_t(card_mac_lo >> 16), uint8_t(card_mac_lo >> 8), uint8_t(card_mac_lo)}};
  if (rte_is_valid_assigned_ether_addr(&a)) rte_eth_dev_default_mac_addr_set(sh.exc_port, &a);
}

uint32_t DpdkDevice::read32(uint32_t off) {
  Impl& d = *impl_;
  const Geometry& g = d.geo;
  switch (off) {
    case r::ID:
      return r::ID_MAGIC;
    case r::VERSION:
      return r::MAP_VERSION_MAJOR << 16 | r::MAP_VERSION_MINOR;
    case r::CAP_DATA_WIDTH:
      return 0;  // no stream: like the model
    case r::CAP_SERVICES:
      return g.services;
    case r::CAP_BACKENDS:
      return g.backends;
    case r::CAP_MAGLEV_M:
      return g.maglev_size;
    case r::CAP_FLOW_SETS:
      // Each worker holds its own sets: entry index = worker * sets * ways + set * ways + way.
      return g.flow_sets * uint32_t(d.workers.size());
    case r::CAP_FLOW_WAYS:
      return g.flow_ways;
    case r::CAP_PARSE_WINDOW:
      return kParseWindow;
    case r::CAP_MAX_FRAME:
      return kMaxFrameLen;
    case r::CAP_REVERSE_ENTRIES:
      return g.reverse_entries;
    case r::CTRL:
      return d.ctrl;
    case r::TICK_DIV:
      return d.tick_div;
    case r::TICK_NOW:
      return d.sh.tick(rte_rdtsc());
    case r::CARD_MAC_HI:
      return d.card_mac_hi;
    case r::CARD_MAC_LO:
      return d.card_mac_lo;
    case r::ROUTER_MAC_HI:
      return d.router_mac_hi;
    case r::ROUTER_MAC_LO:
      return d.router_mac_lo;
    case r::TBL_INDEX:
      return d.index;
    case r::TBL_SEL:
      return d.sel;
    case r::TBL_STATUS:
      return d.status;
    case r::CNT_SEL:
      return d.cnt_sel;
    case r::CNT_LO:
      return uint32_t(d.snapshot);
    case r::CNT_HI:
      return uint32_t(d.snapshot >> 32);
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) return d.card_addr[(off - r::CARD_ADDR) / 4];
  if (in_array(off, r::TBL_DATA, 16)) return d.data[(off - r::TBL_DATA) / 4];
  if (in_array(off, r::ACTIVE_BANK, 8)) return d.banks[(off - r::ACTIVE_BANK) / 4];
  return 0;
}

void DpdkDevice::write32(uint32_t off, uint32_t v) {
  Impl& d = *impl_;
  ++writes_;
  switch (off) {
    case r::CTRL:
      d.ctrl = v & 3;
      d.write_all(off, d.ctrl);
      return;
    case r::TICK_DIV:
      d.tick_div = v;
      d.write_all(off, v);
      return;
    case r::CARD_MAC_HI:
      d.card_mac_hi = v & 0xFFFF;
      d.write_all(off, v);
      d.set_exception_mac();
      return;
    case r::CARD_MAC_LO:
      d.card_mac_lo = v;
      d.write_all(off, v);
      d.set_exception_mac();
      return;
    case r::ROUTER_MAC_HI:
      d.router_mac_hi = v & 0xFFFF;
      d.write_all(off, v);
      return;
    case r::ROUTER_MAC_LO:
      d.router_mac_lo = v;
      d.write_all(off, v);
      return;
    case r::TBL_INDEX:
      d.index = v;
      return;
    case r::TBL_SEL:
      d.sel = v & 0x1FFFF;
      return;
    case r::TBL_CMD:
      d.command(v);
      return;
    case r::CNT_SEL:
      d.cnt_sel = v & 0x3FFFFFF;
      d.take_snapshot();
      return;
    case r::CNT_CLEAR:
      if (v & 1) d.write_all(off, v);
      return;
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) {
    d.card_addr[(off - r::CARD_ADDR) / 4] = v;
    d.write_all(off, v);
  } else if (in_array(off, r::TBL_DATA, 16)) {
    d.data[(off - r::TBL_DATA) / 4] = v;
  } else if (in_array(off, r::ACTIVE_BANK, 8)) {
    // After the Maglev writes in every worker's ring: each flips between two bursts.
    d.banks[(off - r::ACTIVE_BANK) / 4] = v;
    d.write_all(off, v);
  }
}

}  // namespace v6lb
