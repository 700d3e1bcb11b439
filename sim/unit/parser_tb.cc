// Differential test of hw/rtl/v6lb_parser.sv against parse_frame()
// (host/dataplane/src/packet_parser.cc): directed frames of every class, every truncation of
// several valid frames, and random frames (VLAN, 0-6 extension headers, Routing headers with random
// Segments Left, TCP/UDP/ICMPv6/other, hop limits, MACs, card address, truncations, payload-length
// lies, oversized frames, garbage after the frame's end). Frames go in one per clock (with a phase
// of random bubbles and a reset); every output is compared in order, with the sequence number
// carried in out_meta.
//
// Usage: rtl_parser_tb [random_frames] [seed]

#include <verilated.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "Vv6lb_parser.h"
#include "frame_builder.h"
#include "v6lb/dataplane/net_types.h"
#include "v6lb/dataplane/packet_parser.h"

using namespace v6lb;
using test::build_frame;
using test::ExtHeader;
using test::FrameSpec;

namespace {

constexpr unsigned kWindow = 256;      // WINDOW_BYTES of the RTL
constexpr unsigned kMaxFrame = 10240;  // MAX_FRAME of the RTL (its default)
constexpr unsigned kLatency = 6;       // LATENCY of the RTL: in_valid at edge n -> out_valid
                                       // visible after edge n+1
static_assert(kWindow == kParseWindow);
static_assert(kMaxFrame == kMaxFrameLen,
              "the RTL's MAX_FRAME default must follow the model's kMaxFrameLen");

const MacAddr kCardMac = *MacAddr::parse("02:00:00:00:00:01");
const Ipv6Addr kCardAddr = *Ipv6Addr::parse("2001:db8:ff::1");
const ParserConfig kCfg{kCardMac, kCardAddr};

const char* const kClassNames[] = {"L4",           "OtherProto",     "Malformed", "NotIpv6",
                                   "WrongMac",     "BadSource",      "Spoofed",   "PuntLocal",
                                   "PuntFragment", "PuntExtHeaders", "PuntIcmp",  "PuntHopLimit"};
constexpr unsigned kNumClasses = unsigned(ParseClass::kPuntHopLimit) + 1;
static_assert(std::size(kClassNames) == kNumClasses);

struct Expect {
  uint32_t seq;
  std::vector<uint8_t> frame;  // the frame as the model saw it (for diagnostics)
  unsigned cls, l3_off, l4_off, ip_end, proto, tcp_flags, src_check;
  uint8_t src[16], dst[16];
  unsigned sport, dport, hop, csum;
  std::string tag;
};

Expect model(const std::vector<uint8_t>& f, const std::string& tag) {
  Expect e{};
  e.frame = f;
  e.tag = tag;
  const ParsedFrame pf = parse_frame(f, kCfg);
  e.cls = unsigned(pf.cls);
  e.l3_off = pf.l3_off;
  e.l4_off = pf.l4_off;
  e.ip_end = pf.ip_end;
  e.proto = pf.proto;
  e.tcp_flags = pf.tcp_flags;
  e.src_check = pf.vip_source_check;
  if (pf.vip_source_check) std::memcpy(e.src, &f[pf.l3_off + kIp6Src], 16);
  if (pf.cls == ParseClass::kL4) {
    std::memcpy(e.dst, &f[pf.l3_off + kIp6Dst], 16);
    e.sport = load_be16(&f[pf.l4_off + kL4Sport]);
    e.dport = load_be16(&f[pf.l4_off + kL4Dport]);
    e.hop = f[pf.l3_off + kIp6HopLimit];
    e.csum = load_be16(&f[pf.l4_off + (pf.proto == 6 ? kTcpChecksum : kUdpChecksum)]);
  }
  return e;
}

std::string hex(const std::vector<uint8_t>& f, size_t max = 160) {
  std::string s;
  char b[4];
  for (size_t i = 0; i < f.size() && i < max; ++i) {
    std::snprintf(b, sizeof b, "%02x", f[i]);
    s += b;
  }
  if (f.size() > max) s += "...";
  return s;
}

class Bench {
 public:
  explicit Bench(uint64_t seed) : rng_(seed) {
    top_.clk = 0;
    top_.rst = 1;
    top_.in_valid = 0;
    top_.card_mac = 0;
    for (int i = 0; i < 6; ++i) top_.card_mac = (top_.card_mac << 8) | kCardMac.b[i];
    for (int w = 0; w < 4; ++w) top_.card_addr[w] = 0;
    for (int i = 0; i < 16; ++i) or_byte(top_.card_addr.data(), 15 - i, kCardAddr.b[i]);
    top_.eval();
    tick();
    tick();
    top_.rst = 0;
  }

  // Garbage policy for the window bytes at or beyond len.
  enum class Fill { kRandom, kOriginal, kOnes };

