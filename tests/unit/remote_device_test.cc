// The card:PATH device: a ModelDevice served by CardServer on a real Unix socket (in a thread
// standing in for v6lb-card), programmed through RemoteDevice, must end up exactly as a
// ModelDevice programmed directly; a second daemon is refused, a dead card is an error, a
// stale socket file is replaced and a live one is never stolen.
#include "v6lb/driver/remote_device.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "card_thread.h"
#include "v6lb/control/program.h"
#include "v6lb/driver/card_server.h"
#include "v6lb/driver/card_tables.h"
#include "v6lb/driver/model_device.h"
#include "v6lb_regs.h"

namespace v6lb {
namespace {

Geometry small() {
  Geometry g;
  g.maglev_size = 4099;
  g.flow_sets = 256;
  return g;
}

Config config() {
  Config c;
  c.card = {*MacAddr::parse("02:00:00:00:00:01"), *Ipv6Addr::parse("2001:db8:ff::1"),
            *MacAddr::parse("02:00:00:00:00:fe")};
  for (int s = 0; s < 2; ++s) {
    ServiceConfig sc;
    sc.name = "svc" + std::to_string(s);
    sc.vip = *Ipv6Addr::parse("2001:db8::" + std::to_string(100 + s));
    sc.port = uint16_t(80 + s);
    for (int b = 0; b < 3; ++b) {
      BackendConfig bc;
      bc.address = *Ipv6Addr::parse("2001:db8:1::" + std::to_string(10 * s + b + 1));
      bc.port = 8080;
      bc.weight = uint32_t(b + 1);
      sc.backends.push_back(bc);
    }
    c.services.push_back(sc);
  }
  return c;
}

using test::CardThread;

std::string sock_path(const char* name) {
  return "/tmp/v6lb-remote-test-" + std::to_string(getpid()) + "-" + name + ".sock";
}

TEST(RemoteDevice, ProgramsTheCardExactlyAsADirectDevice) {
  const Config cfg = config();
  ModelDevice direct(small()), served(small());
  const std::string path = sock_path("same");
  CardThread card(path, served);
  std::string err;
  auto remote = RemoteDevice::connect(path, err);
  ASSERT_TRUE(remote) << err;
  EXPECT_NE(remote->name().find("model"), std::string::npos);

  for (Device* d : {static_cast<Device*>(&direct), static_cast<Device*>(remote.get())}) {
    CardTables t(*d);
    write_plan(make_plan(cfg, t.geometry()), t);
    // A flow entry, too: the host's insert path.
    FlowEntry e{};
    e.key[0] = 0x20;
    e.valid = 1;
    e.backend = 2;
    e.deadline = 12345;
    t.write_flow(FlowDirection::kForward, 77, e);
  }
  CardTables a(direct), b(*remote);
  for (uint32_t s = 0; s < 4; ++s) {
    EXPECT_EQ(encode_service(a.read_service(s)), encode_service(b.read_service(s))) << s;
    EXPECT_EQ(a.active_bank(s), b.active_bank(s));
  }
  for (uint32_t i = 0; i < 8; ++i)
    EXPECT_EQ(encode_backend(a.read_backend(i)), encode_backend(b.read_backend(i))) << i;
  EXPECT_EQ(encode_flow(a.read_flow(FlowDirection::kForward, 77)),
            encode_flow(b.read_flow(FlowDirection::kForward, 77)));
  // Maglev tables: the pipelines behind both devices hold the same entries.
  for (uint32_t s = 0; s < 2; ++s)
    for (uint32_t bank = 0; bank < 2; ++bank)
      for (uint32_t i = 0; i < small().maglev_size; i += 97)
        ASSERT_EQ(direct.pipeline().maglev(s, bank)[i], served.pipeline().maglev(s, bank)[i]);

  // The batched owner reads return what one-at-a-time reads do.
  std::vector<uint32_t> owners(100);
  b.read_flow_owners(FlowDirection::kForward, 0, owners);
  for (uint32_t i = 0; i < owners.size(); ++i)
    EXPECT_EQ(owners[i], a.read_flow_owner(FlowDirection::kForward, i)) << i;
  EXPECT_EQ(owners[77] >> 31, 1u);
  EXPECT_EQ(owners[77] & 0xFFFF, 2u);
  ::unlink(path.c_str());
}

TEST(RemoteDevice, OneDaemonPerCard) {
  ModelDevice served(small());
  const std::string path = sock_path("busy");
  CardThread card(path, served);
  std::string err;
  auto first = RemoteDevice::connect(path, err);
  ASSERT_TRUE(first) << err;
  auto second = RemoteDevice::connect(path, err);
  EXPECT_FALSE(second);
  EXPECT_NE(err.find("another v6lbd is attached"), std::string::npos) << err;
  // The first one still works, and after it leaves another may attach.
  EXPECT_EQ(first->read32(regs::ID), regs::ID_MAGIC);
  first.reset();
  std::unique_ptr<RemoteDevice> third;
  for (int i = 0; i < 100 && !third; ++i) {
    third = RemoteDevice::connect(path, err);
    if (!third) usleep(20000);
  }
  ASSERT_TRUE(third) << err;
  EXPECT_EQ(third->read32(regs::ID), regs::ID_MAGIC);
}

TEST(RemoteDevice, ACardThatGoesAwayIsAnErrorNotAHang) {
  ModelDevice served(small());
  const std::string path = sock_path("gone");
  std::string err;
  std::unique_ptr<RemoteDevice> remote;
  {
    CardThread card(path, served);
    remote = RemoteDevice::connect(path, err);
    ASSERT_TRUE(remote) << err;
  }  // the card's server closes with its thread
  EXPECT_THROW(
      {
        for (int i = 0; i < 1000; ++i) remote->read32(regs::ID);
      },
      std::runtime_error);
  EXPECT_FALSE(RemoteDevice::connect(path, err));
  EXPECT_NE(err.find("v6lb-card"), std::string::npos) << err;
}

// A daemon that sends a batch of reads and takes a while to read the answers (descheduled, busy)
// is slow, not gone: the card keeps it, and every answer arrives, in order. (The card used to send
// each 4-byte answer on its own, ~280 of which fill a Unix socket, then drop a daemon that had not
// read for a second: a flow-table walk under load lost its card.)
TEST(CardServer, KeepsADaemonThatReadsItsRepliesLate) {
  ModelDevice served(small());
  const std::string path = sock_path("slow");
  CardThread card(path, served);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.c_str(), path.size());
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  auto recv_exact = [&](void* p, size_t n) {
    auto* b = static_cast<uint8_t*>(p);
    while (n > 0) {
      pollfd pf{fd.get(), POLLIN, 0};
      if (::poll(&pf, 1, 5000) <= 0) return false;
      const ssize_t r = ::recv(fd.get(), b, n, 0);
      if (r <= 0) return false;
      b += r;
      n -= size_t(r);
    }
    return true;
  };
  const RemoteHeader hello{'N', {}, 0, 0};
  ASSERT_EQ(::send(fd.get(), &hello, sizeof hello, MSG_NOSIGNAL), ssize_t(sizeof hello));
  uint32_t len = 0;
  ASSERT_TRUE(recv_exact(&len, sizeof len));
  std::string name(len, '\0');
  ASSERT_TRUE(recv_exact(name.data(), len));
  constexpr size_t kReads = 2048;  // a flow walk's batch is 512 reads, the driver's chunk 4096 ops
  std::vector<RemoteHeader> reqs;
  for (size_t i = 0; i < kReads; ++i)
    reqs.push_back(i % 2 ? RemoteHeader{'R', {}, regs::ID, 0}
                         : RemoteHeader{'R', {}, regs::VERSION, 0});
  const auto bytes = reqs.size() * sizeof(RemoteHeader);
  ASSERT_EQ(::send(fd.get(), reqs.data(), bytes, MSG_NOSIGNAL), ssize_t(bytes));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // not reading meanwhile
  std::vector<uint32_t> got(kReads);
  ASSERT_TRUE(recv_exact(got.data(), 4 * kReads)) << "the card dropped a slow daemon";
  for (size_t i = 0; i < kReads; ++i)
    ASSERT_EQ(got[i], i % 2 ? regs::ID_MAGIC : served.read32(regs::VERSION)) << i;
  const RemoteHeader id{'R', {}, regs::ID, 0};
  ASSERT_EQ(::send(fd.get(), &id, sizeof id, MSG_NOSIGNAL), ssize_t(sizeof id));
  uint32_t v = 0;
  ASSERT_TRUE(recv_exact(&v, sizeof v));
  EXPECT_EQ(v, regs::ID_MAGIC);
  ::unlink(path.c_str());
}

TEST(CardServer, ReplacesAStaleSocketNeverALiveOne) {
  ModelDevice a(small()), b(small());
  const std::string path = sock_path("stale");
  {
    CardThread card(path, a);
    std::string err;
    EXPECT_FALSE(CardServer::open(path, b, err));  // live: refused
    EXPECT_NE(err.find("another card process"), std::string::npos) << err;
  }
  // A leftover file with nobody behind it (a card process that was killed).
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  fclose(f);
  std::string err;
  auto s = CardServer::open(path, b, err);
  EXPECT_TRUE(s) << err;
}

}  // namespace
}  // namespace v6lb
