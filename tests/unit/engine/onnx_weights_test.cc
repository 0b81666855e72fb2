#include "engine/onnx_weights.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "engine/onnx_tensor.h"
#include "test_data.h"

namespace textembed::engine {
namespace {

namespace fs = std::filesystem;

fs::path TinyModelDir() { return textembed::testing::SharedDir() / "models" / "bert-tiny-random"; }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "onnx_weights_test_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  fs::path Write(const std::string& name, std::string_view bytes) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return file;
  }

 private:
  fs::path path_;
};

// Minimal safetensors reader, independent of the engine's, for F32 tensors only.
std::map<std::string, OwnedTensor> ReadSafetensorsF32(const fs::path& path) {
  const std::string file = ReadAll(path);
  uint64_t header_size = 0;
  std::memcpy(&header_size, file.data(), 8);
  const auto header = nlohmann::json::parse(file.substr(8, header_size));
  const char* data = file.data() + 8 + header_size;
  std::map<std::string, OwnedTensor> tensors;
  for (const auto& [name, meta] : header.items()) {
    if (name == "__metadata__" || meta["dtype"] != "F32") continue;
    OwnedTensor tensor;
    tensor.shape = meta["shape"].get<std::vector<int64_t>>();
    const auto begin = meta["data_offsets"][0].get<size_t>();
    const auto end = meta["data_offsets"][1].get<size_t>();
    tensor.data.resize((end - begin) / sizeof(float));
    std::memcpy(tensor.data.data(), data + begin, end - begin);
    tensors.emplace(name, std::move(tensor));
  }
  return tensors;
}

TEST(OnnxWeights, EveryTensorOfTheExportEqualsTheSafetensorsWeights) {
  auto weights = LoadOnnxBertWeights(TinyModelDir() / "onnx" / "model.onnx");
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  const auto reference = ReadSafetensorsF32(TinyModelDir() / "model.safetensors");

  for (const auto& [name, tensor] : *weights) {
    SCOPED_TRACE(name);
    auto it = reference.find(name);
    ASSERT_NE(it, reference.end()) << "not in model.safetensors";
    EXPECT_EQ(tensor.shape, it->second.shape);
    ASSERT_EQ(tensor.data.size(), it->second.data.size());
    EXPECT_EQ(0, std::memcmp(tensor.data.data(), it->second.data.data(), tensor.data.size() * sizeof(float)));
  }
  // The export drops only what BertModel's forward pass does not use: the pooler.
  for (const auto& [name, tensor] : reference) {
    if (name.starts_with("pooler.")) continue;
    EXPECT_TRUE(weights->contains(name)) << name << " missing from the ONNX weights";
  }
  EXPECT_EQ(weights->at("encoder.layer.1.intermediate.dense.weight").shape, (std::vector<int64_t>{512, 128}));
  EXPECT_EQ(weights->at("encoder.layer.0.output.dense.weight").shape, (std::vector<int64_t>{128, 512}));
}

TEST(OnnxWeights, MissingFileIsNotFound) {
  auto weights = LoadOnnxBertWeights(TinyModelDir() / "onnx" / "no-such-model.onnx");
  ASSERT_FALSE(weights.ok());
  EXPECT_EQ(weights.status().code(), Status::Code::kNotFound);
}

TEST(OnnxWeights, TruncatedExportIsCorruptionNamingTheFile) {
  const std::string model = ReadAll(TinyModelDir() / "onnx" / "model.onnx");
  ASSERT_GT(model.size(), 1000u);
  TempDir dir;
  // Every cut lies inside the graph message (which spans nearly the whole file),
  // or inside the first field.
  for (const size_t cut : {size_t{1}, size_t{2}, size_t{40}, model.size() / 3, model.size() / 2,
                           model.size() * 9 / 10, model.size() - 2000}) {
    SCOPED_TRACE(cut);
    const fs::path path = dir.Write("cut.onnx", std::string_view(model).substr(0, cut));
    auto weights = LoadOnnxBertWeights(path);
    ASSERT_FALSE(weights.ok());
    EXPECT_EQ(weights.status().code(), Status::Code::kCorruption);
    EXPECT_NE(weights.status().message().find(path.string()), std::string::npos) << weights.status().message();
  }
}

