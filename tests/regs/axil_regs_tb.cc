// Verilator testbench of hw/rtl/v6lb_axil_regs.sv: an AXI4-Lite master with random valid/ready
// delays on every channel, a table-engine model and a counter-block model, checked against the
// generated register header (v6lb_regs.h), so the RTL, the .svh and the .h must agree.
//
// Expected CAP_* values and SNAP_TIMEOUT come from the same -D definitions the CMake file passes
// to Verilator as -G parameters.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vv6lb_axil_regs.h"
#include "v6lb_regs.h"
#include "verilated.h"

namespace r = v6lb::regs;

namespace {

int g_failures = 0;

#define CHECK(cond, ...)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      ++g_failures;                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                            \
      std::fprintf(stderr, "\n");                                                   \
      if (g_failures > 20) std::exit(1);                                            \
    }                                                                               \
  } while (0)

constexpr uint32_t OKAY = 0, SLVERR = 2;

enum class Order { kAwFirst, kWFirst, kTogether, kRandom };
const char* order_name(Order o) {
  switch (o) {
    case Order::kAwFirst:
      return "aw-first";
    case Order::kWFirst:
      return "w-first";
    case Order::kTogether:
      return "together";
    default:
      return "random";
  }
}

struct Cursor {  // next transaction on each channel
  size_t aw = 0, w = 0, b = 0, ar = 0, r = 0;
};

struct WriteTxn {
  uint32_t addr = 0, data = 0;
  uint8_t strb = 0xF;
  Order order = Order::kRandom;
  int aw_delay = 0, w_delay = 0;
  bool aw_done = false, w_done = false, done = false;
  uint32_t resp = 0;
  int t_aw = 0, t_w = 0;  // cycles as the current transaction of the AW / W channel
};

struct ReadTxn {
  uint32_t addr = 0;
  int ar_delay = 0;
  bool ar_done = false, done = false;
  uint32_t data = 0, resp = 0;
  int t_ar = 0;
};

// The table engine as the register block expects it: busy from the cycle after tbl_cmd_valid
// for a few cycles; a read delivers its entry with tbl_rdata_valid in the last busy cycle.
struct TableEngine {
  bool busy = false, error = false, rdata_now = false;
  int left = 0;
  int busy_min = 1, busy_max = 6;  // cycles busy per command
  bool read_op = false;
  uint32_t rdata[16] = {};
  struct Cmd {
    uint32_t cmd, index, sel;
    uint32_t data[16];
  };
  std::vector<Cmd> log;
  uint32_t seq = 0;
};

// The counter block: answers each cnt_sel_write after `delay` cycles (0: in the pulse cycle).
struct CounterBlock {
  bool mute = false;  // never answer (snapshot timeout test)
  int delay_max = 12;
  bool pending = false;
  int left = 0;
  uint32_t sel = 0;
  uint64_t gen = 0;
  int sel_writes = 0, clears = 0, answers = 0;
  static uint64_t value_of(uint32_t sel, uint64_t gen) {
    uint64_t x = (uint64_t(sel) << 20) ^ (gen * 0x9E3779B97F4A7C15ull) ^ 0x0123456789ABCDEFull;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 32);
  }
};

class Tb {
 public:
  explicit Tb(uint32_t seed) : rng_(seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    m_ = std::make_unique<Vv6lb_axil_regs>(ctx_.get());
    m_->clk = 0;
    m_->rst = 1;
    idle_inputs();
    for (int i = 0; i < 4; ++i) cycle();
    m_->rst = 0;
    cycle();
  }
  ~Tb() { m_->final(); }

  Vv6lb_axil_regs& m() { return *m_; }
  std::mt19937& rng() { return rng_; }
  TableEngine& eng() { return eng_; }
  CounterBlock& cnt() { return cnt_; }
  uint64_t cycles() const { return cycle_; }
  bool random_delays = true;
  uint32_t tick_now = 0x1234ABCDu;

