#include "plantune/core/cudnn_engines.h"

#include <algorithm>
#include <sstream>

#include "plantune/core/cuda_check.h"
#include "plantune/core/cudnn_backend_names.h"
#include "plantune/core/error.h"

namespace plantune {
namespace {

void require_type(const BackendDescriptor& d, cudnnBackendDescriptorType_t type, const char* role) {
  PT_REQUIRE(
      d.get() != nullptr && d.type() == type, invalid_argument,
      role << " must be a " << to_string(type) << ", got "
           << (d.get() == nullptr ? std::string("an empty descriptor") : to_string(d.type())));
}

void require_finalized(const BackendDescriptor& d, const char* role) {
  PT_REQUIRE(d.finalized(), invalid_argument,
             role << " (" << to_string(d.type()) << ") is not finalized");
}

// Finalizes `d` or throws with `what` and cuDNN's explanation.
void finalize_or_throw(BackendDescriptor& d, cudnnStatus_t status, const std::string& what) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  std::string msg = what + ": cuDNN error " + status_string(status);
  if (!d.finalize_message().empty()) msg += "; cuDNN says: " + d.finalize_message();
  detail::throw_error(error_code_for(status), msg, "cudnnBackendFinalize", __FILE__, __LINE__);
}

// Capacities for attributes that have no count query: the values this header knows of (a
// newer library could report more, which we then ignore, as cudnn-frontend does).
constexpr std::int64_t kKnobCapacity = CUDNN_KNOB_TYPE_COUNTS;
constexpr std::int64_t kNumericalNoteCapacity = CUDNN_NUMERICAL_NOTE_TYPE_COUNT;
constexpr std::int64_t kBehaviorNoteCapacity = CUDNN_BEHAVIOR_NOTE_TYPE_COUNT;

}  // namespace

bool EngineInfo::has(cudnnBackendNumericalNote_t note) const {
  return std::find(numerical_notes.begin(), numerical_notes.end(), note) != numerical_notes.end();
}

bool EngineInfo::has(cudnnBackendBehaviorNote_t note) const {
  return std::find(behavior_notes.begin(), behavior_notes.end(), note) != behavior_notes.end();
}

std::int64_t engine_global_count(const BackendDescriptor& op_graph) {
  require_type(op_graph, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "engine_global_count's graph");
  return op_graph.get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT);
}

BackendDescriptor try_make_engine(const BackendDescriptor& op_graph, std::int64_t global_index) {
  require_type(op_graph, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "engine's operation graph");
  require_finalized(op_graph, "engine's operation graph");
  BackendDescriptor engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  engine.set_descriptor(CUDNN_ATTR_ENGINE_OPERATION_GRAPH, op_graph)
      .set_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX, global_index);
  (void)engine.try_finalize();
  return engine;
}

BackendDescriptor make_engine(const BackendDescriptor& op_graph, std::int64_t global_index) {
  BackendDescriptor engine = try_make_engine(op_graph, global_index);
  finalize_or_throw(engine, engine.finalize_status(),
                    "engine " + std::to_string(global_index) + " of the operation graph");
  return engine;
}

EngineInfo query_engine(const BackendDescriptor& engine) {
  require_type(engine, CUDNN_BACKEND_ENGINE_DESCRIPTOR, "query_engine's engine");
  require_finalized(engine, "query_engine's engine");
  EngineInfo info;
  info.global_index = engine.get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX);
  info.numerical_notes = engine.get_enums<cudnnBackendNumericalNote_t>(
      CUDNN_ATTR_ENGINE_NUMERICAL_NOTE, CUDNN_TYPE_NUMERICAL_NOTE, kNumericalNoteCapacity);
  info.behavior_notes = engine.get_enums<cudnnBackendBehaviorNote_t>(
      CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE, CUDNN_TYPE_BEHAVIOR_NOTE, kBehaviorNoteCapacity);
  std::vector<BackendDescriptor> knobs = engine.get_descriptors(
      CUDNN_ATTR_ENGINE_KNOB_INFO, CUDNN_BACKEND_KNOB_INFO_DESCRIPTOR, kKnobCapacity);
  for (const BackendDescriptor& k : knobs) {
    KnobInfo ki;
    k.get(CUDNN_ATTR_KNOB_INFO_TYPE, CUDNN_TYPE_KNOB_TYPE, 1, &ki.type);
    ki.max_value = k.get_int64(CUDNN_ATTR_KNOB_INFO_MAXIMUM_VALUE);
    ki.min_value = k.get_int64(CUDNN_ATTR_KNOB_INFO_MINIMUM_VALUE);
    ki.stride = k.get_int64(CUDNN_ATTR_KNOB_INFO_STRIDE);
    info.knobs.push_back(ki);
  }
  return info;
}

BackendDescriptor try_make_engine_config(const BackendDescriptor& engine,
                                         std::span<const KnobChoice> knobs) {
  require_type(engine, CUDNN_BACKEND_ENGINE_DESCRIPTOR, "engine config's engine");
  require_finalized(engine, "engine config's engine");
  std::vector<BackendDescriptor> choices;
  choices.reserve(knobs.size());
  for (const KnobChoice& k : knobs) {
    BackendDescriptor c(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR);
    c.set_enum(CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, k.type)
        .set_int64(CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, k.value);
    c.finalize();
    choices.push_back(std::move(c));
  }
  BackendDescriptor config(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
  config.set_descriptor(CUDNN_ATTR_ENGINECFG_ENGINE, engine);
  if (!choices.empty()) config.set_descriptors(CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, choices);
  (void)config.try_finalize();
  return config;
}

BackendDescriptor make_engine_config(const BackendDescriptor& engine,
                                     std::span<const KnobChoice> knobs) {
  BackendDescriptor config = try_make_engine_config(engine, knobs);
  finalize_or_throw(config, config.finalize_status(),
                    "engine configuration " +
                        describe_config(engine.get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX), knobs));
  return config;
}

