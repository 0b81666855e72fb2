// EmbeddingCache: the memory LRU in front of the LMDB store, a background
// writer that batches disk writes, and the cache metrics.
#include "service/cache/embedding_cache.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "service/cache/disk_store.h"
#include "service/cache/memory_lru.h"
#include "service/metrics/metrics_registry.h"

namespace textembed::service {

namespace {

// Queued disk writes beyond this make Put wait for the writer: memory stays
// bounded when the disk is slower than the producers.
constexpr size_t kMaxPendingWrites = 16384;

// Disk writes waiting for the writer, in arrival order (the order sets the
// access stamps, so the oldest entries are evicted first), one per key.
class WriteQueue {
 public:
  void Put(const CacheKey& key, std::span<const float> vector) {
    auto [it, inserted] = index_.try_emplace(key, order_.size());
    if (inserted) order_.push_back({key, {}});
    order_[it->second].vector.assign(vector.begin(), vector.end());
  }
  // A disk hit: refresh the entry's stamp (unless a write of it is queued).
  void Touch(const CacheKey& key) {
    if (index_.try_emplace(key, order_.size()).second) order_.push_back({key, {}});
  }
  const std::vector<float>* Find(const CacheKey& key) const {
    auto it = index_.find(key);
    if (it == index_.end() || order_[it->second].vector.empty()) return nullptr;
    return &order_[it->second].vector;
  }
  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  std::vector<DiskStore::Write>& writes() { return order_; }
  void clear() {
    order_.clear();
    index_.clear();
  }
  void swap(WriteQueue& other) {
    order_.swap(other.order_);
    index_.swap(other.index_);
  }

 private:
  std::vector<DiskStore::Write> order_;
  std::unordered_map<CacheKey, size_t, MemoryLru::KeyHash> index_;
};

struct LevelMetrics {
  Counter* hits = nullptr;
  Counter* misses = nullptr;
  Counter* evictions = nullptr;
  Gauge* entries = nullptr;
  Gauge* bytes = nullptr;
};

}  // namespace

struct EmbeddingCache::Impl {
  EmbeddingCacheOptions options;
  std::unique_ptr<MemoryLru> memory;
  std::unique_ptr<DiskStore> disk;

  // Statistics (also mirrored into the registry when there is one).
  std::atomic<uint64_t> memory_hits{0}, memory_misses{0}, memory_evictions{0};
  std::atomic<uint64_t> disk_hits{0}, disk_misses{0};
  std::atomic<uint64_t> disk_write_errors{0}, disk_corrupt{0};
  LevelMetrics memory_metrics, disk_metrics;
  Counter* write_errors_metric = nullptr;
  std::mutex publish_mutex;  // disk gauges: read-compute-set from several threads

  // Asynchronous disk writes: `pending` fills while the writer commits `writing`.
  std::mutex mutex;
  std::condition_variable wake_writer, writer_done;
  WriteQueue pending;
  WriteQueue writing;
  bool stop = false;
  bool writer_busy = false;
  Status first_write_error;  // since the last Flush
  std::thread writer;

  void RecordWriteError(const Status& status) {
    disk_write_errors.fetch_add(1, std::memory_order_relaxed);
    if (write_errors_metric) write_errors_metric->Increment();
    spdlog::warn("embedding cache: disk write failed: {}", status.ToString());
    std::lock_guard lock(mutex);
    if (first_write_error.ok()) first_write_error = status;
  }

  void PublishMemory() {
    if (memory_metrics.entries) memory_metrics.entries->Set(static_cast<double>(memory->entries()));
    if (memory_metrics.bytes) memory_metrics.bytes->Set(static_cast<double>(memory->bytes()));
  }

  void PublishDisk() {
    if (!disk || !disk_metrics.entries) return;
    std::lock_guard lock(publish_mutex);
    const DiskStore::Usage usage = disk->usage();
    disk_metrics.entries->Set(static_cast<double>(usage.entries));
    disk_metrics.bytes->Set(static_cast<double>(usage.bytes));
    const double evictions = static_cast<double>(disk->evictions());
    if (evictions > disk_metrics.evictions->Value()) disk_metrics.evictions->Increment(evictions - disk_metrics.evictions->Value());
  }

  void WriteToDisk(std::vector<DiskStore::Write>& writes) {
    if (writes.empty()) return;
    if (Status status = disk->Apply(writes); !status.ok()) RecordWriteError(status);
    PublishDisk();
  }

