// The tuner's private JSON writer (tuner/src/json_writer.h), read back with JsonReader.
#include "json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "json_reader.h"
#include "plantune/core/error.h"

namespace plantune::tuner::detail {
namespace {

TEST(JsonWriter, IndentsContainersAndKeepsInlineOnesOnOneLine) {
  JsonWriter w;
  w.begin_object();
  w.key("a");
  w.integer(1);
  w.key("list");
  w.begin_array();
  w.begin_object(true);
  w.key("x");
  w.boolean(true);
  w.key("y");
  w.begin_array();  // inside an inline container: inline too
  w.null();
  w.string("s");
  w.end_array();
  w.end_object();
  w.end_array();
  w.key("empty");
  w.begin_array();
  w.end_array();
  w.end_object();
  EXPECT_EQ(w.str(),
            "{\n"
            "  \"a\": 1,\n"
            "  \"list\": [\n"
            "    {\"x\": true, \"y\": [null, \"s\"]}\n"
            "  ],\n"
            "  \"empty\": []\n"
            "}");
}

TEST(JsonWriter, EscapesStringsAndReplacesInvalidUtf8) {
  JsonWriter w;
  w.begin_array(true);
  w.string(std::string("q\"b\\n\n\t\x01 caf\xC3\xA9"));
  w.string("bad\xFF!");
  w.end_array();
  EXPECT_EQ(w.str(), "[\"q\\\"b\\\\n\\n\\t\\u0001 caf\xC3\xA9\", \"bad\xEF\xBF\xBD!\"]");
  JsonReader r(w.str(), "w");
  r.begin_array();
  r.next_element();
  EXPECT_EQ(r.string(), std::string("q\"b\\n\n\t\x01 caf\xC3\xA9"));
}

TEST(JsonWriter, DoublesRoundTripBitForBit) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-30, 30);
  JsonWriter w;
  w.begin_array(true);
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                0.1,
                                1e-300,
                                123456.789,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::denorm_min()};
  for (int i = 0; i < 1000; ++i) values.push_back(std::pow(10.0, exponent(rng)));
  for (double v : values) w.number(v);
  w.end_array();
  JsonReader r(w.str(), "w");
  r.begin_array();
  for (double v : values) {
    ASSERT_TRUE(r.next_element());
    double back = r.number(-std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
    EXPECT_EQ(std::memcmp(&back, &v, sizeof v), 0) << v;
  }
  EXPECT_FALSE(r.next_element());
}

TEST(JsonWriter, RefusesNonFiniteNumbers) {
  JsonWriter w;
  w.begin_array();
  EXPECT_THROW(w.number(NAN), Error);
  EXPECT_THROW(w.number(INFINITY), Error);
  w.integer(std::numeric_limits<std::int64_t>::min());
  w.end_array();
  EXPECT_EQ(w.str(), "[\n  -9223372036854775808\n]");
}

}  // namespace
}  // namespace plantune::tuner::detail
