// The harnesses' one assertion: a property that does not hold aborts, which libFuzzer reports as
// a crash with the input that made it (kept small so the parser harness stays dependency-free).
#pragma once

#include <cstdlib>

namespace v6lb::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace v6lb::fuzz
