// Decoders that work on bytes: ByteLevel (GPT-2's byte alphabet back to bytes)
// and ByteFallback (<0xNN> tokens back to bytes).
#include <array>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "tokenizer/decoder.h"
#include "tokenizer/json_util.h"
#include "tokenizer/pre_tokenizers/byte_level.h"

namespace textembed::tokenizer {
namespace {

// Bytes to text with each maximal invalid subpart read as U+FFFD (Rust's
// String::from_utf8_lossy).
std::string Lossy(std::string_view bytes) { return utf8::Sanitize(bytes); }

class ByteLevelDecoder final : public Decoder {
 public:
  ByteLevelDecoder() {
    for (int b = 0; b < 256; ++b) {
      const char32_t c = byte_level::ByteToChar(static_cast<uint8_t>(b));
      if (c < table_.size()) table_[c] = static_cast<int16_t>(b);
    }
  }
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    std::string bytes;
    for (const std::string& t : *tokens) {
      // A token with any char outside the byte alphabet (an added token, say)
      // contributes its own UTF-8 bytes, as HF does.
      const size_t mark = bytes.size();
      bool all_mapped = true;
      for (size_t k = 0; k < t.size();) {
        const utf8::Decoded d = utf8::DecodeAt(t, k);
        const int16_t b = d.code_point < table_.size() ? table_[d.code_point] : -1;
        if (b < 0) {
          all_mapped = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
        k += d.length;
      }
      if (!all_mapped) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens->assign(1, Lossy(bytes));
    return Status::Ok();
  }

 private:
  std::array<int16_t, 0x200> table_ = MakeEmpty();
  static std::array<int16_t, 0x200> MakeEmpty() {
    std::array<int16_t, 0x200> t;
    t.fill(-1);
    return t;
  }
};

std::optional<uint8_t> ByteOfToken(std::string_view t) {
  if (t.size() != 6 || !t.starts_with("<0x") || t[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  // Rust's u8::from_str_radix takes a leading '+': "<0x+A>" is byte 0x0A.
  if (t[3] == '+') {
    const int d = hex(t[4]);
    return d < 0 ? std::nullopt : std::optional<uint8_t>(static_cast<uint8_t>(d));
  }
  const int hi = hex(t[3]), lo = hex(t[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<uint8_t>(hi * 16 + lo);
}

class ByteFallbackDecoder final : public Decoder {
 public:
  Status DecodeChain(std::vector<std::string>* tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) return;
      // All or nothing: a run that is not valid UTF-8 gives one U+FFFD per byte.
      if (utf8::IsValid(pending)) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& t : *tokens) {
      if (auto b = ByteOfToken(t)) {
        pending.push_back(static_cast<char>(*b));
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    *tokens = std::move(out);
    return Status::Ok();
  }
};

}  // namespace

Result<std::unique_ptr<Decoder>> MakeByteDecoder(const nlohmann::json& node) {
  const std::string type = TypeOf(node);
  if (type == "ByteLevel") return std::unique_ptr<Decoder>(std::make_unique<ByteLevelDecoder>());
  if (type == "ByteFallback") return std::unique_ptr<Decoder>(std::make_unique<ByteFallbackDecoder>());
  return std::unique_ptr<Decoder>();
}

}  // namespace textembed::tokenizer
