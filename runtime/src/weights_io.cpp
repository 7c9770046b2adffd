#include "plantune/runtime/weights_io.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string_view>
#include <vector>

#include "plantune/core/error.h"

namespace plantune::runtime {

namespace fs = std::filesystem;

namespace {

enum class ElemKind { fp32, fp16, bf16 };

std::size_t elem_size(ElemKind k) { return k == ElemKind::fp32 ? 4 : 2; }

std::string_view to_string(ElemKind k) {
  switch (k) {
    case ElemKind::fp32: return "fp32";
    case ElemKind::fp16: return "fp16";
    case ElemKind::bf16: return "bf16";
  }
  return "?";
}

// `s` for an error message: at most 120 characters, control and non-ASCII bytes as \xNN.
std::string shown(std::string_view s) {
  static constexpr std::size_t kMax = 120;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += s.size() > kMax ? "'..." : "'";
  return out;
}

// Why `name` cannot be a tensor name of the format, or empty when it can.
std::string name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.front() == '#') return "the name starts with '#' (a comment line)";
  for (unsigned char c : name) {
    if (c == ',') return "the name holds a ','";
    if (c == ' ') return "the name holds a space";
    if (c < 0x20 || c == 0x7F) return "the name holds a control character";
  }
  return {};
}

// A decimal number of digits only (no sign, no spaces), at most int64's maximum.
bool parse_count(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
  out = static_cast<std::int64_t>(v);
  return true;
}

// a * b for non-negative a, b; false when it leaves int64.
bool mul_ok(std::int64_t a, std::int64_t b, std::int64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) return false;
  out = a * b;
  return true;
}

struct IndexEntry {
  std::string name;
  ElemKind kind = ElemKind::fp32;
  std::int64_t offset = 0;
  std::int64_t size = 0;
  std::vector<std::int64_t> dims;
  std::int64_t numel = 1;
  std::size_t line = 0;
};

float half_to_float(std::uint16_t h) {
  const bool negative = (h & 0x8000u) != 0;
  const int exp = (h >> 10) & 0x1F;
  const int mant = h & 0x3FF;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
  } else if (exp == 31) {
    v = mant == 0 ? std::numeric_limits<float>::infinity()
                  : std::numeric_limits<float>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<float>(mant + 1024), exp - 25);
  }
  return negative ? -v : v;
}

// Decodes `count` little-endian elements of `kind` from `bytes` (independent of host order).
void decode(ElemKind kind, const unsigned char* bytes, std::size_t count, float* out) {
  for (std::size_t i = 0; i < count; ++i) {
    switch (kind) {
      case ElemKind::fp32: {
        const unsigned char* b = bytes + 4 * i;
        const std::uint32_t u = std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) |
                                (std::uint32_t{b[2]} << 16) | (std::uint32_t{b[3]} << 24);
        out[i] = std::bit_cast<float>(u);
        break;
      }
      case ElemKind::fp16: {
        const unsigned char* b = bytes + 2 * i;
        out[i] = half_to_float(static_cast<std::uint16_t>(b[0] | (b[1] << 8)));
        break;
      }
      case ElemKind::bf16: {
        const unsigned char* b = bytes + 2 * i;
        out[i] = std::bit_cast<float>((std::uint32_t{b[0]} << 16) | (std::uint32_t{b[1]} << 24));
        break;
      }
    }
  }
}

class IndexParser {
 public:
  IndexParser(const std::string& path, std::int64_t bin_size, const std::string& bin_path)
      : path_(path), bin_size_(bin_size), bin_path_(bin_path) {}

