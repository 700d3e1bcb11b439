#include "v6lb/dataplane/checksum.h"

namespace v6lb {

uint64_t csum_add_bytes(uint64_t acc, std::span<const uint8_t> data) {
  size_t n = data.size();
  const uint8_t* p = data.data();
  for (; n >= 2; n -= 2, p += 2) acc += load_be16(p);
  if (n) acc += uint32_t(p[0]) << 8;
  return acc;
}

uint16_t l4_checksum_ipv6(const Ipv6Addr& src, const Ipv6Addr& dst, uint8_t next_header,
                          std::span<const uint8_t> segment) {
  uint64_t acc = 0;
  acc = csum_add_bytes(acc, src.b);
  acc = csum_add_bytes(acc, dst.b);
  acc += uint32_t(segment.size()) >> 16;
  acc += uint32_t(segment.size()) & 0xFFFF;
  acc += next_header;
  acc = csum_add_bytes(acc, segment);
  return uint16_t(~csum_fold(acc));
}

}  // namespace v6lb
