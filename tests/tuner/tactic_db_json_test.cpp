#include "plantune/tuner/tactic_db_json.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "plantune/core/error.h"
#include "plantune/layouts/transform_cost.h"
#include "tuner/hostile_dbs.h"
#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  ASSERT_TRUE(f.good()) << path;
}

// The first ```json block of the format document.
std::string doc_example() {
  std::string doc = read_text(std::string(PLANTUNE_SOURCE_DIR) + "/docs/tactic-db-format.md");
  auto start = doc.find("```json\n");
  if (start == std::string::npos) return "";
  start += 8;
  return doc.substr(start, doc.find("```", start) - start);
}

void expect_same_entries(const TacticDb& a, const TacticDb& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.environment(), b.environment());
  for (const Entry* e : a.sorted_entries()) {
    const Entry* f = b.find(e->key);
    ASSERT_NE(f, nullptr) << e->key;
    EXPECT_EQ(*e, *f) << e->key;
  }
}

TEST(TacticDbJson, DocumentedExampleIsWhatTheWriterWrites) {
  std::string example = doc_example();
  ASSERT_FALSE(example.empty()) << "docs/tactic-db-format.md has no ```json block";
  EXPECT_EQ(tactic_db_to_json(testing::small_db()), example);
  expect_same_entries(tactic_db_from_json(example, "docs example"), testing::small_db());
}

TEST(TacticDbJson, RoundTripIsExactAndDeterministic) {
  TacticDb db = testing::database(40, 4);
  db.merge(testing::small_db());
  Entry padded = testing::entry(1000, 1);
  padded.variants[0].variant.padded_c = 8;
  padded.variants[0].variant.padded_k = 64;
  padded.variants[0].provenance.command = "plantune tune \"net \\ one\".json\n\ttab caf\xC3\xA9";
  db.insert(padded);
  std::string text = tactic_db_to_json(db);
  TacticDb back = tactic_db_from_json(text, "roundtrip");
  expect_same_entries(db, back);
  EXPECT_EQ(tactic_db_to_json(back), text);
  // insertion order does not change the bytes
  TacticDb reversed(db.environment());
  auto entries = db.sorted_entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) reversed.insert(**it);
  EXPECT_EQ(tactic_db_to_json(reversed), text);
}

// Errors against fp32 with the extreme values the database holds: exact outputs (sqnr +inf),
// an all-zero reference (rel_l2 +inf, sqnr -inf), tiny and huge numbers.
TacticDb errors_db() {
  TacticDb db = testing::database(3, 2);
  Entry e = *db.find(problem_key(testing::conv_problem(0)));
  e.variants[0].error_vs_fp32 = testing::error_metrics(3.1e-4, 802816);
  e.variants[0].error_vs_fp32->sqnr_db = std::numeric_limits<double>::infinity();
  e.variants[1].error_vs_fp32 = testing::error_metrics(1e-300, 1);
  e.variants[1].error_vs_fp32->max_rel = e.variants[1].error_vs_fp32->rel_l2 =
      std::numeric_limits<double>::infinity();
  e.variants[1].error_vs_fp32->sqnr_db = -std::numeric_limits<double>::infinity();
  e.variants[1].error_vs_fp32->cosine = -1;
  db.insert(e);
  return db;
}

TEST(TacticDbJson, ErrorVsFp32RoundTripsWithInfinities) {
  const TacticDb db = errors_db();
  const std::string text = tactic_db_to_json(db);
  EXPECT_NE(text.find("\"sqnr_db\": \"inf\""), std::string::npos);
  EXPECT_NE(text.find("\"sqnr_db\": \"-inf\""), std::string::npos);
  EXPECT_NE(text.find("\"rel_l2\": \"inf\""), std::string::npos);
  const TacticDb back = tactic_db_from_json(text, "errors");
  expect_same_entries(db, back);
  EXPECT_EQ(tactic_db_to_json(back), text);
}

// Files written before error_vs_fp32 existed have none: they load, and the variants have none.
TEST(TacticDbJson, DatabasesWithoutErrorsStillLoad) {
  const std::string with = tactic_db_to_json(testing::small_db());
  const std::string line_start = "          \"error_vs_fp32\": {";
  const auto pos = with.find(line_start);
  ASSERT_NE(pos, std::string::npos);
  const std::string old = with.substr(0, pos) + with.substr(with.find('\n', pos) + 1);
  const TacticDb db = tactic_db_from_json(old, "old.json");
  TacticDb expected = testing::small_db();
  Entry e = *expected.sorted_entries()[0];
  for (auto& v : e.variants) v.error_vs_fp32.reset();
  expected.insert(e);
  expect_same_entries(db, expected);
  EXPECT_EQ(tactic_db_to_json(db), old);
}

