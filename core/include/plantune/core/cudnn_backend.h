#pragma once
// BackendDescriptor: one owned descriptor of cuDNN's graph (backend) API, move-only, with typed
// attribute setters and getters that throw Error naming the descriptor type and attribute.
//
//   BackendDescriptor t(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
//   t.set_int64(CUDNN_ATTR_TENSOR_UNIQUE_ID, 1).set_data_type(CUDNN_ATTR_TENSOR_DATA_TYPE, ...);
//   t.finalize();
//
// Builders for tensors, convolutions and operation graphs are in cudnn_graph_ops.h; engines,
// knobs, heuristics, plans and execution in cudnn_engines.h. The quirks of the API are written
// down once, in the Notes below, and cited where they matter.
//
// Note [cuDNN layouts]
// ~~~~~~~~~~~~~~~~~~~~
// cuDNN always takes dimensions in logical order: X and Y as (N, C, H, W), filters as
// (K, C/groups, R, S). The memory layout is expressed only through the strides (backend) or the
// cudnnTensorFormat_t (legacy): NHWC is dims (N, C, H, W) with strides (HWC, 1, WC, C), and NHWC
// filters are stored KRSC. Grouped convolution in the backend has no group attribute: cuDNN
// infers groups = X's C / W's C, so W's dims are (K, C/groups, R, S); depthwise is C/groups = 1.
// Backend tensors here are 4-D for 2-D convolutions (5-D would be a 3-D convolution).
//
// Note [cuDNN backend descriptors]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// * Every tensor of one operation graph needs its own CUDNN_ATTR_TENSOR_UNIQUE_ID; the variant
//   pack maps those ids to device pointers at execution. BYTE_ALIGNMENT is a promise about the
//   pointers that will be bound (cudaMalloc gives 256; we use 16).
// * CUDNN_ATTR_CONVOLUTION_CONV_MODE must be CUDNN_CROSS_CORRELATION for what frameworks call
//   convolution (CUDNN_CONVOLUTION flips the filter). SPATIAL_DIMS is the length of the padding,
//   stride and dilation arrays (2 for images).
// * The alpha/beta of an operation are typed after its compute type: CUDNN_TYPE_DOUBLE for a
//   double compute type, CUDNN_TYPE_FLOAT otherwise (fp32, and the fp32 accumulation of fp16 /
//   bf16 data), as cudnn-frontend does. (cuDNN 9.19 also accepts a double for a float compute
//   type; we do not rely on it.)
// * An operation copies the tensor and convolution descriptors it is given when the attribute
//   is set (destroying a tensor afterwards is harmless; observed with 9.19), but keep them alive
//   anyway: the documentation does not promise it.
// * Reading back: a scalar attribute must be asked for with capacity exactly 1 (more is
//   CUDNN_STATUS_BAD_PARAM); arrays take any capacity and report their length. Not everything
//   set can be read back (9.19 refuses TENSOR_BYTE_ALIGNMENT, and CONVOLUTION_CONV_MODE with
//   its own type).
// * Getting an attribute whose elements are descriptors (ENGINEHEUR_RESULTS, ENGINECFG_ENGINE,
//   ENGINE_KNOB_INFO, ENGINECFG_KNOB_CHOICES) fills descriptors that the caller created first,
//   of the element type; get_descriptors() does that. For ENGINEHEUR_RESULTS a query with
//   capacity 0 returns the count; for knob infos, knob choices and notes we offer the
//   capacity this header knows (CUDNN_KNOB_TYPE_COUNTS, ..._NOTE_TYPE_COUNT), as
//   cudnn-frontend does. Heuristics on a machine without a GPU return no configuration.
// * OPERATIONGRAPH and EXECUTION_PLAN take the cudnnHandle_t (CUDNN_ATTR_*_HANDLE, CUDNN_TYPE_
//   HANDLE), as cudnn-frontend sets them. cuDNN 9 marks those attributes deprecated in favour of
//   device-property descriptors but still honours them; one handle per thread. cuDNN 9.19 also
//   finalizes a graph without a handle, and even lists and finalizes engines on a machine
//   without a GPU (what the CPU tests use); plans and execution need the handle and the GPU.
// * Finalize is where support is decided: an ENGINE finalizes only if that engine can run the
//   graph, and an EXECUTION_PLAN can still fail for a configuration heuristics proposed. Those
//   failures are in the CUDNN_STATUS_NOT_SUPPORTED family: tactic outcomes (try_finalize()),
//   not errors. Heuristic mode B is not thread-safe; serialize its finalize.
// * Engines carry numerical notes (TENSOR_CORE, DOWN_CONVERT_INPUTS, REDUCED_PRECISION_REDUCTION,
//   FFT, WINOGRAD, NONDETERMINISTIC) and behaviour notes (RUNTIME_COMPILATION: the plan's
//   finalize compiles a kernel, seconds; SUPPORTS_CUDA_GRAPH_NATIVE_API). See Note [cuDNN math
//   types] for what TENSOR_CORE means on fp32 data.
// * Enum values of the backend are ABI; newer cuDNN versions add enumerators. Names are looked
//   up by value (cudnn_backend_names.h) so that this builds against every cuDNN 9 header, and
//   the tactic database stores the names, never the numbers.
//
// Note [cuDNN math types]
// ~~~~~~~~~~~~~~~~~~~~~~~
// On Ampere and later, fp32 convolutions may run on Tensor Cores in TF32 (10-bit mantissa,
// relative error ~1e-3). Legacy API: CUDNN_DEFAULT_MATH already permits TF32 for fp32 data;
// CUDNN_FMA_MATH forbids it. Graph API: engines that use TF32 (or convert fp32 inputs down)
// carry CUDNN_NUMERICAL_NOTE_TENSOR_CORE or ..._DOWN_CONVERT_INPUTS; exclude those to get fp32.
// fp16/bf16 data with a float compute type accumulate in fp32 on Tensor Cores, unless the
// engine notes REDUCED_PRECISION_REDUCTION.
#include <cudnn_graph.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace plantune {

