#pragma once
// Helpers shared by the models tests: find an op by name, catch an Error and return its message.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "plantune/core/error.h"
#include "plantune/core/graph.h"

namespace plantune::models::testing {

// The op named `name`; fails the test (and returns the first op) when there is none.
inline const Op& op_named(const Graph& g, std::string_view name) {
  for (const auto& op : g.ops()) {
    if (op.name == name) return op;
  }
  ADD_FAILURE() << "graph '" << g.name() << "' has no op named '" << name << "'";
  return g.ops().front();
}

inline bool has_op(const Graph& g, std::string_view name) {
  for (const auto& op : g.ops()) {
    if (op.name == name) return true;
  }
  return false;
}

inline const ConvAttrs& conv_attrs(const Graph& g, std::string_view name) {
  return std::get<ConvAttrs>(op_named(g, name).attrs);
}

inline const TensorShape& output_shape(const Graph& g, std::string_view op_name) {
  return g.tensor(op_named(g, op_name).output).shape;
}

inline std::size_t count_activation(const Graph& g, Activation a) {
  std::size_t n = 0;
  for (const auto& op : g.ops()) {
    n += op.kind == OpKind::activation && std::get<ActivationAttrs>(op.attrs).kind == a;
  }
  return n;
}

// Runs f, expects it to throw plantune::Error with `code`, and returns the message.
template <class F>
std::string error_of(F&& f, ErrorCode code = ErrorCode::invalid_argument) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no plantune::Error thrown";
  return {};
}

}  // namespace plantune::models::testing

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)
