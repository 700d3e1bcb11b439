// The Ethernet link as the CMAC kernel reports it (hw/vitis/cmac/v6lb_cmac_regs.sv; ctest
// hw_check_card_build compares the offsets below with that file and with its kernel.xml).
// Read by v6lbd for `v6lbctl status` and /metrics on a card; the simulated and software data
// planes have no MAC.
#pragma once

#include <cstdint>
#include <string>

#include "v6lb/driver/device.h"

namespace v6lb {

namespace cmac_reg {
inline constexpr uint32_t kId = 0x000;
inline constexpr uint32_t kStatus = 0x004;
inline constexpr uint32_t kCtrl = 0x008;
inline constexpr uint32_t kRxFrames = 0x010;
inline constexpr uint32_t kRxDrops = 0x014;
inline constexpr uint32_t kTxFrames = 0x018;
inline constexpr uint32_t kIdValue = 0x636D6163;  // "cmac"
}  // namespace cmac_reg

struct CmacLink {
  uint32_t status = 0;
  uint32_t ctrl = 0;
  uint32_t rx_frames = 0;  // the three counters wrap at 2^32
  uint32_t rx_drops = 0;
  uint32_t tx_frames = 0;

  bool aligned() const { return status & 1u; }
  bool up() const { return (status & 3u) == 3u; }  // aligned and the MAC's rx status
  bool tx_ready() const { return status & 4u; }
  bool rx_ready() const { return status & 8u; }
  unsigned lanes_powered() const;  // GT power good, of 4
  bool rs_fec() const { return ctrl & 1u; }
  bool loopback() const { return ctrl & 2u; }
  bool held_in_reset() const { return ctrl & 4u; }
  bool rx_enabled() const { return ctrl & 8u; }

  // "up, RS-FEC on" or "down: <the first thing to check>", in the order of docs/HARDWARE.md's
  // "When it does not come up".
  std::string describe() const;
};

// Reads the CMAC kernel's registers from `mac`. False, with `err` saying why, when the ID is not
// the CMAC kernel's or a read fails (an XRT error, the card gone).
bool read_cmac_link(Device& mac, CmacLink& out, std::string& err);

}  // namespace v6lb
