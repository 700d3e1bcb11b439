#include "v6lb/model_device.h"

#include <algorithm>

#include "v6lb/table_words.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

}  // namespace

ModelDevice::ModelDevice(const Geometry& g) : dp_(std::make_unique<Pipeline>(g)) {}

// TICK_NOW: the tick the pipeline last ran on, as the card answers the tick its pipeline sees.
uint32_t ModelDevice::read32(uint32_t off) { return regs_.read(off, dp_->geometry(), dp_->now()); }

void ModelDevice::write32(uint32_t off, uint32_t v) {
  ++writes_;
  switch (regs_.write(off, v)) {
    case RegisterFile::Effect::kCard:
      dp_->set_card(regs_.card());
      break;
    case RegisterFile::Effect::kActiveBank: {
      const uint32_t w = (off - r::ACTIVE_BANK) / 4;
      for (uint32_t b = 0; b < 32; ++b)
        if (w * 32 + b < dp_->geometry().services) dp_->set_active_bank(w * 32 + b, (v >> b) & 1);
      break;
    }
    case RegisterFile::Effect::kCommand:
      command(v);
      break;
    case RegisterFile::Effect::kCounterSelect:
      regs_.set_snapshot(counter(regs_.cnt_sel()));
      break;
    case RegisterFile::Effect::kCounterClear:
      dp_->clear_counters();
      break;
    case RegisterFile::Effect::kNone:
    case RegisterFile::Effect::kState:
      break;
  }
}

// Mirrors the card's table engine in v6lb_top: the same tables, ops and index checks; the layouts
// are table_words.h's, as CardTables uses them.
void ModelDevice::command(uint32_t cmd) {
  const Geometry g = dp_->geometry();
  const uint32_t index = regs_.index(), sel = regs_.sel();
  const std::array<uint32_t, 16>& data = regs_.data();
  const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;
  const bool write = op == r::TBL_CMD_OP_WRITE, read = op == r::TBL_CMD_OP_READ;
  regs_.set_status(0);
  if (table == r::TBL_CMD_TABLE_SERVICE && index < g.services && (write || read)) {
    if (write)
      dp_->set_service(index, decode_service(data));
    else
      regs_.set_data(encode_service(dp_->service(index)));
  } else if (table == r::TBL_CMD_TABLE_BACKEND && index < g.backends && (write || read)) {
    if (write)
      dp_->set_backend(index, decode_backend(data));
    else
      regs_.set_data(encode_backend(dp_->backend(index)));
  } else if (table == r::TBL_CMD_TABLE_MAGLEV && write && index < g.maglev_size &&
             (sel & 0xFFFF) < g.services) {
    uint16_t e[32];
    const uint32_t n = std::min<uint32_t>(32, g.maglev_size - index);
    for (uint32_t k = 0; k < n; ++k) e[k] = uint16_t(data[k / 2] >> (16 * (k % 2)));
    dp_->write_maglev(sel & 0xFFFF, (sel >> 16) & 1, index, {e, n});
  } else if ((table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW) &&
             index < g.flow_sets * g.flow_ways && (write || read)) {
    FlowTable& t = table == r::TBL_CMD_TABLE_FWD_FLOW ? dp_->forward_flows() : dp_->reply_flows();
    if (write)
      t.entries()[index] = decode_flow(data);
    else
      regs_.set_data(encode_flow(t.entries()[index]));
  } else if (table == r::TBL_CMD_TABLE_REVERSE && write && index < g.reverse_entries) {
    dp_->set_reverse(index, decode_reverse(data));
  } else {
    regs_.set_status(2);  // TBL_STATUS.ERROR, as the card reports an unknown table, op or index
  }
}

uint64_t ModelDevice::counter(uint32_t sel) const {
  const uint32_t index = sel & 0xFFFF, field = (sel >> 16) & 0xFF, kind = (sel >> 24) & 3;
  const Geometry g = dp_->geometry();
  switch (kind) {
    case 0:
      return index < kNumCounters ? dp_->counters()[index] : 0;
    case 1: {
      if (index >= g.services) return 0;
      const ServiceCounters& c = dp_->service_counters(index);
      const uint64_t v[] = {c.packets, c.bytes, c.new_flows, c.reply_packets, c.reply_bytes};
      return field < 5 ? v[field] : 0;
    }
    case 2: {
      if (index >= g.backends) return 0;
      const BackendCounters& c = dp_->backend_counters(index);
      const uint64_t v[] = {c.packets, c.bytes, c.reply_packets, c.reply_bytes, c.new_flows};
      return field < 5 ? v[field] : 0;
    }
    default:
      return index == 0   ? dp_->forward_flows().occupancy()
             : index == 1 ? dp_->reply_flows().occupancy()
                          : 0;
  }
}

}  // namespace v6lb
