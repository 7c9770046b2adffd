#pragma once
// Plain-text tables and number formatting for the plantune commands (header-only).
// Columns are separated by two spaces, numbers right-aligned; no trailing spaces.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "plantune/core/shape.h"

namespace plantune::cli {

// Concatenates strings, string views and C strings by appending, left to right. (Prefer it to
// `"literal" + std::string(...)`, which GCC 12 at -O3 flags with a false -Wrestrict.)
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s += ... += parts);
  return s;
}

// 11689512 -> "11,689,512"; negative values keep their sign.
inline std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -(v + 1) + 1ULL : static_cast<std::uint64_t>(v));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

// `v` with `decimals` digits after the point: fixed(3.14159, 2) -> "3.14".
inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// `v` in scientific notation with `decimals` digits after the point: scientific(0.00031, 1) ->
// "3.1e-04"; "inf" for infinity.
inline std::string scientific(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", decimals, v);
  return buf;
}

// Binary units with one decimal: 512 -> "512 B", 3211264 -> "3.1 MiB".
inline std::string human_bytes(std::int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while ((v >= 1024.0 || v <= -1024.0) && u < 6) {
    v /= 1024.0;
    ++u;
  }
  return u == 0 ? std::to_string(bytes) + " B" : fixed(v, 1) + " " + kUnits[u];
}

// Decimal SI prefix with three decimals: 1770432 -> "1.770 M", 4089184256 -> "4.089 G".
inline std::string si(std::int64_t v) {
  static const char* kPrefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  double x = static_cast<double>(v);
  int p = 0;
  while ((x >= 1000.0 || x <= -1000.0) && p < 6) {
    x /= 1000.0;
    ++p;
  }
  return p == 0 ? std::to_string(v) : cat(fixed(x, 3), " ", kPrefixes[p]);
}

// Compact dims: [1, 3, 224, 224] -> "1x3x224x224" (" nhwc" appended when not nchw).
inline std::string dims_string(const TensorShape& s) {
  std::string out;
  for (std::size_t i = 0; i < s.dims.size(); ++i) {
    out += cat(i ? "x" : "", std::to_string(s.dims[i]));
  }
  if (s.layout != Layout::nchw) out += cat(" ", to_string(s.layout));
  return out;
}

class Table {
 public:
  enum class Align { left, right };

  void column(std::string header, Align align) {
    headers_.push_back(std::move(header));
    aligns_.push_back(align);
  }
  // One cell per column; missing cells print empty, extra cells are dropped.
  void row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
  }
  std::size_t rows() const { return rows_.size(); }

  // Header line, a line of dashes under each header, then the rows.
  std::string str() const {
    std::vector<std::size_t> width(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) {
      width[c] = headers_[c].size();
      for (const auto& r : rows_) width[c] = std::max(width[c], r[c].size());
    }
    std::vector<std::string> dashes;
    for (auto w : width) dashes.emplace_back(w, '-');
    std::string out = line(headers_, width) + line(dashes, width);
    for (const auto& r : rows_) out += line(r, width);
    return out;
  }

 private:
  std::string line(const std::vector<std::string>& cells,
                   const std::vector<std::size_t>& width) const {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::string pad(width[c] - cells[c].size(), ' ');
      if (c > 0) out += "  ";
      out += aligns_[c] == Align::right ? pad + cells[c] : cells[c] + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  }

  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace plantune::cli
