// The register map on the control thread, decoded exactly as ModelDevice decodes it: plain
// registers kept here and sent to every worker, table commands checked here and relayed, counter
// snapshots summed over the workers.
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "device_impl.h"
#include "ports.h"
#include "v6lb/dataplane/packet_parser.h"
#include "v6lb_regs.h"

namespace v6lb {

using dpdk::ControlMsg;
using dpdk::kNoPort;
using dpdk::MsgKind;
using dpdk::Reply;
using dpdk::Worker;
namespace r = regs;

// Table commands, checked as the card checks them, then relayed: a flow-table entry to the one
// worker that holds it, a read to one worker, a write to all of them. A read is posted and its
// answer collected later (`Posted`), so a batch of reads can be in flight at once.
DpdkDevice::Impl::Posted DpdkDevice::Impl::start_command(uint32_t cmd) {
  const uint32_t index = regs.index(), sel = regs.sel();
  const uint32_t table = r::TBL_CMD_TABLE_GET(cmd), op = r::TBL_CMD_OP_GET(cmd);
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
      ok = write && index < geo.maglev_size && r::TBL_SEL_SERVICE_GET(sel) < geo.services;
      break;
    case r::TBL_CMD_TABLE_FWD_FLOW:
    case r::TBL_CMD_TABLE_REPLY_FLOW:
      ok = index / per < workers.size() && (write || read);
      break;
    default:
      break;
  }
  // TBL_STATUS.ERROR, as the card reports an unknown table, op or index.
  regs.set_status(r::TBL_STATUS_ERROR(!ok));
  if (!ok) return {};
  ControlMsg m{};
  m.kind = MsgKind::kCommand;
  m.offset = cmd;
  m.value = flow ? index % per : index;
  m.sel = sel;
  m.data = regs.data();
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
  if (p.worker) regs.set_data(collect(p));
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
    if (last.worker) d.regs.set_data(d.collect(last));
    last = {};
    posted = 0;
  };
  for (const RegOp& op : ops) {
    if (!op.read && op.offset == r::TBL_CMD && r::TBL_CMD_OP_GET(op.value) == r::TBL_CMD_OP_READ) {
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
    if (op.read && last.worker && RegisterFile::in_array(op.offset, r::TBL_DATA, 16)) {
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
  m.offset = regs.cnt_sel();
  std::vector<uint64_t> seqs;
  seqs.reserve(workers.size());
  for (auto& w : workers) seqs.push_back(post(*w, m));
  uint64_t sum = 0;
  for (size_t i = 0; i < workers.size(); ++i) {
    wait(*workers[i], seqs[i]);
    sum += workers[i]->reply().slot(seqs[i]).value;
  }
  regs.set_snapshot(sum);
}

// The host's stack behind a TAP exception port answers for the card: give it the card's MAC.
void DpdkDevice::Impl::set_exception_mac() {
  if (sh.exc_port == kNoPort || dpdk::port_driver(sh.exc_port) != "net_tap") return;
  const MacAddr mac = regs.card_mac();
  rte_ether_addr a;
  for (size_t i = 0; i < 6; ++i) a.addr_bytes[i] = mac.b[i];
  if (rte_is_valid_assigned_ether_addr(&a)) rte_eth_dev_default_mac_addr_set(sh.exc_port, &a);
}

uint32_t DpdkDevice::read32(uint32_t off) {
  Impl& d = *impl_;
  // Each worker holds its own sets: entry index = worker * sets * ways + set * ways + way.
  Geometry caps = d.geo;
  caps.flow_sets = d.geo.flow_sets * uint32_t(d.workers.size());
  return d.regs.read(off, caps, d.sh.tick(rte_rdtsc()));
}

void DpdkDevice::write32(uint32_t off, uint32_t v) {
  Impl& d = *impl_;
  ++writes_;
  switch (d.regs.write(off, v)) {
    case RegisterFile::Effect::kState:
      d.write_all(off, v);
      break;
    case RegisterFile::Effect::kCard:
      d.write_all(off, v);
      d.set_exception_mac();
      break;
    case RegisterFile::Effect::kActiveBank:
      // After the Maglev writes in every worker's ring: each flips between two bursts.
      d.write_all(off, v);
      break;
    case RegisterFile::Effect::kCommand:
      d.command(v);
      break;
    case RegisterFile::Effect::kCounterSelect:
      d.take_snapshot();
      break;
    case RegisterFile::Effect::kCounterClear:
      d.write_all(off, v);
      break;
    case RegisterFile::Effect::kNone:
      break;
  }
}

}  // namespace v6lb
