// Testbench of hw/rtl/v6lb_axis_async_fifo.sv with two unrelated clocks.
//
// The write clock and the read clock have different, incommensurate periods with random jitter
// on every half period; valid on the write side and ready on the read side are random. Frames
// carry (frame number, beat number) in every beat, a random length and a random tkeep on the last
// beat, so loss, duplication, reordering and corruption are all visible.
//
// Built three times (tests/hw/CMakeLists.txt), one per FIFO mode:
//   TB_MODE 0: FRAME_FIFO=0              every beat arrives, in order, unchanged.
//   TB_MODE 1: FRAME_FIFO=1, backpressure   frames whose last beat has tuser set vanish whole;
//              every other frame arrives whole, in order, and once its first beat is out the rest
//              follows on consecutive read clocks while the reader is ready (no underrun).
//   TB_MODE 2: FRAME_FIFO=1, DROP_WHEN_FULL  the writer is never stalled (s_axis_tready == 1);
//              a frame that finds the FIFO full vanishes whole (s_drop counts it), others arrive
//              whole and in order.
//
//   v6lb_axis_async_fifo_tb_modeN SEED FRAMES WRITE_PERIOD_PS READ_PERIOD_PS
#include <verilated.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <vector>

#include TB_HEADER

namespace {

struct Beat {
  uint64_t data;
  uint8_t keep;
  bool last;
  bool user;
};

int fail(const char* what, long a = 0, long b = 0) {
  std::fprintf(stderr, "FAIL: %s (%ld, %ld)\n", what, a, b);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned seed = argc > 1 ? std::atoi(argv[1]) : 1;
  const int n_frames = argc > 2 ? std::atoi(argv[2]) : 2000;
  const double s_period = argc > 3 ? std::atof(argv[3]) : 3103.0;  // ~322 MHz
  const double m_period = argc > 4 ? std::atof(argv[4]) : 3333.0;  // 300 MHz
  std::mt19937_64 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };

  VerilatedContext ctx;
  TB_CLASS dut(&ctx);

  // Frames to send.
  std::vector<std::vector<Beat>> frames;
  for (int f = 0; f < n_frames; ++f) {
    int len = chance(0.5) ? 1 + int(rng() % 3) : 1 + int(rng() % 40);
    std::vector<Beat> fr;
    for (int i = 0; i < len; ++i) {
      Beat b{(uint64_t(f) << 32) | uint64_t(i) << 8 | (rng() & 0xff), 0xff, i == len - 1, false};
      if (b.last) {
        b.keep = uint8_t(0xff >> (rng() % 8));
        b.user = TB_MODE != 0 && chance(0.15);
      }
      fr.push_back(b);
    }
    frames.push_back(fr);
  }

  // Expected output: in mode 0 every beat; in modes 1/2 frames without tuser (mode 2 may drop
  // more).
  std::deque<std::pair<int, int>> out;  // (frame, beat) seen, for checking
  size_t send_f = 0, send_b = 0;
  int got_f = 0;  // next frame index expected (modes 1/2 may skip)
  int got_b = 0;  // next beat within the current frame
  long drops = 0, delivered = 0, beats_out = 0;
  bool out_in_frame_ready_run = false;  // reader ready since the frame's first beat
  bool prev_m_accept_mid = false;

  // Clock model: periods in ps, different and incommensurate; jitter +-10 % per half period.
  const double s_half = s_period / 2.0, m_half = m_period / 2.0;
  double t_s = 0, t_m = 0.37 * m_period;
  bool s_clk = false, m_clk = false;
  auto jitter = [&](double h) {
    return h * (0.9 + 0.2 * std::uniform_real_distribution<double>(0, 1)(rng));
  };

  // Reset both domains together.
  dut.s_rst = 1;
  dut.m_rst = 1;
  dut.s_axis_tvalid = 0;
  dut.m_axis_tready = 0;
  int s_edges = 0, m_edges = 0;
  bool s_valid = false;
  double m_ready_p = 0.5;
  long cycles = 0;
  const long max_cycles = long(n_frames) * 200 + 10000;

  auto drive_s = [&](bool accepted) {
    // Called after a write-clock posedge: present the next beat (or not). AXI: a beat offered
    // and not taken stays offered, unchanged.
    if (s_valid && !accepted) return;
    if (send_f < frames.size()) {
      s_valid = chance(TB_MODE == 2 ? 0.9 : 0.6);
      const Beat& b = frames[send_f][send_b];
      dut.s_axis_tdata = b.data;
      dut.s_axis_tkeep = b.keep;
      dut.s_axis_tlast = b.last;
      dut.s_axis_tuser = b.user;
    } else {
      s_valid = false;
    }
    dut.s_axis_tvalid = s_valid;
  };

