#include "service/cache/disk_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <spdlog/spdlog.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cerrno>
#include <cstring>
#include <string>

namespace textembed::service {
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kRecordMagic = 0x31564554;  // "TEV1"
constexpr size_t kKeyBytes = 32;
constexpr size_t kAgeKeyBytes = 8 + kKeyBytes;
constexpr std::string_view kFormat = "textembed-embedding-cache-v1";
constexpr size_t kMaxWritesPerTxn = 1024;
// One transaction dirties at most this share of the map. LMDB reuses the
// pages a transaction frees only two commits later, so a full map needs room
// for a few transactions beyond the live pages.
constexpr double kTxnShare = 0.04;
constexpr double kHighWater = 0.85;  // evict before a batch when pages in use exceed this …
constexpr double kEvictShare = 0.15; // … by this share of the map

struct RecordHeader {
  uint32_t magic;
  uint32_t dimension;
  uint64_t stamp;
  uint64_t check;
};
static_assert(sizeof(RecordHeader) == 24);

void PutBigEndian(uint64_t value, unsigned char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetBigEndian(const unsigned char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}

using KeyBytes = std::array<unsigned char, kKeyBytes>;

KeyBytes EncodeKey(const CacheKey& key) {
  KeyBytes out;
  PutBigEndian(key.model.high, out.data());
  PutBigEndian(key.model.low, out.data() + 8);
  PutBigEndian(key.item.high, out.data() + 16);
  PutBigEndian(key.item.low, out.data() + 24);
  return out;
}

std::array<unsigned char, kAgeKeyBytes> EncodeAgeKey(uint64_t stamp, const unsigned char* key) {
  std::array<unsigned char, kAgeKeyBytes> out;
  PutBigEndian(stamp, out.data());
  std::memcpy(out.data() + 8, key, kKeyBytes);
  return out;
}

uint64_t Checksum(const unsigned char* key, uint32_t dimension, const void* floats) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, key, kKeyBytes);
  XXH3_64bits_update(state, &dimension, sizeof(dimension));
  XXH3_64bits_update(state, floats, size_t{dimension} * sizeof(float));
  const uint64_t check = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return check;
}

std::string BuildRecord(const unsigned char* key, std::span<const float> vector, uint64_t stamp) {
  RecordHeader header{kRecordMagic, static_cast<uint32_t>(vector.size()), stamp, 0};
  header.check = Checksum(key, header.dimension, vector.data());
  std::string record(sizeof(header) + vector.size_bytes(), '\0');
  std::memcpy(record.data(), &header, sizeof(header));
  std::memcpy(record.data() + sizeof(header), vector.data(), vector.size_bytes());
  return record;
}

// The header of a record that checks out completely, or nullopt.
std::optional<RecordHeader> CheckRecord(const unsigned char* key, const MDB_val& value) {
  if (value.mv_size < sizeof(RecordHeader)) return std::nullopt;
  RecordHeader header;
  std::memcpy(&header, value.mv_data, sizeof(header));
  if (header.magic != kRecordMagic || header.dimension == 0) return std::nullopt;
  if (value.mv_size != sizeof(RecordHeader) + size_t{header.dimension} * sizeof(float)) return std::nullopt;
  const auto* floats = static_cast<const unsigned char*>(value.mv_data) + sizeof(RecordHeader);
  if (Checksum(key, header.dimension, floats) != header.check) return std::nullopt;
  return header;
}

MDB_val Val(const void* data, size_t size) { return MDB_val{size, const_cast<void*>(data)}; }

Status LmdbError(int rc, const std::string& what) {
  std::string message = "disk cache: " + what + ": " + mdb_strerror(rc);
  if (rc == ENOSPC || rc == EDQUOT || rc == EFBIG) {
    return Status::ResourceExhausted(message + " (the disk is full; entries stored before are intact)");
  }
  if (rc == MDB_MAP_FULL) return Status::ResourceExhausted(message);
  if (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) return Status::Corruption(message);
  if (rc == MDB_READERS_FULL) return Status::Unavailable(message);
  return Status::IoError(message);
}

// Aborts a transaction unless it was committed.
class Txn {
 public:
  Txn(MDB_env* env, unsigned flags, int* rc) { *rc = mdb_txn_begin(env, nullptr, flags, &txn_); }
  ~Txn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  MDB_txn* get() const { return txn_; }
  int Commit() {
    const int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc;
  }

