#include "v6lb/table_words.h"

#include <cstring>

namespace v6lb {

void put_be_words(const uint8_t* bytes, size_t n, uint32_t* words) {
  for (size_t i = 0; i < (n + 3) / 4; ++i) words[i] = 0;
  for (size_t i = 0; i < n; ++i) words[i / 4] |= uint32_t(bytes[i]) << (24 - 8 * (i % 4));
}

void get_be_words(const uint32_t* words, size_t n, uint8_t* bytes) {
  for (size_t i = 0; i < n; ++i) bytes[i] = uint8_t(words[i / 4] >> (24 - 8 * (i % 4)));
}

TableWords encode_service(const ServiceEntry& s) {
  TableWords w{};
  put_be_words(s.vip.b.data(), 16, w.data());
  w[4] = uint32_t(s.valid) << 31 | uint32_t(s.scheduler) << 24 | uint32_t(s.proto) << 16 | s.port;
  w[5] = s.timeout_ticks;
  return w;
}

ServiceEntry decode_service(const TableWords& w) {
  ServiceEntry s;
  get_be_words(w.data(), 16, s.vip.b.data());
  s.valid = (w[4] >> 31) & 1;
  s.scheduler = Scheduler((w[4] >> 24) & 3);
  s.proto = uint8_t(w[4] >> 16);
  s.port = uint16_t(w[4]);
  s.timeout_ticks = w[5];
  return s;
}

TableWords encode_backend(const BackendEntry& b) {
  TableWords w{};
  put_be_words(b.address.b.data(), 16, w.data());
  w[4] = uint32_t(b.valid) << 31 | uint32_t(b.service) << 16 | b.port;
  put_be_words(b.mac.b.data(), 6, &w[5]);  // bytes 0-3 in word 5, 4-5 in the top of word 6
  return w;
}

BackendEntry decode_backend(const TableWords& w) {
  BackendEntry b;
  get_be_words(w.data(), 16, b.address.b.data());
  b.valid = (w[4] >> 31) & 1;
  b.service = uint8_t(w[4] >> 16);
  b.port = uint16_t(w[4]);
  get_be_words(&w[5], 6, b.mac.b.data());
  return b;
}

TableWords encode_flow(const FlowEntry& e) {
  TableWords w{};
  put_be_words(e.key, FlowKey::kSize, w.data());  // byte 36 in the top of word 9
  w[10] = uint32_t(e.valid ? 1 : 0) << 31 | uint32_t(e.service) << 16 | e.backend;
  w[11] = e.deadline;
  return w;
}

FlowEntry decode_flow(const TableWords& w) {
  FlowEntry e{};
  get_be_words(w.data(), FlowKey::kSize, e.key);
  e.valid = (w[10] >> 31) & 1;
  e.service = uint8_t(w[10] >> 16);
  e.backend = uint16_t(w[10]);
  e.deadline = w[11];
  return e;
}

TableWords encode_reverse(const ReverseEntry& e) {
  TableWords w{};
  put_be_words(e.address.b.data(), 16, w.data());
  w[4] = uint32_t(e.valid) << 31 | uint32_t(e.proto) << 16 | e.port;
  w[5] = uint32_t(e.service) << 16 | e.backend;
  return w;
}

ReverseEntry decode_reverse(const TableWords& w) {
  ReverseEntry e;
  get_be_words(w.data(), 16, e.address.b.data());
  e.valid = (w[4] >> 31) & 1;
  e.proto = uint8_t(w[4] >> 16);
  e.port = uint16_t(w[4]);
  e.service = uint8_t(w[5] >> 16);
  e.backend = uint16_t(w[5]);
  return e;
}

}  // namespace v6lb
