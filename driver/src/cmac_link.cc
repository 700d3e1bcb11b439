#include "v6lb/driver/cmac_link.h"

#include <bit>
#include <cstdio>
#include <exception>

namespace v6lb {

unsigned CmacLink::lanes_powered() const { return unsigned(std::popcount((status >> 4) & 0xFu)); }

std::string CmacLink::describe() const {
  std::string s;
  if (up()) {
    s = "up";
  } else if (held_in_reset()) {
    s = "down: the CMAC is held in reset (CTRL bit 2)";
  } else if (lanes_powered() < 4) {
    s = "down: GT power good on " + std::to_string(lanes_powered()) +
        " of 4 lanes (reference clock: GT_REFCLK_MHZ of the board)";
  } else if (!tx_ready() || !rx_ready()) {
    s = std::string("down: the CMAC's ") + (!tx_ready() ? "transmit" : "receive") +
        " side is still in reset";
  } else if (!rx_enabled()) {
    s = "down: receive disabled (CTRL bit 3)";
  } else if (!aligned()) {
    s = "down: receive not aligned (no light or DAC, switch port not at 100G, or FEC mismatch)";
  } else {
    s = "down: aligned but no link status (remote fault from the switch)";
  }
  s += rs_fec() ? ", RS-FEC on" : ", RS-FEC off";
  if (loopback()) s += ", near-end PMA loopback";
  return s;
}

bool read_cmac_link(Device& mac, CmacLink& out, std::string& err) {
  try {
    const uint32_t id = mac.read32(cmac_reg::kId);
    if (id != cmac_reg::kIdValue) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "ID 0x%08x is not the CMAC kernel's (0x%08x)", id,
                    cmac_reg::kIdValue);
      err = mac.name() + ": " + buf;
      return false;
    }
    CmacLink l;
    l.status = mac.read32(cmac_reg::kStatus);
    l.ctrl = mac.read32(cmac_reg::kCtrl);
    l.rx_frames = mac.read32(cmac_reg::kRxFrames);
    l.rx_drops = mac.read32(cmac_reg::kRxDrops);
    l.tx_frames = mac.read32(cmac_reg::kTxFrames);
    out = l;
    return true;
  } catch (const std::exception& e) {
    err = e.what();
    return false;
  }
}

}  // namespace v6lb
