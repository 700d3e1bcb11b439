// The card side of the `card:PATH` device (remote_device.h): serves one Device's registers on a
// Unix socket to one v6lbd at a time. Used by v6lb-card, the process that plays the card (model,
// Verilated RTL or DPDK) so that it outlives daemon restarts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "v6lb/driver/device.h"
#include "v6lb/driver/unique_fd.h"

namespace v6lb {

class CardServer {
 public:
  // Listens on `path` (mode 0660; a stale socket file is replaced, a live one refused).
  static std::unique_ptr<CardServer> open(const std::string& path, Device& dev, std::string& err);
  ~CardServer();
  CardServer(const CardServer&) = delete;
  CardServer& operator=(const CardServer&) = delete;

  std::vector<int> fds() const;  // wait for readable on these, then run()
  void run();                    // accepts, and serves every complete request waiting
  bool attached() const { return bool(client_); }
  // Requests are waiting in the buffer (run() serves a slice at a time): call run() again soon.
  bool busy() const;
  // Replies are waiting for the daemon to read them (it is slow, not gone: a card does not drop
  // its driver for that). Requests wait meanwhile; also wait for the client fd to be writable.
  int write_fd() const { return client_ && out_off_ < out_.size() ? client_.get() : -1; }
  uint64_t sessions() const { return sessions_; }

 private:
  CardServer(std::string path, Device& dev) : path_(std::move(path)), dev_(dev) {}
  void serve();
  void reply(const void* data, size_t len);
  bool flush();  // sends what `out_` holds without blocking; false: the client was dropped
  void drop_client(const char* why);

  std::string path_;
  Device& dev_;
  UniqueFd listen_, client_;
  std::vector<uint8_t> in_;
  std::vector<uint8_t> out_;  // replies of the current slice, sent in one go
  size_t out_off_ = 0;
  uint64_t sessions_ = 0;
};

}  // namespace v6lb
