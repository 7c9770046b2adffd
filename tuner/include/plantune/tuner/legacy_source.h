#pragma once
// Tactics of cuDNN's legacy API: cudnnConvolutionForward's 8 algorithms x the math types a
// precision allows (Note [legacy math types]); for a fused problem the same algorithms run
// through cudnnConvolutionBiasActivationForward (Note [legacy fused epilogue]).
//
// Note [legacy math types]
// ~~~~~~~~~~~~~~~~~~~~~~~~
// On fp32 data CUDNN_DEFAULT_MATH already permits TF32 Tensor Cores (Note [cuDNN math types] in
// cudnn_backend.h), so the fp32 variant tries CUDNN_FMA_MATH alone; the tf32 variant tries
// default, tensor_op and tensor_op_allow_conversion (fp32 FMA is already the fp32 variant);
// fp16 and bf16 try all four. A math type is a permission, not an instruction: an algorithm
// without a Tensor Core kernel runs its FMA kernel under tensor_op; both are kept, since the
// database stores what was asked for. int8 (Note [int8 convolution] in conv_workload.h) tries
// default and tensor_op: tensor_op_allow_conversion permits down-converting fp32 inputs, which
// int8 has none of, and FMA math would forbid the integer Tensor Core kernels the variant is
// for. cuDNN documents INT8_EXT (int8 x and w, fp32 y, int32 compute) for
// IMPLICIT_PRECOMP_GEMM only; the other algorithms are tried all the same and their declines
// recorded as not_supported outcomes, as for every precision.
//
// Note [legacy fused epilogue]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// cudnnConvolutionBiasActivationForward computes y = act(alpha1 * conv(x, w) + alpha2 * z + bias)
// with bias [1, K, 1, 1] and z in y's dtype and layout. We pass alpha1 = 1; alpha2 = 1 with the
// epilogue's z, or alpha2 = 0 with y as z when there is no residual (as frameworks do; on an
// H100 a y poisoned with NaN, as validation runs leave it, did not leak into the output); a zero
// bias of K' elements, owned by the tactic, when the epilogue has none (the call always adds
// one). cuDNN documents two restrictions: the activation is CUDNN_ACTIVATION_RELU or
// CUDNN_ACTIVATION_IDENTITY, and IDENTITY runs only with IMPLICIT_PRECOMP_GEMM. So a problem
// whose activation is none runs implicit_precomp_gemm only; relu runs every algorithm cuDNN
// accepts; relu6, sigmoid, silu, gelu and hard_swish run none. Each decline is a not_supported
// outcome naming the restriction, never an error; whatever cuDNN itself declines at run time is
// not_supported too. The same algorithm identities (LegacyConvTactic) are stored: the problem
// key says the epilogue is fused.
#include <optional>
#include <string>
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

// Whether the fused API can run `algo` for `epilogue` (Note [legacy fused epilogue]); always
// true for an empty epilogue. When false, `why` (if given) receives the reason.
bool legacy_epilogue_supported(const ConvEpilogue& epilogue, LegacyAlgo algo,
                               std::string* why = nullptr);

// The legacy heuristic's choice (cudnnGetConvolutionForwardAlgorithm_v7): its first result
// with status SUCCESS and a workspace within the limit (and, for a fused problem, an algorithm
// the fused API runs); nullopt when there is none. The convolution descriptor asks for FMA math
// for fp32, default math for tf32 and tensor-op math for fp16 / bf16 / int8, as frameworks do.
std::optional<LegacyConvTactic> legacy_heuristic_pick(const ConvSourceContext& ctx);

// cudnnFindConvolutionForwardAlgorithmEx's fastest successful result within the workspace
// limit, run on `operands` (their contents are overwritten); nullopt when none succeeds. It
// times the convolution alone; for a fused problem only algorithms the fused API runs count.
std::optional<LegacyConvTactic> legacy_find_best(const ConvSourceContext& ctx,
                                                 const ConvOperands& operands);

}  // namespace plantune::tuner
