#include "plantune/planner/csv_io.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::error_of;

TEST(CsvIo, IdsThatArePositionsNumberTheBuffers) {
  const CsvProblem c = parse_csv("id,lower,upper,size\n2,0,3,64\n0,1,2,16\n1,2,5,0\n", "x.csv");
  ASSERT_EQ(c.problem.buffers.size(), 3u);
  EXPECT_FALSE(c.offsets.has_value());
  const Buffer& b0 = c.problem.buffers[0];
  EXPECT_EQ(b0.id, 0);
  EXPECT_EQ(b0.name, "0");
  EXPECT_EQ(b0.first, 1);
  EXPECT_EQ(b0.last, 2);
  EXPECT_EQ(b0.size, 16);
  EXPECT_EQ(c.problem.buffers[2].size, 64);
  EXPECT_EQ(c.problem.buffers[2].first, 0);
  EXPECT_EQ(c.problem.buffers[2].last, 3);
}

TEST(CsvIo, OtherIdsAreKeptAsNamesInFileOrder) {
  const CsvProblem c =
      parse_csv("id,lower,upper,size,offset\nconv1,0,3,64,0\n7,1,2,16,64\n", "y.csv");
  ASSERT_EQ(c.problem.buffers.size(), 2u);
  EXPECT_EQ(c.problem.buffers[0].name, "conv1");
  EXPECT_EQ(c.problem.buffers[1].name, "7");
  EXPECT_EQ(c.problem.buffers[1].id, 1);
  ASSERT_TRUE(c.offsets.has_value());
  EXPECT_EQ(*c.offsets, (std::vector<std::int64_t>{0, 64}));
}

TEST(CsvIo, ToleratesSpacesCarriageReturnsAndBlankLines) {
  const CsvProblem c = parse_csv("id, lower, upper, size\r\n\r\n0, 0, 2, 8\r\n", "z.csv");
  ASSERT_EQ(c.problem.buffers.size(), 1u);
  EXPECT_EQ(c.problem.buffers[0].size, 8);
}

TEST(CsvIo, ErrorsNameTheFileAndTheLine) {
  auto expect = [](const std::string& text, const std::string& what) {
    auto [code, msg] = error_of([&] { parse_csv(text, "bad.csv"); });
    EXPECT_EQ(code, ErrorCode::parse_error) << text;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  };
  expect("", "bad.csv: no header line");
  expect("id,start,end,size\n", "bad.csv:1: expected the header 'id,lower,upper,size[,offset]'");
  expect("id,lower,upper,size\n0,0,2\n", "bad.csv:2: expected 4 fields, got 3");
  expect("id,lower,upper,size\n0,0,2,8\n1,0,x,8\n", "bad.csv:3: upper 'x' is not an integer");
  expect("id,lower,upper,size\n0,0,2,99999999999999999999\n",
         "bad.csv:2: size '99999999999999999999' does not fit in 64 bits");
  expect("id,lower,upper,size\n0,0,2,-8\n", "bad.csv:2: negative size -8");
  expect("id,lower,upper,size\n\n0,4,2,8\n", "bad.csv:3: interval [4, 2) is empty or reversed");
  expect("id,lower,upper,size,offset\n0,0,2,8\n", "bad.csv:2: expected 5 fields, got 4");
  expect("id,lower,upper,size\n,0,2,8\n", "bad.csv:2: empty id");
  // Problem-level errors (here: sizes summing past 2^63) still name the file.
  expect("id,lower,upper,size\n0,0,2,9223372036854775807\n1,0,2,9223372036854775807\n",
         "bad.csv: the sizes of the buffers");
}

TEST(CsvIo, WritesWhatItReads) {
  const std::string text = "id,lower,upper,size\n0,0,3,64\n1,1,2,16\n";
  const CsvProblem c = parse_csv(text, "w.csv");
  EXPECT_EQ(to_csv(c.problem), text);
  const std::vector<std::int64_t> offsets{0, 64};
  EXPECT_EQ(to_csv(c.problem, &offsets), "id,lower,upper,size,offset\n0,0,3,64,0\n1,1,2,16,64\n");

  const auto dir = std::filesystem::temp_directory_path() / "plantune_csv_io_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "p.csv").string();
  write_csv(path, c.problem, &offsets);
  const CsvProblem back = read_csv(path);
  EXPECT_EQ(back.problem.buffers, c.problem.buffers);
  EXPECT_EQ(back.offsets, offsets);
  std::filesystem::remove_all(dir);
}

TEST(CsvIo, RefusesWhatTheFormatCannotHold) {
  Problem p = parse_csv("id,lower,upper,size\n0,0,3,64\n1,1,2,16\n").problem;
  p.buffers[1].alias = Alias{0, 0};
  EXPECT_EQ(error_of([&] { to_csv(p); }).first, ErrorCode::invalid_argument);
  p.buffers[1].alias.reset();
  p.buffers[1].name = "a,b";
  EXPECT_EQ(error_of([&] { to_csv(p); }).first, ErrorCode::invalid_argument);
  const std::vector<std::int64_t> one{0};
  EXPECT_EQ(error_of([&] { to_csv(p, &one); }).first, ErrorCode::invalid_argument);
}

TEST(CsvIo, MissingFilesAreIoErrors) {
  auto [code, msg] = error_of([] { read_csv("/nonexistent/dir/p.csv"); });
  EXPECT_EQ(code, ErrorCode::io_error);
  EXPECT_NE(msg.find("cannot open '/nonexistent/dir/p.csv' for reading"), std::string::npos) << msg;
}

TEST(CsvIo, ReadsThePublicResnet50Trace) {
  const std::filesystem::path path =
      std::filesystem::path(PLANTUNE_SOURCE_DIR) / ".." / "shared" / "planner-bench" / "real" /
      "resnet50.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path << " (benchmark data)";
  const CsvProblem c = read_csv(path.string());
  EXPECT_EQ(c.problem.buffers.size(), 1042u);
  EXPECT_EQ(c.problem.buffers[0].size, 19267584);  // first line: 0,0,1029,19267584
  EXPECT_EQ(c.problem.buffers[0].last, 1029);
}

}  // namespace
}  // namespace plantune::planner
