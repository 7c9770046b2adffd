#include "plantune/runtime/weights_io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "plantune/core/error.h"
#include "plantune/models/registry.h"

namespace plantune::runtime {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test under the system's temporary folder, removed afterwards.
class WeightsIo : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("plantune_weights_io_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // Loads index text `index` over a binary of `bin` bytes.
  WeightStore load_text(const std::string& index, const std::string& bin,
                        WeightsLoadOptions o = {}) const {
    write("t.index", index);
    write("t.bin", bin);
    return load_weights(path("t.index"), path("t.bin"), o);
  }

  fs::path dir_;
};

std::string le32(float f) {
  const auto u = std::bit_cast<std::uint32_t>(f);
  std::string s(4, '\0');
  for (int k = 0; k < 4; ++k) s[static_cast<std::size_t>(k)] = static_cast<char>(u >> (8 * k));
  return s;
}

std::string le16(std::uint16_t u) {
  return std::string{static_cast<char>(u & 0xFF), static_cast<char>(u >> 8)};
}

// ---- C++ -> C++ ----

TEST_F(WeightsIo, RoundTripOfAWholeNetworkIsBitExact) {
  const Graph g = models::build_model("resnet18");
  const WeightStore w = random_weights(g, 3);
  save_weights(w, path("r18.index"), path("r18.bin"));
  EXPECT_EQ(fs::file_size(path("r18.bin")), w.bytes());
  const WeightStore r = load_weights(path("r18.index"), path("r18.bin"));
  ASSERT_EQ(r.names(), w.names());
  EXPECT_EQ(r.bytes(), w.bytes());
  for (const auto& name : w.names()) {
    EXPECT_EQ(r.at(name).dims, w.at(name).dims) << name;
    EXPECT_EQ(r.at(name).data, w.at(name).data) << name;
  }
  EXPECT_NO_THROW(check_weights(g, r));
  for (const auto& e : fs::directory_iterator(dir_))  // no temporary files left behind
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

TEST_F(WeightsIo, IndexTextIsTheDocumentedFormat) {
  WeightStore s;
  s.set("fc.weight", HostTensor{{2, 3}, {1, 2, 3, 4, 5, 6}});
  s.set("fc.bias", HostTensor{{2}, {-1, 0.5f}});
  s.set("scale", HostTensor{{}, {7}});
  s.set("empty", HostTensor{{0, 4}, {}});
  save_weights(s, path("w.index"), path("w.bin"));
  std::string lines;
  std::istringstream in(read("w.index"));
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') lines += l + "\n";
  EXPECT_EQ(lines,
            "empty,fp32,0,0,0x4\n"
            "fc.bias,fp32,0,8,2\n"
            "fc.weight,fp32,8,24,2x3\n"
            "scale,fp32,32,4,\n");
  EXPECT_EQ(read("w.bin"), le32(-1) + le32(0.5f) + le32(1) + le32(2) + le32(3) + le32(4) +
                               le32(5) + le32(6) + le32(7));
}

TEST_F(WeightsIo, SpecialValuesRoundTripBitExactWhenAllowed) {
  const float values[] = {-0.0f, 1e-45f /* smallest subnormal */, 3.4028235e38f,
                          INFINITY, -INFINITY, NAN};
  WeightStore s;
  s.set("special", HostTensor{{6}, {std::begin(values), std::end(values)}});
  s.set("fine", HostTensor{{1}, {1}});
  save_weights(s, path("s.index"), path("s.bin"));
  WeightsLoadOptions allow;
  allow.allow_non_finite = true;
  const WeightStore r = load_weights(path("s.index"), path("s.bin"), allow);
  const auto& d = r.at("special").data;
  for (std::size_t i = 0; i < 6; ++i)
    EXPECT_EQ(std::bit_cast<std::uint32_t>(d[i]), std::bit_cast<std::uint32_t>(values[i])) << i;
  // By default non-finite values are refused, naming the tensor, the count and the first one.
  try {
    load_weights(path("s.index"), path("s.bin"));
    ADD_FAILURE() << "non-finite values loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    const std::string m = e.what();
    EXPECT_NE(m.find("'special'"), std::string::npos) << m;
    EXPECT_NE(m.find("3 non-finite"), std::string::npos) << m;
    EXPECT_NE(m.find("element 3"), std::string::npos) << m;
  }
}

TEST_F(WeightsIo, SavingReplacesExistingFiles) {
  WeightStore a, b;
  a.set("x", HostTensor{{3}, {1, 2, 3}});
  b.set("y", HostTensor{{1}, {4}});
  save_weights(a, path("w.index"), path("w.bin"));
  save_weights(b, path("w.index"), path("w.bin"));
  const WeightStore r = load_weights(path("w.index"), path("w.bin"));
  EXPECT_EQ(r.names(), std::vector<std::string>{"y"});
  EXPECT_EQ(fs::file_size(path("w.bin")), 4u);
}

TEST_F(WeightsIo, SaveRefusesWhatTheFormatCannotHold) {
  for (const std::string& bad : {std::string("a,b"), std::string("a b"), std::string("#a"),
                                std::string("a\nb")}) {
    WeightStore s;
    s.set(bad, HostTensor{{1}, {0}});
    try {
      save_weights(s, path("w.index"), path("w.bin"));
      ADD_FAILURE() << "saved a tensor named '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    }
  }
  WeightStore ok;
  ok.set("x", HostTensor{{1}, {0}});
  EXPECT_THROW(save_weights(ok, path("same"), path("same")), Error);
  try {
    save_weights(ok, path("no/such/dir/w.index"), path("no/such/dir/w.bin"));
    ADD_FAILURE() << "saved into a missing folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir_));  // nothing written, no temporaries left
}

// ---- files written by hand: kinds, comments, line endings ----

TEST_F(WeightsIo, ReadsFp16AndBf16AsFloat) {
  const std::string bin = le16(0x3C00) + le16(0xC000) + le16(0x0001) + le16(0x7BFF) +  // fp16
                          le16(0x3555) + le16(0x8000) +                                  // fp16
                          le16(0x3F80) + le16(0xC040) + le16(0x0080) +                   // bf16
                          le32(0.25f);                                                   // fp32
  const WeightStore s = load_text(
      "# comment\n"
      "\n"
      "h,fp16,0,12,2x3\r\n"  // CRLF line
      "   \t\n"
      "b,bf16,12,6,3\n"
      "  # an indented comment\n"
      "f,fp32,18,4,",  // no final newline; scalar
      bin);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at("h").dims, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(s.at("h").data, (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), 65504.0f,
                                                0.333251953125f, -0.0f}));
  EXPECT_TRUE(std::signbit(s.at("h").data[5]));
  EXPECT_EQ(s.at("b").data, (std::vector<float>{1.0f, -3.0f, std::ldexp(1.0f, -126)}));
  EXPECT_EQ(s.at("f").dims, std::vector<std::int64_t>{});
  EXPECT_EQ(s.at("f").data, std::vector<float>{0.25f});
}

TEST_F(WeightsIo, Fp16InfinityAndNanAreNonFinite) {
  const std::string bin = le16(0x7C00) + le16(0xFE00);
  EXPECT_THROW(load_text("h,fp16,0,4,2\n", bin), Error);
  WeightsLoadOptions allow;
  allow.allow_non_finite = true;
  const auto d = load_text("h,fp16,0,4,2\n", bin, allow).at("h").data;
  EXPECT_TRUE(std::isinf(d[0]) && d[0] > 0);
  EXPECT_TRUE(std::isnan(d[1]));
}

TEST_F(WeightsIo, GapsAndAnyOrderOfRangesAreAllowed) {
  const std::string bin = std::string(8, '\0') + le32(2) + std::string(4, 'x') + le32(1);
  const WeightStore s = load_text("one,fp32,16,4,1\ntwo,fp32,8,4,1\nnone,fp32,3,0,0\n", bin);
  EXPECT_EQ(s.at("one").data, std::vector<float>{1});
  EXPECT_EQ(s.at("two").data, std::vector<float>{2});
  EXPECT_EQ(s.at("none").numel(), 0);
  EXPECT_EQ(load_text("# nothing\n", "").size(), 0u);  // an index of comments: an empty store
}

// ---- hostile files ----

struct Bad {
  std::string index;
  std::size_t bin_bytes;
  std::string message_part;  // the message holds "t.index:<line>:" and this
  int line;
};

TEST_F(WeightsIo, MalformedIndexLinesNameFileAndLine) {
  const std::string two = "a,fp32,0,4,1\n";  // a good first line
  const std::vector<Bad> cases = {
      {"a,fp32,0,4\n", 8, "expected 5 fields", 1},
      {"a,fp32,0,4,1,x\n", 8, "found more", 1},
      {two + "b\n", 8, "found 1", 2},
      {",fp32,0,4,1\n", 8, "empty", 1},
      {"a b,fp32,0,4,1\n", 8, "space", 1},
      {std::string("a\0b,fp32,0,4,1\n", 15), 8, "control character", 1},
      {"a,fp64,0,4,1\n", 8, "kind 'fp64'", 1},
      {"a,FP32,0,4,1\n", 8, "kind 'FP32'", 1},
      {"a,fp32,-4,4,1\n", 8, "offset '-4'", 1},
      {"a,fp32,+4,4,1\n", 8, "offset '+4'", 1},
      {"a,fp32, 4,4,1\n", 8, "offset ' 4'", 1},
      {"a,fp32,4 ,4,1\n", 8, "offset '4 '", 1},
      {"a,fp32,0x4,4,1\n", 8, "offset '0x4'", 1},
      {"a,fp32,,4,1\n", 8, "offset ''", 1},
      {"a,fp32,18446744073709551616,4,1\n", 8, "offset", 1},  // 2^64
      {"a,fp32,9223372036854775808,4,1\n", 8, "offset", 1},   // 2^63
      {"a,fp32,0,four,1\n", 8, "size 'four'", 1},
      {"a,fp32,0,8,1\n", 8, "needs 1 x 4 = 4", 1},
      {"a,fp16,0,4,1\n", 8, "needs 1 x 2 = 2", 1},
      {"a,fp32,0,4,2x\n", 8, "shape '2x'", 1},
      {"a,fp32,0,4,x2\n", 8, "shape 'x2'", 1},
      {"a,fp32,0,4,2xx2\n", 8, "shape '2xx2'", 1},
      {"a,fp32,0,4,2X2\n", 8, "shape '2X2'", 1},
      {"a,fp32,0,4,-1\n", 8, "shape '-1'", 1},
      {"a,fp32,0,4,2*2\n", 8, "shape '2*2'", 1},
      {"a,fp32,0,4,4294967296x4294967296\n", 8, "more than 2^63", 1},
      {"a,fp32,0,4,2305843009213693952\n", 8, "too many elements", 1},  // 2^61 x 4 bytes
      {"a,fp32,8,4,1\n", 8, "outside", 1},
      {"a,fp32,6,4,1\n", 8, "outside", 1},
      {"a,fp32,9223372036854775800,16,4\n", 8, "outside", 1},  // offset + size overflows
      {two + "a,fp32,4,4,1\n", 8, "duplicate tensor 'a' (first on line 1)", 2},
      {two + "b,fp32,2,4,1\n", 8, "'b' overlaps tensor 'a' (line 1)", 2},
      {"b,fp32,4,4,1\n" + two + "# c\nc,fp32,0,8,2\n", 8, "'c' overlaps", 4},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.index);
    try {
      load_text(c.index, std::string(c.bin_bytes, '\0'));
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(e.code(), ErrorCode::parse_error) << m;
      EXPECT_NE(m.find("t.index:" + std::to_string(c.line) + ":"), std::string::npos) << m;
      EXPECT_NE(m.find(c.message_part), std::string::npos) << m;
    }
  }
}

TEST_F(WeightsIo, LongFieldsAreShortenedInMessages) {
  try {
    load_text("a,fp32," + std::string(100000, '7') + ",4,1\n", "");
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_LT(std::strlen(e.what()), 400u) << e.what();
  }
}

TEST_F(WeightsIo, MissingOrWrongFilesAreIoErrors) {
  write("t.index", "a,fp32,0,4,1\n");
  write("t.bin", le32(1));
  auto code_of = [&](const std::string& index, const std::string& bin) {
    try {
      load_weights(index, bin);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("weights"), std::string::npos) << e.what();
      return e.code();
    }
    return ErrorCode::internal;
  };
  EXPECT_EQ(code_of(path("none.index"), path("t.bin")), ErrorCode::io_error);
  EXPECT_EQ(code_of(path("t.index"), path("none.bin")), ErrorCode::io_error);
  EXPECT_EQ(code_of(dir_.string(), path("t.bin")), ErrorCode::io_error);  // a folder
  EXPECT_EQ(code_of(path("t.index"), dir_.string()), ErrorCode::io_error);
  EXPECT_EQ(load_weights(path("t.index"), path("t.bin")).at("a").data, std::vector<float>{1});
}

