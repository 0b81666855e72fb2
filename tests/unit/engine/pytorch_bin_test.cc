// pytorch_model.bin: the tensors torch.save wrote come back exactly (f32, f16,
// bf16, f64, strided and shared-storage views, both archive prefixes); legacy
// files, malicious pickles and damaged archives give clear errors, never a
// crash or anything executed. Files: tools/python/make_pytorch_bin_tests.py.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/pytorch_bin.h"
#include "engine/torch_pickle.h"
#include "test_data.h"

namespace textembed::engine {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

fs::path BinDir() { return textembed::testing::SourceDir() / "tests/data/models/pytorch-bin"; }

std::vector<std::byte> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

std::span<const std::byte> Bytes(std::string_view s) { return {reinterpret_cast<const std::byte*>(s.data()), s.size()}; }

class PytorchBinFileTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PytorchBinFileTest, TensorsMatchTorch) {
  nlohmann::json expected = nlohmann::json::parse(std::ifstream(BinDir() / "expected.json"));
  auto weights = PytorchBinWeights::Open(BinDir() / GetParam());
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  for (const auto& [name, tensor] : expected["tensors"].items()) {
    Result<TensorRef> found = (*weights)->Find(name);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(found->shape, tensor["shape"].get<std::vector<int64_t>>()) << name;
    const auto values = tensor["values"].get<std::vector<float>>();
    ASSERT_EQ(size_t(found->num_elements()), values.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(found->data[i], values[i]) << name << "[" << i << "]";
  }
  for (const auto& name : expected["not_float"]) {
    Status s = (*weights)->Find(name.get<std::string>()).status();
    EXPECT_EQ(s.code(), Status::Code::kUnimplemented) << s.ToString();
  }
  EXPECT_EQ((*weights)->Find("nope").status().code(), Status::Code::kNotFound);
  EXPECT_EQ((*weights)->size(), expected["tensors"].size() + expected["not_float"].size());
}

INSTANTIATE_TEST_SUITE_P(BothArchivePrefixes, PytorchBinFileTest,
                         ::testing::Values("state_dict.bin", "state_dict_archive.bin"));

TEST(PytorchBinTest, LegacyFormatIsRefusedClearly) {
  Status s = PytorchBinWeights::Open(BinDir() / "legacy.bin").status();
  EXPECT_EQ(s.code(), Status::Code::kUnimplemented);
  EXPECT_NE(s.message().find("legacy"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("legacy.bin"), std::string::npos) << s.message();
}

TEST(PytorchBinTest, MaliciousPicklesAreRefusedNamingTheGlobal) {
  for (auto [file, global] : {std::pair{"malicious_system.bin", "system"}, {"malicious_eval.bin", "builtins.eval"},
                              {"malicious_rebuild.bin", "system"}}) {
    Status s = PytorchBinWeights::Open(BinDir() / file).status();
    EXPECT_EQ(s.code(), Status::Code::kUnimplemented) << file << ": " << s.ToString();
    EXPECT_NE(s.message().find(global), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("not allowed"), std::string::npos) << s.message();
  }
}

TEST(PytorchBinTest, DamagedArchivesFailCleanly) {
  const std::vector<std::byte> good = ReadBytes(BinDir() / "state_dict.bin");
  ASSERT_GT(good.size(), 100u);
  // Every truncation is an error (the central directory is at the end).
  for (size_t n = 0; n < good.size(); n += 13) {
    auto result = PytorchBinWeights::FromBytes(std::span(good).first(n), "truncated");
    EXPECT_FALSE(result.ok()) << n;
  }
  // Random byte damage: any status, no crash (the sanitizer build checks reads).
  std::mt19937 rng(5);
  for (int round = 0; round < 400; ++round) {
    std::vector<std::byte> bad = good;
    for (int k = 0; k < 1 + round % 4; ++k) bad[rng() % bad.size()] = std::byte(rng() & 0xff);
    (void)PytorchBinWeights::FromBytes(bad, "damaged");
  }
  EXPECT_EQ(PytorchBinWeights::FromBytes({}, "empty").status().code(), Status::Code::kCorruption);
}

// Pickle-level cases, bytes written by hand (protocol 2 opcodes).
TEST(TorchPickleTest, RefusesWhatAStateDictNeverContains) {
  struct Case {
    std::string pickle;
    Status::Code code;
    const char* says;
  };
  const Case cases[] = {
      {"\x80\x02" "cos\nsystem\nq\x00."s, Status::Code::kUnimplemented, "os.system"},
      {"\x80\x04\x8c\x08" "builtins" "\x8c\x04" "exec" "\x93."s, Status::Code::kUnimplemented, "builtins.exec"},
      {"\x80\x02" "ccollections\nOrderedDict\n)R}b."s, Status::Code::kOk, ""},
      {"\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R."s, Status::Code::kCorruption, "OrderedDict"},
      {"\x80\x02" "K\x01K\x02R."s, Status::Code::kUnimplemented, "REDUCE"},
      {"\x80\x02}K\x01" "b."s, Status::Code::kOk, ""},
      {"\x80\x02]K\x01" "b."s, Status::Code::kUnimplemented, "BUILD"},
      {"\x80\x02h\x05."s, Status::Code::kCorruption, "memo"},
      {"\x80\x02}X\x05\x00\x00\x00" "abcde" "K\x01s."s, Status::Code::kCorruption, "not a tensor"},
      {"\x80\x02" "cposix\nsystem\nX\x02\x00\x00\x00" "ls\x85R."s, Status::Code::kUnimplemented, "posix.system"},
      {"\x80\x02}"s, Status::Code::kCorruption, "STOP"},
      {"\x80\x02i"s, Status::Code::kUnimplemented, "opcode 0x69"},
      {"\x80\x02}(K\x01."s, Status::Code::kCorruption, "not a dict"},
      {"\x80\x02."s, Status::Code::kCorruption, "empty"},
      {"\x80\x02X\xff\xff\xff\x7f"s, Status::Code::kCorruption, "string"},
      // A persistent id naming a storage, with a storage type that is not allowed.
      {"\x80\x02(X\x07\x00\x00\x00" "storage" "K\x01X\x01\x00\x00\x00" "0" "X\x03\x00\x00\x00" "cpu" "K\x04tQ."s,
       Status::Code::kUnimplemented, "storage type"},
  };
  for (const Case& c : cases) {
    auto result = ReadStateDictPickle(Bytes(c.pickle), "test.pkl");
    EXPECT_EQ(result.status().code(), c.code) << result.status().ToString();
    if (!result.ok()) {  // braces: EXPECT_* is an if/else inside (-Wdangling-else)
      EXPECT_NE(result.status().message().find(c.says), std::string::npos) << result.status().message();
    }
  }
}

TEST(TorchPickleTest, RepeatedWorkIsBounded) {
  // A list of 1000 pairs REDUCEd into an OrderedDict 5000 times through the memo.
  std::string p = "\x80\x02](";
  for (int i = 0; i < 1000; ++i) p += "(K\x01K\x02t";
  p += "eq\x00"s;
  for (int i = 0; i < 5000; ++i) p += "ccollections\nOrderedDict\nh\x00\x85R0"s;
  p += "}.";
  auto result = ReadStateDictPickle(Bytes(p), "bomb.pkl");
  EXPECT_EQ(result.status().code(), Status::Code::kCorruption) << result.status().ToString();
}

}  // namespace
}  // namespace textembed::engine
