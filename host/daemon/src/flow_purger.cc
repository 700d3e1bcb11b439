#include "v6lb/daemon/flow_purger.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "v6lb_regs.h"

namespace v6lb {

void FlowPurger::add(uint32_t slot) {
  slots_.insert(slot);
  cursor_ = 0;
}

double FlowPurger::progress() const {
  const Geometry g = tables_.geometry();
  return double(cursor_) / (2.0 * g.flow_sets * g.flow_ways);
}

bool FlowPurger::step(uint32_t budget) {
  if (slots_.empty()) return false;
  const Geometry g = tables_.geometry();
  const uint32_t n = g.flow_sets * g.flow_ways;
  uint32_t owners[256];
  while (budget > 0 && cursor_ < 2 * n) {
    const FlowDirection dir = cursor_ < n ? FlowDirection::kForward : FlowDirection::kReply;
    const uint32_t first = cursor_ % n;
    const uint32_t count = std::min({budget, n - first, uint32_t(std::size(owners))});
    tables_.read_flow_owners(dir, first, {owners, count});
    for (uint32_t k = 0; k < count; ++k)
      if (regs::TBL_FLOW_VALID_GET(owners[k]) &&
          slots_.count(regs::TBL_FLOW_BACKEND_GET(owners[k]))) {
        tables_.write_flow(dir, first + k, FlowEntry{});
        ++removed_;
      }
    cursor_ += count;
    budget -= count;
  }
  if (cursor_ >= 2 * n) {
    spdlog::info("v6lbd: flows of down backends removed ({} entries so far)", removed_);
    slots_.clear();
    cursor_ = 0;
    return true;
  }
  return false;
}

}  // namespace v6lb
