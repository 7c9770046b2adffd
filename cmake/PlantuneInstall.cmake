# Installs every plantune library, the headers, the CLI and a CMake package config so that a
# separate project can `find_package(plantune)` and link `plantune::core` (tests/install/ proves it).
include(CMakePackageConfigHelpers)

get_property(_plantune_libs GLOBAL PROPERTY PLANTUNE_LIBRARIES)
install(TARGETS ${_plantune_libs} EXPORT plantuneTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET plantune)
  install(TARGETS plantune RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(_plantune_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/plantune)
install(EXPORT plantuneTargets NAMESPACE plantune:: DESTINATION ${_plantune_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/plantuneConfig.cmake.in
  ${PROJECT_BINARY_DIR}/plantuneConfig.cmake INSTALL_DESTINATION ${_plantune_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/plantuneConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/plantuneConfig.cmake
  ${PROJECT_BINARY_DIR}/plantuneConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/FindCUDNN.cmake
  DESTINATION ${_plantune_cmake_dir})