 private:
  MDB_txn* txn_ = nullptr;
};

class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi, int* rc) { *rc = mdb_cursor_open(txn, dbi, &cursor_); }
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<DiskStore>> DiskStore::Open(const fs::path& dir, size_t max_bytes, bool sync_each_commit) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("disk cache: cannot create " + dir.string() + ": " + ec.message());
  std::unique_ptr<DiskStore> store(new DiskStore());
  store->dir_ = dir;

  // One opener at a time: LMDB must not be opened twice in one process, and a
  // second process would fight over the size bound.
  const fs::path lock_path = dir / "textembed.lock";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0) return Status::IoError("disk cache: cannot open " + lock_path.string() + ": " + std::strerror(errno));
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::Unavailable("disk cache: " + dir.string() + " is in use by another cache (in this or another process)");
  }

  const long page = ::sysconf(_SC_PAGESIZE);
  store->page_size_ = page > 0 ? static_cast<size_t>(page) : 4096;
  const size_t min_bytes = 64 * store->page_size_;
  store->map_bytes_ = std::max(min_bytes, (max_bytes + store->page_size_ - 1) / store->page_size_ * store->page_size_);

  int rc = mdb_env_create(&store->env_);
  if (rc != 0) return LmdbError(rc, "create environment");
  mdb_env_set_maxdbs(store->env_, 4);
  mdb_env_set_maxreaders(store->env_, 1024);
  rc = mdb_env_set_mapsize(store->env_, store->map_bytes_);
  if (rc != 0) return LmdbError(rc, "set map size");
  // MDB_NOMETASYNC: data pages are synced at each commit, the meta page at the
  // next one; a crash can lose the last commit but never corrupts the store.
  const unsigned flags = MDB_NOTLS | (sync_each_commit ? 0u : unsigned{MDB_NOMETASYNC});
  rc = mdb_env_open(store->env_, dir.c_str(), flags, 0644);
  if (rc != 0) return LmdbError(rc, "open " + dir.string());
  int dead = 0;
  mdb_reader_check(store->env_, &dead);  // slots of killed processes

  // The map may be larger than asked when an existing file is (LMDB keeps it).
  MDB_envinfo info;
  mdb_env_info(store->env_, &info);
  store->map_bytes_ = info.me_mapsize;

  Txn txn(store->env_, 0, &rc);
  if (rc != 0) return LmdbError(rc, "begin");
  if ((rc = mdb_dbi_open(txn.get(), "vectors", MDB_CREATE, &store->vectors_)) != 0 ||
      (rc = mdb_dbi_open(txn.get(), "age", MDB_CREATE, &store->age_)) != 0 ||
      (rc = mdb_dbi_open(txn.get(), "meta", MDB_CREATE, &store->meta_)) != 0) {
    return LmdbError(rc, "open databases");
  }
  MDB_val format_key = Val("format", 6);
  MDB_val format;
  rc = mdb_get(txn.get(), store->meta_, &format_key, &format);
  if (rc == 0 && std::string_view(static_cast<const char*>(format.mv_data), format.mv_size) != kFormat) {
    // Another layout (older/newer textembed): a cache, so start afresh.
    mdb_drop(txn.get(), store->vectors_, 0);
    mdb_drop(txn.get(), store->age_, 0);
    rc = MDB_NOTFOUND;
  }
  if (rc == MDB_NOTFOUND) {
    MDB_val value = Val(kFormat.data(), kFormat.size());
    rc = mdb_put(txn.get(), store->meta_, &format_key, &value, 0);
  }
  if (rc != 0) return LmdbError(rc, "write format");

  // Stamps continue after the newest one stored.
  {
    Cursor cursor(txn.get(), store->age_, &rc);
    if (rc != 0) return LmdbError(rc, "cursor");
    MDB_val key, value;
    if (mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST) == 0 && key.mv_size == kAgeKeyBytes) {
      store->next_stamp_ = GetBigEndian(static_cast<const unsigned char*>(key.mv_data)) + 1;
    }
  }
  rc = txn.Commit();
  if (rc != 0) return LmdbError(rc, "commit");
  return store;
}

