#include "plantune/planner/csv_io.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include "plantune/core/error.h"

namespace plantune::planner {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    out.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                          : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::int64_t parse_int(std::string_view field, std::string_view source, std::size_t line,
                       std::string_view column) {
  std::int64_t v = 0;
  const auto* end = field.data() + field.size();
  const auto r = std::from_chars(field.data(), end, v);
  if (r.ec == std::errc::result_out_of_range) {
    PT_FAIL(parse_error, source << ":" << line << ": " << column << " '" << field
                                << "' does not fit in 64 bits");
  }
  PT_REQUIRE(r.ec == std::errc() && r.ptr == end && !field.empty(), parse_error,
             source << ":" << line << ": " << column << " '" << field << "' is not an integer");
  return v;
}

}  // namespace

CsvProblem parse_csv(std::string_view text, std::string_view source) {
  CsvProblem out;
  std::vector<std::string> ids;
  std::vector<std::size_t> lines;
  bool header_seen = false;
  bool has_offset = false;
  std::vector<std::int64_t> offsets;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty()) continue;
    const auto f = split_fields(line);
    if (!header_seen) {
      const bool ok4 = f.size() >= 4 && f[0] == "id" && f[1] == "lower" && f[2] == "upper" &&
                       f[3] == "size";
      PT_REQUIRE(ok4 && (f.size() == 4 || (f.size() == 5 && f[4] == "offset")), parse_error,
                 source << ":" << line_no << ": expected the header 'id,lower,upper,size[,offset]', got '"
                        << line << "'");
      has_offset = f.size() == 5;
      header_seen = true;
      continue;
    }
    const std::size_t want = has_offset ? 5 : 4;
    PT_REQUIRE(f.size() == want, parse_error,
               source << ":" << line_no << ": expected " << want << " fields, got " << f.size());
    PT_REQUIRE(!f[0].empty(), parse_error, source << ":" << line_no << ": empty id");
    Buffer b;
    b.first = parse_int(f[1], source, line_no, "lower");
    b.last = parse_int(f[2], source, line_no, "upper");
    b.size = parse_int(f[3], source, line_no, "size");
    PT_REQUIRE(b.size >= 0, parse_error,
               source << ":" << line_no << ": negative size " << b.size);
    PT_REQUIRE(b.first <= b.last && (b.first < b.last || b.size == 0), parse_error,
               source << ":" << line_no << ": interval [" << b.first << ", " << b.last
                      << ") is empty or reversed");
    if (has_offset) offsets.push_back(parse_int(f[4], source, line_no, "offset"));
    ids.emplace_back(f[0]);
    lines.push_back(line_no);
    out.problem.buffers.push_back(std::move(b));
  }
  PT_REQUIRE(header_seen, parse_error,
             source << ": no header line 'id,lower,upper,size[,offset]' (the file is empty)");

  // Ids that are exactly 0..n-1 (any order) number the buffers; anything else keeps file order.
  const std::size_t n = ids.size();
  std::vector<std::int64_t> index(n, -1);
  bool permutation = true;
  for (std::size_t i = 0; i < n && permutation; ++i) {
    std::int64_t v = -1;
    const auto r = std::from_chars(ids[i].data(), ids[i].data() + ids[i].size(), v);
    if (r.ec != std::errc() || r.ptr != ids[i].data() + ids[i].size() || v < 0 ||
        static_cast<std::size_t>(v) >= n || index[static_cast<std::size_t>(v)] >= 0) {
      permutation = false;
    } else {
      index[static_cast<std::size_t>(v)] = static_cast<std::int64_t>(i);
    }
  }
  std::vector<Buffer> ordered(n);
  std::vector<std::int64_t> ordered_offsets(has_offset ? n : 0);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t src = permutation ? static_cast<std::size_t>(index[k]) : k;
    ordered[k] = std::move(out.problem.buffers[src]);
    ordered[k].id = static_cast<std::int32_t>(k);
    ordered[k].name = ids[src];
    if (has_offset) ordered_offsets[k] = offsets[src];
  }
  out.problem.buffers = std::move(ordered);
  if (has_offset) out.offsets = std::move(ordered_offsets);
  try {
    out.problem.validate();
  } catch (const Error& e) {
    PT_FAIL(parse_error, source << ": " << e.what());
  }
  return out;
}

CsvProblem read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PT_REQUIRE(in.good(), io_error, "cannot open '" << path << "' for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str(), path);
}

std::string to_csv(const Problem& problem, const std::vector<std::int64_t>* offsets) {
  PT_REQUIRE(offsets == nullptr || offsets->size() == problem.buffers.size(), invalid_argument,
             "to_csv: " << offsets->size() << " offsets for " << problem.buffers.size()
                        << " buffers");
  std::string s = offsets ? "id,lower,upper,size,offset\n" : "id,lower,upper,size\n";
  for (const Buffer& b : problem.buffers) {
    PT_REQUIRE(!b.alias, invalid_argument,
               "to_csv: buffer " << b.id << " is an alias; the CSV format has none (normalize first)");
    PT_REQUIRE(b.name.find_first_of(",\n\r") == std::string::npos, invalid_argument,
               "to_csv: buffer " << b.id << " has a name with a comma or newline: '" << b.name
                                 << "'");
    s += b.name.empty() ? std::to_string(b.id) : b.name;
    s += ',' + std::to_string(b.first) + ',' + std::to_string(b.last) + ',' +
         std::to_string(b.size);
    if (offsets) s += ',' + std::to_string((*offsets)[static_cast<std::size_t>(b.id)]);
    s += '\n';
  }
  return s;
}

void write_csv(const std::string& path, const Problem& problem,
               const std::vector<std::int64_t>* offsets) {
  const std::string text = to_csv(problem, offsets);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  PT_REQUIRE(out.good(), io_error, "cannot open '" << path << "' for writing");
  out << text;
  out.flush();
  PT_REQUIRE(out.good(), io_error, "writing '" << path << "' failed");
}

}  // namespace plantune::planner
