// v6lb-card's loop in a thread: a CardServer serving `dev` on a Unix socket until destroyed
// (then its socket and any daemon's connection are closed, as when v6lb-card exits).
#pragma once

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <memory>
#include <mutex>
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
      std::vector<pollfd> p;
      while (!stop_) {
        bool busy = false;
        {
          std::lock_guard<std::mutex> l(mu_);
          p.clear();
          for (int fd : server_->fds()) p.push_back({fd, POLLIN, 0});
          busy = server_->busy();
        }
        ::poll(p.data(), p.size(), busy ? 0 : 20);
        std::lock_guard<std::mutex> l(mu_);
        server_->run();
      }
    });
  }
  // For a test that reads the served device directly: applies every request the daemon has sent
  // (its writes are posted, so some may still wait in the socket), then keeps the card's loop
  // away from the device until the lock returned is released.
  [[nodiscard]] std::unique_lock<std::mutex> pause() {
    std::unique_lock<std::mutex> l(mu_);
    if (!server_) return l;
    do {
      server_->run();
    } while (server_->busy());
    return l;
  }
  ~CardThread() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  CardThread(const CardThread&) = delete;
  CardThread& operator=(const CardThread&) = delete;

 private:
  std::unique_ptr<CardServer> server_;
  std::mutex mu_;  // the server (and its device) between the card's loop and pause()
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace v6lb::test
