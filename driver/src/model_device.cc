#include "v6lb/driver/model_device.h"

#include <algorithm>

#include "v6lb/driver/table_words.h"
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
      const uint32_t w = (off - r::ACTIVE_BANK) / 4;  // ACTIVE_BANK word: services 32w..32w+31
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
  const TableWords& data = regs_.data();
  const uint32_t table = r::TBL_CMD_TABLE_GET(cmd), op = r::TBL_CMD_OP_GET(cmd);
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
             r::TBL_SEL_SERVICE_GET(sel) < g.services) {
    uint16_t e[kMaglevPerCommand];
    const uint32_t n = std::min<uint32_t>(kMaglevPerCommand, g.maglev_size - index);
    decode_maglev(data, {e, n});
    dp_->write_maglev(r::TBL_SEL_SERVICE_GET(sel), r::TBL_SEL_BANK_GET(sel), index, {e, n});
  } else if ((table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW) &&
             index < g.flow_sets * g.flow_ways && (write || read)) {
    FlowTable& t = table == r::TBL_CMD_TABLE_FWD_FLOW ? dp_->forward_flows() : dp_->reply_flows();
    if (write)
      t.entries()[index] = decode_flow(data);
    else
      regs_.set_data(encode_flow(t.entries()[index]));
  } else {
    // TBL_STATUS.ERROR, as the card reports an unknown table, op or index.
    regs_.set_status(r::TBL_STATUS_ERROR(1));
  }
}

uint64_t ModelDevice::counter(uint32_t sel) const {
  const uint32_t index = r::CNT_SEL_INDEX_GET(sel), field = r::CNT_SEL_FIELD_GET(sel),
                 kind = r::CNT_SEL_KIND_GET(sel);
  const Geometry g = dp_->geometry();
  switch (kind) {
    case r::CNT_SEL_KIND_GLOBAL:
      return index < kNumCounters ? dp_->counters()[index] : 0;
    case r::CNT_SEL_KIND_SERVICE: {
      if (index >= g.services) return 0;
      const ServiceCounters& c = dp_->service_counters(index);
      switch (field) {
        case r::CNT_SERVICE_PACKETS:
          return c.packets;
        case r::CNT_SERVICE_BYTES:
          return c.bytes;
        case r::CNT_SERVICE_NEW_FLOWS:
          return c.new_flows;
        case r::CNT_SERVICE_REPLY_PACKETS:
          return c.reply_packets;
        case r::CNT_SERVICE_REPLY_BYTES:
          return c.reply_bytes;
        default:
          return 0;
      }
    }
    case r::CNT_SEL_KIND_BACKEND: {
      if (index >= g.backends) return 0;
      const BackendCounters& c = dp_->backend_counters(index);
      switch (field) {
        case r::CNT_BACKEND_PACKETS:
          return c.packets;
        case r::CNT_BACKEND_BYTES:
          return c.bytes;
        case r::CNT_BACKEND_REPLY_PACKETS:
          return c.reply_packets;
        case r::CNT_BACKEND_REPLY_BYTES:
          return c.reply_bytes;
        case r::CNT_BACKEND_NEW_FLOWS:
          return c.new_flows;
        default:
          return 0;
      }
    }
    default:  // CNT_SEL_KIND_FLOW_OCC
      return index == r::CNT_FLOW_OCC_FORWARD ? dp_->forward_flows().occupancy()
             : index == r::CNT_FLOW_OCC_REPLY ? dp_->reply_flows().occupancy()
                                              : 0;
  }
}

}  // namespace v6lb
