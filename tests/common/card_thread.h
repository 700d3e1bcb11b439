// v6lb-card's loop in a thread: a CardServer serving `dev` on a Unix socket until destroyed
// (then its socket and any daemon's connection are closed, as when v6lb-card exits).
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "v6lb/driver/card_server.h"

namespace v6lb::test {

class CardThread {
 public:
  CardThread(const std::string& path, Device& dev) {
    std::string err;
    server_ = CardServer::open(path, dev, err);
    EXPECT_TRUE(server_) << err;
    if (!server_) return;
    thread_ = std::thread([this] {
      while (!stop_) {
        std::vector<pollfd> p;
        for (int fd : server_->fds()) p.push_back({fd, POLLIN, 0});
        ::poll(p.data(), p.size(), server_->busy() ? 0 : 20);
        server_->run();
      }
    });
  }
  ~CardThread() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  CardThread(const CardThread&) = delete;
  CardThread& operator=(const CardThread&) = delete;

 private:
  std::unique_ptr<CardServer> server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace v6lb::test
