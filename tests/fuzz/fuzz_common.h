// What the packet harnesses share: the small geometry of the fuzz sub-build's card, the config
// they program (tests/fuzz/fuzz.yaml), and the input format: one options byte, then records of
// frames, each with the time step before it.
//
//   input  := options:u8 record*
//   record := step:4 len:12 (big-endian u16) frame[len]   (a short last frame is cut to what is
//   left)
//
// `step` advances the tick (ms) before the frame: 0 the same tick (a burst for the model), 1..14
// 2^(step-1) ms, 15 300 s (past every idle timeout). The first frame's tick is 1000, or 2^32 - 4000
// when options bit 7 is set (the tick wraps within the input).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "v6lb/control/config.h"
#include "v6lb/dataplane/tables.h"

namespace v6lb::fuzz {

// The card of the fuzz sub-build (top-level CMakeLists.txt, V6LB_SIM_GEOMETRY) and the model
// programmed alongside it.
inline Geometry fuzz_geometry() {
  Geometry g;
  g.services = 8;
  g.backends = 32;
  g.maglev_size = 251;
  g.flow_sets = 64;
  g.flow_ways = 4;
  return g;
}

// A harness that finds its own setup broken aborts: that is not a finding of the code under test.
[[noreturn]] inline void setup_failed(const std::string& why) {
  std::fprintf(stderr, "fuzz harness setup failed: %s\n", why.c_str());
  std::abort();
}

inline Config fuzz_config() {
  auto r = load_config_file(V6LB_FUZZ_CONFIG);
  if (auto* e = std::get_if<ConfigError>(&r)) setup_failed(e->message);
  return std::get<Config>(std::move(r));
}

struct FuzzFrame {
  std::vector<uint8_t> bytes;  // exactly the frame: ASan sees a read past its end
  uint32_t tick = 0;
  bool same_tick = false;  // step 0: same tick as the frame before
};

struct FuzzInput {
  uint8_t options = 0;
  std::vector<FuzzFrame> frames;
};

inline FuzzInput split_input(std::span<const uint8_t> in, size_t max_frames) {
  FuzzInput out;
  if (in.empty()) return out;
  out.options = in[0];
  size_t pos = 1;
  uint32_t tick = (out.options & 0x80) ? uint32_t(0) - 4000u : 1000u;
  bool first = true;
  while (pos + 2 <= in.size() && out.frames.size() < max_frames) {
    const unsigned hdr = unsigned(in[pos]) << 8 | in[pos + 1];
    pos += 2;
    const unsigned step = hdr >> 12;
    size_t len = hdr & 0xFFF;
    if (len > in.size() - pos) len = in.size() - pos;
    if (!first) tick += step == 0 ? 0u : step == 15 ? 300000u : 1u << (step - 1);
    out.frames.push_back({std::vector<uint8_t>(in.begin() + pos, in.begin() + pos + len), tick,
                          !first && step == 0});
    pos += len;
    first = false;
  }
  return out;
}

}  // namespace v6lb::fuzz
