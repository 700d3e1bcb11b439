// The sanitizer sub-builds' own check (ctest asan_catches_*, tsan_catches_race): a bug the
// sanitizer must report, inside the instrumented v6lb libraries, not only in this file. If the
// flags ever stopped reaching the libraries, these tests fail.
//   v6lb_sanitizer_canary heap-overflow   csum_add_bytes reads one byte past a heap buffer
//   v6lb_sanitizer_canary race            two threads write one register of a ModelDevice
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <thread>

#include "v6lb/dataplane/checksum.h"
#include "v6lb/driver/model_device.h"
#include "v6lb_regs.h"

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "heap-overflow") == 0) {
    constexpr size_t kLen = 15;
    auto buf = std::make_unique<uint8_t[]>(kLen);
    const uint64_t acc = v6lb::csum_add_bytes(0, std::span<const uint8_t>(buf.get(), kLen + 1));
    std::printf("not caught: %llu\n", static_cast<unsigned long long>(acc));
    return 0;
  }
  if (argc == 2 && std::strcmp(argv[1], "race") == 0) {
    v6lb::ModelDevice dev;
    std::thread t([&] {
      for (uint32_t i = 0; i < 1000; ++i) dev.write32(v6lb::regs::TICK_DIV, i);
    });
    for (uint32_t i = 0; i < 1000; ++i) dev.write32(v6lb::regs::TICK_DIV, i + 1);
    t.join();
    std::printf("not caught\n");
    return 0;
  }
  std::fprintf(stderr, "usage: v6lb_sanitizer_canary heap-overflow|race\n");
  return 2;
}