TEST(OnnxWeights, EmptyAndGarbageFilesAreCorruption) {
  TempDir dir;
  auto empty = LoadOnnxBertWeights(dir.Write("empty.onnx", ""));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Status::Code::kCorruption);

  std::mt19937 rng(1234);
  std::string garbage(1 << 16, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  auto random = LoadOnnxBertWeights(dir.Write("random.onnx", garbage));
  ASSERT_FALSE(random.ok());
  EXPECT_EQ(random.status().code(), Status::Code::kCorruption);

  auto text = LoadOnnxBertWeights(dir.Write("text.onnx", "this is not an ONNX file\n"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), Status::Code::kCorruption);
}

// --- A tiny protobuf writer to build ONNX files with features the export lacks.

std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
std::string VarintField(uint32_t field, uint64_t value) { return Varint(field << 3) + Varint(value); }
std::string BytesField(uint32_t field, std::string_view payload) {
  return Varint((field << 3) | 2) + Varint(payload.size()) + std::string(payload);
}
template <typename T>
std::string LittleEndian(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string Tensor(const std::string& name, const std::vector<int64_t>& dims, int32_t data_type,
                   const std::string& raw) {
  std::string t;
  for (int64_t d : dims) t += VarintField(1, static_cast<uint64_t>(d));
  t += VarintField(2, static_cast<uint64_t>(data_type));
  t += BytesField(8, name);
  t += BytesField(9, raw);
  return t;
}

std::string Node(const std::string& op, const std::vector<std::string>& inputs,
                 const std::vector<std::string>& outputs, const std::string& attributes = "") {
  std::string n;
  for (const auto& i : inputs) n += BytesField(1, i);
  for (const auto& o : outputs) n += BytesField(2, o);
  n += BytesField(4, op);
  return n + attributes;
}

std::string IntAttribute(const std::string& name, int64_t value) {
  return BytesField(5, BytesField(1, name) + VarintField(3, static_cast<uint64_t>(value)) + VarintField(20, 2));
}

std::string Model(const std::string& graph) {
  return VarintField(1, 8) + BytesField(2, "test") + BytesField(7, graph) + BytesField(8, VarintField(2, 14));
}

TEST(OnnxWeights, NamesGemmAndMatMulWeightsAndConvertsFloatTypes) {
  // MatMul weight [in=2, out=3] as FLOAT in float_data rather than raw_data.
  const std::string matmul_weight = VarintField(1, 2) + VarintField(1, 3) + VarintField(2, 1) +
                                    BytesField(8, "onnx::MatMul_7") +
                                    BytesField(4, LittleEndian(std::vector<float>{1, 2, 3, 4, 5, 6}));
  TempDir dir;
  std::string g;
  // Gemm with transB=1 and FLOAT16 weights [out=2, in=3], already PyTorch layout:
  // 1, -2, 0.5, smallest subnormal, 65504, -0.
  g += BytesField(5, Tensor("onnx::Gemm_1", {2, 3}, 10,
                            LittleEndian(std::vector<uint16_t>{0x3C00, 0xC000, 0x3800, 0x0001, 0x7BFF, 0x8000})));
  g += BytesField(5, Tensor("encoder.layer.0.intermediate.dense.bias", {2}, 1,
                            LittleEndian(std::vector<float>{0.25f, -4.f})));
  g += BytesField(1, Node("Gemm", {"x", "onnx::Gemm_1", "encoder.layer.0.intermediate.dense.bias"}, {"g"},
                          IntAttribute("transB", 1)));
  // The MatMul reaches its weight through an Identity; its bias is added on the left.
  g += BytesField(5, matmul_weight);
  g += BytesField(1, Node("Identity", {"onnx::MatMul_7"}, {"shared"}));
  g += BytesField(5, Tensor("bert.encoder.layer.0.output.dense.bias", {3}, 1,
                            LittleEndian(std::vector<float>{0, 0, 0})));
  g += BytesField(1, Node("MatMul", {"g", "shared"}, {"m"}));
  g += BytesField(1, Node("Add", {"bert.encoder.layer.0.output.dense.bias", "m"}, {"y"}));
  // A weight named directly and used by MatMul as [in=2, out=1], DOUBLE.
  g += BytesField(5, Tensor("pooler.dense.weight", {2, 1}, 11, LittleEndian(std::vector<double>{0.5, -1.5})));
  g += BytesField(1, Node("MatMul", {"y2", "pooler.dense.weight"}, {"p"}));
  // Activations × activations (attention) and non-float tensors are not weights.
  g += BytesField(1, Node("MatMul", {"q", "k"}, {"s"}));
  g += BytesField(5, Tensor("embeddings.position_ids", {2}, 7, LittleEndian(std::vector<int64_t>{0, 1})));
  // LayerNorm gamma in BFLOAT16: 1.0 and -0.5.
  g += BytesField(5, Tensor("embeddings.LayerNorm.weight", {2}, 16,
                            LittleEndian(std::vector<uint16_t>{0x3F80, 0xBF00})));

  auto weights = LoadOnnxBertWeights(dir.Write("model.onnx", Model(g)));
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  EXPECT_EQ(weights->size(), 6u);

  const OwnedTensor& gemm = weights->at("encoder.layer.0.intermediate.dense.weight");
  EXPECT_EQ(gemm.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(gemm.data, (std::vector<float>{1.f, -2.f, 0.5f, 0x1p-24f, 65504.f, -0.f}));
  EXPECT_TRUE(std::signbit(gemm.data[5]));

  const OwnedTensor& dense = weights->at("encoder.layer.0.output.dense.weight");
  EXPECT_EQ(dense.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(dense.data, (std::vector<float>{1, 4, 2, 5, 3, 6}));  // [in, out] transposed
  EXPECT_EQ(weights->at("encoder.layer.0.output.dense.bias").shape, (std::vector<int64_t>{3}));

  const OwnedTensor& pooler = weights->at("pooler.dense.weight");
  EXPECT_EQ(pooler.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(pooler.data, (std::vector<float>{0.5f, -1.5f}));

  EXPECT_EQ(weights->at("embeddings.LayerNorm.weight").data, (std::vector<float>{1.f, -0.5f}));
  EXPECT_FALSE(weights->contains("embeddings.position_ids"));
  EXPECT_FALSE(weights->contains("onnx::Gemm_1"));
  EXPECT_FALSE(weights->contains("onnx::MatMul_7"));
}

std::string ExternalTensor(const std::string& name, const std::vector<int64_t>& dims, const std::string& location,
                           const std::string& offset, const std::string& length) {
  std::string t;
  for (int64_t d : dims) t += VarintField(1, static_cast<uint64_t>(d));
  t += VarintField(2, 1) + BytesField(8, name);
  t += BytesField(13, BytesField(1, "location") + BytesField(2, location));
  t += BytesField(13, BytesField(1, "offset") + BytesField(2, offset));
  t += BytesField(13, BytesField(1, "length") + BytesField(2, length));
  return t + VarintField(14, 1);
}

TEST(OnnxWeights, ReadsExternalDataBesideTheModelAndRefusesPathsOutsideIt) {
  TempDir dir;
  dir.Write("model.onnx_data", "XXXX" + LittleEndian(std::vector<float>{1.5f, -2.5f}));
  auto ok = LoadOnnxBertWeights(dir.Write(
      "model.onnx", Model(BytesField(5, ExternalTensor("embeddings.LayerNorm.bias", {2}, "model.onnx_data", "4", "8")))));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->at("embeddings.LayerNorm.bias").data, (std::vector<float>{1.5f, -2.5f}));

  for (const auto& [location, offset, length] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"../model.onnx_data", "4", "8"},  // leaves the folder
           {"/etc/passwd", "0", "8"},         // absolute
           {"model.onnx_data", "8", "8"},     // past the end
           {"model.onnx_data", "4", "12"},    // length disagrees with dims
           {"model.onnx_data", "-4", "8"}}) {
    SCOPED_TRACE(location + " " + offset + " " + length);
    auto bad = LoadOnnxBertWeights(dir.Write(
        "bad.onnx", Model(BytesField(5, ExternalTensor("embeddings.LayerNorm.bias", {2}, location, offset, length)))));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), Status::Code::kCorruption) << bad.status().ToString();
  }
}

