#include "json_reader.h"

#include <array>
#include <charconv>
#include <cmath>

#include "plantune/core/error.h"
#include "text.h"

namespace plantune::tuner::detail {

std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  std::size_t n;
  std::uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  return n;
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view to_string(JsonType t) {
  switch (t) {
    case JsonType::object:
      return "an object";
    case JsonType::array:
      return "an array";
    case JsonType::string:
      return "a string";
    case JsonType::number:
      return "a number";
    case JsonType::boolean:
      return "a boolean";
    case JsonType::null:
      return "null";
  }
  return "unknown";
}

JsonReader::JsonReader(std::string_view text, std::string source)
    : text_(text),
      source_(std::move(source)),
      p_(text.data()),
      end_(text.data() + text.size()),
      value_start_(text.data()) {
  stack_.reserve(16);
}

JsonReader JsonReader::array_piece(const char* at, bool first) const {
  JsonReader piece(text_, source_);
  piece.p_ = at;
  piece.value_start_ = at;
  Frame f;
  f.is_array = true;
  f.first = first;
  piece.stack_.push_back(f);
  return piece;
}

void JsonReader::continue_after(const JsonReader& piece) {
  if (!piece.stack_.empty() || stack_.empty() || !stack_.back().is_array ||
      piece.text_.data() != text_.data()) {
    PT_FAIL(internal, "JsonReader::continue_after: the piece has not finished this array");
  }
  stack_.pop_back();
  p_ = piece.p_;
  value_start_ = piece.value_start_;
}

void JsonReader::skip_ws() {
  while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
}

std::string JsonReader::path() const {
  std::string s;
  for (const auto& f : stack_) {
    if (f.is_array) {
      if (f.index >= 0) s += cat("[", f.index, "]");
    } else if (!f.first) {
      if (!s.empty()) s += '.';
      s += f.key_owned ? std::string_view(f.key_storage) : f.key;
    }
  }
  return s.empty() ? std::string("top level") : s;
}

void JsonReader::fail_at(const char* where, std::string_view problem) const {
  std::size_t line = 1, col = 1;
  for (const char* q = text_.data(); q < where && q < end_; ++q) {
    if (*q == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  PT_FAIL(parse_error,
          source_ << ": line " << line << ", column " << col << " (" << path() << "): " << problem);
}

void JsonReader::fail(std::string_view problem) const { fail_at(value_start_, problem); }

JsonType JsonReader::peek() {
  skip_ws();
  value_start_ = p_;
  if (p_ >= end_) fail_at(p_, "unexpected end of input (the file is truncated)");
  switch (*p_) {
    case '{':
      return JsonType::object;
    case '[':
      return JsonType::array;
    case '"':
      return JsonType::string;
    case 't':
    case 'f':
      return JsonType::boolean;
    case 'n':
      return JsonType::null;
    default:
      if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return JsonType::number;
      fail_at(p_, cat("unexpected character '", *p_, "'"));
  }
}

void JsonReader::expect_type(JsonType want) {
  JsonType got = peek();
  if (got != want) {
    fail(cat("expected ", to_string(want), ", got ", to_string(got)));
  }
}

void JsonReader::begin_object() {
  expect_type(JsonType::object);
  ++p_;
  stack_.push_back(Frame{});
}

bool JsonReader::next_member(std::string_view& key) {
  Frame& f = stack_.back();
  skip_ws();
  if (p_ >= end_) fail_at(p_, "unexpected end of input inside an object (the file is truncated)");
  if (*p_ == '}') {
    ++p_;
    stack_.pop_back();
    return false;
  }
  if (!f.first) {
    if (*p_ != ',') fail_at(p_, "expected ',' or '}' after an object member");
    ++p_;
    skip_ws();
  }
  if (p_ >= end_) fail_at(p_, "unexpected end of input inside an object (the file is truncated)");
  if (*p_ != '"') fail_at(p_, "expected a member name in double quotes");
  value_start_ = p_;
  f.first = false;
  std::string_view k = read_string_raw();
  f.key_owned = k.data() == scratch_.data();
  if (f.key_owned) {
    f.key_storage.assign(k);
    k = f.key_storage;
  }
  f.key = k;
  key = k;
  skip_ws();
  if (p_ >= end_ || *p_ != ':') fail_at(p_, "expected ':' after member name");
  ++p_;
  return true;
}

void JsonReader::begin_array() {
  expect_type(JsonType::array);
  ++p_;
  Frame f;
  f.is_array = true;
  stack_.push_back(f);
}

bool JsonReader::next_element() {
  Frame& f = stack_.back();
  skip_ws();
  if (p_ >= end_) fail_at(p_, "unexpected end of input inside an array (the file is truncated)");
  if (*p_ == ']') {
    ++p_;
    stack_.pop_back();
    return false;
  }
  if (!f.first) {
    if (*p_ != ',') fail_at(p_, "expected ',' or ']' after an array element");
    ++p_;
  }
  f.first = false;
  ++f.index;
  return true;
}

// Bytes that end the fast path of a string: the closing quote, a backslash, control
// characters and non-ASCII bytes (which need UTF-8 checking).
constexpr std::array<bool, 256> kStringStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
  return t;
}();

std::string_view JsonReader::read_string_raw() {
  // p_ at the opening quote
  const char* start = ++p_;
  while (p_ < end_ && !kStringStop[static_cast<unsigned char>(*p_)]) ++p_;
  if (p_ < end_ && *p_ == '"') {
    std::string_view s(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return s;
  }
  // slow path: escapes, non-ASCII or an error
  scratch_.assign(start, static_cast<std::size_t>(p_ - start));
  read_escaped(scratch_);
  return scratch_;
}

void JsonReader::read_escaped(std::string& out) {
  while (true) {
    if (p_ >= end_) fail_at(p_, "unterminated string (the file is truncated)");
    auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return;
    }
    if (c < 0x20) fail_at(p_, "control character inside a string (must be escaped)");
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p_),
                                           reinterpret_cast<const unsigned char*>(end_));
      if (n == 0) fail_at(p_, "invalid UTF-8 inside a string");
      out.append(p_, n);
      p_ += n;
      continue;
    }
    if (c != '\\') {
      out += static_cast<char>(c);
      ++p_;
      continue;
    }
    if (p_ + 1 >= end_) fail_at(p_, "unterminated escape (the file is truncated)");
    char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        auto read4 = [this](std::uint32_t& v) {
          if (end_ - p_ < 4) return false;
          v = 0;
          for (int i = 0; i < 4; ++i) {
            int h = hex_value(p_[i]);
            if (h < 0) return false;
            v = (v << 4) | static_cast<std::uint32_t>(h);
          }
          p_ += 4;
          return true;
        };
        std::uint32_t cp = 0;
        if (!read4(cp)) fail_at(p_ - 2, "invalid \\u escape (needs four hex digits)");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t lo = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
            fail_at(p_, "unpaired UTF-16 surrogate in \\u escape");
          }
          p_ += 2;
          if (!read4(lo) || lo < 0xDC00 || lo > 0xDFFF) {
            fail_at(p_, "unpaired UTF-16 surrogate in \\u escape");
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          fail_at(p_, "unpaired UTF-16 surrogate in \\u escape");
        }
        append_utf8(out, cp);
        break;
      }
      default:
        fail_at(p_ - 2, cat("invalid escape '\\", e, "'"));
    }
  }
}

