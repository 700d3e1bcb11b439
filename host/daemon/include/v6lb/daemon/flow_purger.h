// Removes the flow entries of backends that went down: a sweep over both flow tables, a slice
// per pass of the daemon's loop so health checks and clients keep their pace. The data plane
// already treats such entries as absent (the backend's slot is invalid); the sweep frees them.
#pragma once

#include <cstdint>
#include <set>

#include "v6lb/driver/card_tables.h"

namespace v6lb {

class FlowPurger {
 public:
  explicit FlowPurger(CardTables& tables) : tables_(tables) {}

  // Flows naming `slot` are to go; a sweep starts over so one full pass after the latest change
  // covers every slot in the set.
  void add(uint32_t slot);
  // Up to `budget` entries of the sweep; true when this call finished one (every slot in the set
  // is then clear of entries, and the set is empty). A read and the delete are two register
  // transactions, so an entry the card re-learned in between (for a live backend: Maglev no
  // longer picks a down one) can be deleted too; its next packet learns it again with the same
  // pick. Nothing is lost but one entry write.
  bool step(uint32_t budget);
  // Flows naming `slot` are still being removed.
  bool has(uint32_t slot) const { return slots_.count(slot) != 0; }

  bool pending() const { return !slots_.empty(); }
  double progress() const;  // of the sweep under way, 0..1
  uint64_t removed() const { return removed_; }

 private:
  CardTables& tables_;
  std::set<uint32_t> slots_;
  uint32_t cursor_ = 0;  // entry of the sweep: forward table, then reply table
  uint64_t removed_ = 0;
};

}  // namespace v6lb
