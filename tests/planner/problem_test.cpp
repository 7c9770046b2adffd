#include "plantune/planner/problem.h"

#include <gtest/gtest.h>

#include <limits>

#include "placement_testing.h"

namespace plantune::planner {
namespace {

using testing::B;
using testing::error_of;
using testing::problem_of;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

TEST(ProblemValidate, AcceptsAWellFormedProblem) {
  Problem p = problem_of({{64, 0, 2}, {32, 1, 3}, {0, 5, 5}});
  p.buffers[1].alignment = 16;
  p.buffers[0].fixed_offset = 128;
  EXPECT_NO_THROW(p.validate());
  EXPECT_NO_THROW(Problem{}.validate());
}

TEST(ProblemValidate, IdsMustEqualTheirIndex) {
  Problem p = problem_of({{64, 0, 2}, {32, 1, 3}});
  p.buffers[1].id = 7;
  auto [code, msg] = error_of([&] { p.validate(); });
  EXPECT_EQ(code, ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("buffer 7 ('t1') is at index 1"), std::string::npos) << msg;
}

TEST(ProblemValidate, RejectsBadSizesAlignmentsAndIntervals) {
  {
    Problem p = problem_of({{-1, 0, 2}});
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_EQ(code, ErrorCode::invalid_argument);
    EXPECT_NE(msg.find("buffer 0 ('t0') has negative size -1"), std::string::npos) << msg;
  }
  for (std::int64_t a : {0, 3, -4}) {
    Problem p = problem_of({{8, 0, 2}});
    p.buffers[0].alignment = a;
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_EQ(code, ErrorCode::invalid_argument);
    EXPECT_NE(msg.find("must be a power of two"), std::string::npos) << msg;
  }
  {
    Problem p = problem_of({{8, 3, 2}});
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("interval [3, 2) that ends before it starts"), std::string::npos) << msg;
  }
  {
    Problem p = problem_of({{8, 2, 2}});
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("has 8 bytes but an empty interval [2, 2)"), std::string::npos) << msg;
  }
}

TEST(ProblemValidate, RejectsBadPins) {
  {
    Problem p = problem_of({{8, 0, 2}});
    p.buffers[0].fixed_offset = -8;
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("pinned at negative offset -8"), std::string::npos) << msg;
  }
  {
    Problem p = problem_of({{8, 0, 2}});
    p.buffers[0].alignment = 64;
    p.buffers[0].fixed_offset = 32;
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("pinned at offset 32, not a multiple of its alignment 64"), std::string::npos)
        << msg;
  }
  {
    Problem p = problem_of({{16, 0, 2}, {8, 0, 2}});
    p.buffers[1].alias = Alias{0, 0};
    p.buffers[1].fixed_offset = 0;
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("both pinned and an alias"), std::string::npos) << msg;
  }
}

TEST(ProblemValidate, RejectsBadAliases) {
  {
    Problem p = problem_of({{16, 0, 2}, {8, 0, 2}});
    p.buffers[1].alias = Alias{5, 0};
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("aliases buffer 5, which does not exist"), std::string::npos) << msg;
  }
  {
    Problem p = problem_of({{16, 0, 2}});
    p.buffers[0].alias = Alias{0, 0};
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("aliases itself"), std::string::npos) << msg;
  }
  {
    Problem p = problem_of({{16, 0, 2}, {8, 0, 2}});
    p.buffers[1].alias = Alias{0, 12};  // bytes [12, 20) of a 16-byte base
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_EQ(code, ErrorCode::invalid_argument);
    EXPECT_NE(msg.find("aliases bytes [12, 12 + 8) of buffer 0 ('t0'), which has 16 bytes"),
              std::string::npos)
        << msg;
  }
  {
    Problem p = problem_of({{16, 0, 2}, {16, 0, 2}, {16, 0, 2}});
    p.buffers[0].alias = Alias{1, 0};
    p.buffers[1].alias = Alias{2, 0};
    p.buffers[2].alias = Alias{0, 0};
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_EQ(code, ErrorCode::invalid_argument);
    EXPECT_NE(msg.find("alias cycle through buffer 0 ('t0')"), std::string::npos) << msg;
  }
  {
    // t2 sits 4 bytes into t1, which sits 8 bytes into t0: byte 12 of its root, not 8-aligned.
    Problem p = problem_of({{64, 0, 2}, {32, 0, 2}, {8, 0, 2}});
    p.buffers[1].alias = Alias{0, 8};
    p.buffers[2].alias = Alias{1, 4};
    p.buffers[2].alignment = 8;
    auto [code, msg] = error_of([&] { p.validate(); });
    EXPECT_NE(msg.find("buffer 2 ('t2') starts at byte 12 of its alias root, not a multiple of "
                       "its alignment 8"),
              std::string::npos)
        << msg;
  }
}

TEST(ProblemValidate, SizesNear2To63AreAClearOverflowError) {
  // One buffer of 2^63 - 1 bytes fits; a second one cannot.
  Problem one = problem_of({{kMax, 0, 1}});
  EXPECT_NO_THROW(one.validate());
  Problem two = problem_of({{kMax / 2 + 1, 0, 2}, {kMax / 2 + 1, 1, 3}});
  auto [code, msg] = error_of([&] { two.validate(); });
  EXPECT_EQ(code, ErrorCode::overflow);
  EXPECT_NE(msg.find("sum past 2^63-1 bytes"), std::string::npos) << msg;
  // Alignment padding counts.
  Problem padded = problem_of({{kMax, 0, 1}});
  padded.buffers[0].alignment = 2;
  EXPECT_EQ(error_of([&] { padded.validate(); }).first, ErrorCode::overflow);
  // A pin whose end passes 2^63 - 1.
  Problem pinned = problem_of({{16, 0, 1}});
  pinned.buffers[0].fixed_offset = kMax - 8;
  auto [pcode, pmsg] = error_of([&] { pinned.validate(); });
  EXPECT_EQ(pcode, ErrorCode::overflow);
  EXPECT_NE(pmsg.find("exceeds 2^63-1 bytes"), std::string::npos) << pmsg;
}

}  // namespace
}  // namespace plantune::planner