std::string_view JsonReader::string_view() {
  expect_type(JsonType::string);
  return read_string_raw();
}

std::string_view JsonReader::scan_number(bool& is_integer) {
  const char* start = p_;
  is_integer = true;
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail_at(p_, "invalid number");
  if (*p_ == '0') {
    ++p_;
    if (p_ < end_ && *p_ >= '0' && *p_ <= '9') fail_at(start, "invalid number (leading zero)");
  } else {
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  }
  if (p_ < end_ && *p_ == '.') {
    is_integer = false;
    ++p_;
    if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail_at(p_, "invalid number (digit after '.')");
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    is_integer = false;
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ >= end_ || !(*p_ >= '0' && *p_ <= '9')) fail_at(p_, "invalid number (exponent)");
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  }
  return std::string_view(start, static_cast<std::size_t>(p_ - start));
}

std::int64_t JsonReader::integer(std::int64_t lo, std::int64_t hi) {
  expect_type(JsonType::number);
  bool is_integer = false;
  std::string_view s = scan_number(is_integer);
  if (!is_integer) {
    fail(cat("expected an integer, got ", s, " (fraction or exponent)"));
  }
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    fail(cat("integer ", s.substr(0, 40), " does not fit in 64 bits"));
  }
  if (v < lo || v > hi) {
    fail(cat("integer ", s, " is outside ", lo, "..", hi));
  }
  return v;
}

double JsonReader::number(double lo, double hi) {
  expect_type(JsonType::number);
  bool is_integer = false;
  std::string_view s = scan_number(is_integer);
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    fail(cat("number ", s.substr(0, 40), " is out of the range of a double"));
  }
  if (!(v >= lo && v <= hi)) {
    fail(cat("number ", s.substr(0, 40), " is outside ", std::to_string(lo), "..",
             std::to_string(hi)));
  }
  return v;
}

bool JsonReader::boolean() {
  expect_type(JsonType::boolean);
  std::string_view rest(p_, static_cast<std::size_t>(end_ - p_));
  if (rest.substr(0, 4) == "true") {
    p_ += 4;
    return true;
  }
  if (rest.substr(0, 5) == "false") {
    p_ += 5;
    return false;
  }
  fail("invalid literal (expected true or false)");
}

bool JsonReader::null_if_present() {
  if (peek() != JsonType::null) return false;
  if (std::string_view(p_, static_cast<std::size_t>(end_ - p_)).substr(0, 4) != "null") {
    fail("invalid literal (expected null)");
  }
  p_ += 4;
  return true;
}

void JsonReader::end_document() {
  skip_ws();
  if (p_ != end_) fail_at(p_, "unexpected content after the end of the document");
}

}  // namespace plantune::tuner::detail
