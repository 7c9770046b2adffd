#pragma once
// The engine side of cuDNN's backend API, for the tuner and the runtime: enumerate the global
// engines of an operation graph, read their notes and knobs, build engine configurations (by
// knob choices or from heuristics), execution plans and variant packs, and execute.
//
// Support is decided at finalize (Note [cuDNN backend descriptors] in cudnn_backend.h): the
// try_make_* builders return a descriptor that is finalized() only when cuDNN accepted it, with
// finalize_status() and finalize_message() saying why not; the make_* forms throw instead.
// Misuse (wrong descriptor types, a failing attribute) always throws.
#include <cudnn_graph.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "plantune/core/cudnn_backend.h"

namespace plantune {

// One tunable parameter of an engine: values min_value, min_value + stride, ..., max_value.
struct KnobInfo {
  cudnnBackendKnobType_t type{};
  std::int64_t min_value = 0;
  std::int64_t max_value = 0;
  std::int64_t stride = 1;
};

// A value chosen for one knob.
struct KnobChoice {
  cudnnBackendKnobType_t type{};
  std::int64_t value = 0;
  friend bool operator==(const KnobChoice&, const KnobChoice&) = default;
};

// What cuDNN says about one engine for one operation graph.
struct EngineInfo {
  std::int64_t global_index = -1;
  std::vector<cudnnBackendNumericalNote_t> numerical_notes;
  std::vector<cudnnBackendBehaviorNote_t> behavior_notes;
  std::vector<KnobInfo> knobs;

  bool has(cudnnBackendNumericalNote_t note) const;
  bool has(cudnnBackendBehaviorNote_t note) const;
};

// Number of global engines cuDNN has for `op_graph` (many do not support it; see try_make_engine).
std::int64_t engine_global_count(const BackendDescriptor& op_graph);

// Engine `global_index` of `op_graph`; finalized() only if it supports the graph.
BackendDescriptor try_make_engine(const BackendDescriptor& op_graph, std::int64_t global_index);
BackendDescriptor make_engine(const BackendDescriptor& op_graph, std::int64_t global_index);

// Global index, notes and knobs of a finalized engine.
EngineInfo query_engine(const BackendDescriptor& engine);

// A configuration of `engine` with `knobs` set (the others at their defaults); finalized()
// only if cuDNN accepts the choices.
BackendDescriptor try_make_engine_config(const BackendDescriptor& engine,
                                         std::span<const KnobChoice> knobs = {});
BackendDescriptor make_engine_config(const BackendDescriptor& engine,
                                     std::span<const KnobChoice> knobs = {});

// The finalized engine configurations heuristic `mode` proposes for `op_graph`, best first; at
// most `max_count` of them (all when negative). Some may still fail to become a plan.
std::vector<BackendDescriptor> heuristic_engine_configs(const BackendDescriptor& op_graph,
                                                        cudnnBackendHeurMode_t mode,
                                                        std::int64_t max_count = -1);

// The engine of a finalized engine configuration, and the knob values it sets.
BackendDescriptor engine_of(const BackendDescriptor& engine_config);
std::vector<KnobChoice> knob_choices_of(const BackendDescriptor& engine_config);

// An execution plan of `engine_config` for `handle`; finalized() only if it can run. Finalizing
// a runtime-compiled engine compiles its kernel (can take seconds).
BackendDescriptor try_make_execution_plan(cudnnHandle_t handle,
                                          const BackendDescriptor& engine_config);
BackendDescriptor make_execution_plan(cudnnHandle_t handle, const BackendDescriptor& engine_config);

// Workspace bytes an execution plan (or a finalized engine configuration) needs.
std::int64_t workspace_size(const BackendDescriptor& plan_or_config);

// Binds device pointers to tensor uids, plus the workspace (nullptr when it needs none).
BackendDescriptor make_variant_pack(std::span<const std::int64_t> uids,
                                    std::span<void* const> pointers, void* workspace);

// Enqueues `plan` on the handle's stream with `variant_pack`'s pointers; asynchronous.
void execute(cudnnHandle_t handle, const BackendDescriptor& plan,
             const BackendDescriptor& variant_pack);
[[nodiscard]] cudnnStatus_t try_execute(cudnnHandle_t handle, const BackendDescriptor& plan,
                                        const BackendDescriptor& variant_pack) noexcept;

// "engine 12 {TILE_SIZE=3, STAGES=2}": for logs and test messages.
std::string describe_config(std::int64_t global_index, std::span<const KnobChoice> knobs);

}  // namespace plantune
