// The staged knob search's choices (Note [staged knob search]) on hand-built stage-1 results.
#include "plantune/tuner/staged_search.h"

#include <gtest/gtest.h>

#include "plantune/core/error.h"
#include "tuner/sample_db.h"

namespace plantune::tuner {
namespace {

using testing::failed_candidate;
using testing::ok_candidate;

GraphEngineTactic engine(std::int64_t id, GraphSource source = GraphSource::engine_enum,
                         bool knobs = false) {
  GraphEngineTactic g;
  g.engine_id = id;
  g.source = source;
  if (knobs) g.set_knob("CUDNN_KNOB_TYPE_TILE_SIZE", 3);
  return g;
}

TEST(StagedSearch, ModesRoundTripThroughTheirNames) {
  for (SearchMode m : {SearchMode::full, SearchMode::staged}) {
    EXPECT_EQ(search_mode_from_string(to_string(m)), m);
  }
  EXPECT_FALSE(search_mode_from_string("Staged").has_value());
  EXPECT_FALSE(search_mode_from_string("").has_value());
}

TEST(StagedSearch, KnobVariationsAreEnumeratedConfigurationsWithKnobs) {
  EXPECT_TRUE(is_knob_variation(engine(4, GraphSource::engine_enum, true)));
  EXPECT_FALSE(is_knob_variation(engine(4, GraphSource::engine_enum, false)))
      << "an engine's default configuration belongs to stage 1";
  EXPECT_FALSE(is_knob_variation(engine(4, GraphSource::heuristic_a, true)))
      << "the heuristics' configurations belong to stage 1";
  EXPECT_FALSE(is_knob_variation(LegacyConvTactic{}));
}

TEST(StagedSearch, RefinesTheFastestEnginesWithinTheMargin) {
  const std::vector<Candidate> stage1 = {
      ok_candidate(engine(7), 1.00),
      ok_candidate(engine(3, GraphSource::heuristic_a, true), 1.10),
      ok_candidate(engine(9), 1.20),
      ok_candidate(engine(3), 1.40),  // engine 3's best is its heuristic configuration
      ok_candidate(engine(5), 1.30),  // outside 1.25x
      ok_candidate(engine(11), 1.80),
  };
  const StagedSearchOptions o;  // 3 engines, 1.25x
  EXPECT_EQ(engines_to_refine(stage1, o), (std::vector<std::int64_t>{7, 3, 9}));
  StagedSearchOptions two = o;
  two.max_engines = 2;
  EXPECT_EQ(engines_to_refine(stage1, two), (std::vector<std::int64_t>{7, 3}));
  StagedSearchOptions tight = o;
  tight.margin = 1.05;
  EXPECT_EQ(engines_to_refine(stage1, tight), (std::vector<std::int64_t>{7}));
}

TEST(StagedSearch, TheFastestEngineIsRefinedEvenWhenALegacyAlgorithmWins) {
  LegacyConvTactic fast;
  fast.algo = LegacyAlgo::implicit_precomp_gemm;
  const std::vector<Candidate> stage1 = {
      ok_candidate(fast, 0.50),
      ok_candidate(engine(12), 2.0),  // 4x slower, still the best engine
      ok_candidate(engine(13), 2.1),
  };
  EXPECT_EQ(engines_to_refine(stage1, StagedSearchOptions{}), (std::vector<std::int64_t>{12}));
}

TEST(StagedSearch, UntimedCandidatesAreIgnored) {
  const std::vector<Candidate> stage1 = {
      failed_candidate(engine(1), Outcome::not_supported, "declined"),
      failed_candidate(engine(2), Outcome::timeout, "budget"),
  };
  EXPECT_TRUE(engines_to_refine(stage1, StagedSearchOptions{}).empty());
  EXPECT_TRUE(engines_to_refine({}, StagedSearchOptions{}).empty());
}

TEST(StagedSearch, RejectsOptionsThatCannotChoose) {
  StagedSearchOptions none;
  none.max_engines = 0;
  EXPECT_THROW(engines_to_refine({}, none), Error);
  StagedSearchOptions below;
  below.margin = 0.9;
  EXPECT_THROW(engines_to_refine({}, below), Error);
}

}  // namespace
}  // namespace plantune::tuner
