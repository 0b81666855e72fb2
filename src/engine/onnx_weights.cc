#include "engine/onnx_weights.h"

#include <string_view>
#include <unordered_set>

#include "core/mapped_file.h"
#include "engine/onnx_model.h"
#include "engine/onnx_tensor.h"
#include "engine/weight_source.h"

namespace textembed::engine {

namespace {

using onnx::GraphRecord;
using onnx::NodeRecord;
using onnx::TensorRecord;

constexpr std::string_view kWeightSuffix = ".weight";
constexpr std::string_view kBiasSuffix = ".bias";

// Names an exporter invents ("onnx::MatMul_12", "/m/Constant_output_0", "123")
// say nothing about which parameter a tensor is.
bool IsParameterName(std::string_view name) {
  if (name.empty() || name.starts_with("onnx::") || name.starts_with("/")) return false;
  const char first = name.front();
  const bool starts_with_letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
  return starts_with_letter && name.find('.') != std::string_view::npos;
}

std::string HuggingFaceName(std::string_view name) { return CanonicalTensorName(name); }

// One output tensor: which record it comes from and whether it is stored [in, out].
struct PlannedTensor {
  const TensorRecord* source = nullptr;
  bool transpose = false;
};

class WeightPlanner {
 public:
  explicit WeightPlanner(const GraphRecord& graph) : graph_(graph) {
    for (const TensorRecord& tensor : graph.initializers) tensors_.emplace(tensor.name, &tensor);
    for (const NodeRecord& node : graph.nodes) {
      for (const TensorRecord& tensor : node.tensor_attributes) tensors_.emplace(tensor.name, &tensor);
      if (node.op_type == "Identity" && node.inputs.size() == 1 && node.outputs.size() == 1) {
        identity_source_.emplace(node.outputs[0], node.inputs[0]);
      }
      for (const std::string& input : node.inputs) consumers_[input].push_back(&node);
    }
  }

  Result<std::unordered_map<std::string, PlannedTensor>> Plan() {
    for (const NodeRecord& node : graph_.nodes) {
      if (node.op_type == "MatMul" && node.inputs.size() == 2 && node.outputs.size() == 1) {
        TEXTEMBED_RETURN_IF_ERROR(PlanMatMul(node));
      } else if (node.op_type == "Gemm" && node.inputs.size() >= 2) {
        TEXTEMBED_RETURN_IF_ERROR(PlanGemm(node));
      }
    }
    for (const TensorRecord& tensor : graph_.initializers) {
      if (linear_weights_.contains(&tensor) || !onnx::IsFloatType(tensor.data_type) ||
          !IsParameterName(tensor.name)) {
        continue;
      }
      TEXTEMBED_RETURN_IF_ERROR(Add(HuggingFaceName(tensor.name), {&tensor, false}));
    }
    return std::move(planned_);
  }

 private:
  // The tensor behind a value name, looking through Identity nodes (exporters
  // insert them for shared weights).
  const TensorRecord* Resolve(std::string name) const {
    for (int hops = 0; hops < 16; ++hops) {
      if (auto it = tensors_.find(name); it != tensors_.end()) return it->second;
      auto alias = identity_source_.find(name);
      if (alias == identity_source_.end()) return nullptr;
      name = alias->second;
    }
    return nullptr;
  }

  const TensorRecord* LinearWeight(const std::string& value) const {
    const TensorRecord* tensor = Resolve(value);
    if (tensor == nullptr || !onnx::IsFloatType(tensor->data_type) || tensor->dims.size() != 2) return nullptr;
    return tensor;
  }

  // "x.y.bias" -> "x.y.weight" for a parameter-named bias; empty otherwise.
  std::string WeightNameFromBias(const std::string& value) const {
    const TensorRecord* bias = Resolve(value);
    if (bias == nullptr || !IsParameterName(bias->name) || !bias->name.ends_with(kBiasSuffix)) return {};
    std::string name = HuggingFaceName(bias->name);
    name.replace(name.size() - kBiasSuffix.size(), kBiasSuffix.size(), kWeightSuffix);
    return name;
  }

