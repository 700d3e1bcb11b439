#include "frame_builder.h"

#include "v6lb/dataplane/checksum.h"
#include "v6lb/dataplane/packet_parser.h"

namespace v6lb::test {

std::vector<uint8_t> build_frame(const FrameSpec& s) {
  std::vector<uint8_t> f;
  auto put = [&](const uint8_t* p, size_t n) { f.insert(f.end(), p, p + n); };
  auto put16 = [&](uint16_t v) {
    f.push_back(uint8_t(v >> 8));
    f.push_back(uint8_t(v));
  };
  put(s.dst_mac.b.data(), 6);
  put(s.src_mac.b.data(), 6);
  if (s.vlan) {
    put16(0x8100);
    put16(s.vlan_tci);
  }
  put16(s.ethertype);
  const size_t l3 = f.size();
  f.push_back(0x60);
  f.push_back(0);
  put16(0);
  put16(0);  // payload length, patched below
  f.push_back(s.ext.empty() ? s.proto : s.ext[0].type);
  f.push_back(s.hop_limit);
  put(s.src.b.data(), 16);
  put(s.dst.b.data(), 16);
  for (size_t i = 0; i < s.ext.size(); ++i) {
    const uint8_t next = i + 1 < s.ext.size() ? s.ext[i + 1].type : s.proto;
    const size_t len = s.ext[i].type == 44 ? 8 : (size_t(s.ext[i].len8) + 1) * 8;
    f.push_back(next);
    f.push_back(s.ext[i].type == 44 ? 0 : s.ext[i].len8);
    if (s.ext[i].type == 43) {  // routing: type 4 (SRH-like), segments left 0
      f.push_back(4);
      f.push_back(0);
      f.insert(f.end(), len - 4, 0);
    } else if (s.ext[i].type == 44) {
      f.insert(f.end(), 2, 0);
      f.insert(f.end(), {0x12, 0x34, 0x56, 0x78});
    } else {  // options: PadN filling the header
      f.push_back(1);
      f.push_back(uint8_t(len - 4));
      f.insert(f.end(), len - 4, 0);
    }
  }
  const size_t l4 = f.size();
  if (s.proto == 6) {
    put16(s.sport);
    put16(s.dport);
    f.insert(f.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, s.tcp_flags, 0xff, 0xff, 0, 0, 0, 0});
  } else if (s.proto == 17) {
    put16(s.sport);
    put16(s.dport);
    put16(uint16_t(8 + s.payload_len));
    put16(0);
  } else if (s.proto == 58) {
    f.insert(f.end(), {128, 0, 0, 0, 0, 1, 0, 1});  // echo request
  }
  uint32_t x = s.payload_seed * 2654435761u + 1;
  for (uint32_t i = 0; i < s.payload_len; ++i) {
    x = x * 1103515245u + 12345u;
    f.push_back(uint8_t(x >> 16));
  }
  const size_t ip_end = f.size();
  store_be16(&f[l3 + 4], uint16_t(ip_end - l3 - 40));
  const uint8_t nh = s.proto;
  if (nh == 6 || nh == 17 || nh == 58) {
    Ipv6Addr src, dst;
    std::copy(f.begin() + l3 + 8, f.begin() + l3 + 24, src.b.begin());
    std::copy(f.begin() + l3 + 24, f.begin() + l3 + 40, dst.b.begin());
    const size_t ck = l4 + (nh == 6 ? 16 : nh == 17 ? 6 : 2);
    uint16_t c = l4_checksum_ipv6(src, dst, nh, {f.data() + l4, ip_end - l4});
    if (nh == 17 && c == 0) c = 0xFFFF;
    store_be16(&f[ck], c);
  }
  if (f.size() < s.pad_to) f.resize(s.pad_to, 0);
  return f;
}

namespace {
struct L4View {
  size_t l3, l4, end;
  uint8_t proto;
};
L4View locate(const std::vector<uint8_t>& f) {
  ParserConfig any{};
  ParsedFrame pf = parse_frame(f, any);
  return {pf.l3_off, pf.l4_off, pf.ip_end, pf.proto};
}
}  // namespace

uint16_t full_l4_checksum(const std::vector<uint8_t>& frame) {
  L4View v = locate(frame);
  std::vector<uint8_t> seg(frame.begin() + v.l4, frame.begin() + v.end);
  const size_t ck = v.proto == 6 ? 16 : 6;
  seg[ck] = seg[ck + 1] = 0;
  Ipv6Addr src, dst;
  std::copy(frame.begin() + v.l3 + 8, frame.begin() + v.l3 + 24, src.b.begin());
  std::copy(frame.begin() + v.l3 + 24, frame.begin() + v.l3 + 40, dst.b.begin());
  uint16_t c = l4_checksum_ipv6(src, dst, v.proto, seg);
  if (v.proto == 17 && c == 0) c = 0xFFFF;
  return c;
}

uint16_t carried_l4_checksum(const std::vector<uint8_t>& frame) {
  L4View v = locate(frame);
  return load_be16(&frame[v.l4 + (v.proto == 6 ? 16 : 6)]);
}

}  // namespace v6lb::test
