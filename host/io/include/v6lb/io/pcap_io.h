// Reading and writing Ethernet captures with libpcap (RAII; errors as values).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace v6lb {

struct CaptureRecord {
  uint64_t sec = 0;
  uint32_t usec = 0;
  std::vector<uint8_t> data;  // the captured bytes (snap length may cut the frame)
  uint32_t wire_len = 0;
};

class PcapReader {
 public:
  // Opens a pcap or pcapng file of Ethernet frames; on failure returns nullptr and sets `err`.
  static std::unique_ptr<PcapReader> open(const std::string& path, std::string& err);
  ~PcapReader();
  // Next record into `rec` (buffer reused); false at end of file. `err` set on a read error.
  bool next(CaptureRecord& rec, std::string& err);

 private:
  struct Impl;
  explicit PcapReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class PcapWriter {
 public:
  static std::unique_ptr<PcapWriter> open(const std::string& path, std::string& err);
  ~PcapWriter();
  void write(uint64_t sec, uint32_t usec, std::span<const uint8_t> frame);
  bool flush(std::string& err);

 private:
  struct Impl;
  explicit PcapWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads a whole capture; nullopt on error with `err` set.
std::optional<std::vector<CaptureRecord>> read_capture(const std::string& path, std::string& err);

}  // namespace v6lb
