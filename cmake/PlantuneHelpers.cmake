# Helpers shared by every module's CMakeLists.txt.

# Warnings for a target; errors too when PLANTUNE_WERROR is on (CI).
function(plantune_warnings target)
  set(cxx_flags -Wall -Wextra)
  # GCC 12 reports false -Wrestrict errors at -O3 inside libstdc++ for `"literal" + std::string`
  # (GCC bug 105329); GCC 13 and later do not.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    list(APPEND cxx_flags -Wno-restrict)
  endif()
  if(PLANTUNE_WERROR)
    list(APPEND cxx_flags -Werror)
  endif()
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${cxx_flags}>
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>
    $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${PLANTUNE_WERROR}>>:-Werror=all-warnings>)
endfunction()

# plantune_add_library(<name> SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# Builds library plantune_<name> with alias plantune::<name>; public headers in include/.
function(plantune_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(plantune_${name} ${ARG_SOURCES})
  add_library(plantune::${name} ALIAS plantune_${name})
  set_target_properties(plantune_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME plantune_${name}
    CUDA_SEPARABLE_COMPILATION OFF)
  target_include_directories(plantune_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(plantune_${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  target_compile_features(plantune_${name} PUBLIC cxx_std_20)
  plantune_warnings(plantune_${name})
  set_property(GLOBAL APPEND PROPERTY PLANTUNE_LIBRARIES plantune_${name})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# plantune_add_test(<name> [GPU] SOURCES ... [LIBS ...])
# One GoogleTest executable; each TEST becomes a ctest entry. GPU tests carry the label `gpu`
# and call GTEST_SKIP() << "no CUDA device ..." when none is present: ctest then reports them
# as skipped, never passed.
function(plantune_add_test name)
  cmake_parse_arguments(ARG "GPU" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  if(ARG_GPU)
    target_link_libraries(${name} PRIVATE CUDA::cudart)
  endif()
  target_compile_definitions(${name} PRIVATE
    PLANTUNE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" PLANTUNE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  plantune_warnings(${name})
  set(labels cpu)
  if(ARG_GPU)
    set(labels gpu)
  endif()
  # The skip regex holds no brackets: an unbalanced one breaks CMake 3.25's list splitting of
  # the discovery arguments, a closing one breaks CMake 4's generated test files. gtest prints
  # "[  SKIPPED ] Suite.Test" for each skipped test.
  include(GoogleTest)
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    TEST_PREFIX "${name}."
    PROPERTIES LABELS "${labels}" SKIP_REGULAR_EXPRESSION "  SKIPPED ")
endfunction()