  while (true) {
    if (++cycles > max_cycles) return fail("timeout: frames stuck", send_f, got_f);
    const bool s_next = t_s <= t_m;
    if (s_next) {
      s_clk = !s_clk;
      if (s_clk) {
        // sample the handshake before the edge
        const bool accept = dut.s_axis_tvalid && dut.s_axis_tready && !dut.s_rst;
        if (TB_MODE == 2 && !dut.s_rst && !dut.s_axis_tready)
          return fail("mode 2 stalled the writer");
        dut.s_clk = 1;
        dut.eval();
        if (dut.s_drop) ++drops;
        if (accept) {
          if (++send_b == frames[send_f].size()) {
            send_b = 0;
            ++send_f;
          }
        }
        if (++s_edges == 8) dut.s_rst = 0;
        if (!dut.s_rst) drive_s(accept);
        dut.eval();
      } else {
        dut.s_clk = 0;
        dut.eval();
      }
      t_s += jitter(s_half);
    } else {
      m_clk = !m_clk;
      if (m_clk) {
        const bool accept = dut.m_axis_tvalid && dut.m_axis_tready && !dut.m_rst;
        Beat b{dut.m_axis_tdata, uint8_t(dut.m_axis_tkeep), bool(dut.m_axis_tlast),
               bool(dut.m_axis_tuser)};
        // no underrun inside a frame while the reader stays ready (store and forward modes)
        if (TB_MODE != 0 && prev_m_accept_mid && out_in_frame_ready_run && !dut.m_axis_tvalid)
          return fail("underrun: gap inside a frame at the output", got_f, got_b);
        dut.m_clk = 1;
        dut.eval();
        if (accept) {
          const int f = int(b.data >> 32), i = int((b.data >> 8) & 0xffffff);
          if (got_b == 0) {
            // a new frame: in frame modes it may skip dropped frames, never go back
            if (f < got_f) return fail("duplicate or reordered frame", f, got_f);
            if (TB_MODE == 0 && f != got_f) return fail("lost frame", got_f, f);
            for (int k = got_f; k < f; ++k) {
              const bool bad = frames[k].back().user;
              if (TB_MODE == 1 && !bad) return fail("good frame lost", k, f);
            }
            if (TB_MODE != 0 && frames[f].back().user) return fail("bad frame delivered", f);
            got_f = f;
            out_in_frame_ready_run = true;
          }
          if (f != got_f || i != got_b)
            return fail("beat out of order", f * 1000L + i, got_f * 1000L + got_b);
          const Beat& want = frames[f][i];
          if (want.data != b.data || want.keep != b.keep || want.last != b.last)
            return fail("corrupted beat", f, i);
          ++beats_out;
          if (b.last) {
            got_b = 0;
            ++got_f;
            ++delivered;
          } else {
            ++got_b;
          }
          prev_m_accept_mid = !b.last;
        } else {
          prev_m_accept_mid = false;
        }
        if (++m_edges == 8) dut.m_rst = 0;
        // reader: phases of mostly-ready and mostly-stalled
        if (m_edges % 97 == 0)
          m_ready_p = TB_MODE == 2 ? (chance(0.5) ? 0.2 : 1.0) : (chance(0.5) ? 0.3 : 0.95);
        const bool ready = !dut.m_rst && chance(m_ready_p);
        if (!ready) out_in_frame_ready_run = false;
        dut.m_axis_tready = ready;
        dut.eval();
      } else {
        dut.m_clk = 0;
        dut.eval();
      }
      t_m += jitter(m_half);
    }
    if (send_f == frames.size() && got_f >= n_frames) break;
    if (send_f == frames.size() && TB_MODE != 0) {
      // frames at the end may all be bad/dropped: finish once the output has caught up
      bool rest_dropped = true;
      for (int k = got_f; k < n_frames; ++k)
        if (!frames[k].back().user && TB_MODE == 1) rest_dropped = false;
      if (TB_MODE == 1 && rest_dropped && got_b == 0 && cycles > 1000 && !dut.m_axis_tvalid) break;
      if (TB_MODE == 2 && got_b == 0 && !dut.m_axis_tvalid && s_edges > 0 &&
          delivered + drops == n_frames)
        break;
    }
  }

  long bad = 0;
  for (auto& fr : frames) bad += fr.back().user;
  if (TB_MODE == 0 && delivered != n_frames) return fail("frames delivered", delivered, n_frames);
  if (TB_MODE == 1 && (delivered != n_frames - bad || drops != bad))
    return fail("mode 1 counts (delivered, drops)", delivered, drops);
  if (TB_MODE == 2 && (delivered + drops != n_frames || drops < bad))
    return fail("mode 2 counts (delivered, drops)", delivered, drops);
  if (TB_MODE == 2 && drops == bad)
    return fail("mode 2 never overflowed: the test is too gentle", drops);
  std::printf(
      "mode %d seed %u: %d frames sent, %ld delivered, %ld dropped (%ld with tuser), %ld beats "
      "out, "
      "%d write / %d read clocks\n",
      TB_MODE, seed, n_frames, delivered, drops, bad, beats_out, s_edges, m_edges);
  return 0;
}
