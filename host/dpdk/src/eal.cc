#include "eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

namespace v6lb::dpdk {
namespace {

enum State { kFresh, kUp, kFailed, kCleaned };
std::atomic<int> g_state{kFresh};

}  // namespace

bool eal_init(const std::vector<std::string>& eal_args, std::vector<std::string>& app_args,
              std::string& err) {
  int expected = kFresh;
  if (!g_state.compare_exchange_strong(expected, kFailed)) {
    err = "the DPDK EAL was already initialised in this process (it can be only once)";
    return false;
  }
  // rte_eal_init permutes and keeps pointers into argv: give it storage that outlives it.
  static std::vector<std::string> storage;
  static std::vector<char*> argv;
  storage.clear();
  storage.emplace_back("v6lb");
  storage.insert(storage.end(), eal_args.begin(), eal_args.end());
  argv.clear();
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  const int argc = int(storage.size());
  const int n = rte_eal_init(argc, argv.data());
  if (n < 0) {
    const int e = rte_errno;
    err = std::string("DPDK EAL initialisation failed: ") + rte_strerror(e) +
          " (check the EAL arguments after \"--\"; EAL's own messages above say which)";
    return false;
  }
  // EAL leaves argv[n] as the program name followed by the arguments it did not consume.
  app_args.clear();
  for (int i = n + 1; i < argc; ++i) app_args.emplace_back(argv[i]);
  g_state = kUp;
  return true;
}

void eal_cleanup() {
  int expected = kUp;
  if (!g_state.compare_exchange_strong(expected, kCleaned)) return;
  // The primary process owns its runtime directory (/var/run/dpdk/<file-prefix>); EAL leaves it
  // behind, and test runs with a prefix each would pile them up.
  const std::filesystem::path dir = rte_eal_get_runtime_dir();
  const bool primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
  rte_eal_cleanup();
  std::error_code ec;
  if (primary && dir.has_filename() && dir.parent_path().filename() == "dpdk")
    std::filesystem::remove_all(dir, ec);
}

}  // namespace v6lb::dpdk
