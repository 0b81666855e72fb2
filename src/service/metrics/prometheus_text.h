// Pieces of the Prometheus text exposition format (version 0.0.4):
// https://prometheus.io/docs/instrumenting/exposition_formats/
#pragma once

#include <string>
#include <string_view>

namespace textembed::service::prometheus {

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);
// Label names: [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved).
bool IsValidLabelName(std::string_view name);

// HELP text: backslash and newline escaped.
std::string EscapeHelp(std::string_view help);
// Label values: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);

// A sample value: integers without exponent or fraction, others in the
// shortest form that reads back exactly; "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

}  // namespace textembed::service::prometheus