  std::vector<IndexEntry> parse(std::string_view text) {
    std::vector<IndexEntry> entries;
    std::map<std::string, std::size_t, std::less<>> lines_of;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const std::size_t first = line.find_first_not_of(" \t");
      if (first == std::string_view::npos || line[first] == '#') continue;
      IndexEntry e = parse_line(line);
      auto [it, inserted] = lines_of.emplace(e.name, line_);
      if (!inserted) {
        fail("duplicate tensor " + shown(e.name) + " (first on line " +
             std::to_string(it->second) + ")");
      }
      entries.push_back(std::move(e));
    }
    check_overlaps(entries);
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(line_, what); }
  [[noreturn]] void fail_at(std::size_t line, const std::string& what) const {
    PT_FAIL(parse_error, "weights index " << path_ << ":" << line << ": " << what);
  }

  IndexEntry parse_line(std::string_view line) {
    std::vector<std::string_view> f;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      f.push_back(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
      if (comma == std::string_view::npos || f.size() > 5) break;
      start = comma + 1;
    }
    if (f.size() != 5) {
      fail("expected 5 fields name,kind,offset,size,shape, found " +
           std::string(f.size() > 5 ? "more" : std::to_string(f.size())) + " in " +
           shown(line));
    }
    IndexEntry e;
    e.line = line_;
    if (std::string why = name_problem(f[0]); !why.empty()) {
      fail("tensor name " + shown(f[0]) + ": " + why);
    }
    e.name = std::string(f[0]);
    if (f[1] == "fp32") e.kind = ElemKind::fp32;
    else if (f[1] == "fp16") e.kind = ElemKind::fp16;
    else if (f[1] == "bf16") e.kind = ElemKind::bf16;
    else fail("tensor " + shown(e.name) + ": kind " + shown(f[1]) + " is not fp32, fp16 or bf16");
    if (!parse_count(f[2], e.offset)) {
      fail("tensor " + shown(e.name) + ": offset " + shown(f[2]) +
           " is not a decimal byte offset below 2^63");
    }
    if (!parse_count(f[3], e.size)) {
      fail("tensor " + shown(e.name) + ": size " + shown(f[3]) +
           " is not a decimal byte count below 2^63");
    }
    parse_shape(f[4], e);
    std::int64_t expected = 0;
    if (!mul_ok(e.numel, static_cast<std::int64_t>(elem_size(e.kind)), expected)) {
      fail("tensor " + shown(e.name) + ": shape " + shown(f[4]) + " has too many elements");
    }
    if (e.size != expected) {
      fail("tensor " + shown(e.name) + ": size " + std::to_string(e.size) + " bytes, but shape " +
           shown(f[4]) + " of " + std::string(to_string(e.kind)) + " needs " +
           std::to_string(e.numel) + " x " + std::to_string(elem_size(e.kind)) + " = " +
           std::to_string(expected));
    }
    if (e.offset > bin_size_ || e.size > bin_size_ - e.offset) {
      fail("tensor " + shown(e.name) + ": bytes [" + std::to_string(e.offset) + ", " +
           std::to_string(e.offset) + " + " + std::to_string(e.size) + ") lie outside " +
           bin_path_ + " (" + std::to_string(bin_size_) + " bytes)");
    }
    return e;
  }

  void parse_shape(std::string_view s, IndexEntry& e) {
    e.numel = 1;
    if (s.empty()) return;  // a scalar
    std::size_t start = 0;
    for (;;) {
      const std::size_t x = s.find('x', start);
      std::string_view part = s.substr(start, x == s.npos ? s.npos : x - start);
      std::int64_t d = 0;
      if (!parse_count(part, d)) {
        fail("tensor " + shown(e.name) + ": shape " + shown(s) +
             " is not dims joined by 'x' (\"64x3x7x7\", \"1000\", or empty for a scalar)");
      }
      if (!mul_ok(e.numel, d, e.numel)) {
        fail("tensor " + shown(e.name) + ": shape " + shown(s) + " has more than 2^63 elements");
      }
      e.dims.push_back(d);
      if (x == s.npos) break;
      start = x + 1;
    }
  }

  void check_overlaps(const std::vector<IndexEntry>& entries) const {
    std::vector<const IndexEntry*> by_offset;
    for (const auto& e : entries)
      if (e.size > 0) by_offset.push_back(&e);
    std::sort(by_offset.begin(), by_offset.end(), [](const IndexEntry* a, const IndexEntry* b) {
      return a->offset != b->offset ? a->offset < b->offset : a->line < b->line;
    });
    for (std::size_t i = 1; i < by_offset.size(); ++i) {
      const IndexEntry& a = *by_offset[i - 1];
      const IndexEntry& b = *by_offset[i];
      if (a.offset + a.size > b.offset) {  // both ranges lie inside the binary: no overflow
        const IndexEntry& later = a.line > b.line ? a : b;
        const IndexEntry& earlier = a.line > b.line ? b : a;
        fail_at(later.line, "tensor " + shown(later.name) + " overlaps tensor " +
                                shown(earlier.name) + " (line " + std::to_string(earlier.line) +
                                ") in " + bin_path_);
      }
    }
  }

  const std::string& path_;
  std::int64_t bin_size_;
  const std::string& bin_path_;
  std::size_t line_ = 0;
};

