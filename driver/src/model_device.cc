#include "v6lb/model_device.h"

#include <cstring>

#include "v6lb/table_words.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

MacAddr mac_of(uint32_t hi, uint32_t lo) {
  MacAddr m;
  m.b = {uint8_t(hi >> 8),  uint8_t(hi),      uint8_t(lo >> 24),
         uint8_t(lo >> 16), uint8_t(lo >> 8), uint8_t(lo)};
  return m;
}
bool in_array(uint32_t off, uint32_t base, uint32_t count) {
  return off >= base && off < base + 4 * count && (off - base) % 4 == 0;
}

}  // namespace

ModelDevice::ModelDevice(const Geometry& g) : dp_(std::make_unique<Pipeline>(g)) {}

uint32_t ModelDevice::read32(uint32_t off) {
  const Geometry g = dp_->geometry();
  switch (off) {
    case r::ID:
      return r::ID_MAGIC;
    case r::VERSION:
      return r::MAP_VERSION_MAJOR << 16 | r::MAP_VERSION_MINOR;
    case r::CAP_DATA_WIDTH:
      return 0;  // no stream: the model is driven by calls
    case r::CAP_SERVICES:
      return g.services;
    case r::CAP_BACKENDS:
      return g.backends;
    case r::CAP_MAGLEV_M:
      return g.maglev_size;
    case r::CAP_FLOW_SETS:
      return g.flow_sets;
    case r::CAP_FLOW_WAYS:
      return g.flow_ways;
    case r::CAP_PARSE_WINDOW:
      return kParseWindow;
    case r::CAP_MAX_FRAME:
      return kMaxFrameLen;
    case r::CAP_REVERSE_ENTRIES:
      return g.reverse_entries;
    case r::CTRL:
      return ctrl_;
    case r::TICK_DIV:
      return tick_div_;
    case r::TICK_NOW:
      return 0;
    case r::CARD_MAC_HI:
      return card_mac_hi_;
    case r::CARD_MAC_LO:
      return card_mac_lo_;
    case r::ROUTER_MAC_HI:
      return router_mac_hi_;
    case r::ROUTER_MAC_LO:
      return router_mac_lo_;
    case r::TBL_INDEX:
      return index_;
    case r::TBL_SEL:
      return sel_;
    case r::TBL_STATUS:
      return status_;
    case r::CNT_SEL:
      return cnt_sel_;
    case r::CNT_LO:
      return uint32_t(snapshot_);
    case r::CNT_HI:
      return uint32_t(snapshot_ >> 32);
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) return card_addr_[(off - r::CARD_ADDR) / 4];
  if (in_array(off, r::TBL_DATA, 16)) return data_[(off - r::TBL_DATA) / 4];
  if (in_array(off, r::ACTIVE_BANK, 8)) return banks_[(off - r::ACTIVE_BANK) / 4];
  return 0;
}

void ModelDevice::write32(uint32_t off, uint32_t v) {
  ++writes_;
  switch (off) {
    case r::CTRL:
      ctrl_ = v & 3;
      return;
    case r::TICK_DIV:
      tick_div_ = v;
      return;
    case r::CARD_MAC_HI:
      card_mac_hi_ = v & 0xFFFF;
      update_card();
      return;
    case r::CARD_MAC_LO:
      card_mac_lo_ = v;
      update_card();
      return;
    case r::ROUTER_MAC_HI:
      router_mac_hi_ = v & 0xFFFF;
      update_card();
      return;
    case r::ROUTER_MAC_LO:
      router_mac_lo_ = v;
      update_card();
      return;
    case r::TBL_INDEX:
      index_ = v;
      return;
    case r::TBL_SEL:
      sel_ = v & 0x1FFFF;
      return;
    case r::TBL_CMD:
      command(v);
      return;
    case r::CNT_SEL:
      cnt_sel_ = v & 0x3FFFFFF;
      snapshot_ = counter(cnt_sel_);
      return;
    case r::CNT_CLEAR:
      if (v & 1) dp_->clear_counters();
      return;
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) {
    card_addr_[(off - r::CARD_ADDR) / 4] = v;
    update_card();
  } else if (in_array(off, r::TBL_DATA, 16)) {
    data_[(off - r::TBL_DATA) / 4] = v;
  } else if (in_array(off, r::ACTIVE_BANK, 8)) {
    const uint32_t w = (off - r::ACTIVE_BANK) / 4;
    banks_[w] = v;
    for (uint32_t b = 0; b < 32; ++b)
      if (w * 32 + b < dp_->geometry().services) dp_->set_active_bank(w * 32 + b, (v >> b) & 1);
  }
}

void ModelDevice::update_card() {
  CardEntry c;
  c.mac = mac_of(card_mac_hi_, card_mac_lo_);
  c.router_mac = mac_of(router_mac_hi_, router_mac_lo_);
  get_be_words(card_addr_.data(), 16, c.address.b.data());
  dp_->set_card(c);
}

// Mirrors the card's table engine in v6lb_top: the same tables, ops, index checks and layouts.
// Mirrors the card's table engine in v6lb_top: the same tables, ops and index checks; the layouts
// are table_words.h's, as CardTables uses them.
void ModelDevice::command(uint32_t cmd) {
  const Geometry g = dp_->geometry();
  const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;
  const bool write = op == r::TBL_CMD_OP_WRITE, read = op == r::TBL_CMD_OP_READ;
  status_ = 0;
  if (table == r::TBL_CMD_TABLE_SERVICE && index_ < g.services && (write || read)) {
    if (write)
      dp_->set_service(index_, decode_service(data_));
    else
      data_ = encode_service(dp_->service(index_));
  } else if (table == r::TBL_CMD_TABLE_BACKEND && index_ < g.backends && (write || read)) {
    if (write)
      dp_->set_backend(index_, decode_backend(data_));
    else
      data_ = encode_backend(dp_->backend(index_));
  } else if (table == r::TBL_CMD_TABLE_MAGLEV && write && index_ < g.maglev_size &&
             (sel_ & 0xFFFF) < g.services) {
    uint16_t e[32];
    const uint32_t n = std::min<uint32_t>(32, g.maglev_size - index_);
    for (uint32_t k = 0; k < n; ++k) e[k] = uint16_t(data_[k / 2] >> (16 * (k % 2)));
    dp_->write_maglev(sel_ & 0xFFFF, (sel_ >> 16) & 1, index_, {e, n});
  } else if ((table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW) &&
             index_ < g.flow_sets * g.flow_ways && (write || read)) {
    FlowTable& t = table == r::TBL_CMD_TABLE_FWD_FLOW ? dp_->forward_flows() : dp_->reply_flows();
    if (write)
      t.entries()[index_] = decode_flow(data_);
    else
      data_ = encode_flow(t.entries()[index_]);
  } else if (table == r::TBL_CMD_TABLE_REVERSE && write && index_ < g.reverse_entries) {
    dp_->set_reverse(index_, decode_reverse(data_));
  } else {
    status_ = 2;  // TBL_STATUS.ERROR, as the card reports an unknown table, op or index
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
