#include "v6lb/model_device.h"

#include <cstring>

#include "v6lb_regs.h"

namespace v6lb {
namespace {

namespace r = regs;

Ipv6Addr words_addr(const uint32_t* w) {
  Ipv6Addr a;
  for (int i = 0; i < 4; ++i)
    for (int b = 0; b < 4; ++b) a.b[4 * i + b] = uint8_t(w[i] >> (24 - 8 * b));
  return a;
}
void addr_words(const Ipv6Addr& a, uint32_t* w) {
  for (int i = 0; i < 4; ++i)
    w[i] = uint32_t(a.b[4 * i]) << 24 | uint32_t(a.b[4 * i + 1]) << 16 |
           uint32_t(a.b[4 * i + 2]) << 8 | a.b[4 * i + 3];
}
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
  c.address = words_addr(card_addr_.data());
  dp_->set_card(c);
}

// Mirrors the card's table engine in v6lb_top: the same tables, ops, index checks and layouts.
void ModelDevice::command(uint32_t cmd) {
  const Geometry g = dp_->geometry();
  const uint32_t table = cmd & 0xF, op = (cmd >> 4) & 3;
  status_ = 0;
  const uint32_t* w = data_.data();
  auto fail = [&] { status_ = 2; };
  if (table == r::TBL_CMD_TABLE_SERVICE && index_ < g.services) {
    if (op == r::TBL_CMD_OP_WRITE) {
      ServiceEntry s;
      s.vip = words_addr(w);
      s.valid = (w[4] >> 31) & 1;
      s.scheduler = Scheduler((w[4] >> 24) & 3);
      s.proto = uint8_t(w[4] >> 16);
      s.port = uint16_t(w[4]);
      s.timeout_ticks = w[5];
      dp_->set_service(index_, s);
    } else if (op == r::TBL_CMD_OP_READ) {
      const ServiceEntry& s = dp_->service(index_);
      data_.fill(0);
      addr_words(s.vip, data_.data());
      data_[4] =
          uint32_t(s.valid) << 31 | uint32_t(s.scheduler) << 24 | uint32_t(s.proto) << 16 | s.port;
      data_[5] = s.timeout_ticks;
    } else {
      fail();
    }
  } else if (table == r::TBL_CMD_TABLE_BACKEND && index_ < g.backends) {
    if (op == r::TBL_CMD_OP_WRITE) {
      BackendEntry b;
      b.address = words_addr(w);
      b.valid = (w[4] >> 31) & 1;
      b.service = uint8_t(w[4] >> 16);
      b.port = uint16_t(w[4]);
      b.mac.b = {uint8_t(w[5] >> 24), uint8_t(w[5] >> 16), uint8_t(w[5] >> 8),
                 uint8_t(w[5]),       uint8_t(w[6] >> 24), uint8_t(w[6] >> 16)};
      dp_->set_backend(index_, b);
    } else if (op == r::TBL_CMD_OP_READ) {
      const BackendEntry& b = dp_->backend(index_);
      data_.fill(0);
      addr_words(b.address, data_.data());
      data_[4] = uint32_t(b.valid) << 31 | uint32_t(b.service) << 16 | b.port;
      data_[5] = uint32_t(b.mac.b[0]) << 24 | uint32_t(b.mac.b[1]) << 16 |
                 uint32_t(b.mac.b[2]) << 8 | b.mac.b[3];
      data_[6] = uint32_t(b.mac.b[4]) << 24 | uint32_t(b.mac.b[5]) << 16;
    } else {
      fail();
    }
  } else if (table == r::TBL_CMD_TABLE_MAGLEV && op == r::TBL_CMD_OP_WRITE &&
             index_ < g.maglev_size && (sel_ & 0xFFFF) < g.services) {
    uint16_t e[32];
    const uint32_t n = std::min<uint32_t>(32, g.maglev_size - index_);
    for (uint32_t k = 0; k < n; ++k) e[k] = uint16_t(w[k / 2] >> (16 * (k % 2)));
    dp_->write_maglev(sel_ & 0xFFFF, (sel_ >> 16) & 1, index_, {e, n});
  } else if ((table == r::TBL_CMD_TABLE_FWD_FLOW || table == r::TBL_CMD_TABLE_REPLY_FLOW) &&
             index_ < g.flow_sets * g.flow_ways &&
             (op == r::TBL_CMD_OP_WRITE || op == r::TBL_CMD_OP_READ)) {
    FlowTable& t = table == r::TBL_CMD_TABLE_FWD_FLOW ? dp_->forward_flows() : dp_->reply_flows();
    FlowEntry& e = t.entries()[index_];
    if (op == r::TBL_CMD_OP_WRITE) {
      uint8_t k[40];
      for (int i = 0; i < 10; ++i)
        for (int b = 0; b < 4; ++b) k[4 * i + b] = uint8_t(w[i] >> (24 - 8 * b));
      std::memcpy(e.key, k, FlowKey::kSize);
      e.valid = (w[10] >> 31) & 1;
      e.service = uint8_t(w[10] >> 16);
      e.backend = uint16_t(w[10]);
      e.deadline = w[11];
    } else {
      data_.fill(0);
      uint8_t k[40] = {};
      std::memcpy(k, e.key, FlowKey::kSize);
      for (int i = 0; i < 10; ++i)
        data_[i] = uint32_t(k[4 * i]) << 24 | uint32_t(k[4 * i + 1]) << 16 |
                   uint32_t(k[4 * i + 2]) << 8 | k[4 * i + 3];
      data_[10] = uint32_t(e.valid ? 1 : 0) << 31 | uint32_t(e.service) << 16 | e.backend;
      data_[11] = e.deadline;
    }
  } else if (table == r::TBL_CMD_TABLE_REVERSE && op == r::TBL_CMD_OP_WRITE &&
             index_ < g.reverse_entries) {
    ReverseEntry e;
    e.address = words_addr(w);
    e.valid = (w[4] >> 31) & 1;
    e.proto = uint8_t(w[4] >> 16);
    e.port = uint16_t(w[4]);
    e.service = uint8_t(w[5] >> 16);
    e.backend = uint16_t(w[5]);
    dp_->set_reverse(index_, e);
  } else {
    fail();
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
