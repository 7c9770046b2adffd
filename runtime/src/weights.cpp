#include "plantune/runtime/weights.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "plantune/core/error.h"

namespace plantune::runtime {

std::int64_t HostTensor::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    PT_REQUIRE(d >= 0, invalid_argument,
               "host tensor has a negative dim in " << dims_to_string(dims));
    n = checked_mul(n, d, "host tensor element count");
  }
  return n;
}

std::string dims_to_string(const std::vector<std::int64_t>& dims) {
  std::ostringstream s;
  s << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) s << (i ? ", " : "") << dims[i];
  s << ']';
  return s.str();
}

void WeightStore::set(std::string name, HostTensor t) {
  PT_REQUIRE(!name.empty(), invalid_argument, "weight store: a tensor needs a name");
  for (std::int64_t d : t.dims) {
    PT_REQUIRE(d >= 0, invalid_argument,
               "weight store: tensor '" << name << "' has a negative dim in "
                                        << dims_to_string(t.dims));
  }
  const std::int64_t n = t.numel();
  PT_REQUIRE(static_cast<std::uint64_t>(n) == t.data.size(), invalid_argument,
             "weight store: tensor '" << name << "' has dims " << dims_to_string(t.dims) << " ("
                                      << n << " elements) but " << t.data.size() << " values");
  const std::size_t added = t.data.size() * sizeof(float);
  auto it = tensors_.find(name);
  if (it != tensors_.end()) {
    bytes_ -= it->second.data.size() * sizeof(float);
    it->second = std::move(t);
  } else {
    tensors_.emplace(std::move(name), std::move(t));
  }
  bytes_ += added;
}

const HostTensor* WeightStore::find(std::string_view name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const HostTensor& WeightStore::at(std::string_view name) const {
  const HostTensor* t = find(name);
  PT_REQUIRE(t != nullptr, invalid_argument,
             "weight store: no tensor named '" << name << "' (" << tensors_.size()
                                               << " tensors stored)");
  return *t;
}

std::vector<std::string> WeightStore::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& [name, t] : tensors_) out.push_back(name);
  return out;  // std::map keeps them sorted
}

namespace {

// Input channels (dim 1) of op i's first input.
std::int64_t input_channels(const Graph& g, std::size_t i) {
  const Op& op = g.ops()[i];
  std::vector<TensorShape> in = g.input_shapes(i);
  PT_REQUIRE(!in.empty() && in[0].rank() >= 2, invalid_argument,
             "op '" << op.name << "' (" << to_string(op.kind)
                    << "): its weights need an input of rank >= 2 with channels in dim 1");
  return in[0].dims[1];
}

}  // namespace