  // Applies one frame for the next clock edge. `orig` supplies the bytes after len for
  // kOriginal (the untruncated frame), so reading past len would see the real data.
  void push(const std::vector<uint8_t>& f, const std::string& tag, Fill fill = Fill::kRandom,
            const std::vector<uint8_t>* orig = nullptr) {
    Expect e = model(f, tag);
    e.seq = seq_++;
    uint8_t win[kWindow];
    for (unsigned i = 0; i < kWindow; ++i) {
      if (i < f.size())
        win[i] = f[i];
      else if (fill == Fill::kOriginal && orig && i < orig->size())
        win[i] = (*orig)[i];
      else if (fill == Fill::kOnes)
        win[i] = 0xFF;
      else
        win[i] = uint8_t(rng_());
    }
    for (unsigned w = 0; w < kWindow / 4; ++w)
      top_.in_window[w] = uint32_t(win[4 * w]) | uint32_t(win[4 * w + 1]) << 8 |
                          uint32_t(win[4 * w + 2]) << 16 | uint32_t(win[4 * w + 3]) << 24;
    top_.in_len = uint16_t(f.size());
    top_.in_meta = e.seq;
    top_.in_valid = 1;
    ++class_count_[e.cls];
    in_cycle_.push_back(cycle_);
    pending_.push_back(std::move(e));
    tick();
    top_.in_valid = 0;
  }

  void idle() { tick(); }

  void reset_pulse() {
    top_.rst = 1;
    top_.in_valid = 1;  // must be ignored during reset
    tick();
    top_.in_valid = 0;
    top_.rst = 0;
    pending_.clear();
    in_cycle_.clear();
    for (unsigned i = 0; i < kLatency + 2; ++i) {
      tick();
    }
  }

  void drain() {
    for (unsigned i = 0; i < kLatency + 2; ++i) tick();
    if (!pending_.empty()) fail_simple("frames still pending after drain");
  }