class BackendDescriptor {
 public:
  // Holds nothing (get() == nullptr).
  BackendDescriptor() noexcept = default;
  // Creates a descriptor of `type` (host-side; no GPU needed).
  explicit BackendDescriptor(cudnnBackendDescriptorType_t type);
  ~BackendDescriptor();

  BackendDescriptor(BackendDescriptor&& other) noexcept;
  BackendDescriptor& operator=(BackendDescriptor&& other) noexcept;
  BackendDescriptor(const BackendDescriptor&) = delete;
  BackendDescriptor& operator=(const BackendDescriptor&) = delete;

  cudnnBackendDescriptor_t get() const noexcept { return desc_; }
  cudnnBackendDescriptorType_t type() const noexcept { return type_; }
  explicit operator bool() const noexcept { return desc_ != nullptr; }
  // True once finalize() or try_finalize() succeeded (or for descriptors cuDNN filled in:
  // those returned by get_descriptors() are finalized).
  bool finalized() const noexcept { return finalized_; }
  // Status of the last try_finalize() and cuDNN's message about it ("" when none).
  cudnnStatus_t finalize_status() const noexcept { return finalize_status_; }
  const std::string& finalize_message() const noexcept { return finalize_message_; }

  // ---- setters: throw Error (naming type and attribute) on failure; chainable ----
  BackendDescriptor& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                         std::int64_t count, const void* elements);
  BackendDescriptor& set_int64(cudnnBackendAttributeName_t name, std::int64_t value);
  BackendDescriptor& set_int64s(cudnnBackendAttributeName_t name,
                                std::span<const std::int64_t> values);
  BackendDescriptor& set_double(cudnnBackendAttributeName_t name, double value);
  BackendDescriptor& set_float(cudnnBackendAttributeName_t name, float value);
  BackendDescriptor& set_bool(cudnnBackendAttributeName_t name, bool value);
  BackendDescriptor& set_data_type(cudnnBackendAttributeName_t name, cudnnDataType_t value);
  BackendDescriptor& set_handle(cudnnBackendAttributeName_t name, cudnnHandle_t handle);
  BackendDescriptor& set_void_ptr(cudnnBackendAttributeName_t name, void* pointer);
  BackendDescriptor& set_void_ptrs(cudnnBackendAttributeName_t name,
                                   std::span<void* const> pointers);
  // One descriptor, or an array of them (e.g. OPERATIONGRAPH_OPS, ENGINECFG_KNOB_CHOICES).
  BackendDescriptor& set_descriptor(cudnnBackendAttributeName_t name,
                                    const BackendDescriptor& value);
  BackendDescriptor& set_descriptors(cudnnBackendAttributeName_t name,
                                     std::span<const BackendDescriptor> values);
  // An enum attribute: `type` names its kind, e.g. CUDNN_TYPE_CONVOLUTION_MODE, CUDNN_TYPE_
  // HEUR_MODE, CUDNN_TYPE_KNOB_TYPE, CUDNN_TYPE_POINTWISE_MODE.
  template <typename Enum>
  BackendDescriptor& set_enum(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                              Enum value) {
    return set(name, type, 1, &value);
  }

  // ---- finalize ----
  // Finalizes; throws Error (not_supported for the NOT_SUPPORTED family) on failure.
  void finalize();
  // Finalizes and returns the status instead of throwing; on failure finalize_message() keeps
  // cuDNN's explanation. See Note [cuDNN backend descriptors] for when failure is an outcome.
  [[nodiscard]] cudnnStatus_t try_finalize() noexcept;

  // ---- getters: throw Error on failure ----
  // Raw form: up to `capacity` elements into `elements`; returns the count cuDNN reports.
  std::int64_t get(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                   std::int64_t capacity, void* elements) const;
  std::int64_t get_int64(cudnnBackendAttributeName_t name) const;
  std::vector<std::int64_t> get_int64s(cudnnBackendAttributeName_t name,
                                       std::int64_t capacity) const;
  template <typename Enum>
  std::vector<Enum> get_enums(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
                              std::int64_t capacity) const {
    std::vector<Enum> out(static_cast<std::size_t>(capacity));
    const std::int64_t n = get(name, type, capacity, out.data());
    out.resize(static_cast<std::size_t>(n < capacity ? n : capacity));
    return out;
  }
  // Descriptor-valued attributes: creates `capacity` descriptors of `element_type`, lets cuDNN
  // fill them and returns the ones it filled (marked finalized).
  std::vector<BackendDescriptor> get_descriptors(cudnnBackendAttributeName_t name,
                                                 cudnnBackendDescriptorType_t element_type,
                                                 std::int64_t capacity) const;
  BackendDescriptor get_descriptor(cudnnBackendAttributeName_t name,
                                   cudnnBackendDescriptorType_t element_type) const;
  // How many elements the attribute holds, by a capacity-0 query; not every attribute answers
  // (see Note [cuDNN backend descriptors]).
  std::int64_t element_count(cudnnBackendAttributeName_t name,
                             cudnnBackendAttributeType_t type) const;

 private:
  BackendDescriptor(cudnnBackendDescriptor_t desc, cudnnBackendDescriptorType_t type,
                    bool finalized) noexcept
      : desc_(desc), type_(type), finalized_(finalized) {}
  void reset() noexcept;

  cudnnBackendDescriptor_t desc_ = nullptr;
  cudnnBackendDescriptorType_t type_ = CUDNN_BACKEND_POINTWISE_DESCRIPTOR;
  bool finalized_ = false;
  cudnnStatus_t finalize_status_ = CUDNN_STATUS_SUCCESS;
  std::string finalize_message_;
};

}  // namespace plantune
