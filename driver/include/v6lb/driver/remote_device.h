// A card in another process (v6lb-card, serving a model, a Verilated card or a DPDK data plane
// on a Unix socket): the `card:PATH` device. The card process keeps forwarding while v6lbd
// restarts, as a real card does, so a restarted daemon finds the flows where it left them.
//
// Wire format (host byte order: both ends are on one machine), one request after another on a
// stream socket, answered in order:
//   'R' offset            -> u32 value        (read32)
//   'W' offset value      -> nothing          (write32; the card applies writes in order)
//   'B' offset count words[count] -> nothing  (write_block, count <= kMaxBlock)
//   'N'                   -> u32 length, name (what the card process serves)
// Each request starts with a RemoteHeader. Writes are not answered, so a Maglev table load is
// one stream of messages, not a round trip per register; a read after writes sees them applied.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "v6lb/driver/device.h"
#include "v6lb/driver/unique_fd.h"

namespace v6lb {

struct RemoteHeader {
  uint8_t op;
  uint8_t pad[3];
  uint32_t offset;
  uint32_t value;  // 'W': the value; 'B': the word count
};
static_assert(sizeof(RemoteHeader) == 12);
inline constexpr uint32_t kRemoteMaxBlock = 4096;

class RemoteDevice final : public Device {
 public:
  // Connects to the card process's socket; nullptr with `err` set when nothing listens there.
  static std::unique_ptr<RemoteDevice> connect(const std::string& path, std::string& err);

  // Throws std::runtime_error when the card process has gone away.
  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;
  void write_block(uint32_t offset, std::span<const uint32_t> words) override;
  void run_ops(std::span<const RegOp> ops, std::span<uint32_t> reads) override;
  std::string name() const override { return name_; }
  // A new connection to the same socket (v6lb-card restarted, or another one took the path).
  bool reconnect(std::string& err) override;

 private:
  RemoteDevice(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  void send_all(const void* data, size_t len);
  void recv_all(void* data, size_t len);

  UniqueFd fd_;
  std::string path_;
  std::string name_;
};

}  // namespace v6lb