std::vector<WeightSpec> weight_specs(const Graph& g) {
  std::vector<WeightSpec> specs;
  for (std::size_t i = 0; i < g.ops().size(); ++i) {
    const Op& op = g.ops()[i];
    auto add = [&](const char* suffix, std::vector<std::int64_t> dims) {
      specs.push_back(WeightSpec{op.name + "." + suffix, std::move(dims), i});
    };
    switch (op.kind) {
      case OpKind::conv2d:
      case OpKind::conv_transpose2d: {
        const auto& a = std::get<ConvAttrs>(op.attrs);
        const std::int64_t c = input_channels(g, i);
        PT_REQUIRE(a.groups > 0 && c % a.groups == 0 && a.out_channels % a.groups == 0,
                   invalid_argument,
                   "op '" << op.name << "': groups " << a.groups << " must divide input channels "
                          << c << " and output channels " << a.out_channels);
        if (op.kind == OpKind::conv2d) {
          add("weight", {a.out_channels, c / a.groups, a.kernel_h, a.kernel_w});
        } else {
          add("weight", {c, a.out_channels / a.groups, a.kernel_h, a.kernel_w});
        }
        if (a.bias) add("bias", {a.out_channels});
        break;
      }
      case OpKind::batch_norm: {
        const std::int64_t c = input_channels(g, i);
        add("weight", {c});
        add("bias", {c});
        add("running_mean", {c});
        add("running_var", {c});
        break;
      }
      case OpKind::fully_connected: {
        const auto& a = std::get<FullyConnectedAttrs>(op.attrs);
        add("weight", {a.out_features, input_channels(g, i)});
        if (a.bias) add("bias", {a.out_features});
        break;
      }
      default:
        break;
    }
  }
  return specs;
}

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator whose output is the
// same on every platform.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi], from the top 53 bits.
  float uniform(double lo, double hi) {
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    return static_cast<float>(lo + (hi - lo) * u);
  }
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// Products summed into one output element of a conv / fc op (see Note [random weight ranges]).
double fan_in(const Op& op, const WeightSpec& spec) {
  const auto& d = spec.dims;
  if (op.kind == OpKind::fully_connected) return static_cast<double>(d[1]);
  const auto& a = std::get<ConvAttrs>(op.attrs);
  if (op.kind == OpKind::conv2d) return static_cast<double>(d[1] * d[2] * d[3]);
  // conv_transpose2d: weight [C, K/g, R, S]; C/g input channels of the group feed an output.
  auto taps = [](std::int64_t k, std::int64_t s) {
    return (k + s - 1) / std::max<std::int64_t>(s, 1);
  };
  const double per_group = static_cast<double>(d[0] / std::max<std::int64_t>(a.groups, 1));
  return per_group * static_cast<double>(taps(d[2], a.stride_h) * taps(d[3], a.stride_w));
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The uniform range of one tensor (Note [random weight ranges]).
std::pair<double, double> random_range(const Op& op, const WeightSpec& spec) {
  if (op.kind == OpKind::batch_norm) {
    if (ends_with(spec.name, ".weight")) return {0.5, 1.0};         // gamma
    if (ends_with(spec.name, ".bias")) return {-0.1, 0.1};          // beta
    if (ends_with(spec.name, ".running_mean")) return {-0.1, 0.1};
    return {0.5, 1.5};                                              // running_var
  }
  const double fan = std::max(1.0, fan_in(op, spec));
  const double b = ends_with(spec.name, ".bias") ? std::min(0.1, 1.0 / std::sqrt(fan))
                                                 : std::sqrt(6.0 / fan);
  return {-b, b};
}

}  // namespace

WeightStore random_weights(const Graph& g, std::uint64_t seed) {
  WeightStore store;
  for (const WeightSpec& spec : weight_specs(g)) {
    const Op& op = g.ops()[spec.op_index];
    SplitMix64 seeder{seed ^ fnv1a(spec.name)};
    SplitMix64 rng{seeder.next()};
    const auto [lo, hi] = random_range(op, spec);
    HostTensor t;
    t.dims = spec.dims;
    t.data.resize(static_cast<std::size_t>(t.numel()));
    for (float& v : t.data) v = rng.uniform(lo, hi);
    store.set(spec.name, std::move(t));
  }
  return store;
}

void check_weights(const Graph& g, const WeightStore& store) {
  for (const WeightSpec& spec : weight_specs(g)) {
    const Op& op = g.ops()[spec.op_index];
    const HostTensor* t = store.find(spec.name);
    PT_REQUIRE(t != nullptr, invalid_argument,
               "weights for network '" << g.name() << "': tensor '" << spec.name << "' of op '"
                                       << op.name << "' (" << to_string(op.kind)
                                       << ") is missing (expected dims "
                                       << dims_to_string(spec.dims) << ")");
    PT_REQUIRE(t->dims == spec.dims, invalid_argument,
               "weights for network '" << g.name() << "': tensor '" << spec.name << "' of op '"
                                       << op.name << "' (" << to_string(op.kind)
                                       << ") has dims " << dims_to_string(t->dims)
                                       << ", expected " << dims_to_string(spec.dims));
  }
}

}  // namespace plantune::runtime
