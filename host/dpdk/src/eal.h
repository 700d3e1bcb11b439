// The EAL, initialised once per process: DPDK cannot initialise it twice, not even after a
// failed attempt, so the second caller gets a clear error instead of undefined behaviour.
#pragma once

#include <string>
#include <vector>

namespace v6lb::dpdk {

// Runs rte_eal_init on "v6lb" + `eal_args`. On success `app_args` holds what followed a "--"
// inside `eal_args` (the data plane's own options). On failure returns false with `err`.
bool eal_init(const std::vector<std::string>& eal_args, std::vector<std::string>& app_args,
              std::string& err);
// rte_eal_cleanup, once, after everything built on the EAL is gone.
void eal_cleanup();

}  // namespace v6lb::dpdk
