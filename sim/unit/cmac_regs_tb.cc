// The host's reading of the CMAC kernel's registers (driver/src/cmac_link.cc) against the RTL
// register block itself (hw/vitis/cmac/v6lb_cmac_regs.sv, Verilated), over AXI4-Lite:
//  - the ID, the status bits and the three frame counters as the MAC drives them;
//  - CTRL written by the host reaches the MAC's control outputs and reads back;
//  - what `v6lbctl status` says for each way the link can be down, in the runbook's order;
//  - a register space that is not the CMAC kernel's (ID 0) is refused.
//
// Usage: rtl_cmac_regs_tb

#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "Vv6lb_cmac_regs.h"
#include "v6lb/driver/cmac_link.h"

namespace {

unsigned long g_errors = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    ++g_errors;
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  }
}

// The Verilated register block as the host sees a card's IP: 32-bit reads and writes.
class RtlMacRegs final : public v6lb::Device {
 public:
  explicit RtlMacRegs(uint32_t base = 0) : base_(base) {
    top_.clk = 0;
    top_.rst = 1;
    tick();
    tick();
    top_.rst = 0;
    tick();
  }

  Vv6lb_cmac_regs& pins() { return top_; }

  uint32_t read32(uint32_t offset) override {
    top_.s_axil_araddr = base_ + offset;
    top_.s_axil_arvalid = 1;
    top_.s_axil_rready = 1;
    for (int i = 0; i < 20; ++i) {
      const bool ar = top_.s_axil_arvalid && top_.s_axil_arready;
      const bool r = top_.s_axil_rvalid && top_.s_axil_rready;
      const uint32_t data = top_.s_axil_rdata;
      tick();
      if (ar) top_.s_axil_arvalid = 0;
      if (r) {
        top_.s_axil_rready = 0;
        return data;
      }
    }
    check(false, "AXI4-Lite read of " + std::to_string(offset) + " not answered");
    return 0;
  }

  void write32(uint32_t offset, uint32_t value) override {
    ++writes_;
    top_.s_axil_awaddr = base_ + offset;
    top_.s_axil_awvalid = 1;
    top_.s_axil_wdata = value;
    top_.s_axil_wstrb = 0xF;
    top_.s_axil_wvalid = 1;
    top_.s_axil_bready = 1;
    for (int i = 0; i < 20; ++i) {
      const bool aw = top_.s_axil_awvalid && top_.s_axil_awready;
      const bool w = top_.s_axil_wvalid && top_.s_axil_wready;
      const bool b = top_.s_axil_bvalid && top_.s_axil_bready;
      tick();
      if (aw) top_.s_axil_awvalid = 0;
      if (w) top_.s_axil_wvalid = 0;
      if (b) {
        top_.s_axil_bready = 0;
        return;
      }
    }
    check(false, "AXI4-Lite write of " + std::to_string(offset) + " not answered");
  }

  std::string name() const override { return "rtl:v6lb_cmac_regs"; }

  void tick() {
    top_.clk = 0;
    top_.eval();
    top_.clk = 1;
    top_.eval();
  }

 private:
  Vv6lb_cmac_regs top_;
  uint32_t base_;
};

v6lb::CmacLink read(RtlMacRegs& regs) {
  v6lb::CmacLink l;
  std::string err;
  check(v6lb::read_cmac_link(regs, l, err), "read_cmac_link: " + err);
  return l;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

void link_up_and_counters() {
  RtlMacRegs regs;
  regs.pins().status = 0xF3 | 0x0C;  // 4 lanes powered, both sides out of reset, aligned, up
  regs.pins().rx_frames = 123456789;
  regs.pins().rx_drops = 7;
  regs.pins().tx_frames = 0xFFFFFFFEu;
  const v6lb::CmacLink l = read(regs);
  check(l.up() && l.aligned() && l.lanes_powered() == 4, "link up read as up");
  check(l.rx_frames == 123456789 && l.rx_drops == 7 && l.tx_frames == 0xFFFFFFFEu,
        "frame counters read back exactly");
  // CTRL after reset: RS-FEC on, receive enabled, no loopback, not held in reset.
  check(l.rs_fec() && l.rx_enabled() && !l.loopback() && !l.held_in_reset(), "CTRL reset value");
  check(l.describe() == "up, RS-FEC on", "describe() of a link up: " + l.describe());
}

void ctrl_reaches_the_mac() {
  RtlMacRegs regs;
  regs.pins().status = 0xFF;
  regs.write32(v6lb::cmac_reg::kCtrl, 0b1010);  // loopback, FEC off, receive enabled
  regs.tick();
  check(regs.pins().ctrl == 0b1010, "CTRL write drives the MAC's control pins");
  const v6lb::CmacLink l = read(regs);
  check(l.loopback() && !l.rs_fec(), "CTRL reads back");
  check(l.describe() == "up, RS-FEC off, near-end PMA loopback", "describe(): " + l.describe());
  regs.write32(v6lb::cmac_reg::kStatus, 0);  // read-only: ignored
  check(read(regs).status == 0xFF, "STATUS is read-only");
}

void each_way_down() {
  struct Case {
    uint32_t status, ctrl;
    const char* says;
  } cases[] = {
      {0x00, 0b1101, "down: the CMAC is held in reset"},
      {0x3C, 0b1001, "down: GT power good on 2 of 4 lanes"},
      {0xF4, 0b1001, "down: the CMAC's receive side is still in reset"},
      {0xFC, 0b0001, "down: receive disabled"},
      {0xFC, 0b1001, "down: receive not aligned"},
      {0xFD, 0b1001, "down: aligned but no link status"},
  };
  for (const Case& c : cases) {
    RtlMacRegs regs;
    regs.pins().status = c.status;
    regs.write32(v6lb::cmac_reg::kCtrl, c.ctrl);
    const v6lb::CmacLink l = read(regs);
    check(!l.up() && starts_with(l.describe(), c.says),
          "status 0x" + std::to_string(c.status) + ": " + l.describe());
  }
}

void not_the_mac() {
  RtlMacRegs regs(0x800);  // unmapped: reads 0
  v6lb::CmacLink l;
  std::string err;
  check(!v6lb::read_cmac_link(regs, l, err), "a register space without the ID is refused");
  check(err.find("not the CMAC kernel's") != std::string::npos, "the error says why: " + err);
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  link_up_and_counters();
  ctrl_reaches_the_mac();
  each_way_down();
  not_the_mac();
  if (g_errors) {
    std::fprintf(stderr, "rtl_cmac_regs_tb: %lu failures\n", g_errors);
    return 1;
  }
  std::puts("rtl_cmac_regs_tb: ok");
  return 0;
}
