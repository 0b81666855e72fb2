// Models by name: loaded on first use, kept while used, evicted least
// recently used first when loading another would exceed the memory limit.
// A model a request holds (a ModelLease) is never evicted; when only such
// models stand in the way, loading fails with kResourceExhausted and the
// caller may retry once they finish.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "textembed/service.h"
#include "textembed/status.h"

namespace textembed::service {

class Counter;
class Gauge;

// What the registry needs to know about a loaded model.
class RegisteredModel {
 public:
  virtual ~RegisteredModel() = default;
  // Weights plus working memory, counted against the limit.
  virtual size_t bytes() const = 0;
};

struct RegistryMetrics {
  Counter* loads = nullptr;
  Counter* unloads = nullptr;
  Counter* load_failures = nullptr;
  Gauge* loaded_models = nullptr;
  Gauge* loaded_bytes = nullptr;
};

class ModelRegistry;

// Keeps one model loaded while held. Move-only.
class ModelLease {
 public:
  ModelLease() = default;
  ModelLease(ModelLease&& other) noexcept { *this = std::move(other); }
  ModelLease& operator=(ModelLease&& other) noexcept;
  ModelLease(const ModelLease&) = delete;
  ModelLease& operator=(const ModelLease&) = delete;
  ~ModelLease() { Reset(); }

  RegisteredModel* get() const { return model_.get(); }
  const std::shared_ptr<RegisteredModel>& shared() const { return model_; }
  const std::string& name() const { return name_; }
  explicit operator bool() const { return model_ != nullptr; }
  void Reset();

 private:
  friend class ModelRegistry;
  ModelRegistry* registry_ = nullptr;
  std::string name_;
  std::shared_ptr<RegisteredModel> model_;
};

class ModelRegistry {
 public:
  using Loader = std::function<Result<std::shared_ptr<RegisteredModel>>(const ModelSpec&)>;

  // `specs` must have unique names; the first is the default model. `memory_limit` 0: none.
  ModelRegistry(std::vector<ModelSpec> specs, size_t memory_limit, Loader loader, RegistryMetrics metrics);
  ~ModelRegistry();

  // The model named `name` ("" : the default), loading it if needed (one load
  // per model at a time; concurrent callers wait for it). kNotFound for an
  // unknown name; kResourceExhausted when it cannot fit under the limit.
  Result<ModelLease> Acquire(std::string_view name);

  struct Snapshot {
    ModelSpec spec;
    std::shared_ptr<RegisteredModel> model;  // null when not loaded
    size_t in_use = 0;
  };
  std::vector<Snapshot> List() const;
  const std::string& default_name() const { return specs_.front().name; }
  bool Knows(std::string_view name) const;

  // Unloads every model no request holds (Shutdown); returns how many stay.
  size_t UnloadIdle();

 private:
  friend class ModelLease;
  struct Entry {
    ModelSpec spec;
    std::shared_ptr<RegisteredModel> model;
    size_t in_use = 0;
    bool loading = false;
    uint64_t last_used = 0;
  };
  void Release(const std::string& name);
  // Under mutex_: unloads idle models, least recently used first, until
  // `needed` more bytes fit. False when they cannot.
  bool MakeRoom(size_t needed, const std::string& except, std::vector<std::shared_ptr<RegisteredModel>>* dropped);
  size_t LoadedBytes() const;
  void UpdateGauges();

  const std::vector<ModelSpec> specs_;
  const size_t memory_limit_;
  const Loader loader_;
  const RegistryMetrics metrics_;
  mutable std::mutex mutex_;
  std::condition_variable loaded_;
  std::map<std::string, Entry, std::less<>> entries_;
  uint64_t clock_ = 0;
};

}  // namespace textembed::service
