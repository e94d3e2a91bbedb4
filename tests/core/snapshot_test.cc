#include "core/snapshot.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tokenwarden {
namespace {

struct Value {
  explicit Value(int value, std::atomic<int>* counter) : v(value), live(counter) { ++*live; }
  ~Value() { --*live; }
  int v;
  std::atomic<int>* live;
};

TEST(SnapshotTest, ReaderSeesEachPublication) {
  std::atomic<int> live{0};
  Published<Value> published(std::make_shared<const Value>(1, &live));
  SnapshotReader<Value> reader;
  EXPECT_EQ(reader.Get(published)->v, 1);
  published.Publish(std::make_shared<const Value>(2, &live));
  EXPECT_EQ(reader.Get(published)->v, 2);
}

TEST(SnapshotTest, OldSnapshotLivesUntilItsLastReaderMovesOn) {
  std::atomic<int> live{0};
  Published<Value> published(std::make_shared<const Value>(1, &live));
  SnapshotReader<Value> a, b;
  const Value* in_flight = a.Get(published);
  b.Get(published);
  published.Publish(std::make_shared<const Value>(2, &live));
  // An in-flight validation keeps using the snapshot it started with.
  EXPECT_EQ(in_flight->v, 1);
  EXPECT_EQ(live.load(), 2);
  b.Get(published);
  EXPECT_EQ(live.load(), 2);  // `a` still holds version 1
  a.Get(published);
  EXPECT_EQ(live.load(), 1);  // reclaimed once nobody holds it
}

TEST(SnapshotTest, ConcurrentReadersAndPublisherAgree) {
  std::atomic<int> live{0};
  Published<Value> published(std::make_shared<const Value>(0, &live));
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      SnapshotReader<Value> reader;
      int last = 0;
      while (!stop.load()) {
        const int v = reader.Get(published)->v;
        EXPECT_GE(v, last);  // versions never go backwards for one reader
        last = v;
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) {
    published.Publish(std::make_shared<const Value>(i, &live));
  }
  stop = true;
  for (std::thread& t : readers) {
    t.join();
  }
  EXPECT_EQ(live.load(), 1);
}

}  // namespace
}  // namespace tokenwarden
