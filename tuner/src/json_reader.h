#pragma once
// A strict, allocation-light JSON pull reader (RFC 8259) for the tuner's files.
//
// Why not nlohmann::json: its lexer alone reads about 110 MB/s on the development machine, so a
// 10,000-entry tactic database would take several times the 50 ms load budget. This reader
// returns strings as views into the text when they hold no escapes and parses numbers with
// std::from_chars. It accepts exactly RFC 8259 (no comments, trailing commas, NaN, leading
// zeros, invalid UTF-8 or unescaped control characters) and reports every problem as
// plantune::Error(parse_error, "<source>: line L, column C (<path>): <problem>").
// Duplicate member names are the caller's to detect (the caller knows the members).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plantune::tuner::detail {

// Length of the valid UTF-8 sequence starting at p (whose first byte is >= 0x80), or 0 when
// it is invalid (truncated, overlong, a surrogate, or above U+10FFFF).
std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end);

enum class JsonType { object, array, string, number, boolean, null };
std::string_view to_string(JsonType t);

class JsonReader {
 public:
  JsonReader(std::string_view text, std::string source);

  // Type of the next value (skips whitespace); fails at the end of the input.
  JsonType peek();
  void begin_object();
  // Reads the next member name into `key` (valid until the next read); false at '}'.
  bool next_member(std::string_view& key);
  void begin_array();
  // True when another element follows; false at ']'.
  bool next_element();
  // The next string; the view is valid until the next string is read.
  std::string_view string_view();
  std::string string() { return std::string(string_view()); }
  // True when `s` points into the text being read (a string without escapes): such views stay
  // valid as long as the text does.
  bool in_text(std::string_view s) const {
    return s.data() >= text_.data() && s.data() + s.size() <= text_.data() + text_.size();
  }
  // An integer in [lo, hi] written without fraction or exponent.
  std::int64_t integer(std::int64_t lo, std::int64_t hi);
  // A finite number in [lo, hi].
  double number(double lo, double hi);
  bool boolean();
  // Consumes `null` and returns true when the next value is null.
  bool null_if_present();
  // Requires only whitespace after the top-level value.
  void end_document();

  // Throws parse_error at the start of the value just read (or the current position).
  [[noreturn]] void fail(std::string_view problem) const;
  // The path of the current value: "entries[3].variants[0].timing.n".
  std::string path() const;

  // Reading one array's elements with several readers, each over a piece of the text:
  // a reader over the same text at `at`, inside an array whose elements before `at` were
  // read elsewhere (`first`: there were none, so no ',' comes before the next element).
  // Its messages give lines and columns of the whole text; element indexes count from `at`.
  JsonReader array_piece(const char* at, bool first) const;
  // Where the next token starts (skips whitespace).
  const char* next_token() {
    skip_ws();
    return p_;
  }
  // Continues after the array that `piece` (made by array_piece of this reader, at this
  // reader's innermost array) has read to its closing ']'.
  void continue_after(const JsonReader& piece);

 private:
  struct Frame {
    bool is_array = false;
    bool first = true;
    std::int64_t index = -1;
    bool key_owned = false;  // the name had escapes: it lives in key_storage
    std::string_view key;
    std::string key_storage;
  };

  void skip_ws();
  [[noreturn]] void fail_at(const char* where, std::string_view problem) const;
  void expect_type(JsonType want);
  std::string_view read_string_raw();
  void read_escaped(std::string& out);
  std::string_view scan_number(bool& is_integer);

  std::string_view text_;
  std::string source_;
  const char* p_;
  const char* end_;
  const char* value_start_;
  std::vector<Frame> stack_;
  std::string scratch_;
};

}  // namespace plantune::tuner::detail
