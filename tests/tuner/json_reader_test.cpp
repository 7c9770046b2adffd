// The tuner's private JSON reader (tuner/src/json_reader.h).
#include "json_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "plantune/core/error.h"

namespace plantune::tuner::detail {
namespace {

// The parse_error message of running `body` on `text`.
template <typename Body>
std::string error_of(const std::string& text, Body body) {
  try {
    JsonReader r(text, "t.json");
    body(r);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error);
    return e.what();
  }
  ADD_FAILURE() << "no error for: " << text;
  return "";
}

// Reads any value (used to feed arbitrary documents through the reader).
void skip_value(JsonReader& r) {
  switch (r.peek()) {
    case JsonType::object: {
      r.begin_object();
      std::string_view k;
      while (r.next_member(k)) skip_value(r);
      break;
    }
    case JsonType::array:
      r.begin_array();
      while (r.next_element()) skip_value(r);
      break;
    case JsonType::string:
      r.string_view();
      break;
    case JsonType::number:
      r.number(-1e308, 1e308);
      break;
    case JsonType::boolean:
      r.boolean();
      break;
    case JsonType::null:
      r.null_if_present();
      break;
  }
}

void read_document(JsonReader& r) {
  skip_value(r);
  r.end_document();
}

TEST(JsonReader, ReadsObjectsArraysAndScalars) {
  std::string text =
      R"( {"a": [1, -2, 3.5e1], "b": {"s": "x\"y\\u00e9\n", "t": true, "n": null}} )";
  JsonReader r(text, "t.json");
  r.begin_object();
  std::string_view k;
  ASSERT_TRUE(r.next_member(k));
  EXPECT_EQ(k, "a");
  r.begin_array();
  ASSERT_TRUE(r.next_element());
  EXPECT_EQ(r.integer(-10, 10), 1);
  ASSERT_TRUE(r.next_element());
  EXPECT_EQ(r.integer(-10, 10), -2);
  ASSERT_TRUE(r.next_element());
  EXPECT_DOUBLE_EQ(r.number(0, 100), 35.0);
  EXPECT_FALSE(r.next_element());
  ASSERT_TRUE(r.next_member(k));
  EXPECT_EQ(k, "b");
  r.begin_object();
  ASSERT_TRUE(r.next_member(k));
  EXPECT_EQ(r.string(), "x\"y\\u00e9\n");
  ASSERT_TRUE(r.next_member(k));
  EXPECT_TRUE(r.boolean());
  ASSERT_TRUE(r.next_member(k));
  EXPECT_TRUE(r.null_if_present());
  EXPECT_FALSE(r.next_member(k));
  EXPECT_FALSE(r.next_member(k));
  r.end_document();
}

TEST(JsonReader, DecodesEscapesAndUtf8) {
  std::string text = R"(["\u00e9\ud83d\ude00\t\/", "caf)"
                     "\xC3\xA9"
                     R"("])";
  JsonReader r(text, "t.json");
  r.begin_array();
  ASSERT_TRUE(r.next_element());
  EXPECT_EQ(r.string(), "\xC3\xA9\xF0\x9F\x98\x80\t/");
  ASSERT_TRUE(r.next_element());
  EXPECT_EQ(r.string(), "caf\xC3\xA9");
  EXPECT_FALSE(r.next_element());
}

