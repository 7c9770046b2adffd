#include "plantune/runtime/bn_folding.h"

#include <cmath>
#include <string_view>

#include "plantune/core/error.h"

namespace plantune::runtime {

FoldedConv fold_batch_norm(const HostTensor& conv_weight, const std::vector<float>* conv_bias,
                           const HostTensor& gamma, const HostTensor& beta, const HostTensor& mean,
                           const HostTensor& var, double epsilon) {
  PT_REQUIRE(!conv_weight.dims.empty(), invalid_argument,
             "fold_batch_norm: the conv weight is a scalar; it needs dims [K, ...]");
  const std::int64_t k = conv_weight.dims[0];
  const std::int64_t numel = conv_weight.numel();
  PT_REQUIRE(static_cast<std::uint64_t>(numel) == conv_weight.data.size(), invalid_argument,
             "fold_batch_norm: the conv weight has dims " << dims_to_string(conv_weight.dims)
                                                          << " but " << conv_weight.data.size()
                                                          << " values");
  const std::vector<std::int64_t> per_channel{k};
  auto check = [&](const HostTensor& t, std::string_view what) {
    PT_REQUIRE(t.dims == per_channel && t.data.size() == static_cast<std::size_t>(k),
               invalid_argument,
               "fold_batch_norm: batch norm " << what << " has dims " << dims_to_string(t.dims)
                                              << " and " << t.data.size()
                                              << " values; the conv weight "
                                              << dims_to_string(conv_weight.dims)
                                              << " needs dims [" << k << "]");
  };
  check(gamma, "gamma (weight)");
  check(beta, "beta (bias)");
  check(mean, "running_mean");
  check(var, "running_var");
  PT_REQUIRE(conv_bias == nullptr || conv_bias->size() == static_cast<std::size_t>(k),
             invalid_argument,
             "fold_batch_norm: the conv bias has " << conv_bias->size() << " values, the weight "
                                                   << dims_to_string(conv_weight.dims)
                                                   << " has " << k << " output channels");
  PT_REQUIRE(std::isfinite(epsilon) && epsilon >= 0, invalid_argument,
             "fold_batch_norm: epsilon " << epsilon << " must be finite and >= 0");

  FoldedConv out;
  out.weight.dims = conv_weight.dims;
  out.weight.data.resize(conv_weight.data.size());
  out.bias.resize(static_cast<std::size_t>(k));
  const std::size_t per_k = k == 0 ? 0 : conv_weight.data.size() / static_cast<std::size_t>(k);
  for (std::size_t c = 0; c < static_cast<std::size_t>(k); ++c) {
    const double denom = static_cast<double>(var.data[c]) + epsilon;
    PT_REQUIRE(denom > 0, invalid_argument,
               "fold_batch_norm: channel " << c << ": running_var " << var.data[c]
                                           << " + epsilon " << epsilon << " is not positive");
    const double s = static_cast<double>(gamma.data[c]) / std::sqrt(denom);
    for (std::size_t i = c * per_k; i < (c + 1) * per_k; ++i) {
      out.weight.data[i] = static_cast<float>(static_cast<double>(conv_weight.data[i]) * s);
    }
    const double b = conv_bias ? static_cast<double>((*conv_bias)[c]) : 0.0;
    out.bias[c] = static_cast<float>((b - static_cast<double>(mean.data[c])) * s +
                                     static_cast<double>(beta.data[c]));
  }
  return out;
}

}  // namespace plantune::runtime
