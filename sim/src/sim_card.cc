// SimCard over the two Verilated builds of v6lb_top. One clock cycle is: set inputs with the
// clock low, evaluate, note which handshakes fire, raise the clock, then act on those handshakes.
#include "v6lb/sim/sim_card.h"

#include <deque>
#include <random>
#include <stdexcept>
#include <type_traits>

#include "Vv6lb_top512.h"
#include "Vv6lb_top64.h"
#include "verilated.h"
#if V6LB_SIM_TRACE
#include "verilated_fst_c.h"
#endif

namespace v6lb {
namespace {

// Byte i of a beat sits in bits 8i+7:8i; Verilator holds 64 bits as one word, wider as 32-bit
// words.
template <class T>
void set_beat(T& data, const uint8_t* bytes, size_t n) {
  if constexpr (std::is_integral_v<T>) {
    T v = 0;
    for (size_t i = 0; i < n; ++i) v |= T(bytes[i]) << (8 * i);
    data = v;
  } else {
    for (size_t w = 0; w < sizeof(T) / sizeof(uint32_t); ++w) data[w] = 0;
    for (size_t i = 0; i < n; ++i) data[i / 4] |= uint32_t(bytes[i]) << (8 * (i % 4));
  }
}

template <class T>
uint8_t beat_byte(const T& data, size_t i) {
  if constexpr (std::is_integral_v<T>)
    return uint8_t(uint64_t(data) >> (8 * i));
  else
    return uint8_t(data[i / 4] >> (8 * (i % 4)));
}

template <class V>
class SimCardImpl final : public SimCard {
 public:
  static constexpr int kWidth = std::is_same_v<V, Vv6lb_top64> ? 64 : 512;
  static constexpr size_t kKeep = kWidth / 8;

  explicit SimCardImpl(const SimOptions& o) : opts_(o), rng_(o.seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    // Verilator 5.006 registers and erases a model's scopes (the RTL's $error/assertions have
    // them) in the calling thread's current context, not the model's: make it this card's, here
    // and in the destructor, or a card outliving another one erases into a freed context.
    Verilated::threadContextp(ctx_.get());
    top_ = std::make_unique<V>(ctx_.get());
#if V6LB_SIM_TRACE
    if (!o.fst_path.empty()) {
      ctx_->traceEverOn(true);
      trace_ = std::make_unique<VerilatedFstC>();
      top_->trace(trace_.get(), 99);
      trace_->open(o.fst_path.c_str());
    }
#endif
    top_->clk = 0;
    top_->rst = 1;
    top_->s_axis_tvalid = 0;
    top_->m_axis_tready = 0;
    top_->m_axis_punt_tready = 0;
    top_->s_axil_awvalid = 0;
    top_->s_axil_wvalid = 0;
    top_->s_axil_bready = 0;
    top_->s_axil_arvalid = 0;
    top_->s_axil_rready = 0;
    top_->s_axil_wstrb = 0xF;
    top_->now_tick = 0;
    for (int i = 0; i < 4; ++i) cycle();
    top_->rst = 0;
    cycle();
  }
  ~SimCardImpl() override {
#if V6LB_SIM_TRACE
    if (trace_) trace_->close();
#endif
    Verilated::threadContextp(ctx_.get());
    top_->final();
    top_.reset();
  }

  void write32(uint32_t addr, uint32_t value) override {
    top_->s_axil_awaddr = addr;
    top_->s_axil_wdata = value;
    top_->s_axil_awvalid = 1;
    top_->s_axil_wvalid = 1;
    bool aw = false, w = false;
    for (uint64_t guard = 0; !(aw && w); ++guard) {
      if (guard > 100000) throw std::runtime_error("sim: AXI-Lite write not accepted");
      top_->eval();
      const bool aw_fire = top_->s_axil_awvalid && top_->s_axil_awready;
      const bool w_fire = top_->s_axil_wvalid && top_->s_axil_wready;
      cycle();
      if (aw_fire) aw = true, top_->s_axil_awvalid = 0;
      if (w_fire) w = true, top_->s_axil_wvalid = 0;
    }
    top_->s_axil_bready = 1;
    for (uint64_t guard = 0;; ++guard) {
      if (guard > 100000) throw std::runtime_error("sim: AXI-Lite write response missing");
      top_->eval();
      const bool b_fire = top_->s_axil_bvalid;
      const uint32_t resp = top_->s_axil_bresp;
      cycle();
      if (b_fire) {
        top_->s_axil_bready = 0;
        if (resp != 0)
          throw std::runtime_error("sim: AXI-Lite write error at 0x" + std::to_string(addr));
        return;
      }
    }
  }