  void WriterLoop() {
    std::unique_lock lock(mutex);
    while (true) {
      wake_writer.wait(lock, [&] { return stop || !pending.empty(); });
      if (pending.empty()) break;  // stop, nothing left
      writing.swap(pending);
      writer_busy = true;
      lock.unlock();
      writer_done.notify_all();  // room in `pending` again
      WriteToDisk(writing.writes());  // `writing` is only read by others (under the lock)
      lock.lock();
      writing.clear();
      writer_busy = false;
      writer_done.notify_all();
    }
  }

  // Waits until the writer has nothing queued or in flight.
  void DrainWriter() {
    if (!writer.joinable()) return;
    std::unique_lock lock(mutex);
    wake_writer.notify_one();
    writer_done.wait(lock, [&] { return pending.empty() && !writer_busy; });
  }

  // Looks in the queued (not yet committed) writes.
  bool GetQueued(const CacheKey& key, std::vector<float>* out) {
    std::lock_guard lock(mutex);
    for (const WriteQueue* queue : {&pending, &writing}) {
      if (const std::vector<float>* vector = queue->Find(key)) {
        *out = *vector;
        return true;
      }
    }
    return false;
  }
};

EmbeddingCache::EmbeddingCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<EmbeddingCache>> EmbeddingCache::Open(const EmbeddingCacheOptions& options,
                                                             MetricsRegistry* metrics) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.memory_max_entries > 0 && options.memory_max_bytes > 0) {
    impl->memory = std::make_unique<MemoryLru>(options.memory_max_entries, options.memory_max_bytes,
                                               options.memory_shards);
  }
  if (!options.disk_dir.empty()) {
    if (options.disk_max_bytes == 0) return Status::InvalidArgument("cache: disk_max_bytes must be > 0");
    TEXTEMBED_ASSIGN_OR_RETURN(impl->disk, DiskStore::Open(options.disk_dir, options.disk_max_bytes,
                                                           options.disk_synchronous));
  }
  if (metrics != nullptr) {
    auto& hits = metrics->AddCounterFamily("textembed_cache_hits_total", "Embedding cache hits by level.", {"level"});
    auto& misses = metrics->AddCounterFamily("textembed_cache_misses_total",
                                             "Embedding cache misses by level (a disk miss follows a memory miss).",
                                             {"level"});
    auto& evictions = metrics->AddCounterFamily("textembed_cache_evictions_total",
                                                "Entries evicted to stay within the cache bounds, by level.", {"level"});
    auto& entries = metrics->AddGaugeFamily("textembed_cache_entries", "Entries held by the cache, by level.", {"level"});
    auto& bytes = metrics->AddGaugeFamily("textembed_cache_bytes",
                                          "Bytes held by the cache by level (memory: vectors + bookkeeping; "
                                          "disk: LMDB pages in use).",
                                          {"level"});
    for (auto [name, level] : {std::pair{"memory", &impl->memory_metrics}, std::pair{"disk", &impl->disk_metrics}}) {
      level->hits = &hits.WithLabels({name});
      level->misses = &misses.WithLabels({name});
      level->evictions = &evictions.WithLabels({name});
      level->entries = &entries.WithLabels({name});
      level->bytes = &bytes.WithLabels({name});
    }
    impl->write_errors_metric = &metrics->AddCounter("textembed_cache_disk_write_errors_total",
                                                     "Disk cache write batches that failed (e.g. disk full).");
  }
  if (impl->disk) {
    impl->PublishDisk();
    if (!options.disk_synchronous) impl->writer = std::thread([raw = impl.get()] { raw->WriterLoop(); });
  }
  return std::unique_ptr<EmbeddingCache>(new EmbeddingCache(std::move(impl)));
}

EmbeddingCache::~EmbeddingCache() {
  if (impl_->writer.joinable()) {
    {
      std::lock_guard lock(impl_->mutex);
      impl_->stop = true;
    }
    impl_->wake_writer.notify_all();
    impl_->writer.join();  // drains what is queued
  }
}

bool EmbeddingCache::has_memory_level() const { return impl_->memory != nullptr; }
bool EmbeddingCache::has_disk_level() const { return impl_->disk != nullptr; }

