#pragma once
// The JSON writer paired with JsonReader: indented containers, or inline ones (one line) for
// small leaf objects; doubles in their shortest round-trip form (std::to_chars), so that a
// written file reads back to the same values bit for bit.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plantune::tuner::detail {

class JsonWriter {
 public:
  // inline_ containers (and everything inside them) are written on one line.
  void begin_object(bool inline_ = false);
  void end_object();
  void begin_array(bool inline_ = false);
  void end_array();
  void key(std::string_view k);
  // Strings are escaped; bytes that are not valid UTF-8 are written as U+FFFD.
  void string(std::string_view s);
  void integer(std::int64_t v);
  // Throws internal for NaN or infinity (JSON has no spelling for them).
  void number(double v);
  void boolean(bool v);
  void null();

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  struct Frame {
    bool is_object = false;
    bool is_inline = false;
    bool first = true;
  };
  void before_value();
  void write_escaped(std::string_view s);
  void newline(std::size_t depth);
  void begin(char c, bool is_object, bool inline_);
  void end(char c);

  std::string out_;
  std::vector<Frame> stack_;
  bool after_key_ = false;
};

}  // namespace plantune::tuner::detail
