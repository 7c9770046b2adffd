#pragma once
// CudaGraph: work captured from a stream once and replayed with one launch (move-only).
//
//   CudaGraph g;
//   g.begin_capture(stream);   // work submitted to `stream` is recorded, not run
//   enqueue(stream);
//   g.end_capture();           // builds and instantiates the executable graph
//   g.launch(stream);          // runs it; as often as needed
//
// Destroying a CudaGraph that is still capturing ends the capture and drops what was recorded.
#include <cuda_runtime_api.h>

#include <cstddef>

namespace plantune {

class CudaGraph {
 public:
  CudaGraph() = default;
  ~CudaGraph();

  CudaGraph(CudaGraph&& other) noexcept;
  CudaGraph& operator=(CudaGraph&& other) noexcept;
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Starts capturing `stream`. Thread-local mode by default: unsafe calls (cudaMalloc, a
  // synchronize) from this thread during the capture fail instead of being silently run.
  void begin_capture(cudaStream_t stream,
                     cudaStreamCaptureMode mode = cudaStreamCaptureModeThreadLocal);
  // Ends the capture begun by begin_capture() and instantiates it, replacing any earlier graph.
  // Throws when the capture was invalidated (an unsupported call was made while capturing).
  void end_capture();
  // Launches the instantiated graph on `stream`; throws when there is none.
  void launch(cudaStream_t stream) const;

  bool capturing() const noexcept { return capturing_; }
  bool instantiated() const noexcept { return exec_ != nullptr; }
  // Number of nodes in the captured graph (0 when none).
  std::size_t node_count() const;

  cudaGraph_t graph() const noexcept { return graph_; }
  cudaGraphExec_t exec() const noexcept { return exec_; }

 private:
  void reset() noexcept;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  cudaStream_t capture_stream_ = nullptr;
  bool capturing_ = false;
};

}  // namespace plantune
