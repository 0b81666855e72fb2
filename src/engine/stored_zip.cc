#include "engine/stored_zip.h"

#include <algorithm>

namespace textembed::engine {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kZip64EndOfCentralDirectory = 0x06064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint64_t kMaxMembers = uint64_t{1} << 20;

// Little-endian reads at a position the caller has bounds-checked.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool Has(uint64_t at, uint64_t n) const { return at <= bytes_.size() && n <= bytes_.size() - at; }
  uint64_t Le(uint64_t at, int n) const {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | uint8_t(bytes_[at + i]);
    return v;
  }
  uint16_t U16(uint64_t at) const { return uint16_t(Le(at, 2)); }
  uint32_t U32(uint64_t at) const { return uint32_t(Le(at, 4)); }
  uint64_t U64(uint64_t at) const { return Le(at, 8); }
  size_t size() const { return bytes_.size(); }
  std::string String(uint64_t at, uint64_t n) const {
    return std::string(reinterpret_cast<const char*>(bytes_.data() + at), n);
  }

 private:
  std::span<const std::byte> bytes_;
};

}  // namespace

bool LooksLikeZip(std::span<const std::byte> bytes) {
  return bytes.size() >= 4 && Reader(bytes).U32(0) == kLocalHeader;
}

Result<std::vector<ZipMember>> ListZipMembers(std::span<const std::byte> archive, const std::string& where) {
  const Reader r(archive);
  auto corrupt = [&](const std::string& what) { return Status::Corruption(where + ": zip archive: " + what); };

  // The end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB.
  if (r.size() < 22) return corrupt("too short for an end-of-central-directory record");
  uint64_t eocd = r.size();
  const uint64_t lowest = r.size() > 22 + 0xffff ? r.size() - 22 - 0xffff : 0;
  for (uint64_t at = r.size() - 22 + 1; at-- > lowest;) {
    if (r.U32(at) == kEndOfCentralDirectory && at + 22 + r.U16(at + 20) == r.size()) {
      eocd = at;
      break;
    }
  }
  if (eocd == r.size()) return corrupt("no end-of-central-directory record (truncated file?)");
  uint64_t count = r.U16(eocd + 10);
  uint64_t cd_size = r.U32(eocd + 12);
  uint64_t cd_offset = r.U32(eocd + 16);
  if (eocd >= 20 && r.U32(eocd - 20) == kZip64Locator) {
    const uint64_t record = r.U64(eocd - 20 + 8);
    if (!r.Has(record, 56) || r.U32(record) != kZip64EndOfCentralDirectory)
      return corrupt("zip64 end-of-central-directory record out of bounds");
    count = r.U64(record + 32);
    cd_size = r.U64(record + 40);
    cd_offset = r.U64(record + 48);
  }
  if (!r.Has(cd_offset, cd_size)) return corrupt("central directory outside the file (truncated file?)");
  if (count > kMaxMembers || count > cd_size / 46) return corrupt("implausible member count " + std::to_string(count));

  std::vector<ZipMember> members;
  members.reserve(count);
  uint64_t at = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (at > cd_end || cd_end - at < 46 || r.U32(at) != kCentralHeader)
      return corrupt("bad central directory entry " + std::to_string(i));
    const uint16_t flags = r.U16(at + 8), method = r.U16(at + 10);
    uint64_t compressed = r.U32(at + 20), uncompressed = r.U32(at + 24);
    const uint64_t name_len = r.U16(at + 28), extra_len = r.U16(at + 30), comment_len = r.U16(at + 32);
    uint64_t local = r.U32(at + 42);
    if (cd_end - at - 46 < name_len + extra_len + comment_len)
      return corrupt("central directory entry " + std::to_string(i) + " runs past the directory");
    ZipMember member;
    member.name = r.String(at + 46, name_len);
    // Zip64 extra field: 8-byte values for exactly the fields saturated at 0xffffffff, in this order.
    for (uint64_t e = at + 46 + name_len, end = e + extra_len; end - e >= 4;) {
      const uint16_t id = r.U16(e), len = r.U16(e + 2);
      if (end - e - 4 < len) return corrupt("extra field of '" + member.name + "' runs past its entry");
      if (id == kZip64ExtraId) {
        uint64_t p = e + 4;
        for (uint64_t* field : {&uncompressed, &compressed, &local}) {
          if (*field != 0xffffffffu) continue;
          if (p + 8 > e + 4 + len) return corrupt("short zip64 extra field of '" + member.name + "'");
          *field = r.U64(p);
          p += 8;
        }
      }
      e += 4 + uint64_t(len);
    }
    if (flags & 1) return corrupt("member '" + member.name + "' is encrypted");
    member.stored = method == 0;
    if (member.stored && compressed != uncompressed)
      return corrupt("stored member '" + member.name + "' has different compressed and uncompressed sizes");
    if (!r.Has(local, 30) || r.U32(local) != kLocalHeader)
      return corrupt("local header of '" + member.name + "' out of bounds or missing");
    const uint64_t data = local + 30 + r.U16(local + 26) + r.U16(local + 28);
    if (!r.Has(data, compressed)) return corrupt("data of '" + member.name + "' runs past the end (truncated file?)");
    member.data_offset = data;
    member.size = compressed;
    members.push_back(std::move(member));
    at += 46 + name_len + extra_len + comment_len;
  }
  return members;
}

}  // namespace textembed::engine
