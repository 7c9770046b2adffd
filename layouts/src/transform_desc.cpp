#include "plantune/layouts/transform_desc.h"

#include "plantune/core/error.h"

namespace plantune::layouts {

std::string to_string(const TransformDesc& d) {
  return to_string(d.dims) + " " + to_string(d.src_layout) + " " +
         std::string(plantune::to_string(d.src_dtype)) + " -> " + to_string(d.dst_layout) + " " +
         std::string(plantune::to_string(d.dst_dtype));
}

namespace {

bool storage_type(DType t) {
  return t == DType::fp32 || t == DType::fp16 || t == DType::bf16 || t == DType::int8;
}

}  // namespace

void validate(const TransformDesc& d) {
  validate_dims(d.dims, "transform " + to_string(d));
  validate_layout(d.src_layout, "transform source");
  validate_layout(d.dst_layout, "transform destination");
  PT_REQUIRE(storage_type(d.src_dtype) && storage_type(d.dst_dtype), invalid_argument,
             "transform " << to_string(d)
                          << ": element types must be fp32, fp16, bf16 or int8 (tf32 is a math "
                             "mode over fp32 storage: name it fp32)");
}

std::int64_t bytes_moved(const TransformDesc& d) {
  return checked_add(stored_bytes(d.dims, d.src_layout, d.src_dtype),
                     stored_bytes(d.dims, d.dst_layout, d.dst_dtype), "bytes moved");
}

}  // namespace plantune::layouts
