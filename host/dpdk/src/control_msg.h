// What the control thread sends a worker: one fixed-size element per register write or table
// command on the worker's single-producer/single-consumer ring, applied in order between bursts.
// Requests that need an answer (table reads, counter snapshots) carry a sequence number; the
// worker answers in its Reply slot and publishes the number last, so the control thread never
// takes a lock and the worker never waits.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace v6lb::dpdk {

enum class MsgKind : uint32_t {
  kWrite,    // a plain register write: offset, value
  kCommand,  // a table command: TBL_DATA words, TBL_INDEX, TBL_SEL, then TBL_CMD
  kCounter,  // CNT_SEL, then answer CNT_HI:CNT_LO
  kSync,     // answer only: everything sent before has been applied
};

struct ControlMsg {
  MsgKind kind;
  uint32_t offset;  // kWrite: register; kCommand: TBL_CMD value; kCounter: CNT_SEL value
  uint32_t value;   // kWrite: value; kCommand: TBL_INDEX (worker-local)
  uint32_t sel;     // kCommand: TBL_SEL
  uint64_t seq;     // non-zero: answer with this sequence number
  std::array<uint32_t, 16> data;  // kCommand: TBL_DATA
};
static_assert(sizeof(ControlMsg) % 4 == 0, "rte_ring elements are multiples of 4 bytes");

// Written by one worker, read by the control thread once `done` reaches the request's number.
// Answers land in slot seq % kSlots, so the control thread may have up to kSlots requests in
// flight (a batch of flow-table reads) before it must collect the oldest.
struct alignas(64) Reply {
  static constexpr uint64_t kSlots = 64;
  struct Slot {
    std::array<uint32_t, 16> data{};
    uint32_t status = 0;
    uint64_t value = 0;
  };
  std::atomic<uint64_t> done{0};
  std::array<Slot, kSlots> slots{};
  Slot& slot(uint64_t seq) { return slots[seq % kSlots]; }
};

}  // namespace v6lb::dpdk
