#include "v6lb/driver/register_file.h"

#include "v6lb/dataplane/packet_parser.h"
#include "v6lb/driver/table_words.h"
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

}  // namespace

uint32_t RegisterFile::read(uint32_t off, const Geometry& g, uint32_t tick_now) const {
  switch (off) {
    case r::ID:
      return r::ID_MAGIC;
    case r::VERSION:
      return r::VERSION_MAJOR(r::MAP_VERSION_MAJOR) | r::VERSION_MINOR(r::MAP_VERSION_MINOR);
    case r::CAP_DATA_WIDTH:
      return 0;  // no stream: software devices are driven by calls or by ports
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
    case r::CTRL:
      return ctrl_;
    case r::TICK_DIV:
      return tick_div_;
    case r::TICK_NOW:
      return tick_now;
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
  if (in_array(off, r::TBL_DATA, r::TBL_DATA_COUNT)) return data_[(off - r::TBL_DATA) / 4];
  if (in_array(off, r::ACTIVE_BANK, r::ACTIVE_BANK_COUNT))
    return banks_[(off - r::ACTIVE_BANK) / 4];
  return 0;
}

RegisterFile::Effect RegisterFile::write(uint32_t off, uint32_t v) {
  switch (off) {
    case r::CTRL:
      ctrl_ = v & r::CTRL_MASK;
      return Effect::kState;
    case r::TICK_DIV:
      tick_div_ = v;
      return Effect::kState;
    case r::CARD_MAC_HI:
      card_mac_hi_ = v & r::CARD_MAC_HI_MASK;
      return Effect::kCard;
    case r::CARD_MAC_LO:
      card_mac_lo_ = v;
      return Effect::kCard;
    case r::ROUTER_MAC_HI:
      router_mac_hi_ = v & r::ROUTER_MAC_HI_MASK;
      return Effect::kCard;
    case r::ROUTER_MAC_LO:
      router_mac_lo_ = v;
      return Effect::kCard;
    case r::TBL_INDEX:
      index_ = v;
      return Effect::kNone;
    case r::TBL_SEL:
      sel_ = v & r::TBL_SEL_MASK;
      return Effect::kNone;
    case r::TBL_CMD:
      return Effect::kCommand;
    case r::CNT_SEL:
      cnt_sel_ = v & r::CNT_SEL_MASK;
      return Effect::kCounterSelect;
    case r::CNT_CLEAR:
      return r::CNT_CLEAR_CLEAR_GET(v) ? Effect::kCounterClear : Effect::kNone;
    default:
      break;
  }
  if (in_array(off, r::CARD_ADDR, 4)) {
    card_addr_[(off - r::CARD_ADDR) / 4] = v;
    return Effect::kCard;
  }
  if (in_array(off, r::TBL_DATA, r::TBL_DATA_COUNT)) {
    data_[(off - r::TBL_DATA) / 4] = v;
    return Effect::kNone;
  }
  if (in_array(off, r::ACTIVE_BANK, r::ACTIVE_BANK_COUNT)) {
    banks_[(off - r::ACTIVE_BANK) / 4] = v;
    return Effect::kActiveBank;
  }
  return Effect::kNone;
}

MacAddr RegisterFile::card_mac() const { return mac_of(card_mac_hi_, card_mac_lo_); }

CardEntry RegisterFile::card() const {
  CardEntry c;
  c.mac = card_mac();
  c.router_mac = mac_of(router_mac_hi_, router_mac_lo_);
  get_be_words(card_addr_.data(), 16, c.address.b.data());
  return c;
}

}  // namespace v6lb
