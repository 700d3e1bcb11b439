#include "v6lb/dataplane/flow_table.h"

#include <gtest/gtest.h>

namespace v6lb {
namespace {

void make_key(uint8_t* k, uint32_t i) {
  std::memset(k, 0, FlowKey::kSize);
  store_be16(k + 32, uint16_t(i));
  k[30] = uint8_t(i >> 16);
  k[36] = 6;
}

TEST(FlowTable, InsertFindAndExpire) {
  FlowTable t(16, 4);
  uint8_t k[FlowKey::kSize];
  make_key(k, 1);
  EXPECT_EQ(t.find_live(3, k, 100), FlowTable::kNone);
  int w = t.insert_way(3, k, 100);
  ASSERT_EQ(w, 0);
  t.write(3, w, k, 7, 1, 100 + 50);
  EXPECT_EQ(t.find_live(3, k, 150), 0);                 // idle exactly the timeout: still there
  EXPECT_EQ(t.find_live(3, k, 151), FlowTable::kNone);  // idle longer: absent
  EXPECT_EQ(t.occupancy(), 1u);
  EXPECT_EQ(t.age(150), 0u);
  EXPECT_EQ(t.age(151), 1u);
  EXPECT_EQ(t.occupancy(), 0u);
}

TEST(FlowTable, ReplacementIsSameKeyElseLowestFreeOrExpired) {
  FlowTable t(1, 4);
  uint8_t k[4][FlowKey::kSize];
  for (int i = 0; i < 4; ++i) {
    make_key(k[i], i);
    ASSERT_EQ(t.insert_way(0, k[i], 0), i);
    t.write(0, i, k[i], 0, 0, i == 2 ? 10 : 1000);
  }
  uint8_t n[FlowKey::kSize];
  make_key(n, 99);
  EXPECT_EQ(t.insert_way(0, n, 5), FlowTable::kNone);  // full of live flows
  EXPECT_EQ(t.insert_way(0, n, 11), 2);                // way 2 expired
  EXPECT_EQ(t.insert_way(0, k[3], 11), 3);             // same key is rewritten in place
  // An expired entry for the key is reused even when a lower way is free: no duplicates.
  FlowTable u(1, 4);
  u.write(0, 2, n, 0, 0, 10);
  EXPECT_EQ(u.insert_way(0, n, 20), 2);
}

TEST(FlowTable, LifetimeAndRefreshRule) {
  const uint32_t t = 800;  // T/8 = 100
  FlowEntry e{};
  e.valid = 1;
  e.deadline = entry_deadline(1000, t);
  EXPECT_EQ(e.deadline, 1000u + 900u);
  EXPECT_TRUE(e.live(1900));
  EXPECT_FALSE(e.live(1901));
  EXPECT_FALSE(needs_refresh(e, 1099, t));  // refreshed less than T/8 ago
  EXPECT_TRUE(needs_refresh(e, 1100, t));
}

TEST(FlowTable, WrapAroundTicks) {
  FlowTable t(1, 1);
  uint8_t k[FlowKey::kSize];
  make_key(k, 5);
  t.write(0, 0, k, 0, 0, 0xFFFFFFF0u + 100);  // deadline wraps past zero
  EXPECT_EQ(t.find_live(0, k, 0xFFFFFFF0u), 0);
  EXPECT_EQ(t.find_live(0, k, 0x50), 0);
  EXPECT_EQ(t.find_live(0, k, 0x55), FlowTable::kNone);
}

TEST(FlowTable, RejectsBadGeometry) {
  EXPECT_THROW(FlowTable(12, 4), std::invalid_argument);
  EXPECT_THROW(FlowTable(16, 0), std::invalid_argument);
}

}  // namespace
}  // namespace v6lb
