#include "plantune/tuner/problem_key.h"

#include <array>
#include <charconv>
#include <limits>

#include "plantune/core/error.h"
#include "text.h"

namespace plantune::tuner {
namespace {

constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();

// Up to N parts of `s` separated by `sep` (no allocation); size() beyond N counts the rest.
template <std::size_t N>
struct Split {
  std::array<std::string_view, N> parts{};
  std::size_t count = 0;

  Split(std::string_view s, char sep) {
    std::size_t start = 0;
    while (true) {
      std::size_t pos = s.find(sep, start);
      std::string_view part = s.substr(start, pos == std::string_view::npos ? pos : pos - start);
      if (count < N) parts[count] = part;
      ++count;
      if (pos == std::string_view::npos) return;
      start = pos + 1;
    }
  }
  std::size_t size() const { return count; }
  std::string_view operator[](std::size_t i) const { return parts[i]; }
};

// Reads `field` = "<prefix><v0>x<v1>..." with `count` non-negative decimal values.
std::array<std::int64_t, 2> parse_field(std::string_view key, std::string_view field,
                                        std::string_view prefix, int count) {
  PT_REQUIRE(
      field.substr(0, prefix.size()) == prefix, parse_error,
      "problem key '" << key << "': expected field '" << prefix << "...', got '" << field << "'");
  Split<2> values(field.substr(prefix.size()), 'x');
  PT_REQUIRE(static_cast<int>(values.size()) == count, parse_error,
             "problem key '" << key << "': field '" << field << "' needs " << count
                             << (count == 1 ? " value" : " values separated by 'x'"));
  std::array<std::int64_t, 2> out{0, 0};
  for (int i = 0; i < count; ++i) {
    std::string_view v = values[static_cast<std::size_t>(i)];
    std::int64_t x = -1;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    PT_REQUIRE(!v.empty() && v.size() <= 10 && ec == std::errc() && ptr == v.data() + v.size() &&
                   v[0] != '-' && v[0] != '+',
               parse_error,
               "problem key '" << key << "': field '" << field
                               << "' needs decimal integers between 0 and " << kMaxDim);
    out[static_cast<std::size_t>(i)] = x;
  }
  return out;
}

DType parse_dtype_field(std::string_view key, std::string_view field, std::string_view name) {
  PT_REQUIRE(
      field.size() > name.size() && field.substr(0, name.size()) == name &&
          field[name.size()] == '=',
      parse_error,
      "problem key '" << key << "': expected '" << name << "=<dtype>', got '" << field << "'");
  auto t = dtype_from_string(field.substr(name.size() + 1));
  PT_REQUIRE(t.has_value(), parse_error,
             "problem key '" << key << "': unknown dtype in '" << field
                             << "' (fp32, tf32, fp16, bf16, int8, int32)");
  return *t;
}

// The epilogue tokens of a conv key (tokens 6.. of `tokens`): each of bias=0|1, add=0|1 and
// act=<activation> exactly once. The order is left to require_canonical().
template <typename Tokens>
ConvEpilogue parse_conv_epilogue(std::string_view key, const Tokens& tokens) {
  ConvEpilogue e;
  bool seen_bias = false, seen_add = false, seen_act = false;
  auto flag = [&](std::string_view token, std::string_view name, bool& seen) {
    PT_REQUIRE(!seen, parse_error,
               "problem key '" << key << "': epilogue token '" << token << "' repeats '" << name
                               << "='");
    seen = true;
    const std::string_view v = token.substr(name.size() + 1);
    PT_REQUIRE(v == "0" || v == "1", parse_error,
               "problem key '" << key << "': epilogue token '" << token << "' needs '" << name
                               << "=0' or '" << name << "=1'");
    return v == "1";
  };
  for (std::size_t i = 6; i < tokens.size(); ++i) {
    const std::string_view t = tokens[i];
    const std::size_t eq = t.find('=');
    const std::string_view name = eq == std::string_view::npos ? t.substr(t.size()) : t.substr(0, eq);
    if (name == "bias") {
      e.bias = flag(t, name, seen_bias);
    } else if (name == "add") {
      e.residual = flag(t, name, seen_add);
    } else if (name == "act") {
      PT_REQUIRE(!seen_act, parse_error,
                 "problem key '" << key << "': epilogue token '" << t << "' repeats 'act='");
      seen_act = true;
      auto act = activation_from_string(t.substr(4));
      PT_REQUIRE(act.has_value(), parse_error,
                 "problem key '" << key << "': unknown activation in epilogue token '" << t
                                 << "'");
      e.activation = *act;
    } else {
      PT_FAIL(parse_error, "problem key '" << key << "': unknown epilogue token '" << t
                                           << "' (bias=0|1, add=0|1, act=<activation>)");
    }
  }
  PT_REQUIRE(seen_bias && seen_add && seen_act, parse_error,
             "problem key '" << key << "': an epilogue needs all of 'bias=', 'add=' and 'act='"
                             << " (missing '" << (!seen_bias ? "bias=" : !seen_add ? "add=" : "act=")
                             << "')");
  PT_REQUIRE(!e.empty(), parse_error,
             "problem key '" << key
                             << "': an empty epilogue (bias=0 add=0 act=none) is not printed");
  return e;
}

// The key is printed only when the check fails.
template <typename P>
void require_range(const P& p, const char* what, std::int64_t v, std::int64_t lo) {
  PT_REQUIRE(v >= lo && v <= kMaxDim, invalid_argument,
             "problem '" << problem_key(p) << "': " << what << " = " << v << " is outside " << lo
                         << ".." << kMaxDim);
}

void require_canonical(std::string_view key, const std::string& canonical) {
  PT_REQUIRE(key == canonical, parse_error,
             "problem key '" << key << "' is not canonical (expected '" << canonical << "')");
}

inline void mix(std::size_t& h, std::uint64_t v) {
  h ^= static_cast<std::size_t>(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
}

}  // namespace

std::int64_t ConvProblem::out_h() const {
  return (h + 2 * pad_h - dilation_h * (r - 1) - 1) / stride_h + 1;
}

std::int64_t ConvProblem::out_w() const {
  return (w + 2 * pad_w - dilation_w * (s - 1) - 1) / stride_w + 1;
}

void ConvProblem::validate() const {
  require_range(*this, "n", n, 1);
  require_range(*this, "c", c, 1);
  require_range(*this, "h", h, 1);
  require_range(*this, "w", w, 1);
  require_range(*this, "k", k, 1);
  require_range(*this, "r", r, 1);
  require_range(*this, "s", s, 1);
  require_range(*this, "pad_h", pad_h, 0);
  require_range(*this, "pad_w", pad_w, 0);
  require_range(*this, "stride_h", stride_h, 1);
  require_range(*this, "stride_w", stride_w, 1);
  require_range(*this, "dilation_h", dilation_h, 1);
  require_range(*this, "dilation_w", dilation_w, 1);
  require_range(*this, "groups", groups, 1);
  PT_REQUIRE(c % groups == 0 && k % groups == 0, invalid_argument,
             "problem '" << problem_key(*this) << "': groups = " << groups
                         << " must divide c = " << c << " and k = " << k);
  // Every term fits in int64 since each factor is below 2^31.
  PT_REQUIRE(
      h + 2 * pad_h >= dilation_h * (r - 1) + 1 && w + 2 * pad_w >= dilation_w * (s - 1) + 1,
      invalid_argument,
      "problem '" << problem_key(*this) << "': the dilated filter is larger than the padded input");
}

void GemmProblem::validate() const {
  require_range(*this, "m", m, 1);
  require_range(*this, "n", n, 1);
  require_range(*this, "k", k, 1);
}

std::string problem_key(const ConvProblem& p) {
  std::string s;
  s.reserve(96);
  detail::append(s, "conv2d n", p.n, "_c", p.c, "_h", p.h, "_w", p.w, "_k", p.k, "_r", p.r, "_s",
                 p.s, "_p", p.pad_h, "x", p.pad_w, "_u", p.stride_h, "x", p.stride_w, "_d",
                 p.dilation_h, "x", p.dilation_w, "_g", p.groups, " x=", to_string(p.x_dtype),
                 " w=", to_string(p.w_dtype), " y=", to_string(p.y_dtype),
                 " acc=", to_string(p.compute));
  if (!p.epilogue.empty()) {
    s += p.epilogue.bias ? " bias=1" : " bias=0";
    s += p.epilogue.residual ? " add=1" : " add=0";
    s += " act=";
    s += to_string(p.epilogue.activation);
  }
  return s;
}

std::string problem_key(const GemmProblem& p) {
  std::string s = detail::cat("gemm m", p.m, "_n", p.n, "_k", p.k, "_ta", p.transa ? "1" : "0",
                              "_tb", p.transb ? "1" : "0");
  s += " a=";
  s += to_string(p.a_dtype);
  s += " b=";
  s += to_string(p.b_dtype);
  s += " d=";
  s += to_string(p.d_dtype);
  s += " acc=";
  s += to_string(p.compute);
  s += p.bias ? " bias=1" : " bias=0";
  s += " act=";
  s += to_string(p.activation);
  return s;
}

std::string problem_key(const Problem& p) {
  return std::visit([](const auto& q) { return problem_key(q); }, p);
}

std::string_view geometry_of_key(std::string_view key) {
  std::size_t first = key.find(' ');
  if (first == std::string_view::npos) return key;
  std::size_t second = key.find(' ', first + 1);
  return second == std::string_view::npos ? key : key.substr(0, second);
}

ConvProblem parse_conv_key(std::string_view key) {
  Split<16> tokens(key, ' ');  // 6 tokens, 9 with an epilogue; others are named as errors
  bool single_spaced = tokens.size() >= 6 && tokens.size() <= 16;
  for (std::size_t i = 0; single_spaced && i < tokens.size(); ++i) {
    single_spaced = !tokens[i].empty();
  }
  PT_REQUIRE(single_spaced && tokens[0] == "conv2d", parse_error,
             "problem key '" << key
                             << "' is not a conv2d key (expected 'conv2d n.._c.._h.._w.._k.._r.._"
                                "s.._p.x._u.x._d.x._g.. x=.. w=.. y=.. acc=..', optionally "
                                "followed by 'bias=. add=. act=..')");
  Split<11> f(tokens[1], '_');
  PT_REQUIRE(f.size() == 11, parse_error,
             "problem key '" << key << "': geometry '" << tokens[1]
                             << "' needs 11 fields n_c_h_w_k_r_s_p_u_d_g");
  ConvProblem p;
  p.n = parse_field(key, f[0], "n", 1)[0];
  p.c = parse_field(key, f[1], "c", 1)[0];
  p.h = parse_field(key, f[2], "h", 1)[0];
  p.w = parse_field(key, f[3], "w", 1)[0];
  p.k = parse_field(key, f[4], "k", 1)[0];
  p.r = parse_field(key, f[5], "r", 1)[0];
  p.s = parse_field(key, f[6], "s", 1)[0];
  auto pad = parse_field(key, f[7], "p", 2);
  auto stride = parse_field(key, f[8], "u", 2);
  auto dil = parse_field(key, f[9], "d", 2);
  p.pad_h = pad[0], p.pad_w = pad[1];
  p.stride_h = stride[0], p.stride_w = stride[1];
  p.dilation_h = dil[0], p.dilation_w = dil[1];
  p.groups = parse_field(key, f[10], "g", 1)[0];
  p.x_dtype = parse_dtype_field(key, tokens[2], "x");
  p.w_dtype = parse_dtype_field(key, tokens[3], "w");
  p.y_dtype = parse_dtype_field(key, tokens[4], "y");
  p.compute = parse_dtype_field(key, tokens[5], "acc");
  if (tokens.size() > 6) p.epilogue = parse_conv_epilogue(key, tokens);
  require_canonical(key, problem_key(p));
  try {
    p.validate();
  } catch (const Error& e) {
    PT_FAIL(parse_error, e.what());
  }
  return p;
}

GemmProblem parse_gemm_key(std::string_view key) {
  Split<8> tokens(key, ' ');
  PT_REQUIRE(tokens.size() == 8 && tokens[0] == "gemm", parse_error,
             "problem key '" << key
                             << "' is not a gemm key (expected 'gemm m.._n.._k.._ta._tb. a=.. b=.. "
                                "d=.. acc=.. bias=. act=..')");
  Split<5> f(tokens[1], '_');
  PT_REQUIRE(
      f.size() == 5, parse_error,
      "problem key '" << key << "': geometry '" << tokens[1] << "' needs 5 fields m_n_k_ta_tb");
  GemmProblem p;
  p.m = parse_field(key, f[0], "m", 1)[0];
  p.n = parse_field(key, f[1], "n", 1)[0];
  p.k = parse_field(key, f[2], "k", 1)[0];
  auto ta = parse_field(key, f[3], "ta", 1)[0];
  auto tb = parse_field(key, f[4], "tb", 1)[0];
  PT_REQUIRE(ta <= 1 && tb <= 1, parse_error,
             "problem key '" << key << "': ta and tb must be 0 or 1");
  p.transa = ta == 1;
  p.transb = tb == 1;
  p.a_dtype = parse_dtype_field(key, tokens[2], "a");
  p.b_dtype = parse_dtype_field(key, tokens[3], "b");
  p.d_dtype = parse_dtype_field(key, tokens[4], "d");
  p.compute = parse_dtype_field(key, tokens[5], "acc");
  PT_REQUIRE(
      tokens[6] == "bias=0" || tokens[6] == "bias=1", parse_error,
      "problem key '" << key << "': expected 'bias=0' or 'bias=1', got '" << tokens[6] << "'");
  p.bias = tokens[6] == "bias=1";
  PT_REQUIRE(tokens[7].substr(0, 4) == "act=", parse_error,
             "problem key '" << key << "': expected 'act=<activation>', got '" << tokens[7] << "'");
  auto act = activation_from_string(tokens[7].substr(4));
  PT_REQUIRE(act.has_value(), parse_error,
             "problem key '" << key << "': unknown activation in '" << tokens[7] << "'");
  p.activation = *act;
  require_canonical(key, problem_key(p));
  try {
    p.validate();
  } catch (const Error& e) {
    PT_FAIL(parse_error, e.what());
  }
  return p;
}

Problem parse_problem_key(std::string_view key) {
  if (key.substr(0, 7) == "conv2d ") return parse_conv_key(key);
  if (key.substr(0, 5) == "gemm ") return parse_gemm_key(key);
  PT_FAIL(parse_error, "problem key '" << key << "' starts with neither 'conv2d ' nor 'gemm '");
}

std::size_t hash_value(const ConvProblem& p) {
  std::size_t h = 0x636f6e76;  // "conv"
  for (std::int64_t v : {p.n, p.c, p.h, p.w, p.k, p.r, p.s, p.pad_h, p.pad_w, p.stride_h,
                         p.stride_w, p.dilation_h, p.dilation_w, p.groups}) {
    mix(h, static_cast<std::uint64_t>(v));
  }
  for (DType t : {p.x_dtype, p.w_dtype, p.y_dtype, p.compute})
    mix(h, static_cast<std::uint64_t>(t));
  if (!p.epilogue.empty()) {  // plain convolutions hash as before epilogues existed
    mix(h, (p.epilogue.bias ? 1u : 0u) | (p.epilogue.residual ? 2u : 0u));
    mix(h, static_cast<std::uint64_t>(p.epilogue.activation));
  }
  return h;
}

std::size_t hash_value(const GemmProblem& p) {
  std::size_t h = 0x67656d6d;  // "gemm"
  for (std::int64_t v : {p.m, p.n, p.k}) mix(h, static_cast<std::uint64_t>(v));
  mix(h, (p.transa ? 1u : 0u) | (p.transb ? 2u : 0u) | (p.bias ? 4u : 0u));
  for (DType t : {p.a_dtype, p.b_dtype, p.d_dtype, p.compute})
    mix(h, static_cast<std::uint64_t>(t));
  mix(h, static_cast<std::uint64_t>(p.activation));
  return h;
}

}  // namespace plantune::tuner
