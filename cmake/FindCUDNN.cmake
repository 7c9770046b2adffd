# FindCUDNN
# ---------
# Finds cuDNN 9 headers and libraries. Search order:
#   1. CUDNN_ROOT (CMake variable or environment variable), its include/ and lib*/ folders;
#   2. the CUDA toolkit's own directory (cuDNN shipped inside the toolkit: include/, lib/, lib64/);
#   3. the system's default and multiarch directories (Debian/Ubuntu packages:
#      /usr/include/<triplet>, /usr/lib/<triplet>).
# Defines CUDNN_FOUND, CUDNN_INCLUDE_DIR, CUDNN_LIBRARY, CUDNN_VERSION (from cudnn_version.h)
# and the imported target CUDNN::cudnn. The version found here is the compile-time version; the
# version loaded at run time is reported by plantune::core_cuda's DeviceInfo.

set(_cudnn_hints)
if(DEFINED CUDNN_ROOT)
  list(APPEND _cudnn_hints ${CUDNN_ROOT})
endif()
if(DEFINED ENV{CUDNN_ROOT})
  list(APPEND _cudnn_hints $ENV{CUDNN_ROOT})
endif()
if(NOT CUDAToolkit_FOUND)
  find_package(CUDAToolkit QUIET)
endif()
if(CUDAToolkit_LIBRARY_ROOT)
  list(APPEND _cudnn_hints ${CUDAToolkit_LIBRARY_ROOT})
endif()
if(CUDAToolkit_BIN_DIR)
  get_filename_component(_cudnn_cuda_root "${CUDAToolkit_BIN_DIR}" DIRECTORY)
  list(APPEND _cudnn_hints ${_cudnn_cuda_root})
endif()
set(_cudnn_triplet_dirs)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(_cudnn_triplet_inc /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  set(_cudnn_triplet_lib /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
endif()

find_path(CUDNN_INCLUDE_DIR cudnn_version.h
  HINTS ${_cudnn_hints}
  PATH_SUFFIXES include include/${CMAKE_LIBRARY_ARCHITECTURE}
  PATHS ${_cudnn_triplet_inc} /usr/include /usr/local/include)
find_library(CUDNN_LIBRARY NAMES cudnn
  HINTS ${_cudnn_hints}
  PATH_SUFFIXES lib lib64 lib/${CMAKE_LIBRARY_ARCHITECTURE} lib/x64
  PATHS ${_cudnn_triplet_lib} /usr/lib /usr/local/lib)

if(CUDNN_INCLUDE_DIR AND EXISTS "${CUDNN_INCLUDE_DIR}/cudnn_version.h")
  file(READ "${CUDNN_INCLUDE_DIR}/cudnn_version.h" _cudnn_header)
  string(REGEX MATCH "#define CUDNN_MAJOR +([0-9]+)" _m "${_cudnn_header}")
  set(_cudnn_major ${CMAKE_MATCH_1})
  string(REGEX MATCH "#define CUDNN_MINOR +([0-9]+)" _m "${_cudnn_header}")
  set(_cudnn_minor ${CMAKE_MATCH_1})
  string(REGEX MATCH "#define CUDNN_PATCHLEVEL +([0-9]+)" _m "${_cudnn_header}")
  set(_cudnn_patch ${CMAKE_MATCH_1})
  set(CUDNN_VERSION "${_cudnn_major}.${_cudnn_minor}.${_cudnn_patch}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CUDNN
  REQUIRED_VARS CUDNN_LIBRARY CUDNN_INCLUDE_DIR
  VERSION_VAR CUDNN_VERSION)

if(CUDNN_FOUND AND NOT TARGET CUDNN::cudnn)
  add_library(CUDNN::cudnn UNKNOWN IMPORTED)
  set_target_properties(CUDNN::cudnn PROPERTIES
    IMPORTED_LOCATION "${CUDNN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CUDNN_INCLUDE_DIR}")
  if(NOT CUDNN_FIND_QUIETLY)
    message(STATUS "cuDNN ${CUDNN_VERSION}: headers ${CUDNN_INCLUDE_DIR}, library ${CUDNN_LIBRARY}")
  endif()
endif()
mark_as_advanced(CUDNN_INCLUDE_DIR CUDNN_LIBRARY)