TEST(JsonReader, RejectsWhatRfc8259Rejects) {
  struct Case {
    std::string text, expect;
  };
  std::vector<Case> cases = {
      {"", "unexpected end of input"},
      {"{\"a\": 1", "truncated"},
      {"{\"a\": 1,}", "member name"},
      {"{\"a\": 1, ", "truncated"},
      {"[1, 2,]", "unexpected character ']'"},
      {"[01]", "leading zero"},
      {"[1.]", "digit after '.'"},
      {"[1e]", "exponent"},
      {"[-]", "invalid number"},
      {"[NaN]", "unexpected character 'N'"},
      {"[Infinity]", "unexpected character 'I'"},
      {"['a']", "unexpected character '''"},
      {"[\"a\tb\"]", "control character"},
      {"[\"\\x\"]", "invalid escape"},
      {"[\"\\u12\"]", "four hex digits"},
      {"[\"\\ud800\"]", "unpaired UTF-16 surrogate"},
      {"[\"\\udc00\"]", "unpaired UTF-16 surrogate"},
      {"[\"\xC3\"]", "invalid UTF-8"},
      {"[\"\xC0\xAF\"]", "invalid UTF-8"},      // overlong '/'
      {"[\"\xED\xA0\x80\"]", "invalid UTF-8"},  // encoded surrogate
      {"[\"abc", "unterminated string"},
      {"[tru]", "expected true or false"},
      {"[nul]", "expected null"},
      {"{} {}", "after the end of the document"},
      {"{\"a\" 1}", "expected ':'"},
      {"{a: 1}", "member name in double quotes"},
      {"[1 2]", "expected ',' or ']'"},
      {"/* c */ {}", "unexpected character '/'"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of(c.text, read_document);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "text: " << c.text << "\nmessage: " << msg;
    EXPECT_EQ(msg.rfind("t.json: line ", 0), 0u) << msg;
  }
}

TEST(JsonReader, IntegersAreCheckedForTypeAndRange) {
  auto read_int = [](JsonReader& r) {
    r.begin_array();
    r.next_element();
    r.integer(0, 100);
  };
  EXPECT_NE(error_of("[1.5]", read_int).find("expected an integer, got 1.5"), std::string::npos);
  EXPECT_NE(error_of("[1e2]", read_int).find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of("[101]", read_int).find("outside 0..100"), std::string::npos);
  EXPECT_NE(error_of("[-1]", read_int).find("outside 0..100"), std::string::npos);
  EXPECT_NE(error_of("[99999999999999999999]", read_int).find("does not fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(error_of("[\"5\"]", read_int).find("expected a number, got a string"),
            std::string::npos);
  auto read_num = [](JsonReader& r) {
    r.begin_array();
    r.next_element();
    r.number(0, 10);
  };
  EXPECT_NE(error_of("[1e400]", read_num).find("out of the range of a double"), std::string::npos);
  EXPECT_NE(error_of("[10.5]", read_num).find("outside"), std::string::npos);
}

TEST(JsonReader, ErrorsGiveLineColumnAndPath) {
  std::string text = "{\n  \"entries\": [\n    {\"n\": 1},\n    {\"n\": \"x\"}\n  ]\n}";
  std::string msg = error_of(text, [](JsonReader& r) {
    r.begin_object();
    std::string_view k;
    r.next_member(k);
    r.begin_array();
    while (r.next_element()) {
      r.begin_object();
      while (r.next_member(k)) r.integer(0, 9);
    }
  });
  EXPECT_EQ(msg.substr(0, msg.find(" (", msg.find("entries"))),
            "t.json: line 4, column 11 (entries[1].n): expected a number, got a string");
}

TEST(JsonReader, EscapedMemberNamesSurviveNestedReads) {
  // The escaped name lives in the reader's storage while nested values are read.
  std::string text = R"({"k\u0065y": {"inner\u0041": ["\u0061", "b"]}})";
  JsonReader r(text, "t.json");
  r.begin_object();
  std::string_view k;
  ASSERT_TRUE(r.next_member(k));
  EXPECT_EQ(k, "key");
  r.begin_object();
  ASSERT_TRUE(r.next_member(k));
  EXPECT_EQ(k, "innerA");
  r.begin_array();
  r.next_element();
  EXPECT_EQ(r.string(), "a");
  r.next_element();
  EXPECT_EQ(r.path(), "key.innerA[1]");
}

}  // namespace
}  // namespace plantune::tuner::detail
