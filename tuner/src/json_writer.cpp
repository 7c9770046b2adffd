#include "json_writer.h"

#include <charconv>
#include <cmath>

#include "json_reader.h"
#include "plantune/core/error.h"

namespace plantune::tuner::detail {
void JsonWriter::newline(std::size_t depth) {
  out_ += '\n';
  out_.append(2 * depth, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Frame& f = stack_.back();
  if (!f.first) out_ += f.is_inline ? ", " : ",";
  if (!f.is_inline) newline(stack_.size());
  f.first = false;
}

void JsonWriter::begin(char c, bool is_object, bool inline_) {
  before_value();
  bool parent_inline = !stack_.empty() && stack_.back().is_inline;
  out_ += c;
  stack_.push_back(Frame{is_object, inline_ || parent_inline, true});
}

void JsonWriter::end(char c) {
  Frame f = stack_.back();
  stack_.pop_back();
  if (!f.is_inline && !f.first) newline(stack_.size());
  out_ += c;
}

void JsonWriter::begin_object(bool inline_) { begin('{', true, inline_); }
void JsonWriter::end_object() { end('}'); }
void JsonWriter::begin_array(bool inline_) { begin('[', false, inline_); }
void JsonWriter::end_array() { end(']'); }

void JsonWriter::key(std::string_view k) {
  before_value();
  write_escaped(k);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::string(std::string_view s) {
  before_value();
  write_escaped(s);
}

void JsonWriter::write_escaped(std::string_view s) {
  out_ += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
      ++p;
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      switch (c) {
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\r':
          out_ += "\\r";
          break;
        default:
          out_ += "\\u00";
          out_ += hex[c >> 4];
          out_ += hex[c & 15];
      }
      ++p;
    } else if (c < 0x80) {
      out_ += static_cast<char>(c);
      ++p;
    } else {
      std::size_t n = utf8_sequence_length(p, end);
      if (n == 0) {
        out_ += "\xEF\xBF\xBD";  // U+FFFD
        ++p;
      } else {
        out_.append(reinterpret_cast<const char*>(p), n);
        p += n;
      }
    }
  }
  out_ += '"';
}

void JsonWriter::integer(std::int64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonWriter::number(double v) {
  PT_REQUIRE(std::isfinite(v), internal, "cannot write the non-finite number " << v << " as JSON");
  before_value();
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonWriter::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
}

void JsonWriter::null() {
  before_value();
  out_ += "null";
}

}  // namespace plantune::tuner::detail