  uint32_t read32(uint32_t addr) override {
    top_->s_axil_araddr = addr;
    top_->s_axil_arvalid = 1;
    for (uint64_t guard = 0;; ++guard) {
      if (guard > 100000) throw std::runtime_error("sim: AXI-Lite read not accepted");
      top_->eval();
      const bool fire = top_->s_axil_arready;
      cycle();
      if (fire) break;
    }
    top_->s_axil_arvalid = 0;
    top_->s_axil_rready = 1;
    for (uint64_t guard = 0;; ++guard) {
      if (guard > 100000) throw std::runtime_error("sim: AXI-Lite read data missing");
      top_->eval();
      const bool fire = top_->s_axil_rvalid;
      const uint32_t data = top_->s_axil_rdata;
      const uint32_t resp = top_->s_axil_rresp;
      cycle();
      if (fire) {
        top_->s_axil_rready = 0;
        if (resp != 0) throw std::runtime_error("sim: AXI-Lite read error");
        return data;
      }
    }
  }

  void send(std::span<const uint8_t> frame, uint32_t tick) override {
    in_.push_back({std::vector<uint8_t>(frame.begin(), frame.end()), tick});
    ++sent_;
  }

  void set_now_tick(uint32_t tick) override {
    if (!beat_valid_) top_->now_tick = tick;
  }

  void step(uint64_t n) override {
    for (uint64_t i = 0; i < n; ++i) cycle();
  }

  bool drain(uint64_t max_cycles) override {
    for (uint64_t i = 0; i < max_cycles; ++i) {
      // A verdict is reported when the egress takes the frame's last beat, a few clocks before
      // that beat leaves: done once every forward and punt verdict has its frame out.
      if (in_.empty() && verdicts_.size() == sent_ && fwd_seq_.empty() && punt_seq_.empty() &&
          !top_->m_axis_tvalid && !top_->m_axis_punt_tvalid && fwd_cur_.empty() &&
          punt_cur_.empty())
        return true;
      cycle();
    }
    return false;
  }

  std::vector<SimFrame> take_forwarded() override { return std::exchange(fwd_out_, {}); }
  std::vector<SimFrame> take_punted() override { return std::exchange(punt_out_, {}); }
  const std::vector<SimVerdict>& verdicts() const override { return verdicts_; }
  uint64_t cycles() const override { return cycles_; }
  uint64_t beats_in() const override { return beats_in_; }
  uint64_t frames_sent() const override { return sent_; }
  int data_width() const override { return kWidth; }

 private:
  struct InFrame {
    std::vector<uint8_t> data;
    uint32_t tick;
  };

  // Drives the receive stream and the output readies for this cycle.
  void drive_inputs() {
    if (!beat_valid_ && !in_.empty()) {
      const bool gap = opts_.input_gap > 0 && coin(opts_.input_gap);
      if (!gap) {
        const InFrame& f = in_.front();
        const size_t off = in_off_;
        const size_t n = std::min(kKeep, f.data.size() - off);
        set_beat(top_->s_axis_tdata, f.data.data() + off, n);
        uint64_t keep = n == 64 ? ~uint64_t(0) : ((uint64_t(1) << n) - 1);
        top_->s_axis_tkeep = decltype(top_->s_axis_tkeep)(keep);
        top_->s_axis_tlast = off + n >= f.data.size();
        top_->s_axis_tuser = 0;
        if (off == 0) top_->now_tick = f.tick;
        beat_valid_ = true;
      }
    }
    top_->s_axis_tvalid = beat_valid_;
    top_->m_axis_tready = opts_.output_ready >= 1.0 || coin(opts_.output_ready);
    top_->m_axis_punt_tready = opts_.output_ready >= 1.0 || coin(opts_.output_ready);
  }