std::vector<BackendDescriptor> heuristic_engine_configs(const BackendDescriptor& op_graph,
                                                        cudnnBackendHeurMode_t mode,
                                                        std::int64_t max_count) {
  require_type(op_graph, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "heuristics' operation graph");
  require_finalized(op_graph, "heuristics' operation graph");
  BackendDescriptor heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  heur.set_descriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, op_graph)
      .set_enum(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, mode);
  try {
    heur.finalize();
  } catch (const Error& e) {
    detail::throw_error(e.code(), "heuristics " + to_string(mode) + ": " + e.what(),
                        "heuristic_engine_configs", __FILE__, __LINE__);
  }
  std::int64_t count =
      heur.element_count(CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR);
  if (max_count >= 0) count = std::min(count, max_count);
  return heur.get_descriptors(CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR,
                              count);
}

BackendDescriptor engine_of(const BackendDescriptor& engine_config) {
  require_type(engine_config, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "engine_of's configuration");
  require_finalized(engine_config, "engine_of's configuration");
  return engine_config.get_descriptor(CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_BACKEND_ENGINE_DESCRIPTOR);
}

std::vector<KnobChoice> knob_choices_of(const BackendDescriptor& engine_config) {
  require_type(engine_config, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR,
               "knob_choices_of's configuration");
  require_finalized(engine_config, "knob_choices_of's configuration");
  std::vector<BackendDescriptor> choices = engine_config.get_descriptors(
      CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, kKnobCapacity);
  std::vector<KnobChoice> out;
  out.reserve(choices.size());
  for (const BackendDescriptor& c : choices) {
    KnobChoice k;
    c.get(CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, 1, &k.type);
    k.value = c.get_int64(CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE);
    out.push_back(k);
  }
  return out;
}

BackendDescriptor try_make_execution_plan(cudnnHandle_t handle,
                                          const BackendDescriptor& engine_config) {
  PT_REQUIRE(handle != nullptr, invalid_argument, "execution plan needs a cuDNN handle");
  require_type(engine_config, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "execution plan's configuration");
  require_finalized(engine_config, "execution plan's configuration");
  BackendDescriptor plan(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
  plan.set_handle(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, handle)
      .set_descriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, engine_config);
  (void)plan.try_finalize();
  return plan;
}

BackendDescriptor make_execution_plan(cudnnHandle_t handle,
                                      const BackendDescriptor& engine_config) {
  BackendDescriptor plan = try_make_execution_plan(handle, engine_config);
  if (plan.finalize_status() != CUDNN_STATUS_SUCCESS) {
    // Describe the configuration that failed (its engine and knobs) in the error.
    std::string what = "execution plan";
    try {
      what += " of " +
              describe_config(engine_of(engine_config).get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX),
                              knob_choices_of(engine_config));
    } catch (const Error&) {
    }
    finalize_or_throw(plan, plan.finalize_status(), what);
  }
  return plan;
}

std::int64_t workspace_size(const BackendDescriptor& plan_or_config) {
  require_finalized(plan_or_config, "workspace_size's descriptor");
  if (plan_or_config.type() == CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR) {
    return plan_or_config.get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE);
  }
  require_type(plan_or_config, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR,
               "workspace_size's descriptor (a plan or an engine configuration)");
  return plan_or_config.get_int64(CUDNN_ATTR_ENGINECFG_WORKSPACE_SIZE);
}

BackendDescriptor make_variant_pack(std::span<const std::int64_t> uids,
                                    std::span<void* const> pointers, void* workspace) {
  PT_REQUIRE(uids.size() == pointers.size() && !uids.empty(), invalid_argument,
             "variant pack of " << uids.size() << " uids and " << pointers.size()
                                << " pointers: need one pointer per uid");
  BackendDescriptor pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set_int64s(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, uids)
      .set_void_ptrs(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, pointers)
      .set_void_ptr(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, workspace);
  pack.finalize();
  return pack;
}

void execute(cudnnHandle_t handle, const BackendDescriptor& plan,
             const BackendDescriptor& variant_pack) {
  require_type(plan, CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "execute's plan");
  require_finalized(plan, "execute's plan");
  require_type(variant_pack, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "execute's variant pack");
  PT_CUDNN_CHECK_MSG(cudnnBackendExecute(handle, plan.get(), variant_pack.get()),
                     "executing a cuDNN execution plan");
}

cudnnStatus_t try_execute(cudnnHandle_t handle, const BackendDescriptor& plan,
                          const BackendDescriptor& variant_pack) noexcept {
  if (plan.get() == nullptr || variant_pack.get() == nullptr) {
    return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
  }
  return cudnnBackendExecute(handle, plan.get(), variant_pack.get());
}

std::string describe_config(std::int64_t global_index, std::span<const KnobChoice> knobs) {
  std::ostringstream os;
  os << "engine " << global_index << " {";
  for (std::size_t i = 0; i < knobs.size(); ++i) {
    os << (i ? ", " : "") << to_string(knobs[i].type) << "=" << knobs[i].value;
  }
  os << "}";
  return os.str();
}

}  // namespace plantune
