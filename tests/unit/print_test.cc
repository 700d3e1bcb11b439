// The test printers of tests/common/v6lb_print.h: a whole-struct comparison that fails must say
// which field differs.
#include <gtest/gtest.h>

#include "v6lb_print.h"

namespace v6lb {
namespace {

TEST(Print, DiffNamesTheFieldsThatDiffer) {
  BackendCounters a, b;
  EXPECT_EQ(a, b);
  EXPECT_EQ(test::diff(a, b), "");
  b.reply_bytes = 7;
  EXPECT_NE(a, b);
  EXPECT_EQ(test::diff(a, b), "differs in reply_bytes: 0 != 7");
  EXPECT_EQ(::testing::PrintToString(b),
            "{packets=0, bytes=0, reply_packets=0, reply_bytes=7, new_flows=0}");

  DataPlaneStats x, y;
  x.backends = {{a, a}};
  y.backends = {{a, b}};
  y.global[size_t(Counter::kDropNoBackend)] = 2;
  EXPECT_NE(x, y);
  EXPECT_EQ(test::diff(x, y),
            "differs in drop_no_backend: 0 != 2; backends[0][1].reply_bytes: 0 != 7");
  y = x;
  y.services.push_back({});
  EXPECT_EQ(test::diff(x, y),
            "differs in services.size: 0 != 1; services[0].packets: (absent) != 0; "
            "services[0].bytes: (absent) != 0; services[0].new_flows: (absent) != 0; "
            "services[0].reply_packets: (absent) != 0; services[0].reply_bytes: (absent) != 0");
}

TEST(Print, TableEntriesCompareEveryField) {
  FlowEntry e{}, f{};
  EXPECT_EQ(e, f);
  f.deadline = 5;
  EXPECT_EQ(test::diff(e, f), "differs in deadline: 0 != 5");
  f = e;
  f.key[36] = 17;
  EXPECT_NE(e, f);
  BackendEntry p, q;
  q.mac = *MacAddr::parse("02:00:00:00:00:09");
  EXPECT_EQ(test::diff(p, q), "differs in mac: 00:00:00:00:00:00 != 02:00:00:00:00:09");
  ServiceEntry s, t;
  t.timeout_ticks = 1;
  EXPECT_NE(s, t);
}

}  // namespace
}  // namespace v6lb
