#pragma once
// The staged knob search: which graph engines get their knob space searched.
//
// Note [staged knob search]
// ~~~~~~~~~~~~~~~~~~~~~~~~~
// A full search validates and times every engine x knob configuration the graph source lists
// (about 340 per ResNet-50 convolution variant on an H100, cuDNN 9.14), and validation
// (finalizing an execution plan, one run, a comparison with the reference) was most of a cold
// tuning's time there (45 of 75 s for batch 32, fp16, both layouts), while all 48 variants'
// winners came from 5 engines and the legacy API. The staged search (SearchMode::staged)
// therefore runs in two stages per variant:
//   1. everything except the knob variations of enumerated engines: the heuristics' (A, B,
//      FALLBACK) configurations, each engine with its default knobs, and the legacy
//      algorithms; validated and timed (successive halving) as in a full search;
//   2. the knob variations of the engines engines_to_refine() picks from stage 1's timings:
//      the fastest engines whose best stage-1 time is within `margin` of the fastest tactic of
//      any kind, at most `max_engines`, and always the fastest graph engine. Their variations
//      are validated, then timed in one pool with the `retimed` fastest timed tactics of stage
//      1 (which get fresh timings), so the winner comes out of one comparison.
// The variations of the engines not picked are neither validated nor timed, and are not
// stored as candidates; a note says how many were left out.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "plantune/tuner/candidate.h"
#include "plantune/tuner/tactic.h"

namespace plantune::tuner {

enum class SearchMode { full, staged };

std::string_view to_string(SearchMode m);  // "full", "staged"
std::optional<SearchMode> search_mode_from_string(std::string_view s);

struct StagedSearchOptions {
  int max_engines = 3;   // engines whose knob variations are searched in stage 2
  double margin = 1.25;  // ... when their best stage-1 time is within this factor of the best
  int retimed = 3;       // stage-1 tactics timed again beside the stage-2 ones
};

// A stage-2 tactic: a graph-API configuration from engine enumeration with non-default knobs.
bool is_knob_variation(const TacticConfig& t);

// The graph engines whose knob variations stage 2 searches, fastest first, from stage 1's
// candidates (those without a timing are ignored): see Note [staged knob search]. Empty when
// no graph tactic was timed. Throws invalid_argument for max_engines < 1 or margin < 1.
std::vector<std::int64_t> engines_to_refine(std::span<const Candidate> stage1,
                                            const StagedSearchOptions& o);

}  // namespace plantune::tuner