TEST(OnnxWeights, SizeMismatchesAndHostileDimsAreCorruption) {
  TempDir dir;
  const auto load = [&](const std::string& tensor) {
    return LoadOnnxBertWeights(dir.Write("model.onnx", Model(BytesField(5, tensor))));
  };
  // 3 floats for dims [2].
  auto too_many = load(Tensor("embeddings.LayerNorm.bias", {2}, 1, LittleEndian(std::vector<float>{1, 2, 3})));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), Status::Code::kCorruption);
  // Dims whose product overflows 64 bits.
  auto overflow = load(Tensor("embeddings.LayerNorm.bias", {1LL << 40, 1LL << 40}, 1, "abcd"));
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().code(), Status::Code::kCorruption);
  auto negative = load(Tensor("embeddings.LayerNorm.bias", {-1}, 1, "abcd"));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), Status::Code::kCorruption);
  // A length prefix far beyond the end of the message.
  auto huge_length = LoadOnnxBertWeights(dir.Write("model.onnx", Varint((7 << 3) | 2) + Varint(1ULL << 62)));
  ASSERT_FALSE(huge_length.ok());
  EXPECT_EQ(huge_length.status().code(), Status::Code::kCorruption);
  // An 11-byte varint.
  auto long_varint = LoadOnnxBertWeights(dir.Write("model.onnx", "\x08" + std::string(10, '\xFF') + "\x01"));
  ASSERT_FALSE(long_varint.ok());
  EXPECT_EQ(long_varint.status().code(), Status::Code::kCorruption);
}