// Size of a regular file; io_error naming `what` when it is missing or not a regular file.
std::int64_t regular_file_size(const std::string& path, const char* what) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  PT_REQUIRE(!ec && fs::exists(st), io_error,
             "cannot open " << what << " " << path << ": "
                            << (ec ? ec.message() : std::string("no such file")));
  PT_REQUIRE(fs::is_regular_file(st), io_error,
             "cannot open " << what << " " << path << ": not a regular file");
  const std::uintmax_t size = fs::file_size(path, ec);
  PT_REQUIRE(!ec, io_error, "cannot read the size of " << what << " " << path << ": "
                                                       << ec.message());
  PT_REQUIRE(size <= static_cast<std::uintmax_t>(std::numeric_limits<std::int64_t>::max()),
             io_error, what << " " << path << " is larger than 2^63 bytes");
  return static_cast<std::int64_t>(size);
}

// Reads bytes [offset, offset + size) of an open stream; io_error when fewer are there.
void read_range(std::ifstream& in, const std::string& path, std::int64_t offset,
                std::int64_t size, std::vector<unsigned char>& buf) {
  buf.resize(static_cast<std::size_t>(size));
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(size));
  PT_REQUIRE(in.gcount() == static_cast<std::streamsize>(size), io_error,
             "cannot read bytes [" << offset << ", " << offset + size << ") of " << path
                                   << " (the file shrank while loading?)");
}

// Writes `data` to a temporary file next to `path` and returns the temporary's name.
template <typename WriteFn>
std::string write_temp(const std::string& path, WriteFn&& write) {
  static std::atomic<unsigned> counter{0};
  std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  PT_REQUIRE(out.good(), io_error,
             "cannot create temporary file " << tmp << " for " << path << ": "
                                             << std::strerror(errno));
  write(out);
  out.close();
  if (!out) {
    std::error_code ec;
    fs::remove(tmp, ec);
    PT_FAIL(io_error, "writing " << tmp << " (for " << path << ") failed");
  }
  return tmp;
}

void rename_into_place(const std::string& tmp, const std::string& path,
                       const std::string& other_tmp) {
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    if (!other_tmp.empty()) fs::remove(other_tmp, ignored);
    PT_FAIL(io_error, "cannot rename " << tmp << " to " << path << ": " << ec.message());
  }
}

std::string shape_string(const std::vector<std::int64_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s;
}

}  // namespace

