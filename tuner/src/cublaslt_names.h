#pragma once
// Names of cuBLASLt's algorithm-configuration enums, as CublasLtTactic stores them: the suffix
// of the enum name ("128x128" for CUBLASLT_MATMUL_TILE_128x128), internal header.
//
// Enum values are part of cuBLASLt's API (they never change meaning between versions), but a
// newer library can return a value this build's header does not name; such a value is written
// "ID<value>" ("ID700") and read back as that value, so nothing is lost.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plantune::tuner::detail {

enum class LtField {
  tile,           // cublasLtMatmulTile_t       CUBLASLT_MATMUL_TILE_*
  stages,         // cublasLtMatmulStages_t     CUBLASLT_MATMUL_STAGES_*
  inner_shape,    // cublasLtMatmulInnerShape_t CUBLASLT_MATMUL_INNER_SHAPE_*
  cluster_shape,  // cublasLtClusterShape_t     CUBLASLT_CLUSTER_SHAPE_*
};

// "tile", "stages", "inner_shape", "cluster_shape".
std::string_view to_string(LtField f);

// The name of `value`, or "ID<value>" when this build does not know it.
std::string lt_name(LtField f, std::uint32_t value);

// The value of `name` (a name lt_name returns, or "ID<n>" for any n); nullopt otherwise. For
// cluster_shape, "UNDEFINED" (CublasLtTactic's default) reads as AUTO (0).
std::optional<std::uint32_t> lt_value(LtField f, std::string_view name);

// How many names this build knows for `f` (tests: every one must round-trip).
std::size_t lt_known_count(LtField f);
// The `i`-th known value of `f`, in the header's order.
std::uint32_t lt_known_value(LtField f, std::size_t i);

}  // namespace plantune::tuner::detail
