#pragma once
// Names of cuDNN backend enum values, looked up by value so that this compiles against every
// cuDNN 9 header (see Note [cuDNN backend descriptors] in cudnn_backend.h). Unknown values
// (from a newer cuDNN) come back as "<KIND>_<number>", e.g. "KNOB_TYPE_57", which
// *_from_string() reads back; so a name always round-trips to its value.
#include <cudnn_graph.h>

#include <optional>
#include <string>
#include <string_view>

namespace plantune {

// "CUDNN_BACKEND_TENSOR_DESCRIPTOR"
std::string to_string(cudnnBackendDescriptorType_t type);
// "CUDNN_ATTR_TENSOR_DIMENSIONS"
std::string to_string(cudnnBackendAttributeName_t name);
// "CUDNN_DATA_HALF"
std::string to_string(cudnnDataType_t type);
// "CUDNN_HEUR_MODE_A"
std::string to_string(cudnnBackendHeurMode_t mode);

// Short names for what the tuner stores: "TENSOR_CORE", "RUNTIME_COMPILATION", "TILE_SIZE".
std::string to_string(cudnnBackendNumericalNote_t note);
std::string to_string(cudnnBackendBehaviorNote_t note);
std::string to_string(cudnnBackendKnobType_t knob);

// Inverses of the three above; nullopt for a string that is neither a known name nor the
// "<KIND>_<number>" form.
std::optional<cudnnBackendNumericalNote_t> numerical_note_from_string(std::string_view s);
std::optional<cudnnBackendBehaviorNote_t> behavior_note_from_string(std::string_view s);
std::optional<cudnnBackendKnobType_t> knob_type_from_string(std::string_view s);

}  // namespace plantune