TEST(OnnxWeights, RandomByteFlipsNeverCrash) {
  // Mutations of a small valid model must come back as a value (usually an
  // error); run under ASan/UBSan this checks every read is bounds-checked.
  std::string g;
  g += BytesField(5, Tensor("onnx::MatMul_1", {2, 2}, 1, LittleEndian(std::vector<float>{1, 2, 3, 4})));
  g += BytesField(5, Tensor("encoder.layer.0.attention.self.query.bias", {2}, 10,
                            LittleEndian(std::vector<uint16_t>{0x3C00, 0x4000})));
  g += BytesField(1, Node("MatMul", {"x", "onnx::MatMul_1"}, {"m"}));
  g += BytesField(1, Node("Add", {"m", "encoder.layer.0.attention.self.query.bias"}, {"y"}));
  const std::string model = Model(g);
  TempDir dir;
  {
    auto weights = LoadOnnxBertWeights(dir.Write("model.onnx", model));
    ASSERT_TRUE(weights.ok()) << weights.status().ToString();
    EXPECT_EQ(weights->at("encoder.layer.0.attention.self.query.weight").data, (std::vector<float>{1, 3, 2, 4}));
    EXPECT_EQ(weights->at("encoder.layer.0.attention.self.query.bias").data, (std::vector<float>{1, 2}));
  }
  std::mt19937 rng(42);
  int failures = 0;
  for (int round = 0; round < 500; ++round) {
    std::string mutated = model;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    auto weights = LoadOnnxBertWeights(dir.Write("mutated.onnx", mutated));
    if (!weights.ok()) {
      ++failures;
      EXPECT_NE(weights.status().message().find("mutated.onnx"), std::string::npos);
    }
  }
  EXPECT_GT(failures, 0);
}

TEST(OnnxTensor, HalfConversionCoversSpecialValues) {
  EXPECT_EQ(onnx::HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(onnx::HalfToFloat(0x0400), 0x1p-14f);  // smallest normal
  EXPECT_EQ(onnx::HalfToFloat(0x03FF), 1023 * 0x1p-24f);  // largest subnormal
  EXPECT_TRUE(std::isinf(onnx::HalfToFloat(0xFC00)));
  EXPECT_LT(onnx::HalfToFloat(0xFC00), 0.0f);
  EXPECT_TRUE(std::isnan(onnx::HalfToFloat(0x7E00)));
  EXPECT_EQ(onnx::Bfloat16ToFloat(0x4049), 3.140625f);
}

}  // namespace
}  // namespace textembed::engine