// Random corruptions of a valid pair: each load either succeeds with a store that fits its
// index or throws plantune::Error; nothing else escapes and nothing crashes.
TEST_F(WeightsIo, CorruptedFilesNeverCrash) {
  WeightStore s;
  s.set("conv.weight", HostTensor{{2, 1, 3, 3}, std::vector<float>(18, 0.5f)});
  s.set("conv.bias", HostTensor{{2}, {1, 2}});
  s.set("s", HostTensor{{}, {3}});
  save_weights(s, path("good.index"), path("good.bin"));
  const std::string index = read("good.index");
  const std::string bin = read("good.bin");
  std::mt19937_64 rng(17);
  const std::string alphabet = "0123456789x,#\n\r -+.a\xff";
  int loaded = 0, refused = 0;
  for (int trial = 0; trial < 800; ++trial) {
    std::string i = index, b = bin;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const auto op = rng() % 6;
      if (op == 0 && !i.empty()) {
        i[rng() % i.size()] = alphabet[rng() % alphabet.size()];
      } else if (op == 1) {
        i.insert(rng() % (i.size() + 1), 1, alphabet[rng() % alphabet.size()]);
      } else if (op == 2 && !i.empty()) {
        i.erase(rng() % i.size(), 1 + rng() % 8);
      } else if (op == 3) {
        b.resize(rng() % (b.size() + 8));
      } else if (op == 4 && !b.empty()) {
        b[rng() % b.size()] = static_cast<char>(rng());  // may become NaN / inf
      } else {
        i.resize(rng() % (i.size() + 1));
      }
    }
    try {
      const WeightStore r = load_text(i, b);
      for (const auto& name : r.names()) {
        ASSERT_EQ(static_cast<std::size_t>(r.at(name).numel()), r.at(name).data.size());
      }
      ++loaded;
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

// ---- files written by tools/export_weights.py ----

#ifndef PLANTUNE_EXPORTED_WEIGHTS_DIR
#define PLANTUNE_EXPORTED_WEIGHTS_DIR ""
#endif

// tests/runtime/export_weights_roundtrip.py (a ctest fixture) writes these with the exporter's
// writer; the names, dims and value formula here must match that script.
TEST(WeightsIoExported, LoadsEveryValueWrittenByPython) {
  const std::string dir = PLANTUNE_EXPORTED_WEIGHTS_DIR;
  const std::string index = dir + "/synthetic.weights.index";
  const std::string bin = dir + "/synthetic.weights.bin";
  if (dir.empty() || !fs::exists(index) || !fs::exists(bin)) {
    GTEST_SKIP() << "no exporter output at '" << index << "': ctest's "
                 << "export_weights_roundtrip_write test (needs /usr/bin/python3) writes it";
  }
  struct Want {
    const char* name;
    std::vector<std::int64_t> dims;
  };
  const std::vector<Want> want = {
      {"conv1.weight", {4, 3, 3, 3}}, {"conv1.bias", {4}},      {"bn1.weight", {4}},
      {"bn1.bias", {4}},              {"bn1.running_mean", {4}}, {"bn1.running_var", {4}},
      {"fc.weight", {5, 4}},          {"fc.bias", {5}},          {"scale", {}},
      {"empty", {0}},
  };
  const WeightStore s = load_weights(index, bin);
  ASSERT_EQ(s.size(), want.size());
  std::size_t checked = 0;
  for (std::size_t t = 0; t < want.size(); ++t) {
    SCOPED_TRACE(want[t].name);
    const HostTensor& h = s.at(want[t].name);
    ASSERT_EQ(h.dims, want[t].dims);
    for (std::size_t i = 0; i < h.data.size(); ++i) {
      const auto k = static_cast<std::int64_t>((i * 37 + t * 11) % 257) - 128;
      const float expected = static_cast<float>(static_cast<double>(k) / 64.0);
      ASSERT_EQ(h.data[i], expected) << "element " << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 108u + 4 * 5 + 20 + 5 + 1);
}

}  // namespace
}  // namespace plantune::runtime
