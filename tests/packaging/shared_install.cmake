# cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DPREFIX=... -DGENERATOR=...
#       [-DMAKE_PROGRAM=...] [-DCXX=...] [-DCXX_FLAGS=...] [-DBUILD_TYPE=...]
#       [-DGTEST_DIR=...] [-DABSL_DIR=...] -P shared_install.cmake
#
# The packaging.shared.install fixture: what a user or a distribution does
# for shared libraries -- configure gtest_port's SOURCE_DIR in a fresh
# BINARY_DIR with BUILD_SHARED_LIBS=ON and nothing but the library (no
# tests, samples, benchmarks, fuzz targets or tool), build it, and install
# it into a fresh PREFIX. packaging.shared.exports, .find_package and
# .pkg_config then check and consume that install; it is built once.

foreach(var SOURCE_DIR BINARY_DIR PREFIX GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "shared_install.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${BINARY_DIR}" "${PREFIX}")
set(options
  -DBUILD_SHARED_LIBS=ON
  -DGTEST_PORT_TESTS=OFF -DGTEST_PORT_SAMPLES=OFF -DGTEST_PORT_BENCHMARKS=OFF
  -DGTEST_PORT_FUZZERS=OFF -DGTEST_PORT_TOOLS=OFF -DGTEST_PORT_INSTALL=ON
  "-DCMAKE_INSTALL_PREFIX=${PREFIX}")
if(MAKE_PROGRAM)
  list(APPEND options "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX)
  list(APPEND options "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
if(DEFINED CXX_FLAGS)
  list(APPEND options "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
endif()
if(BUILD_TYPE)
  list(APPEND options "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
# GoogleTest and Abseil from where the outer build found them.
if(GTEST_DIR)
  list(APPEND options "-DGTest_DIR=${GTEST_DIR}")
endif()
if(ABSL_DIR)
  list(APPEND options "-Dabsl_DIR=${ABSL_DIR}")
endif()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}): ${ARGN}")
  endif()
endfunction()

run("configuring the shared build" "${CMAKE_COMMAND}" -S "${SOURCE_DIR}"
    -B "${BINARY_DIR}" -G "${GENERATOR}" ${options})
# Two jobs: ctest gives this test PROCESSORS 2.
run("building the shared libraries" "${CMAKE_COMMAND}" --build "${BINARY_DIR}"
    --parallel 2)
run("installing the shared libraries" "${CMAKE_COMMAND}" --install
    "${BINARY_DIR}")
message(STATUS "gtest_port (shared) installed into ${PREFIX}")