// The small database plus two measured transforms (one of them by cudnnTransformTensor).
TacticDb transforms_db() {
  TacticDb db = testing::small_db();
  const layouts::TransformDesc d{{32, 64, 56, 56}, layouts::kNCHW, DType::fp16, layouts::kNHWC,
                                 DType::fp16};
  db.put_transform(layouts::make_transform_cost(d, "plantune", std::vector<double>{0.021, 0.02, 0.023}));
  db.put_transform(layouts::make_transform_cost(d, "cudnnTransformTensor", std::vector<double>{0.03}));
  const layouts::TransformDesc pad{{32, 3, 224, 224}, layouts::kNHWC, DType::fp16,
                                   layouts::kNHWC_C8, DType::fp16};
  db.put_transform(layouts::make_transform_cost(pad, "plantune", std::vector<double>{0.0193}));
  return db;
}

TEST(TacticDbJson, TransformCostsRoundTrip) {
  const TacticDb db = transforms_db();
  const std::string text = tactic_db_to_json(db);
  EXPECT_NE(text.find("\"transforms\": ["), std::string::npos) << text;
  EXPECT_NE(text.find("\"dst_layout\": \"nhwc_c8\""), std::string::npos);
  const TacticDb back = tactic_db_from_json(text, "transforms.json");
  expect_same_entries(db, back);
  EXPECT_EQ(back.transforms(), db.transforms());
  EXPECT_EQ(tactic_db_to_json(back), text);
  // A database without transforms writes no "transforms" member (older readers load it).
  EXPECT_EQ(tactic_db_to_json(testing::small_db()).find("\"transforms\""), std::string::npos);
}

TEST(TacticDbJson, BadTransformRecordsAreRefusedNamingTheProblem) {
  const std::string good = tactic_db_to_json(transforms_db());
  auto refused = [&](const std::string& from, const std::string& to, const std::string& why) {
    std::string bad = good;
    const auto pos = bad.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    bad.replace(pos, from.size(), to);
    try {
      tactic_db_from_json(bad, "bad.json");
      ADD_FAILURE() << "accepted: " << to;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::parse_error) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused("\"provider\": \"cudnnTransformTensor\"", "\"provider\": \"plantune\"", "appears twice");
  refused("\"dst_layout\": \"nhwc_c8\"", "\"dst_layout\": \"nhwc_c9\"", "nhwc_c9");
  refused("\"repetitions\": 1,", "\"repetitions\": 0,", "repetitions");
  refused("\"min_ms\": 0.02,", "\"min_ms\": 0.025,", "min_ms <= median_ms");
  refused("\"gbps\"", "\"gbps_typo\"", "unknown member 'gbps_typo'");
}

TEST(TacticDbJson, EmptyDatabaseRoundTrips) {
  TacticDb db(testing::h200_env());
  std::string text = tactic_db_to_json(db);
  EXPECT_NE(text.find("\"entries\": []"), std::string::npos) << text;
  TacticDb back = tactic_db_from_json(text);
  EXPECT_EQ(back.size(), 0u);
  EXPECT_EQ(back.environment(), db.environment());
}

TEST(TacticDbJson, MembersInAnyOrderAreAccepted) {
  std::string good = tactic_db_to_json(testing::small_db());
  // move "format" and "schema_version" after "entries"
  std::string head = "  \"format\": \"plantune-tactic-db\",\n  \"schema_version\": 1,\n";
  std::string moved = testing::replace_first(good, head, "");
  ASSERT_FALSE(moved.empty());
  moved = moved.substr(0, moved.rfind('}')) + ",\n" + head.substr(0, head.size() - 2) + "\n}\n";
  expect_same_entries(tactic_db_from_json(moved, "moved"), testing::small_db());
}

TEST(TacticDbJson, CorruptAndHostileTextsAreReportedWithTheSource) {
  std::string good = tactic_db_to_json(testing::small_db());
  std::set<std::string> names;
  for (const auto& h : testing::hostile_dbs(good)) {
    SCOPED_TRACE(h.name);
    EXPECT_TRUE(names.insert(h.name).second) << "duplicate case name";
    ASSERT_FALSE(h.text.empty() && h.name != "empty") << "the mutation did not apply";
    try {
      tactic_db_from_json(h.text, "hostile/" + h.name + ".json");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(e.code(), ErrorCode::parse_error);
      EXPECT_EQ(msg.rfind("hostile/" + h.name + ".json: line ", 0), 0u) << msg;
      EXPECT_NE(msg.find(h.expect), std::string::npos) << msg;
    }
  }
  EXPECT_GE(names.size(), 30u);
}

TEST(TacticDbJson, ErrorsPointAtTheMember) {
  std::string good = tactic_db_to_json(testing::small_db());
  std::string bad = testing::replace_first(good, "\"sm_count\": 132", "\"sm_count\": -1");
  try {
    tactic_db_from_json(bad, "db.json");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "db.json: line 4, column 87 (environment.sm_count): integer -1 is outside "
                  "0..1000000",
                  0),
              0u)
        << e.what();
  }
  bad = testing::replace_first(good, "\"outcome\": \"incorrect\"", "\"outcome\": \"wrong\"");
  try {
    tactic_db_from_json(bad, "db.json");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(entries[0].variants[1].candidates[3].outcome)"),
              std::string::npos)
        << e.what();
  }
}

