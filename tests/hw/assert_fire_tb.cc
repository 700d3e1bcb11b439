// Proof that the RTL's invariant assertions can fire (ctest hw_assert_fires_*): v6lb_top at
// small sizes, Verilated with --assert --public-flat-rw, idle after reset; case N then breaks one
// invariant by writing the design's registers between two clocks:
//   0  nothing (no assertion may fire; exits 0)
//   1  more frames in flight than verdict slots (in_flight = 65)
//   2  a verdict arriving at a full verdict FIFO (dec_fifo holds 64, d_valid)
//   3  more verdicts queued than frames in flight (dec_fifo holds 3, in_flight 0)
//   4  a FIFO holding more than its depth (pkt_fifo's pointers DEPTH + 1 apart)
// A firing assertion's $error prints its message and stops the model; the tb then exits 1
// (ctest checks which message came out), else 0.
#include <cstdio>
#include <cstdlib>

#include "Vassert_top.h"
#include "Vassert_top___024root.h"
#include "verilated.h"

int main(int argc, char** argv) {
  const int which = argc > 1 ? std::atoi(argv[1]) : 0;
  auto ctx = new VerilatedContext;
  ctx->commandArgs(argc, argv);
  ctx->fatalOnError(false);  // $error: message and $stop, then gotFinish(), no abort
  auto top = new Vassert_top(ctx);
  auto* r = top->rootp;
  top->m_axis_tready = 1;
  top->m_axis_punt_tready = 1;
  top->s_axil_bready = 1;
  top->s_axil_rready = 1;
  auto clock = [&] {
    top->clk = 0;
    top->eval();
    top->clk = 1;
    top->eval();
  };
  top->rst = 1;
  for (int i = 0; i < 4; ++i) clock();
  top->rst = 0;
  for (int i = 0; i < 100; ++i) clock();  // the flow tables' clear after reset
  top->clk = 0;
  top->eval();
  switch (which) {
    case 1:
      r->v6lb_top__DOT__in_flight = 65;
      break;
    case 2:
      r->v6lb_top__DOT__dec_fifo__DOT__wr_ptr =
          (r->v6lb_top__DOT__dec_fifo__DOT__rd_ptr + 64) & 0x7F;
      r->v6lb_top__DOT__in_flight = 64;
      r->v6lb_top__DOT__lookup__DOT__d_valid = 1;
      r->v6lb_top__DOT__d_valid = 1;
      break;
    case 3:
      r->v6lb_top__DOT__dec_fifo__DOT__wr_ptr =
          (r->v6lb_top__DOT__dec_fifo__DOT__rd_ptr + 3) & 0x7F;
      r->v6lb_top__DOT__in_flight = 0;
      break;
    case 4: {
      const unsigned depth = 1u << Vassert_top___024root::v6lb_top__DOT__PKT_DEPTH_LOG2;
      r->v6lb_top__DOT__pkt_fifo__DOT__wr_ptr =
          (r->v6lb_top__DOT__pkt_fifo__DOT__rd_ptr + depth + 1) & (2 * depth - 1);
      break;
    }
    default:
      break;
  }
  top->eval();
  for (int i = 0; i < 3 && !ctx->gotFinish(); ++i) clock();
  const bool fired = ctx->gotError();
  std::printf("assert_fire_tb: case %d: %s\n", which,
              fired ? "an assertion fired" : "no assertion fired");
  top->final();
  delete top;
  delete ctx;
  return fired ? 1 : 0;
}