  int rnd(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  uint32_t rnd32() { return rng_(); }

  // ---- transactions --------------------------------------------------------------------------
  WriteTxn make_write(uint32_t addr, uint32_t data, uint8_t strb, Order order) {
    WriteTxn w;
    w.addr = addr;
    w.data = data;
    w.strb = strb;
    w.order = order;
    int d = random_delays ? rnd(0, 4) : 0;
    w.aw_delay = d;
    w.w_delay = order == Order::kTogether ? d : (random_delays ? rnd(0, 4) : 0);
    return w;
  }
  ReadTxn make_read(uint32_t addr) {
    ReadTxn rd;
    rd.addr = addr;
    rd.ar_delay = random_delays ? rnd(0, 4) : 0;
    return rd;
  }

  // Runs a write and/or a read (concurrently) to completion.
  void run(WriteTxn* w, ReadTxn* rd) {
    std::vector<WriteTxn> ws;
    std::vector<ReadTxn> rs;
    if (w) ws.push_back(*w);
    if (rd) rs.push_back(*rd);
    run_pipelined(ws, rs);
    if (w) *w = ws[0];
    if (rd) *rd = rs[0];
  }
  // A pipelined master: each channel moves on to the next transaction as soon as its handshake
  // is done, without waiting for the responses (the slave must throttle with its readies).
  void run_pipelined(std::vector<WriteTxn>& ws, std::vector<ReadTxn>& rs) {
    Cursor c;
    int guard = 0;
    while (c.b < ws.size() || c.r < rs.size()) {
      step(ws, rs, c);
      if (++guard > 100000 + 100 * int(ws.size() + rs.size())) {
        CHECK(false, "transactions did not complete (%zu/%zu writes, %zu/%zu reads)", c.b,
              ws.size(), c.r, rs.size());
        std::exit(1);
      }
    }
  }
  uint32_t write(uint32_t addr, uint32_t data, uint8_t strb = 0xF, Order order = Order::kRandom) {
    WriteTxn w = make_write(addr, data, strb, order);
    run(&w, nullptr);
    return w.resp;
  }
  uint32_t read(uint32_t addr, uint32_t* resp = nullptr) {
    ReadTxn rd = make_read(addr);
    run(nullptr, &rd);
    if (resp) *resp = rd.resp;
    return rd.data;
  }
  void idle(int n) {
    std::vector<WriteTxn> ws;
    std::vector<ReadTxn> rs;
    Cursor c;
    for (int i = 0; i < n; ++i) step(ws, rs, c);
  }

  // Every rw output port word, by byte offset (for comparing ports with registers).
  bool port_word(uint32_t off, uint32_t* v) {
    auto& x = *m_;
    auto arr = [&](uint32_t base, uint32_t count, auto& wide) {
      if (off >= base && off < base + 4 * count) {
        *v = wide[(off - base) / 4];
        return true;
      }
      return false;
    };
    if (off == r::CTRL) return *v = x.ctrl, true;
    if (off == r::TICK_DIV) return *v = x.tick_div, true;
    if (off == r::CARD_MAC_HI) return *v = x.card_mac_hi, true;
    if (off == r::CARD_MAC_LO) return *v = x.card_mac_lo, true;
    if (off == r::ROUTER_MAC_HI) return *v = x.router_mac_hi, true;
    if (off == r::ROUTER_MAC_LO) return *v = x.router_mac_lo, true;
    if (off == r::TBL_INDEX) return *v = x.tbl_index, true;
    if (off == r::TBL_SEL) return *v = x.tbl_sel, true;
    if (off == r::CNT_SEL) return *v = x.cnt_sel, true;
    if (arr(r::CARD_ADDR, r::CARD_ADDR_COUNT, x.card_addr)) return true;
    if (arr(r::TBL_DATA, r::TBL_DATA_COUNT, x.tbl_data)) return true;
    if (arr(r::ACTIVE_BANK, r::ACTIVE_BANK_COUNT, x.active_bank)) return true;
    return false;
  }

 private:
  void idle_inputs() {
    auto& x = *m_;
    x.s_axil_awvalid = 0;
    x.s_axil_wvalid = 0;
    x.s_axil_bready = 0;
    x.s_axil_arvalid = 0;
    x.s_axil_rready = 0;
    x.s_axil_awaddr = 0;
    x.s_axil_araddr = 0;
    x.s_axil_wdata = 0;
    x.s_axil_wstrb = 0;
    x.s_axil_awprot = 0;
    x.s_axil_arprot = 0;
    x.tbl_busy = 0;
    x.tbl_error = 0;
    x.tbl_rdata_valid = 0;
    x.cnt_value_valid = 0;
    x.cnt_value = 0;
    x.tick_now = tick_now;
  }

  // One clock cycle of the master working through the queues.
  void step(std::vector<WriteTxn>& ws, std::vector<ReadTxn>& rs, Cursor& c) {
    auto& x = *m_;
    WriteTxn* aw_t = c.aw < ws.size() ? &ws[c.aw] : nullptr;
    WriteTxn* w_t = c.w < ws.size() ? &ws[c.w] : nullptr;
    ReadTxn* ar_t = c.ar < rs.size() ? &rs[c.ar] : nullptr;
    // Master side: valids (held until their handshake), junk on idle buses, random readies.
    bool aw_v =
        aw_t && aw_t->t_aw >= aw_t->aw_delay && (aw_t->order != Order::kWFirst || aw_t->w_done);
    bool w_v = w_t && w_t->t_w >= w_t->w_delay && (w_t->order != Order::kAwFirst || w_t->aw_done);
    bool ar_v = ar_t && ar_t->t_ar >= ar_t->ar_delay;
    WriteTxn* w = aw_t;  // for the address
    ReadTxn* rd = ar_t;
    x.s_axil_awvalid = aw_v;
    x.s_axil_awaddr = aw_v ? w->addr : (rnd32() & 0xFFFF);
    x.s_axil_awprot = rnd(0, 7);
    x.s_axil_wvalid = w_v;
    x.s_axil_wdata = w_v ? w_t->data : rnd32();
    x.s_axil_wstrb = w_v ? w_t->strb : rnd(0, 15);
    x.s_axil_arvalid = ar_v;
    x.s_axil_araddr = ar_v ? rd->addr : (rnd32() & 0xFFFF);
    x.s_axil_arprot = rnd(0, 7);
    x.s_axil_bready = random_delays ? rnd(0, 2) != 0 : 1;
    x.s_axil_rready = random_delays ? rnd(0, 2) != 0 : 1;
    x.tick_now = tick_now;

    // Side models drive their inputs for this cycle.
    x.tbl_busy = eng_.busy;
    x.tbl_error = eng_.error;
    x.tbl_rdata_valid = eng_.rdata_now;
    for (int i = 0; i < 16; ++i) x.tbl_rdata[i] = eng_.rdata[i];
    bool cnt_answer = false;
    if (x.cnt_sel_write) {
      ++cnt_.sel_writes;
      cnt_.pending = !cnt_.mute;
      cnt_.sel = x.cnt_sel;
      cnt_.left = rnd(0, cnt_.delay_max);
    }
    if (cnt_.pending && cnt_.left == 0) {
      cnt_answer = true;
      cnt_.pending = false;
    }
    x.cnt_value_valid = cnt_answer;
    x.cnt_value = cnt_answer ? CounterBlock::value_of(cnt_.sel, cnt_.gen) : rng_();
    if (cnt_answer) ++cnt_.answers;
    x.clk = 0;
    x.eval();

    // Protocol monitors (before the edge).
    if (prev_bvalid_ && !prev_bready_) {
      CHECK(x.s_axil_bvalid, "BVALID dropped without BREADY (cycle %llu)",
            (unsigned long long)cycle_);
      CHECK(x.s_axil_bresp == prev_bresp_, "BRESP changed while BVALID held");
    }
    if (prev_rvalid_ && !prev_rready_) {
      CHECK(x.s_axil_rvalid, "RVALID dropped without RREADY (cycle %llu)",
            (unsigned long long)cycle_);
      CHECK(x.s_axil_rdata == prev_rdata_ && x.s_axil_rresp == prev_rresp_,
            "RDATA/RRESP changed while RVALID held");
    }
    CHECK(!(x.tbl_cmd_valid && prev_tbl_cmd_valid_), "tbl_cmd_valid longer than one cycle");
    CHECK(!(x.cnt_clear && prev_cnt_clear_), "cnt_clear longer than one cycle");
    CHECK(!(x.cnt_sel_write && prev_cnt_sel_write_), "cnt_sel_write longer than one cycle");
    if (x.tbl_cmd_valid) CHECK(!eng_.busy, "tbl_cmd_valid while the engine is busy");

    bool aw_hs = aw_v && x.s_axil_awready;
    bool w_hs = w_v && x.s_axil_wready;
    bool b_hs = x.s_axil_bvalid && x.s_axil_bready;
    bool ar_hs = ar_v && x.s_axil_arready;
    bool r_hs = x.s_axil_rvalid && x.s_axil_rready;
    if (b_hs) {
      WriteTxn* b_t = c.b < ws.size() ? &ws[c.b] : nullptr;
      CHECK(b_t && b_t->aw_done && b_t->w_done, "unexpected B response");
      if (b_t) {
        b_t->resp = x.s_axil_bresp;
        b_t->done = true;
        ++c.b;
      }
    }
    if (r_hs) {
      ReadTxn* r_t = c.r < rs.size() ? &rs[c.r] : nullptr;
      CHECK(r_t && r_t->ar_done, "unexpected R response");
      if (r_t) {
        r_t->data = x.s_axil_rdata;
        r_t->resp = x.s_axil_rresp;
        r_t->done = true;
        ++c.r;
      }
    }
    // Table engine sees the command pulse / finishes.
    bool cmd_seen = x.tbl_cmd_valid;
    TableEngine::Cmd rec{};
    if (cmd_seen) {
      rec.cmd = x.tbl_cmd;
      rec.index = x.tbl_index;
      rec.sel = x.tbl_sel;
      for (int i = 0; i < 16; ++i) rec.data[i] = x.tbl_data[i];
    }
    if (x.cnt_clear) ++cnt_.clears;

    prev_bvalid_ = x.s_axil_bvalid;
    prev_bready_ = x.s_axil_bready;
    prev_bresp_ = x.s_axil_bresp;
    prev_rvalid_ = x.s_axil_rvalid;
    prev_rready_ = x.s_axil_rready;
    prev_rdata_ = x.s_axil_rdata;
    prev_rresp_ = x.s_axil_rresp;
    prev_tbl_cmd_valid_ = x.tbl_cmd_valid;
    prev_cnt_clear_ = x.cnt_clear;
    prev_cnt_sel_write_ = x.cnt_sel_write;

    // The edge.
    x.clk = 1;
    x.eval();
    x.clk = 0;
    ++cycle_;
    ctx_->timeInc(1);

    // State updates after the edge.
    if (aw_t) {
      ++aw_t->t_aw;
      if (aw_hs) {
        aw_t->aw_done = true;
        ++c.aw;
      }
    }
    if (w_t) {
      ++w_t->t_w;
      if (w_hs) {
        w_t->w_done = true;
        ++c.w;
      }
    }
    if (ar_t) {
      ++ar_t->t_ar;
      if (ar_hs) {
        ar_t->ar_done = true;
        ++c.ar;
      }
    }
    if (cnt_.pending && cnt_.left > 0) --cnt_.left;
    eng_.rdata_now = false;
    if (cmd_seen) {
      eng_.log.push_back(rec);
      uint32_t table = r::TBL_CMD_TABLE_GET(rec.cmd), op = r::TBL_CMD_OP_GET(rec.cmd);
      eng_.left = rnd(eng_.busy_min, eng_.busy_max);
      eng_.busy = eng_.left > 0;  // 0: completes in the cycle after the pulse, never busy
      eng_.error = !(table >= r::TBL_CMD_TABLE_SERVICE && table <= r::TBL_CMD_TABLE_REPLY_FLOW) ||
                   !(op == r::TBL_CMD_OP_WRITE || op == r::TBL_CMD_OP_READ);
      eng_.read_op = !eng_.error && op == r::TBL_CMD_OP_READ;
      ++eng_.seq;
    } else if (eng_.busy) {
      if (--eng_.left == 0) eng_.busy = false;
    }
    if (eng_.read_op && (cmd_seen ? eng_.left <= 1 : eng_.busy && eng_.left == 1)) {
      eng_.rdata_now = true;
      for (int i = 0; i < 16; ++i)
        eng_.rdata[i] = eng_.seq * 0x01010101u + uint32_t(i) * 0x10000001u;
    }
  }

  void cycle() {
    m_->clk = 0;
    m_->eval();
    m_->clk = 1;
    m_->eval();
    m_->clk = 0;
    ++cycle_;
    ctx_->timeInc(1);
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Vv6lb_axil_regs> m_;
  std::mt19937 rng_;
  uint64_t cycle_ = 0;
  TableEngine eng_;
  CounterBlock cnt_;
  bool prev_bvalid_ = false, prev_bready_ = false, prev_rvalid_ = false, prev_rready_ = false;
  bool prev_tbl_cmd_valid_ = false, prev_cnt_clear_ = false, prev_cnt_sel_write_ = false;
  uint32_t prev_bresp_ = 0, prev_rdata_ = 0, prev_rresp_ = 0;
};

// ---- the map, from the generated header -----------------------------------------------------

struct Word {
  std::string name;
  uint32_t off;
  const r::RegInfo* reg;
};

std::vector<Word> all_words() {
  std::vector<Word> out;
  for (const auto& reg : r::kRegisters)
    for (uint32_t i = 0; i < reg.count; ++i)
      out.push_back({std::string(reg.name) + (reg.count > 1 ? "_" + std::to_string(i) : ""),
                     reg.offset + 4 * i, &reg});
  return out;
}

const r::RegInfo* find_reg(uint32_t off) {
  for (const auto& reg : r::kRegisters)
    if (off >= reg.offset && off < reg.offset + 4 * reg.count) return &reg;
  return nullptr;
}

uint32_t expected_cap(uint32_t off) {
  if (off == r::CAP_DATA_WIDTH) return TB_DATA_WIDTH;
  if (off == r::CAP_SERVICES) return TB_N_SERVICES;
  if (off == r::CAP_BACKENDS) return TB_N_BACKENDS;
  if (off == r::CAP_MAGLEV_M) return TB_MAGLEV_M;
  if (off == r::CAP_FLOW_SETS) return TB_FLOW_SETS;
  if (off == r::CAP_FLOW_WAYS) return TB_FLOW_WAYS;
  if (off == r::CAP_PARSE_WINDOW) return TB_WINDOW_BYTES;
  if (off == r::CAP_MAX_FRAME) return TB_MAX_FRAME;
  return 0xFFFFFFFFu;
}

uint32_t merge(uint32_t old, uint32_t data, uint8_t strb, uint32_t mask) {
  uint32_t bm = 0;
  for (int b = 0; b < 4; ++b)
    if (strb & (1 << b)) bm |= 0xFFu << (8 * b);
  return ((old & ~bm) | (data & bm)) & mask;
}

// ---- tests -------------------------------------------------------------------------------------

void test_reset_and_ro(Tb& tb) {
  std::printf("reset values, ID/VERSION/CAP, ro registers\n");
  tb.random_delays = false;
  tb.tick_now = 0xCAFEF00Du;
  for (const Word& w : all_words()) {
    uint32_t resp = 0xFF;
    uint32_t v = tb.read(w.off, &resp);
    CHECK(resp == OKAY, "%s: read response %u", w.name.c_str(), resp);
    if (w.reg->has_reset)
      CHECK(v == w.reg->reset, "%s: reset value 0x%08X, expected 0x%08X", w.name.c_str(), v,
            w.reg->reset);
    if (w.off == r::CTRL) CHECK(v == r::CTRL_RESET, "CTRL reset");
    if (w.off == r::TICK_DIV)
      CHECK(v == r::TICK_DIV_RESET && v == 300000u, "TICK_DIV reset 0x%08X", v);
    if (w.off == r::TICK_NOW) CHECK(v == 0xCAFEF00Du, "TICK_NOW 0x%08X", v);
    if (w.off == r::TBL_STATUS) CHECK(v == 0, "TBL_STATUS 0x%08X after reset", v);
    if (w.name.rfind("CAP_", 0) == 0)
      CHECK(v == expected_cap(w.off), "%s = %u, expected %u", w.name.c_str(), v,
            expected_cap(w.off));
    uint32_t port;
    if (tb.port_word(w.off, &port) && w.reg->has_reset)
      CHECK(port == w.reg->reset, "%s: output port after reset 0x%08X", w.name.c_str(), port);
  }
  CHECK(tb.read(r::ID) == r::ID_MAGIC && r::ID_MAGIC == 0x76366C62u, "ID magic");
  CHECK(tb.read(r::VERSION) == ((r::MAP_VERSION_MAJOR << 16) | r::MAP_VERSION_MINOR), "VERSION");
  CHECK(r::VERSION_MAJOR_GET(tb.read(r::VERSION)) == r::MAP_VERSION_MAJOR, "VERSION.MAJOR");
  // TICK_NOW follows the input.
  tb.tick_now = 0x00000042u;
  CHECK(tb.read(r::TICK_NOW) == 0x42u, "TICK_NOW follows tick_now");
  // Writes to ro registers: OKAY and ignored.
  for (const Word& w : all_words()) {
    if (w.reg->access != r::Access::kRo) continue;
    uint32_t before = tb.read(w.off);
    uint32_t resp = tb.write(w.off, ~before, 0xF);
    CHECK(resp == OKAY, "%s: write to ro answered %u", w.name.c_str(), resp);
    uint32_t after = tb.read(w.off);
    if (w.off != r::TICK_NOW) CHECK(after == before, "%s: ro changed by a write", w.name.c_str());
  }
  tb.random_delays = true;
}

void test_unmapped(Tb& tb) {
  std::printf("SLVERR on unmapped addresses\n");
  std::map<uint32_t, uint32_t> before;
  for (const Word& w : all_words())
    if (w.reg->access == r::Access::kRw) before[w.off] = tb.read(w.off);
  int unmapped = 0;
  std::vector<uint32_t> addrs;
  for (uint32_t a = 0; a < 0x400; a += 4) addrs.push_back(a);
  for (int i = 0; i < 200; ++i) addrs.push_back(uint32_t(tb.rnd(0x400, 0xFFFF)) & ~3u);
  addrs.push_back(0xFFFC);
  for (uint32_t a : addrs) {
    const r::RegInfo* reg = find_reg(a);
    // Unaligned byte addresses decode to their word.
    uint32_t byte_addr = a | uint32_t(tb.rnd(0, 3));
    uint32_t resp = 0xFF;
    uint32_t v = tb.read(byte_addr, &resp);
    if (!reg) {
      ++unmapped;
      CHECK(resp == SLVERR && v == 0, "read 0x%04X: resp %u data 0x%08X, expected SLVERR/0",
            byte_addr, resp, v);
      uint32_t wresp = tb.write(byte_addr, tb.rnd32(), 0xF);
      CHECK(wresp == SLVERR, "write 0x%04X: resp %u, expected SLVERR", byte_addr, wresp);
    } else {
      CHECK(resp == OKAY, "read 0x%04X (%.*s): resp %u", byte_addr, int(reg->name.size()),
            reg->name.data(), resp);
    }
  }
  CHECK(unmapped > 100, "too few unmapped addresses tried (%d)", unmapped);
  for (auto [off, v] : before) CHECK(tb.read(off) == v, "0x%04X changed by unmapped writes", off);
}

void test_rw_round_trips(Tb& tb) {
  std::printf("rw round trips: every order, random delays, byte strobes\n");
  const Order orders[] = {Order::kAwFirst, Order::kWFirst, Order::kTogether, Order::kRandom};
  for (bool delays : {false, true}) {
    tb.random_delays = delays;
    for (Order o : orders) {
      for (const Word& w : all_words()) {
        if (w.reg->access != r::Access::kRw || w.off == r::CNT_SEL) continue;
        uint32_t val = tb.rnd32();
        uint32_t resp = tb.write(w.off, val, 0xF, o);
        CHECK(resp == OKAY, "%s write (%s): resp %u", w.name.c_str(), order_name(o), resp);
        uint32_t got = tb.read(w.off);
        CHECK(got == (val & w.reg->mask),
              "%s (%s, delays %d): wrote 0x%08X read 0x%08X mask 0x%08X", w.name.c_str(),
              order_name(o), int(delays), val, got, w.reg->mask);
        uint32_t port;
        if (tb.port_word(w.off, &port))
          CHECK(port == got, "%s: port 0x%08X register 0x%08X", w.name.c_str(), port, got);
        // Partial strobes.
        uint8_t strb = uint8_t(tb.rnd(0, 15));
        uint32_t val2 = tb.rnd32();
        tb.write(w.off, val2, strb, o);
        uint32_t exp = merge(got, val2, strb, w.reg->mask);
        got = tb.read(w.off);
        CHECK(got == exp, "%s strobe 0x%X: read 0x%08X expected 0x%08X", w.name.c_str(), strb, got,
              exp);
      }
    }
  }
  tb.random_delays = true;
}

void test_tbl_cmd(Tb& tb) {
  std::printf("TBL_CMD pulse, BUSY, busy-ignore, read result loading, ERROR\n");
  auto& eng = tb.eng();
  auto wait_idle = [&] {
    for (int i = 0; i < 100; ++i) {
      uint32_t st = tb.read(r::TBL_STATUS);
      if (!r::TBL_STATUS_BUSY_GET(st)) return st;
    }
    CHECK(false, "TBL_STATUS.BUSY never cleared");
    return 0u;
  };
  for (int iter = 0; iter < 200; ++iter) {
    uint32_t data[16];
    for (auto& d : data) d = tb.rnd32();
    uint32_t index = tb.rnd32(), sel = tb.rnd32() & r::TBL_SEL_MASK;
    for (int i = 0; i < 16; ++i) tb.write(r::at(r::TBL_DATA, i), data[i]);
    tb.write(r::TBL_INDEX, index);
    tb.write(r::TBL_SEL, sel);
    bool bad = iter % 7 == 3;
    uint32_t op = (iter % 3 == 0) ? r::TBL_CMD_OP_READ : r::TBL_CMD_OP_WRITE;
    uint32_t table = bad ? 0 : uint32_t(tb.rnd(1, 5));
    uint32_t cmd = r::TBL_CMD_TABLE(table) | r::TBL_CMD_OP(op) | (tb.rnd32() & ~r::TBL_CMD_MASK);
    size_t n = eng.log.size();
    // Every other command, the engine stays busy long enough for a second TBL_CMD write to land
    // while BUSY: that one must be ignored.
    bool second = iter % 2 == 1;
    eng.busy_min = second ? 60 : (iter % 4 == 0 ? 0 : 1);  // 0: one-cycle commands, never busy
    eng.busy_max = second ? 60 : (iter % 4 == 0 ? 0 : 6);
    tb.write(r::TBL_CMD, cmd, 0xF, Order(iter % 4));
    if (second) {
      tb.random_delays = false;
      tb.write(r::TBL_CMD, r::TBL_CMD_TABLE(2) | r::TBL_CMD_OP(1), 0xF, Order::kTogether);
      CHECK(r::TBL_STATUS_BUSY_GET(tb.read(r::TBL_STATUS)) == 1, "BUSY while the engine works");
      tb.random_delays = true;
    }
    CHECK(eng.log.size() == n + 1, "iteration %d: %zu commands seen, expected 1", iter,
          eng.log.size() - n);
    if (eng.log.size() < n + 1) continue;
    const auto& c = eng.log[n];
    CHECK(c.cmd == (cmd & r::TBL_CMD_MASK), "tbl_cmd 0x%08X expected 0x%08X", c.cmd,
          cmd & r::TBL_CMD_MASK);
    CHECK(c.index == index && c.sel == sel, "tbl_index/tbl_sel at the pulse");
    for (int i = 0; i < 16; ++i) CHECK(c.data[i] == data[i], "tbl_data word %d at the pulse", i);
    uint32_t st = wait_idle();
    if (eng.log.size() == n + 1) {
      CHECK(tb.read(r::TBL_CMD) == (cmd & r::TBL_CMD_MASK), "TBL_CMD reads the last command");
      CHECK(r::TBL_STATUS_ERROR_GET(st) == (bad ? 1u : 0u), "TBL_STATUS.ERROR %u for table %u",
            r::TBL_STATUS_ERROR_GET(st), table);
      if (op == r::TBL_CMD_OP_READ && !bad) {
        for (int i = 0; i < 16; ++i) {
          uint32_t exp = eng.seq * 0x01010101u + uint32_t(i) * 0x10000001u;
          CHECK(tb.read(r::at(r::TBL_DATA, i)) == exp, "TBL_DATA_%d after a read command", i);
          CHECK(tb.m().tbl_data[i] == exp, "tbl_data port word %d after a read command", i);
        }
      } else {
        for (int i = 0; i < 16; ++i)
          CHECK(tb.read(r::at(r::TBL_DATA, i)) == data[i], "TBL_DATA_%d kept", i);
      }
    } else {
      wait_idle();
    }
  }
  // BUSY is visible right after the command's B response.
  eng.busy_min = eng.busy_max = 10;
  tb.random_delays = false;
  size_t n = eng.log.size();
  tb.write(r::TBL_CMD, r::TBL_CMD_TABLE(1) | r::TBL_CMD_OP(1));
  CHECK(r::TBL_STATUS_BUSY_GET(tb.read(r::TBL_STATUS)) == 1, "BUSY right after TBL_CMD");
  CHECK(eng.log.size() == n + 1, "one pulse");
  wait_idle();
  eng.busy_min = 1;
  eng.busy_max = 6;
  tb.random_delays = true;
}

void test_counters(Tb& tb) {
  std::printf("CNT_SEL snapshot, CNT_CLEAR pulse, snapshot timeout\n");
  auto& cnt = tb.cnt();
  for (int iter = 0; iter < 300; ++iter) {
    cnt.gen = uint64_t(iter) * 7 + 1;
    cnt.delay_max = iter % 5 == 0 ? 0 : 20;
    uint32_t sel = r::CNT_SEL_INDEX(tb.rnd32()) | r::CNT_SEL_FIELD(tb.rnd(0, 4)) |
                   r::CNT_SEL_KIND(tb.rnd(0, 3));
    int writes = cnt.sel_writes;
    tb.write(r::CNT_SEL, sel | (tb.rnd32() & ~r::CNT_SEL_MASK), 0xF, Order(iter % 4));
    uint64_t exp = CounterBlock::value_of(sel, cnt.gen);
    uint32_t lo, hi;
    if (iter % 2) {
      lo = tb.read(r::CNT_LO);
      hi = tb.read(r::CNT_HI);
    } else {
      hi = tb.read(r::CNT_HI);
      lo = tb.read(r::CNT_LO);
    }
    CHECK(((uint64_t(hi) << 32) | lo) == exp, "iteration %d: CNT = 0x%08X%08X expected 0x%016llX",
          iter, hi, lo, (unsigned long long)exp);
    CHECK(tb.read(r::CNT_SEL) == sel, "CNT_SEL reads back");
    tb.idle(1);
    CHECK(cnt.sel_writes == writes + 1, "cnt_sel_write pulses: %d", cnt.sel_writes - writes);
  }
  // CNT_CLEAR: a pulse for a write with bit 0 set (strobed), none otherwise.
  int clears = cnt.clears;
  tb.write(r::CNT_CLEAR, 1);
  tb.write(r::CNT_CLEAR, 0);
  tb.write(r::CNT_CLEAR, 0xFFFFFFFEu);
  tb.write(r::CNT_CLEAR, 1, 0xE);  // byte 0 not strobed
  tb.write(r::CNT_CLEAR, 0x101, 0x1);
  tb.idle(2);
  CHECK(cnt.clears == clears + 2, "cnt_clear pulses: %d, expected 2", cnt.clears - clears);
  CHECK(tb.read(r::CNT_CLEAR) == 0, "CNT_CLEAR reads 0");
  // A counter block that never answers does not hang the bus.
  uint32_t lo_before = tb.read(r::CNT_LO);
  cnt.mute = true;
  tb.write(r::CNT_SEL, 5);
  uint64_t t0 = tb.cycles();
  uint32_t resp = 0xFF;
  uint32_t lo = tb.read(r::CNT_LO, &resp);
  uint64_t waited = tb.cycles() - t0;
  CHECK(resp == OKAY && lo == lo_before, "snapshot timeout: resp %u", resp);
  CHECK(waited + 10 >= TB_SNAP_TIMEOUT && waited < TB_SNAP_TIMEOUT + 50,
        "waited %llu cycles for a mute counter block", (unsigned long long)waited);
  cnt.mute = false;
}

// Random traffic: concurrent reads and writes, every order and delay, against a reference model.
void test_random(Tb& tb, int n_ops) {
  std::printf("random concurrent traffic (%d operations)\n", n_ops);
  std::map<uint32_t, uint32_t> ref;
  std::vector<Word> words = all_words();
  for (const Word& w : words) ref[w.off] = tb.read(w.off);
  auto eligible_write = [&](const Word& w) {
    return w.reg->access == r::Access::kRw && w.off != r::CNT_SEL;  // CNT_SEL: see test_counters
  };
  auto stable_read = [&](const Word& w) {
    return w.reg->access == r::Access::kRw || w.off == r::ID || w.off == r::VERSION ||
           w.name.rfind("CAP_", 0) == 0;
  };
  for (int i = 0; i < n_ops; ++i) {
    WriteTxn wt;
    ReadTxn rt;
    bool do_w = tb.rnd(0, 3) != 0, do_r = tb.rnd(0, 3) != 0;
    uint32_t w_off = 0, w_exp_resp = OKAY;
    if (do_w) {
      if (tb.rnd(0, 15) == 0) {
        w_off = 0x400 + 4 * uint32_t(tb.rnd(0, 0x3EFF));
        w_exp_resp = SLVERR;
      } else {
        const Word* w;
        do w = &words[tb.rnd(0, int(words.size()) - 1)];
        while (!eligible_write(*w));
        w_off = w->off;
      }
      wt = tb.make_write(w_off | uint32_t(tb.rnd(0, 3)), tb.rnd32(), uint8_t(tb.rnd(0, 15)),
                         Order(tb.rnd(0, 3)));
    }
    uint32_t r_off = 0, r_exp = 0, r_exp_resp = OKAY;
    if (do_r) {
      if (tb.rnd(0, 15) == 0) {
        r_off = 0x210 + 4 * uint32_t(tb.rnd(0, 0x3EFF));
        r_exp_resp = SLVERR;
      } else {
        const Word* w;
        do w = &words[tb.rnd(0, int(words.size()) - 1)];
        while (!stable_read(*w) || (do_w && w->off == w_off));
        r_off = w->off;
        r_exp = w->off == r::CAP_DATA_WIDTH || w->name.rfind("CAP_", 0) == 0 ? expected_cap(w->off)
                                                                             : ref[w->off];
      }
      rt = tb.make_read(r_off);
    }
    tb.run(do_w ? &wt : nullptr, do_r ? &rt : nullptr);
    if (do_w) {
      CHECK(wt.resp == w_exp_resp, "op %d: write 0x%04X resp %u expected %u", i, wt.addr, wt.resp,
            w_exp_resp);
      if (w_exp_resp == OKAY) {
        const r::RegInfo* reg = find_reg(w_off);
        ref[w_off] = merge(ref[w_off], wt.data, wt.strb, reg->mask);
      }
    }
    if (do_r) {
      CHECK(rt.resp == r_exp_resp, "op %d: read 0x%04X resp %u expected %u", i, r_off, rt.resp,
            r_exp_resp);
      CHECK(rt.data == r_exp, "op %d: read 0x%04X = 0x%08X expected 0x%08X", i, r_off, rt.data,
            r_exp);
    }
  }
  for (const Word& w : words) {
    if (w.reg->access != r::Access::kRw || w.off == r::CNT_SEL) continue;
    CHECK(tb.read(w.off) == ref[w.off], "%s after random traffic", w.name.c_str());
    uint32_t port;
    if (tb.port_word(w.off, &port))
      CHECK(port == ref[w.off], "%s port after random traffic", w.name.c_str());
  }
}

// A pipelined master (next address/data offered before the previous response): the slave must
// throttle with its readies and answer in order.
void test_pipelined(Tb& tb, int rounds) {
  std::printf("pipelined master: back-to-back writes and reads (%d rounds)\n", rounds);
  std::vector<Word> words = all_words();
  std::vector<const Word*> rw;
  for (const Word& w : words)
    if (w.reg->access == r::Access::kRw && w.off != r::CNT_SEL) rw.push_back(&w);
  std::map<uint32_t, uint32_t> ref;
  for (const Word* w : rw) ref[w->off] = tb.read(w->off);
  for (int round = 0; round < rounds; ++round) {
    std::shuffle(rw.begin(), rw.end(), tb.rng());
    int k = tb.rnd(1, 12);
    std::vector<WriteTxn> ws;
    std::vector<uint32_t> exp_resp;
    for (int i = 0; i < k; ++i) {
      bool bad = tb.rnd(0, 7) == 0;
      uint32_t off = bad ? 0x1000 + 4 * uint32_t(tb.rnd(0, 0x3000)) : rw[i]->off;
      ws.push_back(tb.make_write(off, tb.rnd32(), uint8_t(tb.rnd(0, 15)), Order(tb.rnd(0, 3))));
      exp_resp.push_back(bad ? SLVERR : OKAY);
    }
    // Reads of registers this batch does not write run at the same time.
    std::vector<ReadTxn> rs;
    std::vector<uint32_t> exp_data;
    for (int i = k; i < k + tb.rnd(0, 8) && i < int(rw.size()); ++i) {
      rs.push_back(tb.make_read(rw[i]->off));
      exp_data.push_back(ref[rw[i]->off]);
    }
    tb.run_pipelined(ws, rs);
    for (int i = 0; i < k; ++i) {
      CHECK(ws[i].resp == exp_resp[i], "round %d write %d (0x%04X): resp %u expected %u", round, i,
            ws[i].addr, ws[i].resp, exp_resp[i]);
      if (exp_resp[i] == OKAY)
        ref[ws[i].addr] =
            merge(ref[ws[i].addr], ws[i].data, ws[i].strb, find_reg(ws[i].addr)->mask);
    }
    for (size_t i = 0; i < rs.size(); ++i)
      CHECK(rs[i].data == exp_data[i] && rs[i].resp == OKAY,
            "round %d read %zu (0x%04X) = 0x%08X expected 0x%08X", round, i, rs[i].addr, rs[i].data,
            exp_data[i]);
    // Read everything back, pipelined, including unmapped addresses.
    rs.clear();
    exp_data.clear();
    std::vector<uint32_t> exp_rresp;
    for (const Word* w : rw) {
      rs.push_back(tb.make_read(w->off));
      exp_data.push_back(ref[w->off]);
      exp_rresp.push_back(OKAY);
      if (tb.rnd(0, 7) == 0) {
        rs.push_back(tb.make_read(0x2000 + 4 * uint32_t(tb.rnd(0, 0x3000))));
        exp_data.push_back(0);
        exp_rresp.push_back(SLVERR);
      }
    }
    std::vector<WriteTxn> none;
    tb.run_pipelined(none, rs);
    for (size_t i = 0; i < rs.size(); ++i)
      CHECK(rs[i].data == exp_data[i] && rs[i].resp == exp_rresp[i],
            "round %d read-back %zu (0x%04X) = 0x%08X/%u expected 0x%08X/%u", round, i, rs[i].addr,
            rs[i].data, rs[i].resp, exp_data[i], exp_rresp[i]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint32_t seed = argc > 1 ? uint32_t(std::strtoul(argv[1], nullptr, 0)) : 1;
  int ops = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::printf("v6lb_axil_regs testbench, seed %u\n", seed);
  Tb tb(seed);
  test_reset_and_ro(tb);
  test_unmapped(tb);
  test_rw_round_trips(tb);
  test_tbl_cmd(tb);
  test_counters(tb);
  test_pipelined(tb, 200);
  test_random(tb, ops);
  std::printf("%llu cycles, %d failure(s)\n", (unsigned long long)tb.cycles(), g_failures);
  if (g_failures) {
    std::printf("FAIL\n");
    return 1;
  }
  std::printf("PASS\n");
  return 0;
}
