#pragma once
// Weights files: a text index plus one binary file (docs/weights-format.md).
//
// The index holds one line per tensor, `name,kind,offset,size,shape`:
//   name    the tensor's name ("layer1.0.conv1.weight"): no ',', space or control character,
//           not starting with '#'
//   kind    element type of the stored bytes: fp32, fp16 or bf16 (all loaded as float)
//   offset  first byte of the tensor in the binary file (decimal)
//   size    its byte count, numel x element size (decimal)
//   shape   dims joined by 'x' ("64x3x7x7", "1000"); empty for a scalar
// Lines starting with '#' and blank lines are comments; a trailing '\r' is dropped. Elements
// are little-endian, row-major. tools/export_weights.py writes this format from PyTorch.
#include <cstddef>
#include <string>

#include "plantune/runtime/weights.h"

namespace plantune::runtime {

// Writes every tensor of `store` as fp32, in name order, packed from offset 0. Each file is
// written to a temporary file next to it and renamed into place (the binary first), so a reader
// never sees a half-written file. Throws invalid_argument on a name the format cannot hold or
// when both paths are the same, io_error when the file system refuses.
void save_weights(const WeightStore& store, const std::string& index_path,
                  const std::string& bin_path);

struct WeightsLoadOptions {
  // Non-finite values (inf, nan) are rejected by default: one NaN weight turns a network's whole
  // output into NaN, so such a file is almost always a broken export. Set to load them as is.
  bool allow_non_finite = false;
};

// Reads an index and its binary file into a store. Validates everything before trusting it:
// a malformed line, an unknown kind, a size that is not numel x element size, a byte range
// outside the binary, two ranges that overlap, or a duplicate name throw parse_error naming the
// index file and line; a non-finite value throws invalid_argument naming the tensor and the
// element (unless allowed); a missing or unreadable file throws io_error. Bytes of the binary
// that no tensor covers are allowed (writers may align). Memory use is bounded by the binary's
// size (x 2 for fp16/bf16): sizes are checked against it before anything is allocated.
WeightStore load_weights(const std::string& index_path, const std::string& bin_path,
                         const WeightsLoadOptions& options = {});

// The largest index file load_weights reads (an index is ~60 bytes per tensor).
inline constexpr std::size_t kMaxWeightsIndexBytes = std::size_t{64} << 20;

}  // namespace plantune::runtime
