// libFuzzer harness: the data plane's frame parser on any bytes (docs/RELIABILITY.md). Besides
// ASan/UBSan (it must never read outside the frame), what it reports must describe the frame:
// offsets inside it and in order, and a TCP/UDP class only with the whole L4 header inside the
// IPv6 packet and the parse window.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "fuzz_check.h"
#include "v6lb/dataplane/packet_parser.h"

namespace {

using v6lb::fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace v6lb;
  static const ParserConfig cfg{*MacAddr::parse("02:00:00:00:00:01"),
                                *Ipv6Addr::parse("2001:db8:ff::1")};
  const ParsedFrame r = parse_frame({data, size}, cfg);
  if (r.cls == ParseClass::kMalformed || r.cls == ParseClass::kNotIpv6) return 0;
  check(size >= 14 && size <= kMaxFrameLen);
  check(r.l3_off == 14 || r.l3_off == 18);
  check(r.ip_end >= r.l3_off + 40u && r.ip_end <= size);
  if (r.l4_off != 0) check(r.l4_off >= r.l3_off + 40u && r.l4_off <= r.ip_end);
  if (r.cls == ParseClass::kL4) {
    check(r.proto == 6 || r.proto == 17);
    const uint32_t l4_len = r.proto == 6 ? 20 : 8;
    check(r.l4_off + l4_len <= r.ip_end && r.l4_off + l4_len <= kParseWindow);
    check(data[r.l3_off + kIp6HopLimit] > 1);
  }
  return 0;
}