CacheLevel EmbeddingCache::Get(const CacheKey& key, std::vector<float>* out) {
  Impl& m = *impl_;
  if (m.memory) {
    if (m.memory->Get(key, out)) {
      m.memory_hits.fetch_add(1, std::memory_order_relaxed);
      if (m.memory_metrics.hits) m.memory_metrics.hits->Increment();
      return CacheLevel::kMemory;
    }
    m.memory_misses.fetch_add(1, std::memory_order_relaxed);
    if (m.memory_metrics.misses) m.memory_metrics.misses->Increment();
  }
  if (!m.disk) return CacheLevel::kMiss;

  bool hit = m.writer.joinable() && m.GetQueued(key, out);
  if (!hit) {
    const DiskStore::Lookup lookup = m.disk->Get(key, out);
    if (lookup == DiskStore::Lookup::kCorrupt) {
      m.disk_corrupt.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("embedding cache: damaged disk record for key {}:{} read as a miss", key.model.ToHex(),
                   key.item.ToHex());
    }
    hit = lookup == DiskStore::Lookup::kHit;
    if (hit && m.writer.joinable()) {
      // Refresh the access stamp (approximate LRU) in the next writer batch.
      std::lock_guard lock(m.mutex);
      if (m.pending.size() < kMaxPendingWrites) m.pending.Touch(key);
    }
  }
  if (!hit) {
    m.disk_misses.fetch_add(1, std::memory_order_relaxed);
    if (m.disk_metrics.misses) m.disk_metrics.misses->Increment();
    out->clear();
    return CacheLevel::kMiss;
  }
  m.disk_hits.fetch_add(1, std::memory_order_relaxed);
  if (m.disk_metrics.hits) m.disk_metrics.hits->Increment();
  if (m.memory) {
    const size_t evicted = m.memory->Put(key, *out);
    m.memory_evictions.fetch_add(evicted, std::memory_order_relaxed);
    if (m.memory_metrics.evictions && evicted) m.memory_metrics.evictions->Increment(static_cast<double>(evicted));
    m.PublishMemory();
  }
  return CacheLevel::kDisk;
}

void EmbeddingCache::Put(const CacheKey& key, std::span<const float> vector) {
  Impl& m = *impl_;
  if (vector.empty()) return;
  if (m.memory) {
    const size_t evicted = m.memory->Put(key, vector);
    m.memory_evictions.fetch_add(evicted, std::memory_order_relaxed);
    if (m.memory_metrics.evictions && evicted) m.memory_metrics.evictions->Increment(static_cast<double>(evicted));
    m.PublishMemory();
  }
  if (!m.disk) return;
  if (!m.writer.joinable()) {
    std::vector<DiskStore::Write> writes{{key, std::vector<float>(vector.begin(), vector.end())}};
    m.WriteToDisk(writes);
    return;
  }
  {
    std::unique_lock lock(m.mutex);
    m.writer_done.wait(lock, [&] { return m.pending.size() < kMaxPendingWrites; });
    m.pending.Put(key, vector);
  }
  m.wake_writer.notify_one();
}

Status EmbeddingCache::InvalidateModel(const Hash128& model) {
  Impl& m = *impl_;
  if (m.memory) {
    m.memory->EraseModel(model);
    m.PublishMemory();
  }
  if (!m.disk) return Status::Ok();
  m.DrainWriter();  // queued writes of this model must not land after the delete
  Status status = m.disk->EraseModel(model);
  m.PublishDisk();
  return status;
}

Status EmbeddingCache::Clear() {
  Impl& m = *impl_;
  if (m.memory) {
    m.memory->Clear();
    m.PublishMemory();
  }
  if (!m.disk) return Status::Ok();
  m.DrainWriter();
  Status status = m.disk->Clear();
  m.PublishDisk();
  return status;
}

Status EmbeddingCache::Flush() {
  Impl& m = *impl_;
  if (!m.disk) return Status::Ok();
  m.DrainWriter();
  Status sync = m.disk->Sync();
  Status first;
  {
    std::lock_guard lock(m.mutex);
    first = std::exchange(m.first_write_error, Status::Ok());
  }
  return first.ok() ? sync : first;
}

CacheStats EmbeddingCache::Stats() const {
  const Impl& m = *impl_;
  CacheStats stats;
  stats.memory.hits = m.memory_hits.load();
  stats.memory.misses = m.memory_misses.load();
  stats.memory.evictions = m.memory_evictions.load();
  if (m.memory) {
    stats.memory.entries = m.memory->entries();
    stats.memory.bytes = m.memory->bytes();
  }
  stats.disk.hits = m.disk_hits.load();
  stats.disk.misses = m.disk_misses.load();
  if (m.disk) {
    const DiskStore::Usage usage = m.disk->usage();
    stats.disk.entries = usage.entries;
    stats.disk.bytes = usage.bytes;
    stats.disk.evictions = m.disk->evictions();
  }
  stats.disk_write_errors = m.disk_write_errors.load();
  stats.disk_corrupt_records = m.disk_corrupt.load();
  return stats;
}

}  // namespace textembed::service
