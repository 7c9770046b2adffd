#pragma once
// cat(): builds a string by appending its parts left to right (strings, string views, C
// strings, chars, integers). Used instead of `"literal" + std::string(...)`, which GCC 12 at -O3
// flags with a false -Wrestrict.
#include <concepts>
#include <string>
#include <string_view>

namespace plantune::tuner::detail {

inline void append_part(std::string& s, std::string_view v) { s += v; }
inline void append_part(std::string& s, char c) { s += c; }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void append_part(std::string& s, T v) {
  s += std::to_string(v);
}

template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (append_part(s, parts), ...);
  return s;
}

}  // namespace plantune::tuner::detail
