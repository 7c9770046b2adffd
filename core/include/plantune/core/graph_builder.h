#pragma once
// Terse construction of Graphs in code (built-in models, tests). Each call appends one op named
// exactly `name` and returns its output tensor.
#include <string>
#include <vector>

#include "plantune/core/graph.h"

namespace plantune {

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& g) : g_(g) {}

  TensorId input(const std::string& name, std::vector<std::int64_t> dims, DType t = DType::fp32);
  // k x k convolution, stride s, padding p (default "same" for odd k: (k-1)/2 * dilation).
  TensorId conv(const std::string& name, TensorId x, std::int64_t out_channels, std::int64_t k,
                std::int64_t stride = 1, std::int64_t pad = -1, std::int64_t groups = 1,
                bool bias = false, Activation act = Activation::none, std::int64_t dilation = 1);
  TensorId conv_transpose(const std::string& name, TensorId x, std::int64_t out_channels,
                          std::int64_t k, std::int64_t stride, bool bias = true);
  TensorId batch_norm(const std::string& name, TensorId x);
  TensorId act(const std::string& name, TensorId x, Activation a);
  TensorId max_pool(const std::string& name, TensorId x, std::int64_t k, std::int64_t stride,
                    std::int64_t pad = 0);
  TensorId avg_pool(const std::string& name, TensorId x, std::int64_t k, std::int64_t stride,
                    std::int64_t pad = 0);
  TensorId global_avg_pool(const std::string& name, TensorId x);
  TensorId add(const std::string& name, TensorId a, TensorId b, Activation act = Activation::none);
  TensorId mul(const std::string& name, TensorId a, TensorId b);
  TensorId concat(const std::string& name, std::vector<TensorId> xs, int axis = 1);
  TensorId fc(const std::string& name, TensorId x, std::int64_t out_features, bool bias = true,
              Activation act = Activation::none);
  TensorId softmax(const std::string& name, TensorId x, int axis = 1);
  TensorId flatten(const std::string& name, TensorId x, int start_axis = 1);
  TensorId reshape(const std::string& name, TensorId x, std::vector<std::int64_t> shape);
  TensorId upsample(const std::string& name, TensorId x, std::int64_t scale,
                    UpsampleMode mode = UpsampleMode::nearest);
  void output(TensorId t) { g_.mark_output(t); }

  Graph& graph() { return g_; }

 private:
  Graph& g_;
};

}  // namespace plantune
