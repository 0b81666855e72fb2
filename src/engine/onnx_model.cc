#include "engine/onnx_model.h"

#include "engine/onnx_protobuf.h"

namespace textembed::engine::onnx {

namespace {

// Field numbers from onnx/onnx.proto.
namespace model_field { constexpr uint32_t kGraph = 7; }
namespace graph_field {
constexpr uint32_t kNode = 1;
constexpr uint32_t kInitializer = 5;
}  // namespace graph_field
namespace node_field {
constexpr uint32_t kInput = 1;
constexpr uint32_t kOutput = 2;
constexpr uint32_t kOpType = 4;
constexpr uint32_t kAttribute = 5;
}  // namespace node_field
namespace attribute_field {
constexpr uint32_t kName = 1;
constexpr uint32_t kInt = 3;
constexpr uint32_t kTensor = 5;
}  // namespace attribute_field
namespace tensor_field {
constexpr uint32_t kDims = 1;
constexpr uint32_t kDataType = 2;
constexpr uint32_t kFloatData = 4;
constexpr uint32_t kInt32Data = 5;
constexpr uint32_t kName = 8;
constexpr uint32_t kRawData = 9;
constexpr uint32_t kDoubleData = 10;
constexpr uint32_t kExternalData = 13;
constexpr uint32_t kDataLocation = 14;
}  // namespace tensor_field
namespace entry_field {
constexpr uint32_t kKey = 1;
constexpr uint32_t kValue = 2;
}  // namespace entry_field

Status Expect(const ProtoField& field, WireType type, const char* what) {
  if (field.type == type) return Status::Ok();
  return Status::Corruption(std::string(what) + " (field " + std::to_string(field.number) +
                            ") has the wrong wire type");
}

Result<std::pair<std::string, std::string>> ParseStringEntry(std::span<const uint8_t> bytes) {
  std::pair<std::string, std::string> entry;
  ProtoReader reader(bytes);
  ProtoField field;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    if (field.number == entry_field::kKey) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "external_data key"));
      entry.first = field.text();
    } else if (field.number == entry_field::kValue) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "external_data value"));
      entry.second = field.text();
    }
  }
  return entry;
}

Result<TensorRecord> ParseTensor(std::span<const uint8_t> bytes) {
  TensorRecord tensor;
  ProtoReader reader(bytes);
  ProtoField field;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    switch (field.number) {
      case tensor_field::kDims:
        TEXTEMBED_RETURN_IF_ERROR(AppendVarints(field, &tensor.dims));
        break;
      case tensor_field::kDataType:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kVarint, "tensor data_type"));
        tensor.data_type = static_cast<int32_t>(field.scalar);
        break;
      case tensor_field::kFloatData:
        TEXTEMBED_RETURN_IF_ERROR(AppendFixed32(field, &tensor.float_data));
        break;
      case tensor_field::kInt32Data:
        TEXTEMBED_RETURN_IF_ERROR(AppendVarints(field, &tensor.int32_data));
        break;
      case tensor_field::kName:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "tensor name"));
        tensor.name = field.text();
        break;
      case tensor_field::kRawData:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "tensor raw_data"));
        tensor.raw_data = field.bytes;
        break;
      case tensor_field::kDoubleData:
        TEXTEMBED_RETURN_IF_ERROR(AppendFixed64(field, &tensor.double_data));
        break;
      case tensor_field::kExternalData: {
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "tensor external_data"));
        TEXTEMBED_ASSIGN_OR_RETURN(auto entry, ParseStringEntry(field.bytes));
        tensor.external_data.push_back(std::move(entry));
        break;
      }
      case tensor_field::kDataLocation:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kVarint, "tensor data_location"));
        tensor.external = field.scalar == 1;
        break;
      default:
        break;  // segment, string/int64/uint64 data, doc_string: not weights we convert
    }
  }
  return tensor;
}

struct Attribute {
  std::string name;
  bool has_int = false;
  int64_t int_value = 0;
  bool has_tensor = false;
  TensorRecord tensor;
};

