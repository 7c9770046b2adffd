#pragma once
// Tunable problems of a network Graph: conv2d ops become ConvProblems, fully connected ops
// GemmProblems (see problem_key.h for the GEMM convention).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plantune/core/graph.h"
#include "plantune/tuner/problem_key.h"

namespace plantune::tuner {

// The problem of op `op_index`; `batch` replaces N (conv) or M (gemm) when given.
// Dtypes come from the tensors: x and w from the input, y from the output; accumulation is
// int32 for int8 inputs and fp32 otherwise. Throws invalid_argument naming the op when it is
// not a conv2d or fully_connected op, or when its input does not have the expected rank.
Problem problem_from_op(const Graph& g, std::size_t op_index,
                        std::optional<std::int64_t> batch = std::nullopt);
// True for the op kinds problem_from_op accepts.
bool is_tunable(OpKind k);

struct TunableOp {
  std::size_t op_index = 0;
  std::string key;  // canonical problem key
};

// Every tunable op of `g` in op order (several ops may share a key).
std::vector<TunableOp> tunable_ops(const Graph& g,
                                   std::optional<std::int64_t> batch = std::nullopt);
// The distinct keys of tunable_ops(), in order of first use.
std::vector<std::string> tunable_keys(const Graph& g,
                                      std::optional<std::int64_t> batch = std::nullopt);

}  // namespace plantune::tuner