  void cycle() {
    drive_inputs();
    top_->clk = 0;
    top_->eval();
    // Handshakes as they stand before the rising edge.
    const bool in_fire = top_->s_axis_tvalid && top_->s_axis_tready;
    const bool fwd_fire = top_->m_axis_tvalid && top_->m_axis_tready;
    const bool punt_fire = top_->m_axis_punt_tvalid && top_->m_axis_punt_tready;
    if (fwd_fire)
      collect(fwd_cur_, fwd_out_, fwd_seq_, top_->m_axis_tdata, top_->m_axis_tkeep,
              top_->m_axis_tlast);
    if (punt_fire)
      collect(punt_cur_, punt_out_, punt_seq_, top_->m_axis_punt_tdata, top_->m_axis_punt_tkeep,
              top_->m_axis_punt_tlast);
    if (top_->m_verdict_valid) {
      const auto v = SimVerdict(top_->m_verdict);
      const uint64_t seq = verdicts_.size();
      verdicts_.push_back(v);
      if (v == SimVerdict::kForward) fwd_seq_.push_back(seq);
      if (v == SimVerdict::kPunt) punt_seq_.push_back(seq);
    }
    tick_trace();
    top_->clk = 1;
    top_->eval();
    tick_trace();
    ++cycles_;
    if (in_fire) {
      ++beats_in_;
      beat_valid_ = false;
      in_off_ += kKeep;
      if (in_off_ >= in_.front().data.size()) {
        in_.pop_front();
        in_off_ = 0;
      }
    }
  }

  template <class D, class K>
  void collect(std::vector<uint8_t>& cur, std::vector<SimFrame>& out, std::deque<uint64_t>& seqs,
               const D& data, K keep, bool last) {
    for (size_t i = 0; i < kKeep; ++i)
      if ((uint64_t(keep) >> i) & 1) cur.push_back(beat_byte(data, i));
    if (last) {
      SimFrame f;
      f.data = std::move(cur);
      cur.clear();
      if (!seqs.empty()) {
        f.seq = seqs.front();
        seqs.pop_front();
      }
      out.push_back(std::move(f));
    }
  }

  bool coin(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void tick_trace() {
    ctx_->timeInc(1);
#if V6LB_SIM_TRACE
    if (trace_) trace_->dump(ctx_->time());
#endif
  }

  SimOptions opts_;
  std::mt19937_64 rng_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<V> top_;
#if V6LB_SIM_TRACE
  std::unique_ptr<VerilatedFstC> trace_;
#endif
  std::deque<InFrame> in_;
  size_t in_off_ = 0;
  bool beat_valid_ = false;
  std::vector<uint8_t> fwd_cur_, punt_cur_;
  std::vector<SimFrame> fwd_out_, punt_out_;
  std::deque<uint64_t> fwd_seq_, punt_seq_;
  std::vector<SimVerdict> verdicts_;
  uint64_t cycles_ = 0, beats_in_ = 0, sent_ = 0;
};

}  // namespace

bool SimCard::can_trace() {
#if V6LB_SIM_TRACE
  return true;
#else
  return false;
#endif
}

std::unique_ptr<SimCard> SimCard::create(const SimOptions& opts) {
  if (!opts.fst_path.empty() && !can_trace())
    throw std::invalid_argument(
        "sim: this build has no FST tracing (configure with -DV6LB_SIM_TRACE=ON)");
  if (opts.data_width == 64) return std::make_unique<SimCardImpl<Vv6lb_top64>>(opts);
  if (opts.data_width == 512) return std::make_unique<SimCardImpl<Vv6lb_top512>>(opts);
  throw std::invalid_argument("sim: DATA_WIDTH must be 64 or 512");
}

}  // namespace v6lb
