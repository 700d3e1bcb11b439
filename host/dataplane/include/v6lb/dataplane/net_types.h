// Value types for the addresses and keys the data plane works on.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace v6lb {

struct Ipv6Addr {
  std::array<uint8_t, 16> b{};

  static std::optional<Ipv6Addr> parse(std::string_view text);
  std::string str() const;
  bool is_zero() const {
    for (uint8_t x : b)
      if (x) return false;
    return true;
  }
  friend bool operator==(const Ipv6Addr&, const Ipv6Addr&) = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
  friend auto operator<=>(const Ipv6Addr&, const Ipv6Addr&) = default;
};

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static std::optional<MacAddr> parse(std::string_view text);
  std::string str() const;
  bool is_multicast() const { return b[0] & 1; }
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): as above
  friend auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

enum class L4Proto : uint8_t { kTcp = 6, kUdp = 17 };

// The canonical flow key: 37 bytes, big-endian, in this order. Hashing and table keys use exactly
// these bytes so the model, the DPDK path and the RTL agree.
struct FlowKey {
  static constexpr size_t kSize = 37;
  Ipv6Addr src;
  Ipv6Addr dst;
  uint16_t sport = 0;  // host order
  uint16_t dport = 0;  // host order
  uint8_t proto = 0;

  void to_bytes(uint8_t out[kSize]) const {
    std::memcpy(out, src.b.data(), 16);
    std::memcpy(out + 16, dst.b.data(), 16);
    out[32] = uint8_t(sport >> 8);
    out[33] = uint8_t(sport);
    out[34] = uint8_t(dport >> 8);
    out[35] = uint8_t(dport);
    out[36] = proto;
  }
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

inline uint16_t load_be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

}  // namespace v6lb
