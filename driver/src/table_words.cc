#include "v6lb/driver/table_words.h"

#include "v6lb_regs.h"

namespace v6lb {

namespace r = regs;

void put_be_words(const uint8_t* bytes, size_t n, uint32_t* words) {
  for (size_t i = 0; i < (n + 3) / 4; ++i) words[i] = 0;
  r::put_bytes(words, 0, bytes, uint32_t(n));
}

void get_be_words(const uint32_t* words, size_t n, uint8_t* bytes) {
  r::get_bytes(words, 0, bytes, uint32_t(n));
}

TableWords encode_service(const ServiceEntry& s) {
  TableWords w{};
  r::put_bytes(w.data(), r::TBL_SERVICE_VIP_WORD, s.vip.b.data(), r::TBL_SERVICE_VIP_BYTES);
  w[r::TBL_SERVICE_VALID_WORD] |= r::TBL_SERVICE_VALID(s.valid);
  w[r::TBL_SERVICE_SCHEDULER_WORD] |= r::TBL_SERVICE_SCHEDULER(uint32_t(s.scheduler));
  w[r::TBL_SERVICE_PROTO_WORD] |= r::TBL_SERVICE_PROTO(s.proto);
  w[r::TBL_SERVICE_PORT_WORD] |= r::TBL_SERVICE_PORT(s.port);
  w[r::TBL_SERVICE_TIMEOUT_WORD] |= r::TBL_SERVICE_TIMEOUT(s.timeout_ticks);
  return w;
}

ServiceEntry decode_service(const TableWords& w) {
  ServiceEntry s;
  r::get_bytes(w.data(), r::TBL_SERVICE_VIP_WORD, s.vip.b.data(), r::TBL_SERVICE_VIP_BYTES);
  s.valid = r::TBL_SERVICE_VALID_GET(w[r::TBL_SERVICE_VALID_WORD]);
  s.scheduler = Scheduler(r::TBL_SERVICE_SCHEDULER_GET(w[r::TBL_SERVICE_SCHEDULER_WORD]));
  s.proto = uint8_t(r::TBL_SERVICE_PROTO_GET(w[r::TBL_SERVICE_PROTO_WORD]));
  s.port = uint16_t(r::TBL_SERVICE_PORT_GET(w[r::TBL_SERVICE_PORT_WORD]));
  s.timeout_ticks = r::TBL_SERVICE_TIMEOUT_GET(w[r::TBL_SERVICE_TIMEOUT_WORD]);
  return s;
}

TableWords encode_backend(const BackendEntry& b) {
  TableWords w{};
  r::put_bytes(w.data(), r::TBL_BACKEND_ADDR_WORD, b.address.b.data(), r::TBL_BACKEND_ADDR_BYTES);
  w[r::TBL_BACKEND_VALID_WORD] |= r::TBL_BACKEND_VALID(b.valid);
  w[r::TBL_BACKEND_SERVICE_WORD] |= r::TBL_BACKEND_SERVICE(b.service);
  w[r::TBL_BACKEND_PORT_WORD] |= r::TBL_BACKEND_PORT(b.port);
  r::put_bytes(w.data(), r::TBL_BACKEND_MAC_WORD, b.mac.b.data(), r::TBL_BACKEND_MAC_BYTES);
  return w;
}

BackendEntry decode_backend(const TableWords& w) {
  BackendEntry b;
  r::get_bytes(w.data(), r::TBL_BACKEND_ADDR_WORD, b.address.b.data(), r::TBL_BACKEND_ADDR_BYTES);
  b.valid = r::TBL_BACKEND_VALID_GET(w[r::TBL_BACKEND_VALID_WORD]);
  b.service = uint8_t(r::TBL_BACKEND_SERVICE_GET(w[r::TBL_BACKEND_SERVICE_WORD]));
  b.port = uint16_t(r::TBL_BACKEND_PORT_GET(w[r::TBL_BACKEND_PORT_WORD]));
  r::get_bytes(w.data(), r::TBL_BACKEND_MAC_WORD, b.mac.b.data(), r::TBL_BACKEND_MAC_BYTES);
  return b;
}

TableWords encode_flow(const FlowEntry& e) {
  static_assert(r::TBL_FLOW_KEY_BYTES == FlowKey::kSize);
  TableWords w{};
  r::put_bytes(w.data(), r::TBL_FLOW_KEY_WORD, e.key, r::TBL_FLOW_KEY_BYTES);
  w[r::TBL_FLOW_VALID_WORD] |= r::TBL_FLOW_VALID(e.valid);
  w[r::TBL_FLOW_SERVICE_WORD] |= r::TBL_FLOW_SERVICE(e.service);
  w[r::TBL_FLOW_BACKEND_WORD] |= r::TBL_FLOW_BACKEND(e.backend);
  w[r::TBL_FLOW_DEADLINE_WORD] |= r::TBL_FLOW_DEADLINE(e.deadline);
  return w;
}

FlowEntry decode_flow(const TableWords& w) {
  FlowEntry e{};
  r::get_bytes(w.data(), r::TBL_FLOW_KEY_WORD, e.key, r::TBL_FLOW_KEY_BYTES);
  e.valid = r::TBL_FLOW_VALID_GET(w[r::TBL_FLOW_VALID_WORD]);
  e.service = uint8_t(r::TBL_FLOW_SERVICE_GET(w[r::TBL_FLOW_SERVICE_WORD]));
  e.backend = uint16_t(r::TBL_FLOW_BACKEND_GET(w[r::TBL_FLOW_BACKEND_WORD]));
  e.deadline = r::TBL_FLOW_DEADLINE_GET(w[r::TBL_FLOW_DEADLINE_WORD]);
  return e;
}

TableWords encode_maglev(std::span<const uint16_t> entries) {
  TableWords w{};
  for (size_t k = 0; k < entries.size(); ++k)
    w[r::TBL_MAGLEV_ENTRY_WORD + k / kMaglevPerWord] |=
        r::TBL_MAGLEV_ENTRY(entries[k]) << (r::TBL_MAGLEV_ENTRY_STRIDE * (k % kMaglevPerWord));
  return w;
}

void decode_maglev(const TableWords& w, std::span<uint16_t> entries) {
  for (size_t k = 0; k < entries.size(); ++k)
    entries[k] =
        uint16_t(r::TBL_MAGLEV_ENTRY_GET(w[r::TBL_MAGLEV_ENTRY_WORD + k / kMaglevPerWord] >>
                                         (r::TBL_MAGLEV_ENTRY_STRIDE * (k % kMaglevPerWord))));
}

}  // namespace v6lb
