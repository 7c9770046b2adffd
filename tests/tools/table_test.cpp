// tools/src/table.h: number formatting and the aligned text table the commands print.
#include "table.h"

#include <gtest/gtest.h>

#include <limits>

namespace plantune::cli {
namespace {

TEST(Format, ThousandsSeparators) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(11689512), "11,689,512");
  EXPECT_EQ(with_commas(-1234567), "-1,234,567");
  EXPECT_EQ(with_commas(INT64_MIN), "-9,223,372,036,854,775,808");
  EXPECT_EQ(with_commas(INT64_MAX), "9,223,372,036,854,775,807");
}

TEST(Format, FixedBytesDimsAndCat) {
  EXPECT_EQ(fixed(3.14159, 2), "3.14");
  EXPECT_EQ(fixed(236.027904, 2), "236.03");
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1024), "1.0 KiB");
  EXPECT_EQ(human_bytes(3211264), "3.1 MiB");
  EXPECT_EQ(human_bytes(3LL << 30), "3.0 GiB");
  EXPECT_EQ(dims_string(TensorShape{{1, 3, 224, 224}}), "1x3x224x224");
  EXPECT_EQ(dims_string(TensorShape{{8, 1000}}), "8x1000");
  EXPECT_EQ(dims_string(TensorShape{{1, 8, 4, 4}, Layout::nhwc}), "1x8x4x4 nhwc");
  EXPECT_EQ(cat("s", std::string("2"), std::string_view("x1")), "s2x1");
  EXPECT_EQ(si(999), "999");
  EXPECT_EQ(si(1770432), "1.770 M");
  EXPECT_EQ(si(4089184256), "4.089 G");
  EXPECT_EQ(scientific(0.00031, 1), "3.1e-04");
  EXPECT_EQ(scientific(2.5e-7, 2), "2.50e-07");
  EXPECT_EQ(scientific(std::numeric_limits<double>::infinity(), 1), "inf");
}

TEST(Table, AlignsColumnsWithDashesAndNoTrailingSpaces) {
  Table t;
  t.column("name", Table::Align::left);
  t.column("params", Table::Align::right);
  t.column("note", Table::Align::left);
  t.row({"resnet18", "11,689,512", ""});
  t.row({"vgg19", "143,667,240", "big"});
  t.row({"x"});  // missing cells print empty
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.str(),
            "name           params  note\n"
            "--------  -----------  ----\n"
            "resnet18   11,689,512\n"
            "vgg19     143,667,240  big\n"
            "x\n");
}

}  // namespace
}  // namespace plantune::cli