DiskStore::~DiskStore() {
  if (env_ != nullptr) mdb_env_close(env_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

DiskStore::Lookup DiskStore::Get(const CacheKey& key, std::vector<float>* out) const {
  const KeyBytes k = EncodeKey(key);
  int rc = 0;
  Txn txn(env_, MDB_RDONLY, &rc);
  if (rc != 0) return Lookup::kMiss;
  MDB_val kv = Val(k.data(), k.size());
  MDB_val value;
  if (mdb_get(txn.get(), vectors_, &kv, &value) != 0) return Lookup::kMiss;
  const auto header = CheckRecord(k.data(), value);
  if (!header) return Lookup::kCorrupt;
  out->resize(header->dimension);
  std::memcpy(out->data(), static_cast<const unsigned char*>(value.mv_data) + sizeof(RecordHeader),
              out->size() * sizeof(float));
  return Lookup::kHit;
}

uint64_t DiskStore::UsedBytes(MDB_txn* txn) const {
  uint64_t pages = 2;  // the two meta pages
  for (MDB_dbi dbi : {MDB_dbi{1} /* main: names of the others */, vectors_, age_, meta_}) {
    MDB_stat stat;
    if (mdb_stat(txn, dbi, &stat) == 0) pages += stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages;
  }
  return pages * page_size_;
}

DiskStore::Usage DiskStore::usage() const {
  int rc = 0;
  Txn txn(env_, MDB_RDONLY, &rc);
  if (rc != 0) return {};
  MDB_stat stat;
  Usage usage;
  if (mdb_stat(txn.get(), vectors_, &stat) == 0) usage.entries = stat.ms_entries;
  usage.bytes = UsedBytes(txn.get());
  return usage;
}

Status DiskStore::EvictTo(size_t target_bytes, bool at_least_one, size_t per_txn) {
  // Oldest stamps first, in transactions of at most `per_txn` records so that
  // each fits in the headroom a full map still has.
  bool first = true;
  while (true) {
    int rc = 0;
    Txn txn(env_, 0, &rc);
    if (rc != 0) return LmdbError(rc, "begin eviction");
    if (UsedBytes(txn.get()) <= target_bytes && !(at_least_one && first)) break;
    first = false;
    uint64_t evicted = 0;
    bool exhausted = false;
    {
      Cursor cursor(txn.get(), age_, &rc);
      if (rc != 0) return LmdbError(rc, "cursor");
      MDB_val age_key, unused;
      rc = mdb_cursor_get(cursor.get(), &age_key, &unused, MDB_FIRST);
      while (rc == 0 && evicted < per_txn) {
        if (age_key.mv_size == kAgeKeyBytes) {
          const auto* bytes = static_cast<const unsigned char*>(age_key.mv_data);
          const uint64_t stamp = GetBigEndian(bytes);
          KeyBytes key_bytes;
          std::memcpy(key_bytes.data(), bytes + 8, kKeyBytes);
          MDB_val key = Val(key_bytes.data(), key_bytes.size());
          MDB_val record;
          // An age entry whose record moved on (re-stamped) or vanished is stale.
          if (mdb_get(txn.get(), vectors_, &key, &record) == 0) {
            RecordHeader header{};
            if (record.mv_size >= sizeof(header)) std::memcpy(&header, record.mv_data, sizeof(header));
            if (record.mv_size < sizeof(header) || header.stamp == stamp) {
              if ((rc = mdb_del(txn.get(), vectors_, &key, nullptr)) != 0) return LmdbError(rc, "evict");
              ++evicted;
            }
          }
        }
        if ((rc = mdb_cursor_del(cursor.get(), 0)) != 0) return LmdbError(rc, "evict");
        rc = mdb_cursor_get(cursor.get(), &age_key, &unused, MDB_NEXT);
      }
      if (rc == MDB_NOTFOUND) exhausted = true;
      else if (rc != 0) return LmdbError(rc, "evict");
    }
    rc = txn.Commit();
    if (rc != 0) return LmdbError(rc, "commit eviction");
    evictions_.fetch_add(evicted, std::memory_order_relaxed);
    if (exhausted) break;
  }
  return AdvanceTxn();
}

// LMDB hands out pages freed by transaction T from T+2 on (T-1's snapshot may
// still be read until T+1 commits). One tiny commit after an eviction makes
// the pages it freed usable by the next write.
Status DiskStore::AdvanceTxn() {
  int rc = 0;
  Txn txn(env_, 0, &rc);
  if (rc != 0) return LmdbError(rc, "begin");
  MDB_val key = Val("evicted", 7);
  unsigned char stamp[8];
  PutBigEndian(next_stamp_, stamp);
  MDB_val value = Val(stamp, sizeof(stamp));
  if ((rc = mdb_put(txn.get(), meta_, &key, &value, 0)) != 0) return LmdbError(rc, "mark eviction");
  rc = txn.Commit();
  return rc == 0 ? Status::Ok() : LmdbError(rc, "commit");
}

Status DiskStore::TryApply(std::span<const Write> writes, int* mdb_error) {
  *mdb_error = 0;
  int rc = 0;
  Txn txn(env_, 0, &rc);
  if (rc != 0) return LmdbError(*mdb_error = rc, "begin write");
  uint64_t stamp = next_stamp_;
  for (const Write& write : writes) {
    const KeyBytes k = EncodeKey(write.key);
    MDB_val key = Val(k.data(), k.size());
    MDB_val old;
    std::optional<RecordHeader> old_header;
    std::vector<float> touched;
    if (mdb_get(txn.get(), vectors_, &key, &old) == 0) {
      old_header = CheckRecord(k.data(), old);
      if (old_header) {
        auto old_age = EncodeAgeKey(old_header->stamp, k.data());
        MDB_val age_key = Val(old_age.data(), old_age.size());
        mdb_del(txn.get(), age_, &age_key, nullptr);
        if (write.vector.empty()) {  // a touch keeps the stored floats
          touched.resize(old_header->dimension);
          std::memcpy(touched.data(), static_cast<const unsigned char*>(old.mv_data) + sizeof(RecordHeader),
                      touched.size() * sizeof(float));
        }
      }
    }
    std::span<const float> vector = write.vector.empty() ? std::span<const float>(touched) : write.vector;
    if (vector.empty()) {
      // A touch of a record that is gone or damaged: drop what is left.
      if (old_header || mdb_get(txn.get(), vectors_, &key, &old) == 0) mdb_del(txn.get(), vectors_, &key, nullptr);
      continue;
    }
    const std::string record = BuildRecord(k.data(), vector, stamp);
    MDB_val value = Val(record.data(), record.size());
    if ((rc = mdb_put(txn.get(), vectors_, &key, &value, 0)) != 0) return LmdbError(*mdb_error = rc, "put");
    auto age = EncodeAgeKey(stamp, k.data());
    MDB_val age_key = Val(age.data(), age.size());
    MDB_val empty = Val("", 0);
    if ((rc = mdb_put(txn.get(), age_, &age_key, &empty, 0)) != 0) return LmdbError(*mdb_error = rc, "put age");
    ++stamp;
  }
  rc = txn.Commit();
  if (rc != 0) return LmdbError(*mdb_error = rc, "commit");
  next_stamp_ = stamp;
  return Status::Ok();
}

Status DiskStore::Apply(std::span<const Write> writes) {
  std::lock_guard lock(write_mutex_);
  // Size transactions from the records: at worst each copies its own leaf
  // page (keys are random) and splits it.
  size_t record_bytes = page_size_ + 128;
  for (const Write& write : writes) {
    record_bytes = std::max(record_bytes, page_size_ + 2 * (80 + write.vector.size() * sizeof(float)));
  }
  const size_t per_txn = std::clamp<size_t>(static_cast<size_t>(kTxnShare * map_bytes_) / record_bytes, 1, kMaxWritesPerTxn);
  const double txn_share = static_cast<double>(per_txn * record_bytes) / map_bytes_;
  // Room beyond the live pages: the pages freed by the last two commits (not
  // reusable yet), this transaction's copies, and the free list itself.
  const double high = std::max(0.0, std::min(kHighWater, 1.0 - 8 * txn_share));
  const size_t high_bytes = static_cast<size_t>(high * map_bytes_);
  const size_t low_bytes = static_cast<size_t>(std::max(0.0, high - kEvictShare) * map_bytes_);

  // Evicts toward `target`; when even that finds no free page (a delete
  // copies pages too), drops everything, which always frees the map.
  auto make_room = [&](size_t target, bool at_least_one) -> Status {
    Status evicted = EvictTo(target, at_least_one, per_txn);
    // Only a full map justifies dropping entries; a full disk is reported and
    // everything committed stays.
    if (evicted.ok() || evicted.message().find(mdb_strerror(MDB_MAP_FULL)) == std::string::npos) return evicted;
    spdlog::warn("embedding cache: {}; emptying the disk cache to make room", evicted.ToString());
    return DropAllLocked(/*count_as_evictions=*/true);
  };

  size_t chunk = per_txn;
  int attempt = 0;  // MDB_MAP_FULL retries of the current chunk
  for (size_t begin = 0; begin < writes.size();) {
    const auto batch = writes.subspan(begin, std::min(chunk, writes.size() - begin));
    bool over = false;
    {
      int rc = 0;
      Txn probe(env_, MDB_RDONLY, &rc);
      over = rc == 0 && UsedBytes(probe.get()) > high_bytes;
    }
    if (over) TEXTEMBED_RETURN_IF_ERROR(make_room(low_bytes, false));
    int mdb_error = 0;
    Status status = TryApply(batch, &mdb_error);
    if (mdb_error == MDB_MAP_FULL && attempt < 8) {
      ++attempt;
      if (batch.size() > 1) chunk = batch.size() / 2;
      TEXTEMBED_RETURN_IF_ERROR(make_room(low_bytes >> attempt, true));
      continue;
    }
    TEXTEMBED_RETURN_IF_ERROR(status);
    begin += batch.size();
    attempt = 0;
  }
  return Status::Ok();
}

Status DiskStore::EraseModel(const Hash128& model) {
  std::lock_guard lock(write_mutex_);
  int rc = 0;
  Txn txn(env_, 0, &rc);
  if (rc != 0) return LmdbError(rc, "begin invalidation");
  KeyBytes start = EncodeKey(CacheKey{model, {}});
  {
    Cursor cursor(txn.get(), vectors_, &rc);
    if (rc != 0) return LmdbError(rc, "cursor");
    MDB_val key = Val(start.data(), start.size());
    MDB_val value;
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
    while (rc == 0 && key.mv_size == kKeyBytes && std::memcmp(key.mv_data, start.data(), 16) == 0) {
      if (const auto header = CheckRecord(static_cast<const unsigned char*>(key.mv_data), value)) {
        auto age = EncodeAgeKey(header->stamp, static_cast<const unsigned char*>(key.mv_data));
        MDB_val age_key = Val(age.data(), age.size());
        mdb_del(txn.get(), age_, &age_key, nullptr);
      }
      if ((rc = mdb_cursor_del(cursor.get(), 0)) != 0) return LmdbError(rc, "invalidate");
      rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND) return LmdbError(rc, "invalidate");
  }
  rc = txn.Commit();
  return rc == 0 ? Status::Ok() : LmdbError(rc, "commit invalidation");
}

Status DiskStore::Clear() {
  std::lock_guard lock(write_mutex_);
  return DropAllLocked(/*count_as_evictions=*/false);
}

Status DiskStore::DropAllLocked(bool count_as_evictions) {
  int rc = 0;
  Txn txn(env_, 0, &rc);
  if (rc != 0) return LmdbError(rc, "begin clear");
  MDB_stat stat;
  const uint64_t entries = mdb_stat(txn.get(), vectors_, &stat) == 0 ? stat.ms_entries : 0;
  if ((rc = mdb_drop(txn.get(), vectors_, 0)) != 0 || (rc = mdb_drop(txn.get(), age_, 0)) != 0) {
    return LmdbError(rc, "clear");
  }
  rc = txn.Commit();
  if (rc != 0) return LmdbError(rc, "commit clear");
  if (count_as_evictions) evictions_.fetch_add(entries, std::memory_order_relaxed);
  return AdvanceTxn();
}

Status DiskStore::Sync() {
  const int rc = mdb_env_sync(env_, 1);
  return rc == 0 ? Status::Ok() : LmdbError(rc, "sync");
}

Result<std::pair<uint64_t, uint64_t>> DiskStore::Verify() const {
  int rc = 0;
  Txn txn(env_, MDB_RDONLY, &rc);
  if (rc != 0) return LmdbError(rc, "begin verify");
  Cursor cursor(txn.get(), vectors_, &rc);
  if (rc != 0) return LmdbError(rc, "cursor");
  uint64_t valid = 0, damaged = 0;
  MDB_val key, value;
  rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_FIRST);
  while (rc == 0) {
    const bool ok = key.mv_size == kKeyBytes && CheckRecord(static_cast<const unsigned char*>(key.mv_data), value);
    ++(ok ? valid : damaged);
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND) return LmdbError(rc, "verify");
  return std::make_pair(valid, damaged);
}

}  // namespace textembed::service
