#include "plantune/tuner/tactic.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "plantune/core/error.h"
#include "text.h"

namespace plantune::tuner {
namespace {

// Names indexed by the enum's value; the static_asserts below keep each table complete.
constexpr std::array<std::string_view, 3> kApiNames = {"cudnn_legacy", "cudnn_graph", "cublaslt"};
constexpr std::array<std::string_view, kLegacyAlgoCount> kLegacyAlgoNames = {
    "implicit_gemm", "implicit_precomp_gemm", "gemm", "direct", "fft", "fft_tiling",
    "winograd",      "winograd_nonfused"};
constexpr std::array<std::string_view, 4> kMathTypeNames = {"default", "tensor_op",
                                                            "tensor_op_allow_conversion", "fma"};
constexpr std::array<std::string_view, 4> kGraphSourceNames = {"engine_enum", "heuristic_a",
                                                               "heuristic_b", "fallback"};
constexpr std::array<std::string_view, 4> kReductionNames = {"none", "inplace", "compute_type",
                                                             "output_type"};
constexpr std::array<std::string_view, 2> kCublasLtSourceNames = {"heuristic", "enumerated"};
constexpr std::array<std::string_view, 5> kPrecisionNames = {"fp32", "tf32", "fp16", "bf16",
                                                             "int8"};

static_assert(static_cast<int>(Api::cublaslt) + 1 == kApiNames.size());
static_assert(static_cast<int>(LegacyAlgo::winograd_nonfused) + 1 == kLegacyAlgoNames.size());
static_assert(static_cast<int>(MathType::fma) + 1 == kMathTypeNames.size());
static_assert(static_cast<int>(GraphSource::fallback) + 1 == kGraphSourceNames.size());
static_assert(static_cast<int>(ReductionScheme::output_type) + 1 == kReductionNames.size());
static_assert(static_cast<int>(CublasLtSource::enumerated) + 1 == kCublasLtSourceNames.size());
static_assert(static_cast<int>(Precision::int8) + 1 == kPrecisionNames.size());

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E v) {
  auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : std::string_view("unknown");
}

template <typename E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::string_view kKnobPrefix = "CUDNN_KNOB_TYPE_";

bool is_token(std::string_view s, bool allow_lower) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              (allow_lower && c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

bool has_prefixed_token(std::string_view s, std::string_view prefix, bool allow_lower) {
  return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix &&
         is_token(s.substr(prefix.size()), allow_lower);
}

}  // namespace

std::string_view to_string(Api v) { return name_of(kApiNames, v); }
std::string_view to_string(LegacyAlgo v) { return name_of(kLegacyAlgoNames, v); }
std::string_view to_string(MathType v) { return name_of(kMathTypeNames, v); }
std::string_view to_string(GraphSource v) { return name_of(kGraphSourceNames, v); }
std::string_view to_string(ReductionScheme v) { return name_of(kReductionNames, v); }
std::string_view to_string(CublasLtSource v) { return name_of(kCublasLtSourceNames, v); }
std::string_view to_string(Precision v) { return name_of(kPrecisionNames, v); }

std::optional<Api> api_from_string(std::string_view s) { return parse_name<Api>(kApiNames, s); }
std::optional<LegacyAlgo> legacy_algo_from_string(std::string_view s) {
  return parse_name<LegacyAlgo>(kLegacyAlgoNames, s);
}
std::optional<MathType> math_type_from_string(std::string_view s) {
  return parse_name<MathType>(kMathTypeNames, s);
}
std::optional<GraphSource> graph_source_from_string(std::string_view s) {
  return parse_name<GraphSource>(kGraphSourceNames, s);
}
std::optional<ReductionScheme> reduction_scheme_from_string(std::string_view s) {
  return parse_name<ReductionScheme>(kReductionNames, s);
}
std::optional<CublasLtSource> cublaslt_source_from_string(std::string_view s) {
  return parse_name<CublasLtSource>(kCublasLtSourceNames, s);
}
std::optional<Precision> precision_from_string(std::string_view s) {
  return parse_name<Precision>(kPrecisionNames, s);
}

DType storage_dtype(Precision p) {
  switch (p) {
    case Precision::fp32:
    case Precision::tf32:
      return DType::fp32;
    case Precision::fp16:
      return DType::fp16;
    case Precision::bf16:
      return DType::bf16;
    case Precision::int8:
      return DType::int8;
  }
  return DType::fp32;
}

std::string to_string(const Variant& v) {
  std::string s(to_string(v.layout));
  s += '/';
  s += to_string(v.precision);
  if (v.padded_c != 0 || v.padded_k != 0) {
    s += detail::cat("/pad_c", v.padded_c, "_k", v.padded_k);
  }
  return s;
}

std::optional<Variant> variant_from_string(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto layout = layout_from_string(s.substr(0, slash));
  std::string_view rest = s.substr(slash + 1);
  auto slash2 = rest.find('/');
  auto precision = precision_from_string(rest.substr(0, slash2));
  if (!layout || !precision) return std::nullopt;
  Variant v{*layout, *precision, 0, 0};
  if (slash2 != std::string_view::npos) {
    std::string_view pad = rest.substr(slash2 + 1);
    auto k_pos = pad.find("_k");
    if (pad.substr(0, 5) != "pad_c" || k_pos == std::string_view::npos) return std::nullopt;
    auto num = [](std::string_view t, std::int64_t& out) {
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
      return !t.empty() && ec == std::errc() && p == t.data() + t.size() && out >= 0;
    };
    if (!num(pad.substr(5, k_pos - 5), v.padded_c) || !num(pad.substr(k_pos + 2), v.padded_k)) {
      return std::nullopt;
    }
  }
  if (to_string(v) != s) return std::nullopt;  // canonical form only
  return v;
}

void GraphEngineTactic::set_knob(std::string name, std::int64_t value) {
  auto it = std::lower_bound(knobs.begin(), knobs.end(), name,
                             [](const Knob& k, const std::string& n) { return k.name < n; });
  if (it != knobs.end() && it->name == name) {
    it->value = value;
  } else {
    knobs.insert(it, Knob{std::move(name), value});
  }
}

std::optional<std::int64_t> GraphEngineTactic::knob(std::string_view name) const {
  for (const auto& k : knobs) {
    if (k.name == name) return k.value;
  }
  return std::nullopt;
}

Api api_of(const TacticConfig& t) {
  switch (t.index()) {
    case 0:
      return Api::cudnn_legacy;
    case 1:
      return Api::cudnn_graph;
    default:
      return Api::cublaslt;
  }
}

std::string tactic_id(const TacticConfig& t) {
  if (const auto* l = std::get_if<LegacyConvTactic>(&t)) {
    std::string s = "legacy/";
    s += to_string(l->algo);
    s += '/';
    s += to_string(l->math);
    return s;
  }
  if (const auto* g = std::get_if<GraphEngineTactic>(&t)) {
    std::string s;
    s.reserve(64);
    detail::append(s, "graph/eng", g->engine_id);
    for (std::size_t i = 0; i < g->knobs.size(); ++i) {
      s += i == 0 ? '/' : ',';
      std::string_view name = g->knobs[i].name;
      if (name.substr(0, kKnobPrefix.size()) == kKnobPrefix) name.remove_prefix(kKnobPrefix.size());
      s += name;
      s += '=';
      s += std::to_string(g->knobs[i].value);
    }
    return s;
  }
  const auto& c = std::get<CublasLtTactic>(t);
  return detail::cat("cublaslt/algo", c.algo_id, "/tile=", c.tile, "/stages=", c.stages,
                     "/splitk=", c.split_k, "/red=", to_string(c.reduction),
                     "/swz=", c.cta_swizzling, "/custom=", c.custom_option,
                     "/inner=", c.inner_shape, "/cluster=", c.cluster_shape);
}

bool is_runtime_compiled(const TacticConfig& t) {
  const auto* g = std::get_if<GraphEngineTactic>(&t);
  return g != nullptr && std::find(g->behavior_notes.begin(), g->behavior_notes.end(),
                                   "CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION") !=
                             g->behavior_notes.end();
}

bool same_tactic(const TacticConfig& a, const TacticConfig& b) {
  if (a.index() != b.index()) return false;
  if (const auto* l = std::get_if<LegacyConvTactic>(&a)) return *l == std::get<LegacyConvTactic>(b);
  if (const auto* g = std::get_if<GraphEngineTactic>(&a)) {
    const auto& h = std::get<GraphEngineTactic>(b);
    return g->engine_id == h.engine_id && g->knobs == h.knobs;
  }
  const auto& c = std::get<CublasLtTactic>(a);
  const auto& d = std::get<CublasLtTactic>(b);
  return c.algo_id == d.algo_id && c.tile == d.tile && c.stages == d.stages &&
         c.split_k == d.split_k && c.reduction == d.reduction &&
         c.cta_swizzling == d.cta_swizzling && c.custom_option == d.custom_option &&
         c.inner_shape == d.inner_shape && c.cluster_shape == d.cluster_shape;
}

void validate(const TacticConfig& t) {
  if (const auto* l = std::get_if<LegacyConvTactic>(&t)) {
    PT_REQUIRE(static_cast<int>(l->algo) >= 0 && static_cast<int>(l->algo) < kLegacyAlgoCount &&
                   static_cast<int>(l->math) >= 0 && l->math <= MathType::fma,
               invalid_argument, "legacy tactic has an algorithm or math type out of range");
    return;
  }
  if (const auto* g = std::get_if<GraphEngineTactic>(&t)) {
    PT_REQUIRE(g->engine_id >= 0, invalid_argument,
               "graph tactic: engine id " << g->engine_id << " is negative");
    for (std::size_t i = 0; i < g->knobs.size(); ++i) {
      const auto& name = g->knobs[i].name;
      PT_REQUIRE(has_prefixed_token(name, kKnobPrefix, false), invalid_argument,
                 "graph tactic eng" << g->engine_id << ": knob name '" << name
                                    << "' is not a cuDNN knob type name (CUDNN_KNOB_TYPE_...)");
      PT_REQUIRE(i == 0 || g->knobs[i - 1].name < name, invalid_argument,
                 "graph tactic eng" << g->engine_id << ": knob '" << name
                                    << "' is repeated or out of name order");
    }
    for (const auto& n : g->behavior_notes) {
      PT_REQUIRE(has_prefixed_token(n, "CUDNN_BEHAVIOR_NOTE_", true), invalid_argument,
                 "graph tactic eng" << g->engine_id << ": behavior note '" << n
                                    << "' is not a cuDNN behavior note name");
    }
    for (const auto& n : g->numerical_notes) {
      PT_REQUIRE(has_prefixed_token(n, "CUDNN_NUMERICAL_NOTE_", true), invalid_argument,
                 "graph tactic eng" << g->engine_id << ": numerical note '" << n
                                    << "' is not a cuDNN numerical note name");
    }
    return;
  }
  const auto& c = std::get<CublasLtTactic>(t);
  PT_REQUIRE(c.algo_id >= 0 && c.split_k >= 1 && c.cta_swizzling >= 0 && c.custom_option >= 0,
             invalid_argument,
             "cuBLASLt tactic algo" << c.algo_id << ": algo id, swizzling and custom option must "
                                    << "be >= 0 and split_k >= 1 (split_k = " << c.split_k << ")");
  for (const std::string* f : {&c.tile, &c.stages, &c.inner_shape, &c.cluster_shape}) {
    PT_REQUIRE(is_token(*f, true), invalid_argument,
               "cuBLASLt tactic algo" << c.algo_id << ": field value '" << *f
                                      << "' is not an enum name suffix ([A-Za-z0-9_]{1,64})");
  }
}

std::string to_string(const Tactic& t) {
  return detail::cat(to_string(t.variant), " ", tactic_id(t.config));
}

}  // namespace plantune::tuner
