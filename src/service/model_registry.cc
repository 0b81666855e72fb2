#include "service/model_registry.h"

#include <algorithm>

#include "service/metrics/metric_types.h"

namespace textembed::service {

ModelLease& ModelLease::operator=(ModelLease&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    name_ = std::move(other.name_);
    model_ = std::move(other.model_);
  }
  return *this;
}

void ModelLease::Reset() {
  if (registry_ != nullptr) std::exchange(registry_, nullptr)->Release(name_);
  model_.reset();  // may be the last reference if the registry evicted it meanwhile
}

ModelRegistry::ModelRegistry(std::vector<ModelSpec> specs, size_t memory_limit, Loader loader,
                             RegistryMetrics metrics)
    : specs_(std::move(specs)), memory_limit_(memory_limit), loader_(std::move(loader)), metrics_(metrics) {
  for (const ModelSpec& spec : specs_) entries_[spec.name].spec = spec;
}

ModelRegistry::~ModelRegistry() = default;

bool ModelRegistry::Knows(std::string_view name) const {
  std::lock_guard lock(mutex_);
  return entries_.find(name.empty() ? std::string_view(default_name()) : name) != entries_.end();
}

size_t ModelRegistry::LoadedBytes() const {
  size_t bytes = 0;
  for (const auto& [name, entry] : entries_)
    if (entry.model) bytes += entry.model->bytes();
  return bytes;
}

void ModelRegistry::UpdateGauges() {
  size_t loaded = 0;
  for (const auto& [name, entry] : entries_) loaded += entry.model ? 1 : 0;
  if (metrics_.loaded_models != nullptr) metrics_.loaded_models->Set(static_cast<double>(loaded));
  if (metrics_.loaded_bytes != nullptr) metrics_.loaded_bytes->Set(static_cast<double>(LoadedBytes()));
}

bool ModelRegistry::MakeRoom(size_t needed, const std::string& except,
                             std::vector<std::shared_ptr<RegisteredModel>>* dropped) {
  if (memory_limit_ == 0) return true;
  size_t pinned = 0;  // bytes of models requests hold: they stay
  for (const auto& [name, entry] : entries_)
    if (entry.model && entry.in_use > 0) pinned += entry.model->bytes();
  if (pinned + needed > memory_limit_) return false;
  while (LoadedBytes() + needed > memory_limit_) {
    Entry* victim = nullptr;
    for (auto& [name, entry] : entries_)
      if (entry.model && entry.in_use == 0 && name != except && (!victim || entry.last_used < victim->last_used))
        victim = &entry;
    if (victim == nullptr) return false;
    dropped->push_back(std::move(victim->model));
    victim->model.reset();
    if (metrics_.unloads != nullptr) metrics_.unloads->Increment();
  }
  return true;
}

Result<ModelLease> ModelRegistry::Acquire(std::string_view requested) {
  std::vector<std::shared_ptr<RegisteredModel>> dropped;  // destroyed after the lock is released
  std::shared_ptr<RegisteredModel> loaded;
  std::unique_lock lock(mutex_);
  const std::string name(requested.empty() ? std::string_view(default_name()) : requested);
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    std::string known;
    for (const ModelSpec& spec : specs_) known += (known.empty() ? "" : ", ") + spec.name;
    return Status::NotFound("unknown model \"" + name + "\" (this service has: " + known + ")");
  }
  Entry& entry = it->second;
  loaded_.wait(lock, [&] { return !entry.loading; });
  if (!entry.model) {
    entry.loading = true;
    lock.unlock();
    Result<std::shared_ptr<RegisteredModel>> result = loader_(entry.spec);
    lock.lock();
    entry.loading = false;
    loaded_.notify_all();
    if (!result.ok()) {
      if (metrics_.load_failures != nullptr) metrics_.load_failures->Increment();
      return result.status().WithContext("loading model \"" + name + "\"");
    }
    loaded = std::move(result).value();
    const size_t bytes = loaded->bytes();
    if (!MakeRoom(bytes, name, &dropped)) {
      if (metrics_.load_failures != nullptr) metrics_.load_failures->Increment();
      lock.unlock();
      return Status::ResourceExhausted("model \"" + name + "\" needs " + std::to_string(bytes >> 20) +
                                       " MiB; the memory limit of " + std::to_string(memory_limit_ >> 20) +
                                       " MiB is held by models requests are using; retry later");
    }
    entry.model = loaded;
    if (metrics_.loads != nullptr) metrics_.loads->Increment();
    UpdateGauges();
  }
  ++entry.in_use;
  entry.last_used = ++clock_;
  ModelLease lease;
  lease.registry_ = this;
  lease.name_ = name;
  lease.model_ = entry.model;
  return lease;
}

void ModelRegistry::Release(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(name);
  if (it != entries_.end() && it->second.in_use > 0) --it->second.in_use;
}

std::vector<ModelRegistry::Snapshot> ModelRegistry::List() const {
  std::lock_guard lock(mutex_);
  std::vector<Snapshot> list;
  for (const ModelSpec& spec : specs_) {
    const Entry& entry = entries_.at(spec.name);
    list.push_back(Snapshot{spec, entry.model, entry.in_use});
  }
  return list;
}

size_t ModelRegistry::UnloadIdle() {
  std::vector<std::shared_ptr<RegisteredModel>> dropped;
  size_t staying = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, entry] : entries_) {
      if (!entry.model) continue;
      if (entry.in_use > 0) {
        ++staying;
        continue;
      }
      dropped.push_back(std::move(entry.model));
      entry.model.reset();
      if (metrics_.unloads != nullptr) metrics_.unloads->Increment();
    }
    UpdateGauges();
  }
  return staying;
}

}  // namespace textembed::service