Result<Attribute> ParseAttribute(std::span<const uint8_t> bytes) {
  Attribute attribute;
  ProtoReader reader(bytes);
  ProtoField field;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    if (field.number == attribute_field::kName) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "attribute name"));
      attribute.name = field.text();
    } else if (field.number == attribute_field::kInt) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kVarint, "attribute i"));
      attribute.has_int = true;
      attribute.int_value = static_cast<int64_t>(field.scalar);
    } else if (field.number == attribute_field::kTensor) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "attribute t"));
      TEXTEMBED_ASSIGN_OR_RETURN(attribute.tensor, ParseTensor(field.bytes));
      attribute.has_tensor = true;
    }
    // Subgraphs (If/Loop bodies) and lists are skipped: weights of an encoder live in the main graph.
  }
  return attribute;
}

Result<NodeRecord> ParseNode(std::span<const uint8_t> bytes) {
  NodeRecord node;
  ProtoReader reader(bytes);
  ProtoField field;
  std::vector<Attribute> attributes;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    switch (field.number) {
      case node_field::kInput:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "node input"));
        node.inputs.emplace_back(field.text());
        break;
      case node_field::kOutput:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "node output"));
        node.outputs.emplace_back(field.text());
        break;
      case node_field::kOpType:
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "node op_type"));
        node.op_type = field.text();
        break;
      case node_field::kAttribute: {
        TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "node attribute"));
        TEXTEMBED_ASSIGN_OR_RETURN(Attribute attribute, ParseAttribute(field.bytes));
        attributes.push_back(std::move(attribute));
        break;
      }
      default:
        break;
    }
  }
  for (Attribute& attribute : attributes) {
    if (attribute.has_int) node.int_attributes.emplace_back(attribute.name, attribute.int_value);
    // A Constant's tensor is known by the node's output name, not its own (usually empty) name.
    if (attribute.has_tensor && attribute.name == "value" && node.op_type == "Constant" &&
        node.outputs.size() == 1) {
      attribute.tensor.name = node.outputs[0];
      node.tensor_attributes.push_back(std::move(attribute.tensor));
    }
  }
  return node;
}

Status ParseGraph(std::span<const uint8_t> bytes, GraphRecord* graph) {
  ProtoReader reader(bytes);
  ProtoField field;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    if (field.number == graph_field::kNode) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "graph node"));
      TEXTEMBED_ASSIGN_OR_RETURN(NodeRecord node, ParseNode(field.bytes));
      graph->nodes.push_back(std::move(node));
    } else if (field.number == graph_field::kInitializer) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "graph initializer"));
      TEXTEMBED_ASSIGN_OR_RETURN(TensorRecord tensor, ParseTensor(field.bytes));
      graph->initializers.push_back(std::move(tensor));
    }
  }
  return Status::Ok();
}

}  // namespace

int64_t NodeRecord::IntAttribute(std::string_view name, int64_t fallback) const {
  for (const auto& [attribute_name, value] : int_attributes) {
    if (attribute_name == name) return value;
  }
  return fallback;
}

Result<GraphRecord> ParseModel(std::span<const uint8_t> model_bytes) {
  GraphRecord graph;
  bool has_graph = false;
  ProtoReader reader(model_bytes);
  ProtoField field;
  while (true) {
    TEXTEMBED_ASSIGN_OR_RETURN(const bool more, reader.Next(&field));
    if (!more) break;
    if (field.number == model_field::kGraph) {
      TEXTEMBED_RETURN_IF_ERROR(Expect(field, WireType::kLengthDelimited, "model graph"));
      // Protobuf merges repeated occurrences of a message field; appending does the same here.
      TEXTEMBED_RETURN_IF_ERROR(ParseGraph(field.bytes, &graph));
      has_graph = true;
    }
  }
  if (!has_graph) return Status::Corruption("no graph in the ONNX model");
  return graph;
}

}  // namespace textembed::engine::onnx
