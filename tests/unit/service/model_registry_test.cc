// Registry behaviour with fake models of known size: lazy load, LRU eviction
// under the memory limit, models in use never evicted, loads counted.
#include "service/model_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "service/metrics/metrics_registry.h"

namespace textembed::service {
namespace {

class FakeModel : public RegisteredModel {
 public:
  FakeModel(size_t bytes, std::atomic<int>* alive) : bytes_(bytes), alive_(alive) { ++*alive_; }
  ~FakeModel() override { --*alive_; }
  size_t bytes() const override { return bytes_; }

 private:
  size_t bytes_;
  std::atomic<int>* alive_;
};

struct Fixture {
  explicit Fixture(size_t limit)
      : registry({{"a", "100", "main"}, {"b", "100", "main"}, {"c", "300", "main"}, {"d", "100", "main"}}, limit,
                 [this](const ModelSpec& spec) -> Result<std::shared_ptr<RegisteredModel>> {
                   ++loads_called;
                   return std::shared_ptr<RegisteredModel>(std::make_shared<FakeModel>(std::stoul(spec.source), &alive));
                 },
                 RegistryMetrics{&loads, &unloads, &failures, &loaded, &loaded_bytes}) {}

  bool Loaded(const std::string& name) {
    for (const auto& entry : registry.List())
      if (entry.spec.name == name) return entry.model != nullptr;
    return false;
  }

  Counter loads, unloads, failures;
  Gauge loaded, loaded_bytes;
  std::atomic<int> alive{0};
  std::atomic<int> loads_called{0};
  ModelRegistry registry;
};

TEST(ModelRegistryTest, LoadsLazilyAndEvictsTheLeastRecentlyUsed) {
  Fixture f(250);
  EXPECT_FALSE(f.Loaded("a"));
  { auto a = f.registry.Acquire("a"); ASSERT_TRUE(a.ok()); }
  { auto b = f.registry.Acquire("b"); ASSERT_TRUE(b.ok()); }
  { auto a = f.registry.Acquire("a"); ASSERT_TRUE(a.ok()); }  // a is now more recent than b
  EXPECT_EQ(f.loads_called, 2);
  EXPECT_EQ(f.loaded_bytes.Value(), 200.0);
  // A third 100-byte model does not fit next to both: b, the least recently used, goes.
  { auto d = f.registry.Acquire("d"); ASSERT_TRUE(d.ok()); }
  EXPECT_TRUE(f.Loaded("a"));
  EXPECT_FALSE(f.Loaded("b"));
  EXPECT_TRUE(f.Loaded("d"));
  EXPECT_EQ(f.loads.Value(), 3.0);
  EXPECT_EQ(f.unloads.Value(), 1.0);
  EXPECT_EQ(f.alive, 2);
}

TEST(ModelRegistryTest, ABigModelEvictsIdleOnesButNeverOneInUse) {
  Fixture f(450);
  auto a = f.registry.Acquire("a");
  ASSERT_TRUE(a.ok());
  { auto b = f.registry.Acquire("b"); ASSERT_TRUE(b.ok()); }
  EXPECT_EQ(f.alive, 2);
  // c (300) needs b (idle) gone; a is held by a request and stays.
  {
    auto c = f.registry.Acquire("c");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE(f.Loaded("a"));
    EXPECT_FALSE(f.Loaded("b"));
    EXPECT_EQ(f.unloads.Value(), 1.0);
    EXPECT_EQ(f.alive, 2);
    // Now a (in use) + c (in use) = 400: b cannot come back while both are held.
    auto b = f.registry.Acquire("b");
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().code(), Status::Code::kResourceExhausted);
    EXPECT_EQ(f.failures.Value(), 1.0);
    EXPECT_TRUE(f.Loaded("a") && f.Loaded("c"));
  }
  // c released: b evicts it.
  auto b = f.registry.Acquire("b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(f.Loaded("c"));
  EXPECT_TRUE(f.Loaded("a"));
  EXPECT_EQ(f.loaded.Value(), 2.0);
}

TEST(ModelRegistryTest, AModelLargerThanTheLimitNeverLoads) {
  Fixture f(200);
  auto c = f.registry.Acquire("c");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(f.alive, 0);
}

TEST(ModelRegistryTest, UnknownNameListsTheKnownOnes) {
  Fixture f(0);
  auto x = f.registry.Acquire("x");
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), Status::Code::kNotFound);
  EXPECT_NE(x.status().message().find("a, b, c, d"), std::string::npos);
  auto by_default = f.registry.Acquire("");
  ASSERT_TRUE(by_default.ok());
  EXPECT_EQ(by_default->name(), "a");
}

TEST(ModelRegistryTest, ConcurrentFirstUsesLoadOnce) {
  Fixture f(0);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        auto lease = f.registry.Acquire(k % 2 ? "a" : "b");
        if (lease.ok() && lease->get() != nullptr) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 400);
  EXPECT_EQ(f.loads_called, 2);
  EXPECT_EQ(f.registry.UnloadIdle(), 0u);
  EXPECT_EQ(f.alive, 0);
}

}  // namespace
}  // namespace textembed::service