// A database of `n` generated entries around small_db()'s (hostile_dbs' mutations apply to it).
TacticDb large_db(std::int64_t n) {
  TacticDb db = testing::small_db();
  for (std::int64_t i = 0; i < n; ++i) db.insert(testing::entry(i, 1 + i % 4, 1 + i % 3, i % 2));
  return db;
}

// Entries read in pieces on several threads (Note [parallel entries]).
TacticDbReadOptions pieces(unsigned threads, std::size_t* pieces_read = nullptr) {
  TacticDbReadOptions o;
  o.threads = threads;
  o.min_piece_bytes = 1;
  o.pieces_read = pieces_read;
  return o;
}

TEST(TacticDbJsonPieces, ReadTheSameDatabaseAsOneThread) {
  const std::string text = tactic_db_to_json(large_db(120));
  for (unsigned threads : {2u, 3u, 8u, 16u}) {
    SCOPED_TRACE(threads);
    std::size_t n = 0;
    TacticDb db = tactic_db_from_json(text, "large", pieces(threads, &n));
    EXPECT_EQ(n, threads);
    EXPECT_EQ(db.size(), 122u);
    EXPECT_EQ(tactic_db_to_json(db), text);
  }
  // Compact text (no line breaks) cuts the same way; a small file stays on one thread.
  std::string compact;
  for (char c : text) {
    if (c != '\n') compact += c;
  }
  std::size_t n = 0;
  EXPECT_EQ(tactic_db_to_json(tactic_db_from_json(compact, "compact", pieces(4, &n))), text);
  EXPECT_EQ(n, 4u);
  const std::string small = tactic_db_to_json(large_db(20));
  TacticDbReadOptions defaults;
  defaults.pieces_read = &n;
  EXPECT_EQ(tactic_db_to_json(tactic_db_from_json(small, "small", defaults)), small);
  EXPECT_EQ(n, 1u) << "a " << small.size() << "-byte file is below two pieces of 256 KiB";
}

// What a one-thread read makes of `text`: the database's JSON, or "error: <message>".
std::string outcome(const std::string& text, const TacticDbReadOptions& o) {
  try {
    return tactic_db_to_json(tactic_db_from_json(text, "h.json", o));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::parse_error) << e.what();
    return std::string("error: ") + e.what();
  }
}

// Every error of a file read in pieces is the one-thread read's, with its line, column and
// member path: a key repeated in another piece, an error in the last piece, objects that look
// like entries deeper down (where a cut may land), and the hostile mutations (made for
// small_db: in this file some of them hit a generated entry, and a few then still read).
TEST(TacticDbJsonPieces, ErrorsAreTheOneThreadErrors) {
  const std::string good = tactic_db_to_json(large_db(60));
  std::vector<testing::HostileDb> cases = testing::hostile_dbs(good);
  const std::string first_key = "\"key\": \"" + testing::entry(0).key + "\"";
  const std::string last_key = "\"key\": \"" + testing::entry(59).key + "\"";
  cases.push_back({"key_in_two_pieces", testing::replace_first(good, last_key, first_key),
                   "appears twice"});
  const auto tail = good.rfind("\"outcome\": \"ok\"");
  cases.push_back({"last_piece", good.substr(0, tail) + "\"outcome\": \"fine\"" +
                                     good.substr(tail + 15),
                   "unknown outcome"});
  std::string nested = good;
  for (std::size_t at = 0; (at = nested.find("\"behavior_notes\": [", at)) != std::string::npos;
       at += 40) {
    nested.insert(at + 19, "1, {\"key\": \"conv2d\"}, ");
  }
  cases.push_back({"entry_like_objects_inside", nested, "expected a string"});
  std::size_t rejected = 0;
  for (const auto& h : cases) {
    SCOPED_TRACE(h.name);
    const std::string one = outcome(h.text, pieces(1));
    if (one.rfind("error: ", 0) == 0) ++rejected;
    if (h.name == "key_in_two_pieces" || h.name == "last_piece" ||
        h.name == "entry_like_objects_inside") {
      EXPECT_NE(one.find(h.expect), std::string::npos) << one;
    }
    for (unsigned threads : {2u, 5u, 16u}) {
      EXPECT_EQ(outcome(h.text, pieces(threads)), one) << threads << " threads";
    }
  }
  EXPECT_GE(rejected, 30u);
}

