// libFuzzer harness: the capture reader (host/io/pcap_io.h) on any file contents. The input is
// written to a temporary file (in /dev/shm if possible; PcapReader reads files through libpcap) and
// read to the end with read_capture. It must fail cleanly or return records whose bytes are at most
// the file's size each; never crash or read out of bounds.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_check.h"
#include "fuzz_common.h"
#include "v6lb/io/pcap_io.h"

namespace {

using v6lb::fuzz::check;

// In /dev/shm where there is one: a file on disk costs a disk write per input.
std::filesystem::path temp_dir() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

struct TempFile {
  TempFile()
      : path((temp_dir() / ("v6lb-fuzz-pcap-" + std::to_string(::getpid()) + ".pcap")).string()) {}
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static TempFile file;
  std::FILE* f = std::fopen(file.path.c_str(), "wb");
  if (!f) v6lb::fuzz::setup_failed("cannot write " + file.path);
  if (size && std::fwrite(data, 1, size, f) != size) v6lb::fuzz::setup_failed("short write");
  std::fclose(f);
  std::string err;
  const auto recs = v6lb::read_capture(file.path, err);
  if (!recs) {
    check(!err.empty());
    return 0;
  }
  for (const v6lb::CaptureRecord& r : *recs) check(r.data.size() <= size);
  return 0;
}
