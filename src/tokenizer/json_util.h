// Typed field access on tokenizer.json nodes; errors become Status::Corruption.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "textembed/status.h"

namespace textembed::tokenizer {

// node[key] converted to T, or `fallback` when absent or null.
template <typename T>
Result<T> Field(const nlohmann::json& node, const char* key, T fallback) {
  if (!node.is_object()) return Status::Corruption(std::string("expected an object around \"") + key + "\"");
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("field \"") + key + "\": " + e.what());
  }
}

inline std::string TypeOf(const nlohmann::json& node) {
  if (!node.is_object()) return "";
  auto it = node.find("type");
  if (it == node.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace textembed::tokenizer