// Files for the JSON Schema check (tests/tuner/CMakeLists.txt): documents the writer produces,
// which must validate, and documents that break the schema, which must not (the C++ reader
// rejects each of them too).
TEST(TacticDbSchemaSamples, Write) {
  const std::string dir = TUNER_TEST_OUT_DIR;
  TacticDb large = testing::database(30, 4);
  large.merge(testing::small_db());
  TacticDb reverify = testing::database(3);
  reverify.mark_needs_reverify("measured in another environment: cuDNN version differs");
  write_text(dir + "/schema_sample_small.json", tactic_db_to_json(testing::small_db()));
  write_text(dir + "/schema_sample_large.json", tactic_db_to_json(large));
  write_text(dir + "/schema_sample_reverify.json", tactic_db_to_json(reverify));
  write_text(dir + "/schema_sample_empty.json", tactic_db_to_json(TacticDb(testing::h200_env())));
  write_text(dir + "/schema_sample_errors.json", tactic_db_to_json(errors_db()));
  write_text(dir + "/schema_sample_transforms.json", tactic_db_to_json(transforms_db()));

  const std::set<std::string> schema_invalid = {"wrong_format",
                                                "schema_version_2",
                                                "schema_version_huge",
                                                "missing_environment",
                                                "wrong_type_string_for_int",
                                                "wrong_type_int_for_enum",
                                                "huge_integer",
                                                "fraction_for_integer",
                                                "huge_time",
                                                "negative_padding",
                                                "unknown_enum",
                                                "unknown_member",
                                                "reverify_without_reason",
                                                "bad_date",
                                                "error_unknown_member",
                                                "error_missing_member",
                                                "error_nan",
                                                "error_negative",
                                                "error_fraction_count",
                                                "error_cosine_above_one"};  // as in CMakeLists.txt
  std::size_t written = 0;
  for (const auto& h : testing::hostile_dbs(tactic_db_to_json(testing::small_db()))) {
    if (!schema_invalid.count(h.name)) continue;
    EXPECT_THROW(tactic_db_from_json(h.text), Error) << h.name;
    write_text(dir + "/schema_bad_" + h.name + ".json", h.text);
    ++written;
  }
  EXPECT_EQ(written, schema_invalid.size());
}

// Databases for the `plantune db` tests (tests/tuner/CMakeLists.txt): A is the small database;
// B re-measured its nhwc/fp16 variant (engine 31 now wins) and has one more entry; h100 is A
// measured on another GPU; keys.txt names A's GEMM and one key no database has.
TEST(TacticDbCliSamples, Write) {
  const std::string dir = TUNER_TEST_OUT_DIR;
  TacticDb a = testing::small_db();
  TacticDb b(testing::h200_env());
  ConvProblem conv = std::get<ConvProblem>(a.sorted_entries()[0]->problem);
  VariantResult v;
  v.variant = {Layout::nhwc, Precision::fp16, 0, 0};
  v.provenance = testing::provenance("2026-11-23T09:00:00Z");
  v.candidates.push_back(testing::ok_candidate(testing::graph_tactic(31, 4), 0.0302));
  v.candidates.push_back(testing::ok_candidate(testing::graph_tactic(28, 2), 0.0355, 200, 0.01));
  rank_candidates(v.candidates);
  b.insert(conv, v);
  b.insert(testing::entry(5));
  Environment other = testing::h200_env();
  other.gpu_name = "NVIDIA H100 80GB HBM3";
  TacticDb h100(other);
  for (const Entry* e : a.sorted_entries()) h100.insert(*e);
  write_text(dir + "/cli_a.json", tactic_db_to_json(a));
  write_text(dir + "/cli_b.json", tactic_db_to_json(b));
  write_text(dir + "/cli_h100.json", tactic_db_to_json(h100));
  write_text(dir + "/cli_keys.txt", a.sorted_entries()[1]->key +
                                        "\nconv2d n1_c1_h1_w1_k1_r1_s1_p0x0_u1x1_d1x1_g1 "
                                        "x=fp32 w=fp32 y=fp32 acc=fp32\n");
  write_text(dir + "/cli_corrupt.json", tactic_db_to_json(a).substr(0, 300));
  EXPECT_EQ(tactic_db_from_json(read_text(dir + "/cli_b.json")).size(), 2u);
}

}  // namespace
}  // namespace plantune::tuner