void save_weights(const WeightStore& store, const std::string& index_path,
                  const std::string& bin_path) {
  PT_REQUIRE(!index_path.empty() && !bin_path.empty(), invalid_argument,
             "save_weights: empty path (index '" << index_path << "', binary '" << bin_path
                                                 << "')");
  auto resolved = [](const std::string& p) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(p, ec);
    return ec ? fs::absolute(p, ec).lexically_normal() : r;
  };
  PT_REQUIRE(resolved(index_path) != resolved(bin_path), invalid_argument,
             "save_weights: the index and the binary are the same file " << index_path);
  const std::vector<std::string> names = store.names();
  for (const std::string& name : names) {
    const std::string why = name_problem(name);
    PT_REQUIRE(why.empty(), invalid_argument,
               "save_weights: tensor " << shown(name) << " cannot be written: " << why);
  }

  std::string index =
      "# plantune weights index (docs/weights-format.md): name,kind,offset,size,shape\n";
  index += "# binary " + fs::path(bin_path).filename().string() + ": " +
           std::to_string(names.size()) + " tensors, " + std::to_string(store.bytes()) +
           " bytes, fp32 little-endian\n";
  std::int64_t offset = 0;
  for (const std::string& name : names) {
    const HostTensor& t = store.at(name);
    const auto size = static_cast<std::int64_t>(t.data.size() * sizeof(float));
    index += name + ",fp32," + std::to_string(offset) + "," + std::to_string(size) + "," +
             shape_string(t.dims) + "\n";
    offset += size;
  }

  const std::string bin_tmp = write_temp(bin_path, [&](std::ofstream& out) {
    std::vector<unsigned char> buf;
    for (const std::string& name : names) {
      const HostTensor& t = store.at(name);
      buf.resize(t.data.size() * 4);
      for (std::size_t i = 0; i < t.data.size(); ++i) {
        const auto u = std::bit_cast<std::uint32_t>(t.data[i]);
        for (int k = 0; k < 4; ++k) buf[4 * i + k] = static_cast<unsigned char>(u >> (8 * k));
      }
      out.write(reinterpret_cast<const char*>(buf.data()),
                static_cast<std::streamsize>(buf.size()));
      if (!out) return;
    }
  });
  std::string index_tmp;
  try {
    index_tmp = write_temp(index_path, [&](std::ofstream& out) { out << index; });
  } catch (...) {
    std::error_code ignored;
    fs::remove(bin_tmp, ignored);
    throw;
  }
  rename_into_place(bin_tmp, bin_path, index_tmp);
  rename_into_place(index_tmp, index_path, {});
}

WeightStore load_weights(const std::string& index_path, const std::string& bin_path,
                         const WeightsLoadOptions& options) {
  const std::int64_t index_size = regular_file_size(index_path, "weights index");
  PT_REQUIRE(static_cast<std::uint64_t>(index_size) <= kMaxWeightsIndexBytes, io_error,
             "weights index " << index_path << " is " << index_size
                              << " bytes, more than the limit of " << kMaxWeightsIndexBytes);
  const std::int64_t bin_size = regular_file_size(bin_path, "weights binary");

  std::string text(static_cast<std::size_t>(index_size), '\0');
  {
    std::ifstream in(index_path, std::ios::binary);
    PT_REQUIRE(in.good(), io_error,
               "cannot open weights index " << index_path << ": " << std::strerror(errno));
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  const std::vector<IndexEntry> entries =
      IndexParser(index_path, bin_size, bin_path).parse(text);

  std::ifstream bin(bin_path, std::ios::binary);
  PT_REQUIRE(bin.good(), io_error,
             "cannot open weights binary " << bin_path << ": " << std::strerror(errno));
  WeightStore store;
  std::vector<unsigned char> buf;
  for (const IndexEntry& e : entries) {
    read_range(bin, bin_path, e.offset, e.size, buf);
    HostTensor t;
    t.dims = e.dims;
    t.data.resize(static_cast<std::size_t>(e.numel));
    decode(e.kind, buf.data(), t.data.size(), t.data.data());
    if (!options.allow_non_finite) {
      const auto bad = [](float v) { return !std::isfinite(v); };
      const auto first = std::find_if(t.data.begin(), t.data.end(), bad);
      PT_REQUIRE(first == t.data.end(), invalid_argument,
                 "weights " << index_path << ":" << e.line << ": tensor " << shown(e.name)
                            << " holds " << std::count_if(t.data.begin(), t.data.end(), bad)
                            << " non-finite values (first: element "
                            << (first - t.data.begin()) << " = " << *first
                            << "); set WeightsLoadOptions::allow_non_finite to load them");
    }
    store.set(e.name, std::move(t));
  }
  return store;
}

}  // namespace plantune::runtime