  std::string WeightNameFromConsumingAdd(const std::string& matmul_output) const {
    auto it = consumers_.find(matmul_output);
    if (it == consumers_.end()) return {};
    for (const NodeRecord* add : it->second) {
      if (add->op_type != "Add" || add->inputs.size() != 2) continue;
      const std::string& other = add->inputs[0] == matmul_output ? add->inputs[1] : add->inputs[0];
      std::string name = WeightNameFromBias(other);
      if (!name.empty()) return name;
    }
    return {};
  }

  // MatMul(x, W) computes x·W, so W is stored [in, out].
  Status PlanMatMul(const NodeRecord& node) {
    const TensorRecord* weight = LinearWeight(node.inputs[1]);
    if (weight == nullptr) return Status::Ok();  // activations × activations (attention scores)
    std::string name = IsParameterName(weight->name) ? HuggingFaceName(weight->name)
                                                      : WeightNameFromConsumingAdd(node.outputs[0]);
    if (name.empty()) return Status::Ok();  // a Linear without bias cannot be named
    linear_weights_.insert(weight);
    return Add(name, {weight, true});
  }

  // Gemm(A, B, C) = A·op(B) + C; with transB=1, B is already [out, in].
  Status PlanGemm(const NodeRecord& node) {
    const TensorRecord* weight = LinearWeight(node.inputs[1]);
    if (weight == nullptr) return Status::Ok();
    std::string name;
    if (IsParameterName(weight->name)) {
      name = HuggingFaceName(weight->name);
    } else if (node.inputs.size() >= 3) {
      name = WeightNameFromBias(node.inputs[2]);
    }
    if (name.empty()) return Status::Ok();
    linear_weights_.insert(weight);
    return Add(name, {weight, node.IntAttribute("transB", 0) == 0});
  }

  Status Add(const std::string& name, PlannedTensor planned) {
    auto [it, inserted] = planned_.emplace(name, planned);
    if (!inserted && (it->second.source != planned.source || it->second.transpose != planned.transpose)) {
      return Status::Corruption("two different tensors map to '" + name + "'");
    }
    return Status::Ok();
  }

  const GraphRecord& graph_;
  std::unordered_map<std::string, const TensorRecord*> tensors_;
  std::unordered_map<std::string, std::string> identity_source_;
  std::unordered_map<std::string, std::vector<const NodeRecord*>> consumers_;
  std::unordered_set<const TensorRecord*> linear_weights_;
  std::unordered_map<std::string, PlannedTensor> planned_;
};

Result<OwnedTensor> Materialize(const PlannedTensor& planned, const std::filesystem::path& model_dir) {
  TEXTEMBED_ASSIGN_OR_RETURN(std::vector<float> values, onnx::TensorToFloat32(*planned.source, model_dir));
  OwnedTensor tensor;
  tensor.shape = planned.source->dims;
  if (!planned.transpose) {
    tensor.data = std::move(values);
    return tensor;
  }
  const auto rows = static_cast<size_t>(tensor.shape[0]);  // in
  const auto cols = static_cast<size_t>(tensor.shape[1]);  // out
  tensor.data.resize(values.size());
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) tensor.data[c * rows + r] = values[r * cols + c];
  }
  tensor.shape = {tensor.shape[1], tensor.shape[0]};
  return tensor;
}

}  // namespace

Result<std::unordered_map<std::string, OwnedTensor>> LoadOnnxBertWeights(
    const std::filesystem::path& onnx_path) {
  TEXTEMBED_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(onnx_path));
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  auto graph = onnx::ParseModel(bytes);
  if (!graph.ok()) {
    return Status::Corruption(onnx_path.string() + ": not a valid ONNX model: " + graph.status().message());
  }
  auto plan = WeightPlanner(*graph).Plan();
  if (!plan.ok()) return plan.status().WithContext(onnx_path.string());
  if (plan->empty()) return Status::Corruption(onnx_path.string() + ": no named float weights in the ONNX graph");

  std::unordered_map<std::string, OwnedTensor> weights;
  weights.reserve(plan->size());
  for (const auto& [name, planned] : *plan) {
    auto tensor = Materialize(planned, onnx_path.parent_path());
    if (!tensor.ok()) return tensor.status().WithContext(onnx_path.string());
    weights.emplace(name, std::move(tensor).value());
  }
  return weights;
}

}  // namespace textembed::engine
