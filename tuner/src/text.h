#pragma once
// cat() builds a string by appending its parts left to right (strings, string views, C
// strings, chars, integers); append() appends them to an existing string. Used instead of
// `"literal" + std::string(...)`, which GCC 12 at -O3 flags with a false -Wrestrict.
// short_error() shortens an error message for a candidate's record.
#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace plantune::tuner::detail {

inline void append_part(std::string& s, std::string_view v) { s += v; }
inline void append_part(std::string& s, char c) { s += c; }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void append_part(std::string& s, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// Appends the parts to `s`.
template <class... Parts>
void append(std::string& s, const Parts&... parts) {
  (append_part(s, parts), ...);
}

template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  append(s, parts...);
  return s;
}

// The first line of an error message (cuDNN's carry an "(expr at file:line)" tail on the
// next), at most 400 characters: what a candidate's `detail` keeps.
inline std::string short_error(const std::string& what) {
  std::string s = what.substr(0, what.find('\n'));
  return s.size() > 400 ? s.substr(0, 400) + "..." : s;
}

}  // namespace plantune::tuner::detail
