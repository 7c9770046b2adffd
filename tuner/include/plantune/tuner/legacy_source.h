#pragma once
// Tactics of cuDNN's legacy API: cudnnConvolutionForward's 8 algorithms x the math types a
// precision allows (Note [legacy math types]).
//
// Note [legacy math types]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// On fp32 data CUDNN_DEFAULT_MATH already permits TF32 Tensor Cores (Note [cuDNN math types] in
// cudnn_backend.h), so the fp32 variant tries CUDNN_FMA_MATH alone; the tf32 variant tries
// default, tensor_op and tensor_op_allow_conversion (fp32 FMA is already the fp32 variant);
// fp16 and bf16 try all four. A math type is a permission, not an instruction: an algorithm
// without a Tensor Core kernel runs its FMA kernel under tensor_op; both are kept, since the
// database stores what was asked for.
#include <optional>
#include <vector>

#include "plantune/tuner/conv_tactic.h"

namespace plantune::tuner {

// The math types tried for precision `p` (see the Note).
std::vector<MathType> legacy_math_types(Precision p);

// One PreparedTactic per algorithm x math type, in algorithm order: ok with a runner when the
// workspace query succeeds and fits ctx.workspace_limit, otherwise not_supported (cuDNN's
// NOT_SUPPORTED family), over_workspace_limit or failed, with the status in `detail`.
std::vector<PreparedTactic> legacy_tactics(const ConvSourceContext& ctx);

// One legacy tactic (e.g. a database winner being replayed), same rules.
PreparedTactic prepare_legacy(const ConvSourceContext& ctx, const LegacyConvTactic& tactic);

// The legacy heuristic's choice (cudnnGetConvolutionForwardAlgorithm_v7): its first result
// with status SUCCESS and a workspace within the limit; nullopt when there is none. The
// convolution descriptor asks for FMA math for fp32, default math for tf32 and tensor-op math
// for fp16 / bf16, as frameworks do.
std::optional<LegacyConvTactic> legacy_heuristic_pick(const ConvSourceContext& ctx);

// cudnnFindConvolutionForwardAlgorithmEx's fastest successful result within the workspace
// limit, run on `operands` (their contents are overwritten); nullopt when none succeeds.
std::optional<LegacyConvTactic> legacy_find_best(const ConvSourceContext& ctx,
                                                 const ConvOperands& operands);

}  // namespace plantune::tuner
