#pragma once
// Member bookkeeping for strict object decoding: each object's known member names, which were
// seen (a repeated name is an error, as is an unknown one), and which are required.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "json_reader.h"
#include "text.h"

namespace plantune::tuner::detail {

template <std::size_t N>
class Members {
  static_assert(N <= 32);

 public:
  Members(JsonReader& r, const std::array<std::string_view, N>& names) : r_(r), names_(names) {}

  // Index of `key` in the names; fails on an unknown or repeated member.
  std::size_t take(std::string_view key) {
    for (std::size_t i = 0; i < N; ++i) {
      if (names_[i] != key) continue;
      if (seen_ & (1u << i)) r_.fail(cat("member '", key, "' appears twice"));
      seen_ |= 1u << i;
      return i;
    }
    std::string expected;
    for (auto n : names_) {
      if (!expected.empty()) expected += ", ";
      expected += n;
    }
    r_.fail(cat("unknown member '", key.substr(0, 64), "' (expected one of: ", expected, ")"));
  }
  bool has(std::size_t i) const { return (seen_ & (1u << i)) != 0; }
  // Fails naming the first of `required` that was not seen (after the object ended).
  void require(std::initializer_list<std::size_t> required) const {
    for (std::size_t i : required) {
      if (!has(i)) r_.fail(cat("missing member '", names_[i], "'"));
    }
  }

 private:
  JsonReader& r_;
  const std::array<std::string_view, N>& names_;
  std::uint32_t seen_ = 0;
};

}  // namespace plantune::tuner::detail