  unsigned long errors() const { return errors_; }
  unsigned long checked() const { return checked_; }
  const unsigned long* class_count() const { return class_count_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  static void or_byte(uint32_t* words, unsigned byte_index, uint8_t v) {
    words[byte_index / 4] |= uint32_t(v) << (8 * (byte_index % 4));
  }
  // 128-bit output, byte 0 in bits 127:120.
  static uint8_t out_byte128(const VlWide<4>& w, unsigned i) {
    const unsigned bit = 120 - 8 * i;
    return uint8_t(w[bit / 32] >> (bit % 32));
  }

  void tick() {
    top_.clk = 1;
    top_.eval();
    ++cycle_;
    check_outputs();
    top_.clk = 0;
    top_.eval();
  }

  void fail_simple(const char* what) {
    if (errors_++ < 20) std::printf("FAIL: %s\n", what);
  }

  void check_outputs() {
    if (top_.rst) return;
    if (!top_.out_valid) {
      // An output is due exactly kLatency edges after the input edge.
      if (!pending_.empty() && cycle_ - in_cycle_.front() >= kLatency)
        fail_simple("missing out_valid");
      return;
    }
    if (pending_.empty()) {
      fail_simple("out_valid without a frame");
      return;
    }
    Expect e = std::move(pending_.front());
    const uint64_t t_in = in_cycle_.front();
    pending_.pop_front();
    in_cycle_.pop_front();
    ++checked_;
    std::string diff;
    auto cmp = [&](const char* name, unsigned got, unsigned want) {
      if (got != want)
        diff += std::string(" ") + name + "=" + std::to_string(got) + " (want " +
                std::to_string(want) + ")";
    };
    cmp("latency", unsigned(cycle_ - t_in), kLatency);
    cmp("meta", top_.out_meta, e.seq);
    cmp("class", top_.out_class, e.cls);
    cmp("l3_off", top_.out_l3_off, e.l3_off);
    cmp("l4_off", top_.out_l4_off, e.l4_off);
    cmp("ip_end", top_.out_ip_end, e.ip_end);
    cmp("proto", top_.out_proto, e.proto);
    cmp("tcp_flags", top_.out_tcp_flags, e.tcp_flags);
    cmp("src_check", top_.out_src_check, e.src_check);
    cmp("sport", top_.out_sport, e.sport);
    cmp("dport", top_.out_dport, e.dport);
    cmp("hop_limit", top_.out_hop_limit, e.hop);
    cmp("l4_csum", top_.out_l4_csum, e.csum);
    for (unsigned i = 0; i < 16; ++i) {
      if (out_byte128(top_.out_src, i) != e.src[i]) {
        diff += " src[" + std::to_string(i) + "]";
        break;
      }
    }
    for (unsigned i = 0; i < 16; ++i) {
      if (out_byte128(top_.out_dst, i) != e.dst[i]) {
        diff += " dst[" + std::to_string(i) + "]";
        break;
      }
    }
    if (!diff.empty()) {
      if (errors_ < 20)
        std::printf("FAIL [%s] seq=%u len=%zu model=%s:%s\n  frame=%s\n", e.tag.c_str(), e.seq,
                    e.frame.size(), kClassNames[e.cls], diff.c_str(), hex(e.frame).c_str());
      ++errors_;
    }
  }

  Vv6lb_parser top_;
  std::mt19937_64 rng_;
  std::deque<Expect> pending_;
  std::deque<uint64_t> in_cycle_;
  uint64_t cycle_ = 0;
  uint32_t seq_ = 0;
  unsigned long errors_ = 0, checked_ = 0;
  unsigned long class_count_[16] = {};
};

// ---------------------------------------------------------------- frame construction helpers

size_t ext_bytes(const FrameSpec& s) {
  size_t n = 0;
  for (const ExtHeader& e : s.ext) n += e.type == 44 ? 8 : (size_t(e.len8) + 1) * 8;
  return n;
}
size_t l3_of(const FrameSpec& s) { return s.vlan ? 18 : 14; }
size_t l4_of(const FrameSpec& s) { return l3_of(s) + 40 + ext_bytes(s); }

void set_payload_len(std::vector<uint8_t>& f, size_t l3, uint16_t v) {
  if (f.size() >= l3 + 6) store_be16(&f[l3 + 4], v);
}

// Offset of extension header i of a frame built from s.
size_t ext_off(const FrameSpec& s, size_t i) {
  size_t off = l3_of(s) + 40;
  for (size_t j = 0; j < i; ++j) off += s.ext[j].type == 44 ? 8 : (size_t(s.ext[j].len8) + 1) * 8;
  return off;
}

// Sets the Segments Left byte (byte 3) of extension header i (build_frame writes 0 there for a
// Routing header), if it lies in the frame.
void set_segments_left(std::vector<uint8_t>& f, const FrameSpec& s, size_t i, uint8_t v) {
  const size_t at = ext_off(s, i) + 3;
  if (at < f.size()) f[at] = v;
}

// Every Routing header of s gets Segments Left v.
std::vector<uint8_t> with_segments_left(const FrameSpec& s, uint8_t v) {
  auto f = build_frame(s);
  for (size_t i = 0; i < s.ext.size(); ++i)
    if (s.ext[i].type == 43) set_segments_left(f, s, i, v);
  return f;
}

struct Directed {
  std::string tag;
  std::vector<uint8_t> frame;
  int want;  // expected ParseClass, -1 = no expectation
};

std::vector<Directed> directed_frames() {
  std::vector<Directed> d;
  auto add = [&](std::string tag, std::vector<uint8_t> f, ParseClass want) {
    d.push_back({std::move(tag), std::move(f), int(want)});
  };
  FrameSpec tcp;
  FrameSpec udp;
  udp.proto = 17;
  udp.payload_len = 12;
  FrameSpec vtcp = tcp;
  vtcp.vlan = true;

  add("tcp", build_frame(tcp), ParseClass::kL4);
  add("udp", build_frame(udp), ParseClass::kL4);
  add("vlan tcp", build_frame(vtcp), ParseClass::kL4);
  {
    FrameSpec s = udp;
    s.vlan = true;
    s.ext = {{0, 0}, {60, 1}, {43, 2}, {60, 0}};
    add("vlan udp 4 ext", build_frame(s), ParseClass::kL4);
  }
  {
    FrameSpec s = tcp;
    s.proto = 50;
    s.payload_len = 16;
    add("esp", build_frame(s), ParseClass::kOtherProto);
    s.proto = 59;  // no next header, empty payload
    s.payload_len = 0;
    add("no next header", build_frame(s), ParseClass::kOtherProto);
  }
  add("13 bytes", std::vector<uint8_t>(13, 0), ParseClass::kMalformed);
  add("empty", {}, ParseClass::kMalformed);
  {
    auto f = build_frame(vtcp);
    f.resize(17);
    add("vlan 17 bytes", f, ParseClass::kMalformed);
  }
  {
    auto f = build_frame(tcp);
    f[14] = 0x40;
    add("version 4", f, ParseClass::kMalformed);
  }
  {
    auto f = build_frame(tcp);
    set_payload_len(f, 14, 100);
    add("payload length lie", f, ParseClass::kMalformed);
  }
  {
    auto f = build_frame(udp);
    store_be16(&f[54 + 6], 0);
    add("udp csum 0", f, ParseClass::kMalformed);
  }
  {
    FrameSpec s = tcp;
    s.ext = {{0, 3}};
    auto f = build_frame(s);
    f[55] = 9;  // hop-by-hop claims 80 bytes
    add("ext beyond ip_end", f, ParseClass::kMalformed);
  }
  {
    FrameSpec s = tcp;
    s.ethertype = 0x0800;
    add("ipv4", build_frame(s), ParseClass::kNotIpv6);
    s.vlan = true;
    add("vlan ipv4", build_frame(s), ParseClass::kNotIpv6);
    s.ethertype = 0x8100;  // QinQ: second tag is not IPv6
    add("qinq", build_frame(s), ParseClass::kNotIpv6);
  }
  {
    FrameSpec s = tcp;
    s.dst_mac = *MacAddr::parse("02:00:00:00:00:02");
    add("wrong mac", build_frame(s), ParseClass::kWrongMac);
    s.dst_mac = *MacAddr::parse("33:33:00:00:00:01");
    add("multicast mac", build_frame(s), ParseClass::kL4);
    s.dst_mac = *MacAddr::parse("ff:ff:ff:ff:ff:ff");
    add("broadcast mac", build_frame(s), ParseClass::kL4);
    s.dst_mac = *MacAddr::parse("03:00:00:00:00:01");
    add("mac differs in multicast bit only", build_frame(s), ParseClass::kL4);
    s.dst_mac = *MacAddr::parse("02:00:00:00:00:03");
    s.proto = 58;
    add("wrong mac icmp", build_frame(s), ParseClass::kWrongMac);
  }
  {
    FrameSpec s = tcp;
    s.dst = kCardAddr;
    add("to card", build_frame(s), ParseClass::kPuntLocal);
    s.proto = 58;
    s.hop_limit = 1;
    add("to card icmp hop1", build_frame(s), ParseClass::kPuntLocal);
  }
  {
    FrameSpec s = tcp;
    s.ext = {{44, 0}};
    add("fragment", build_frame(s), ParseClass::kPuntFragment);
    s.ext = {{0, 0}, {60, 0}, {43, 0}, {60, 0}, {44, 0}};
    add("fragment as 5th header", build_frame(s), ParseClass::kPuntFragment);
    s.ext = {{44, 0}};
    auto f = build_frame(s);
    f.resize(14 + 40 + 8);  // truncated after the fragment header: still a fragment
    set_payload_len(f, 14, 8);
    add("fragment then truncated", f, ParseClass::kPuntFragment);
  }
  {
    FrameSpec s = tcp;
    s.ext = {{0, 0}, {60, 0}, {43, 0}, {60, 0}, {60, 0}};
    add("5 ext headers", build_frame(s), ParseClass::kPuntExtHeaders);
    s.ext = {{0, 30}};  // 248 bytes from 54: ends at 302
    add("ext beyond window", build_frame(s), ParseClass::kPuntExtHeaders);
  }
  // Routing header with Segments Left != 0: ext headers, after its own truncation checks.
  {
    FrameSpec s = tcp;
    s.ext = {{43, 2}};
    add("routing sl 0", with_segments_left(s, 0), ParseClass::kL4);
    add("routing sl 1", with_segments_left(s, 1), ParseClass::kPuntExtHeaders);
    add("routing sl 255", with_segments_left(s, 255), ParseClass::kPuntExtHeaders);
    s.proto = 58;
    add("routing sl 1 icmp", with_segments_left(s, 1), ParseClass::kPuntExtHeaders);
    s.proto = 17;
    s.vlan = true;
    s.ext = {{0, 0}, {60, 1}, {43, 0}, {60, 0}};
    add("vlan routing sl 0 third", with_segments_left(s, 0), ParseClass::kL4);
    add("vlan routing sl 3 third", with_segments_left(s, 3), ParseClass::kPuntExtHeaders);
    s.vlan = false;
    s.proto = 6;
    s.ext = {{0, 0}, {60, 0}, {60, 0}, {60, 0}, {43, 0}};
    add("routing sl 1 fifth", with_segments_left(s, 1), ParseClass::kPuntExtHeaders);
    s.ext = {{0, 0}, {60, 0}};  // byte 3 of these is PadN's length, not Segments Left
    add("hbh dst byte3", build_frame(s), ParseClass::kL4);
    s.ext = {{43, 1}};
    auto f = with_segments_left(s, 1);
    f[55] = 4;  // claims 40 bytes, the packet holds 16 + 20
    add("routing sl 1 beyond ip_end", f, ParseClass::kMalformed);
    f = with_segments_left(s, 1);
    f.resize(54 + 7);  // 7 bytes of it
    set_payload_len(f, 14, 7);
    add("routing sl 1 cut at 7", f, ParseClass::kMalformed);
    s.ext = {{43, 0}, {60, 0}};
    f = with_segments_left(s, 1);
    f[63] = 100;  // the header after it runs past ip_end: never looked at
    add("routing sl 1 then truncated", f, ParseClass::kPuntExtHeaders);
    f[57] = 0;
    add("routing sl 0 then truncated", f, ParseClass::kMalformed);
    s.ext = {{43, 0}};
    f = with_segments_left(s, 1);
    f.resize(54 + 8 + 12);  // TCP header cut short, never reached
    set_payload_len(f, 14, 8 + 12);
    add("routing sl 1 short tcp", f, ParseClass::kPuntExtHeaders);
    s.ext = {{43, 30}};
    s.payload_len = 64;
    add("routing sl 1 beyond window", with_segments_left(s, 1), ParseClass::kPuntExtHeaders);
    s.payload_len = 0;
    s.ext = {{43, 0}};
    s.dst = kCardAddr;
    add("routing sl 1 to card", with_segments_left(s, 1), ParseClass::kPuntLocal);
    s.dst = tcp.dst;
    s.dst_mac = *MacAddr::parse("02:00:00:00:00:02");
    add("routing sl 1 wrong mac", with_segments_left(s, 1), ParseClass::kWrongMac);
  }
  // Headers around the window edge. Without a tag positions are 54+8k: 246 and 254 are the
  // last two; with a tag 58+8k: 242 and 250.
  for (int vl = 0; vl < 2; ++vl) {
    for (uint8_t proto : {uint8_t(6), uint8_t(17), uint8_t(50)}) {
      for (int k = 19; k <= 25; ++k) {
        // One or two extension headers totalling 8k bytes.
        FrameSpec s = proto == 6 ? tcp : udp;
        s.proto = proto;
        s.vlan = vl;
        s.payload_len = 20;
        if (k <= 20)
          s.ext = {{60, uint8_t(k - 1)}};
        else
          s.ext = {{0, 19}, {60, uint8_t(k - 21)}};
        auto f = build_frame(s);
        add("edge vlan=" + std::to_string(vl) + " proto=" + std::to_string(proto) +
                " k=" + std::to_string(k),
            f, ParseClass(0xFF));
        // The same but the last header is one more extension header (window or 5th).
        FrameSpec t = s;
        t.ext.push_back({43, 0});
        add("edge+ext vlan=" + std::to_string(vl) + " k=" + std::to_string(k), build_frame(t),
            ParseClass(0xFF));
        // The same with Segments Left 1 in that last (Routing) header.
        add("edge+routing sl vlan=" + std::to_string(vl) + " k=" + std::to_string(k),
            with_segments_left(t, 1), ParseClass(0xFF));
        // Truncated so the last header is only partly inside ip_end.
        auto g = build_frame(t);
        const size_t l3 = vl ? 18 : 14;
        const size_t cut = l4_of(s) + 4;
        if (cut < g.size()) {
          g.resize(cut);
          set_payload_len(g, l3, uint16_t(cut - l3 - 40));
          add("edge cut vlan=" + std::to_string(vl) + " k=" + std::to_string(k), g,
              ParseClass(0xFF));
        }
      }
    }
  }
  {
    FrameSpec s = tcp;
    s.proto = 58;
    add("icmp", build_frame(s), ParseClass::kPuntIcmp);
    s.hop_limit = 0;
    add("icmp hop 0", build_frame(s), ParseClass::kPuntIcmp);
  }
  for (uint8_t h : {0, 1}) {
    FrameSpec s = udp;
    s.hop_limit = h;
    add("hop " + std::to_string(h), build_frame(s), ParseClass::kPuntHopLimit);
    s.proto = 50;
    s.payload_len = 8;
    add("other proto hop " + std::to_string(h), build_frame(s), ParseClass::kPuntHopLimit);
  }
  {
    FrameSpec s = tcp;
    s.hop_limit = 2;
    add("hop 2", build_frame(s), ParseClass::kL4);
  }
  // TCP data offset and UDP length against the IPv6 payload (PIPELINE.md section 1, step 7).
  for (int vl = 0; vl < 2; ++vl) {
    for (int n_ext = 0; n_ext < 3; ++n_ext) {
      const std::string v = " vlan=" + std::to_string(vl) + " ext=" + std::to_string(n_ext);
      FrameSpec s = tcp;
      s.vlan = vl;
      for (int i = 0; i < n_ext; ++i) s.ext.push_back({uint8_t(i ? 60 : 0), uint8_t(i)});
      s.payload_len = 40;  // room for the longest options
      const size_t l4 = l4_of(s);
      for (unsigned doff = 0; doff < 16; ++doff) {
        auto f = build_frame(s);
        f[l4 + 12] = uint8_t(doff << 4 | (f[l4 + 12] & 0x0F));
        add("tcp doff " + std::to_string(doff) + v, f,
            doff < 5 ? ParseClass::kMalformed : ParseClass::kL4);
      }
      FrameSpec t = s;
      t.payload_len = 39;  // the 60-byte header ends one byte beyond ip_end
      auto f = build_frame(t);
      f[l4 + 12] = 0xF0;
      add("tcp doff 15 beyond ip_end" + v, f, ParseClass::kMalformed);
      t.payload_len = 0;  // 24 bytes of header in a 20-byte segment, padding after it
      t.pad_to = 200;
      f = build_frame(t);
      f[l4 + 12] = 0x60;
      add("tcp doff 6 into padding" + v, f, ParseClass::kMalformed);
      t.dst_mac.b = {0x02, 0, 0, 0, 0, 0x99};
      f = build_frame(t);
      f[l4 + 12] = 0x40;
      add("tcp doff 4 wrong mac" + v, f, ParseClass::kMalformed);

      FrameSpec u = s;
      u.proto = 17;
      u.payload_len = 20;
      u.pad_to = 200;  // Ethernet padding: the UDP length is the payload's, not the frame's
      add("udp padded" + v, build_frame(u), ParseClass::kL4);
      for (int lie : {-1, 1, -28, 8, -28 + 0x10000 - 1}) {
        f = build_frame(u);
        store_be16(&f[l4 + 4], uint16_t(load_be16(&f[l4 + 4]) + lie));
        add("udp length " + std::to_string(lie) + v, f, ParseClass::kMalformed);
      }
      f = build_frame(u);
      store_be16(&f[l4 + 4], 0);  // the jumbogram convention (RFC 2675), not supported
      add("udp length 0" + v, f, ParseClass::kMalformed);
      u.payload_len = 0;
      f = build_frame(u);
      store_be16(&f[l4 + 4], 7);
      add("udp length 7" + v, f, ParseClass::kMalformed);
    }
  }
  {
    // Header beyond the parse window: ext headers, whatever its data offset or length says.
    FrameSpec s = tcp;
    s.ext = {{60, 24}};
    s.payload_len = 8;
    auto f = build_frame(s);
    f[l4_of(s) + 12] = 0x10;
    add("tcp doff 1 beyond window", f, ParseClass::kPuntExtHeaders);
    s.proto = 17;  // at 254, ending at 262
    f = build_frame(s);
    store_be16(&f[l4_of(s) + 4], 3);
    add("udp length 3 beyond window", f, ParseClass::kPuntExtHeaders);
    // Fragment: the walk stops, nothing after it is read.
    s = tcp;
    s.ext = {{44, 0}};
    f = build_frame(s);
    f[l4_of(s) + 12] = 0x00;
    add("tcp doff 0 after fragment", f, ParseClass::kPuntFragment);
  }
  // Source addresses (steps 9-10).
  {
    const Ipv6Addr kAllNodes = *Ipv6Addr::parse("ff02::1");
    const Ipv6Addr kUnspec = *Ipv6Addr::parse("::");
    const Ipv6Addr kLoop = *Ipv6Addr::parse("::1");
    struct Src {
      const char* name;
      Ipv6Addr a;
      ParseClass tcp, icmp, icmp_local;  // as TCP, as ICMPv6, as ICMPv6 to the card
    };
    const Src srcs[] = {
        {"ff02::1", kAllNodes, ParseClass::kBadSource, ParseClass::kBadSource,
         ParseClass::kBadSource},
        {"ff00::", *Ipv6Addr::parse("ff00::"), ParseClass::kBadSource, ParseClass::kBadSource,
         ParseClass::kBadSource},
        {"::1", kLoop, ParseClass::kBadSource, ParseClass::kBadSource, ParseClass::kBadSource},
        {"::", kUnspec, ParseClass::kBadSource, ParseClass::kPuntIcmp, ParseClass::kPuntLocal},
        {"card", kCardAddr, ParseClass::kSpoofed, ParseClass::kPuntIcmp, ParseClass::kPuntLocal},
        {"::2", *Ipv6Addr::parse("::2"), ParseClass::kL4, ParseClass::kPuntIcmp,
         ParseClass::kPuntLocal},
        {"1::", *Ipv6Addr::parse("1::"), ParseClass::kL4, ParseClass::kPuntIcmp,
         ParseClass::kPuntLocal},
        {"fe00::", *Ipv6Addr::parse("fe00::"), ParseClass::kL4, ParseClass::kPuntIcmp,
         ParseClass::kPuntLocal},
        {"card+1", *Ipv6Addr::parse("2001:db8:ff::2"), ParseClass::kL4, ParseClass::kPuntIcmp,
         ParseClass::kPuntLocal},
    };
    for (const Src& x : srcs) {
      const std::string n = std::string(" src ") + x.name;
      FrameSpec s = tcp;
      s.src = x.a;
      add("tcp" + n, build_frame(s), x.tcp);
      s.vlan = true;
      add("vlan udp" + n, build_frame([&] {
            FrameSpec u = s;
            u.proto = 17;
            return u;
          }()),
          x.tcp);
      s.vlan = false;
      s.dst_mac.b = {0x33, 0x33, 0xff, 0, 0, 1};  // solicited-node multicast, as DAD sends
      s.dst = *Ipv6Addr::parse("ff02::1:ff00:1");
      s.proto = 58;
      s.hop_limit = 255;
      add("icmp" + n, build_frame(s), x.icmp);
      s.ext = {{0, 0}};  // MLD: Hop-by-Hop (Router Alert), then ICMPv6
      add("hbh icmp" + n, build_frame(s), x.icmp);
      s.ext = {};
      s.dst = kCardAddr;
      add("icmp to card" + n, build_frame(s), x.icmp_local);
      s.proto = 6;
      const ParseClass tcp_local = x.tcp == ParseClass::kL4 ? ParseClass::kPuntLocal : x.tcp;
      add("tcp to card" + n, build_frame(s), tcp_local);
      s.dst = tcp.dst;
      s.ext = {{44, 0}};  // a fragment is not ICMPv6, whatever follows
      s.proto = 58;
      add("icmp fragment" + n, build_frame(s),
          x.tcp == ParseClass::kL4 ? ParseClass::kPuntFragment : x.tcp);
      s.ext = {};
      s.proto = 6;
      s.hop_limit = 1;
      add("tcp hop 1" + n, build_frame(s),
          x.tcp == ParseClass::kL4 ? ParseClass::kPuntHopLimit : x.tcp);
      s.proto = 50;
      add("esp hop 1" + n, build_frame(s),
          x.tcp == ParseClass::kL4 ? ParseClass::kPuntHopLimit : x.tcp);
      s.hop_limit = 64;
      add("esp" + n, build_frame(s), x.tcp == ParseClass::kL4 ? ParseClass::kOtherProto : x.tcp);
      // Precedence: wrong MAC and malformed before the source.
      s = tcp;
      s.src = x.a;
      s.dst_mac.b = {0x02, 0, 0, 0, 0, 0x99};
      add("wrong mac" + n, build_frame(s), ParseClass::kWrongMac);
      s = tcp;
      s.src = x.a;
      auto f = build_frame(s);
      f[l4_of(s) + 12] = 0x40;
      add("tcp doff 4" + n, f, ParseClass::kMalformed);
    }
  }
  // Frame-size limit, on both sides of it and at the 16-bit ceiling.
  {
    FrameSpec s = tcp;
    s.pad_to = 0;
    s.payload_len = kMaxFrame - 74;
    add("max frame", build_frame(s), ParseClass::kL4);
    s.payload_len += 1;
    add("max frame + 1", build_frame(s), ParseClass::kMalformed);
    auto f = build_frame(tcp);
    f.resize(kMaxFrame + 1, 0);  // padding only
    add("padded to max + 1", f, ParseClass::kMalformed);
    f.resize(65535, 0xAA);
    add("65535 bytes", f, ParseClass::kMalformed);
    f = build_frame(tcp);
    f.resize(kMaxFrame, 0);
    add("padded to max", f, ParseClass::kL4);
  }
  return d;
}

// ---------------------------------------------------------------- random frames

std::vector<uint8_t> random_frame(std::mt19937_64& rng, std::string& tag) {
  auto r = [&](uint64_t n) { return uint64_t(rng() % n); };
  FrameSpec s;
  s.vlan = r(4) == 0;
  switch (r(40)) {
    case 0:
      s.ethertype = 0x0800;
      break;
    case 1:
      s.ethertype = 0x8100;
      break;
    case 2:
      s.ethertype = uint16_t(rng());
      break;
    default:
      break;
  }
  switch (r(10)) {
    case 0:
    case 1:
      s.dst_mac.b = {0x33, 0x33, 0, 0, 0, uint8_t(rng())};
      break;
    case 2:
      s.dst_mac.b = {0x02, 0, 0, 0, 0, 0x02};
      break;
    case 3:
      for (auto& b : s.dst_mac.b) b = uint8_t(rng());
      break;
    default:
      break;  // card MAC
  }
  if (r(8) == 0)
    s.dst = kCardAddr;
  else if (r(2))
    for (auto& b : s.dst.b) b = uint8_t(rng());
  for (auto& b : s.src.b) b = uint8_t(rng());
  static const uint8_t hops[] = {0, 1, 2, 64, 255};
  s.hop_limit = r(2) ? hops[r(5)] : uint8_t(rng());
  const unsigned n_ext = r(3) == 0 ? 0 : unsigned(r(7));
  static const uint8_t types[] = {0, 43, 44, 60};
  for (unsigned i = 0; i < n_ext; ++i) {
    ExtHeader e;
    e.type = types[r(4)];
    if (e.type == 44 && r(2)) e.type = types[r(4)];  // fewer fragments
    const unsigned sel = unsigned(r(20));
    e.len8 = sel < 14 ? uint8_t(r(3)) : sel < 19 ? uint8_t(r(31)) : uint8_t(rng());
    s.ext.push_back(e);
  }
  switch (r(20)) {
    case 0:
    case 1:
      s.proto = 58;
      break;
    case 2:
    case 3:
      s.proto = uint8_t(rng());
      break;
    case 4:
      s.proto = types[r(4)];
      break;  // an extension type right after the chain
    default:
      s.proto = r(2) ? 6 : 17;
      break;
  }
  s.sport = uint16_t(rng());
  s.dport = uint16_t(rng());
  s.tcp_flags = uint8_t(rng());
  const unsigned psel = unsigned(r(100));
  s.payload_len = psel < 60   ? unsigned(r(64))
                  : psel < 97 ? unsigned(r(1500))
                              : unsigned(kMaxFrame - 300 + r(800));
  s.payload_seed = uint8_t(rng());
  s.pad_to = r(4) ? 60 : unsigned(r(300));
  std::vector<uint8_t> f = build_frame(s);
  tag = "random";
  // Segments Left of the Routing headers: mostly 0 (walked) or small, sometimes anything.
  for (size_t i = 0; i < s.ext.size(); ++i) {
    if (s.ext[i].type != 43) continue;
    const unsigned sel = unsigned(r(4));
    if (sel == 0) continue;
    const uint8_t sl = sel == 1 ? uint8_t(1) : sel == 2 ? uint8_t(r(4)) : uint8_t(rng());
    set_segments_left(f, s, i, sl);
    if (sl != 0) tag += " sl";
  }
  const size_t l3 = l3_of(s);
  // Mutations.
  if (r(12) == 0 && f.size() >= l3 + 6) {  // payload-length lie
    const uint16_t pl = load_be16(&f[l3 + 4]);
    const int delta = int(r(33)) - 16;
    set_payload_len(f, l3, r(3) ? uint16_t(pl + delta) : uint16_t(rng()));
    tag += " plen-lie";
  }
  if (r(30) == 0 && (s.proto == 17 || s.proto == 6) && l4_of(s) + 18 <= f.size()) {
    const size_t at = l4_of(s) + (s.proto == 17 ? 6 : 16);
    f[at] = f[at + 1] = 0;
    tag += " csum0";
  }
  if (r(20) == 0 && s.proto == 6 && l4_of(s) + 13 <= f.size()) {
    f[l4_of(s) + 12] = uint8_t(rng());  // data offset (and reserved bits)
    tag += " doff";
  }
  if (r(20) == 0 && s.proto == 17 && l4_of(s) + 6 <= f.size()) {
    const uint16_t ul = load_be16(&f[l4_of(s) + 4]);
    store_be16(&f[l4_of(s) + 4], r(2) ? uint16_t(ul + int(r(17)) - 8) : uint16_t(rng()));
    tag += " udplen";
  }
  if (r(12) == 0 && f.size() >= l3 + 24) {  // a special source address
    static const char* const kSrcs[] = {"::", "::1", "ff02::1", "ff05::1:3", "::2"};
    const unsigned k = unsigned(r(6));
    const Ipv6Addr a = k < 5 ? *Ipv6Addr::parse(kSrcs[k]) : kCardAddr;
    std::memcpy(&f[l3 + 8], a.b.data(), 16);
    tag += " src";
  }
  if (r(40) == 0 && f.size() > l3) {
    f[l3] = uint8_t(rng());
    tag += " version";
  }
  if (r(40) == 0 && !s.ext.empty() && f.size() > l3 + 41) {
    f[l3 + 41] = uint8_t(rng());  // first extension header's length
    tag += " extlen";
  }
  if (r(50) == 0) {
    const size_t at = size_t(r(std::min<size_t>(f.size() + 1, 120)));
    if (at < f.size()) f[at] = uint8_t(rng());
    tag += " flip";
  }
  if (r(8) == 0) {
    f.resize(size_t(r(f.size() + 1)));
    tag += " trunc";
  } else if (r(30) == 0) {
    f.resize(f.size() + size_t(r(400)), uint8_t(rng()));
    tag += " pad";
  }
  if (r(200) == 0) {
    f.resize(kMaxFrame + r(2000), 0);
    tag += " big";
  }
  if (f.size() > 65535) f.resize(65535);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  const unsigned long n_random = argc > 1 ? std::strtoul(argv[1], nullptr, 0) : 200000;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 0x76366c62;

  Bench b(seed);
  unsigned long want_fail = 0;

  // 1. Directed frames, each class at least once.
  {
    bool seen[16] = {};
    for (const Directed& d : directed_frames()) {
      const unsigned gc = unsigned(parse_frame(d.frame, kCfg).cls);
      if (d.want >= 0 && d.want < 16 && unsigned(d.want) != gc) {
        std::printf("DIRECTED [%s]: model says %s, test expected %s\n", d.tag.c_str(),
                    kClassNames[gc], kClassNames[d.want]);
        ++want_fail;
      }
      seen[gc] = true;
      b.push(d.frame, d.tag);
      b.push(d.frame, d.tag + " (ones)", Bench::Fill::kOnes);
    }
    for (unsigned c = 0; c < kNumClasses; ++c) {
      if (!seen[c]) {
        std::printf("DIRECTED: class %s never produced\n", kClassNames[c]);
        ++want_fail;
      }
    }
  }

  // 2. Every truncation length of several valid frames, with the rest of the window holding
  // the real bytes that were cut off (what a parser reading past len would see), then random.
  {
    struct Base {
      std::string name;
      FrameSpec spec;
      uint8_t segments_left = 0;  // of every Routing header
    };
    std::vector<Base> bases;
    FrameSpec s;
    bases.push_back({"tcp", s});
    s.proto = 17;
    s.payload_len = 30;
    s.vlan = true;
    bases.push_back({"vlan udp", s});
    s.ext = {{0, 0}, {60, 2}, {43, 1}, {60, 0}};
    bases.push_back({"vlan udp 4 ext", s});
    bases.push_back({"vlan udp 4 ext routing sl", s, 2});
    s.vlan = false;
    s.proto = 6;
    s.ext = {{0, 0}, {44, 0}};
    bases.push_back({"tcp frag", s});
    s.ext = {{60, 1}, {0, 0}, {43, 0}, {60, 0}, {0, 0}};
    bases.push_back({"tcp 5 ext", s});
    s.ext = {{60, 20}, {0, 1}};
    s.proto = 17;
    bases.push_back({"udp near window edge", s});
    s.ext = {{60, 24}};
    bases.push_back({"udp past window edge", s});
    s.ext = {};
    s.proto = 58;
    bases.push_back({"icmp", s});
    for (const auto& [name, spec, sl] : bases) {
      const auto full = with_segments_left(spec, sl);
      for (size_t len = 0; len <= full.size(); ++len) {
        std::vector<uint8_t> f(full.begin(), full.begin() + len);
        b.push(f, "trunc " + name + " len=" + std::to_string(len), Bench::Fill::kOriginal, &full);
        b.push(f, "trunc " + name + " len=" + std::to_string(len) + " (random)");
      }
    }
  }

  // 3. Random frames, back to back.
  {
    std::string tag;
    for (unsigned long i = 0; i < n_random; ++i) {
      auto f = random_frame(b.rng(), tag);
      b.push(f, tag);
    }
  }

  // 4. Bubbles and a reset in flight.
  {
    std::string tag;
    for (unsigned long i = 0; i < 20000; ++i) {
      if (b.rng()() % 3 == 0) b.idle();
      if (i == 10000) {
        b.push(random_frame(b.rng(), tag), tag);
        b.reset_pulse();  // the in-flight frame is dropped
      }
      b.push(random_frame(b.rng(), tag), tag);
    }
  }
  b.drain();

  std::printf("checked %lu frames (%lu random, seed %#llx), errors %lu\n", b.checked(), n_random,
              (unsigned long long)seed, b.errors());
  std::printf("classes pushed:");
  for (unsigned c = 0; c < kNumClasses; ++c)
    std::printf(" %s=%lu", kClassNames[c], b.class_count()[c]);
  std::printf("\n");
  for (unsigned c = 0; c < kNumClasses; ++c) {
    if (b.class_count()[c] == 0) {
      std::printf("FAIL: class %s never exercised\n", kClassNames[c]);
      ++want_fail;
    }
  }
  const bool ok = b.errors() == 0 && want_fail == 0;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
