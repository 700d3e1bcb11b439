#include "v6lb/dataplane/flow_table.h"

#include <sys/mman.h>

#include <cstdlib>
#include <stdexcept>

namespace v6lb {

FlowKey FlowEntry::flow_key() const {
  FlowKey k;
  std::memcpy(k.src.b.data(), key, 16);
  std::memcpy(k.dst.b.data(), key + 16, 16);
  k.sport = load_be16(key + 32);
  k.dport = load_be16(key + 34);
  k.proto = key[36];
  return k;
}

void FlowTable::FreeDeleter::operator()(FlowEntry* p) const { std::free(p); }

FlowTable::FlowTable(uint32_t sets, uint32_t ways) : sets_(sets), ways_(ways) {
  if (sets == 0 || (sets & (sets - 1)) || ways == 0)
    throw std::invalid_argument("flow table: sets must be a power of two and ways > 0");
  size_t bytes = size_t(sets) * ways * sizeof(FlowEntry);
  // Large tables are placed on 2 MiB pages where the kernel allows: a lookup is a random access,
  // and with 4 KiB pages nearly every one would also miss the TLB.
  const size_t align = bytes >= (size_t(4) << 20) ? (size_t(2) << 20) : 64;
  bytes = (bytes + align - 1) & ~(align - 1);
  void* p = std::aligned_alloc(align, bytes);
  if (!p) throw std::bad_alloc();
  if (align > 64) madvise(p, bytes, MADV_HUGEPAGE);
  std::memset(p, 0, bytes);
  entries_.reset(static_cast<FlowEntry*>(p));
}

uint64_t FlowTable::age(uint32_t now) {
  return erase_if([now](const FlowEntry& e) { return !e.live(now); });
}

uint64_t FlowTable::occupancy() const {
  uint64_t n = 0;
  for (const FlowEntry& e : entries()) n += e.valid;
  return n;
}

}  // namespace v6lb
