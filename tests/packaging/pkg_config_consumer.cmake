# cmake -DPKG_CONFIG=... -DPREFIX=... -DLIBDIR=... -DINCLUDEDIR=... -DVERSION=...
#       -DCXX=... [-DCXX_FLAGS=...] -DSOURCE=... -DBINARY_DIR=...
#       [-DSHARED=ON -DREADELF=... -DLDD=...] -P pkg_config_consumer.cmake
#
# packaging.pkg_config: a user without CMake. Against the install in PREFIX
# (PKG_CONFIG_PATH points there), it checks that gtest_port.pc and
# gtest_port_main.pc and every module they require resolve, then compiles
# and links SOURCE the way a Makefile would,
#
#   c++ consumer_test.cc $(pkg-config --cflags --libs gtest_port_main)
#
# and runs the program, whose tests must pass. SHARED=ON: the install is
# gtest_port's shared libraries; then the flags must carry
# -DGTEST_PORT_SHARED (without SHARED they must not), the program is linked
# with an rpath to the install (as a user's Makefile would, or they set
# LD_LIBRARY_PATH), and it must load the libraries from there
# (expect_loads_shared.cmake).

foreach(var PKG_CONFIG PREFIX LIBDIR INCLUDEDIR VERSION CXX SOURCE BINARY_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pkg_config_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig:$ENV{PKG_CONFIG_PATH}")

function(pkg_config out)
  execute_process(COMMAND "${PKG_CONFIG}" --print-errors ${ARGN}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} failed (${result}):\n${error}")
  endif()
  set(${out} "${output}" PARENT_SCOPE)
endfunction()

# The modules exist, and so does everything their Requires: lines name.
pkg_config(unused --exists gtest_port gtest_port_main)
pkg_config(unused --validate gtest_port)
pkg_config(unused --validate gtest_port_main)

pkg_config(version --modversion gtest_port)
if(NOT version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion gtest_port: '${version}', "
                      "expected '${VERSION}'")
endif()

# The .pc files point into PREFIX (they are relocatable), not at the prefix
# the build was configured with.
pkg_config(includedir --variable=includedir gtest_port)
get_filename_component(includedir "${includedir}" REALPATH)
get_filename_component(expected "${PREFIX}/${INCLUDEDIR}" REALPATH)
if(NOT includedir STREQUAL expected)
  message(FATAL_ERROR "pkg-config --variable=includedir gtest_port: "
                      "'${includedir}', expected '${expected}'")
endif()

pkg_config(flags --cflags --libs gtest_port_main)
message(STATUS "pkg-config --cflags --libs gtest_port_main: ${flags}")
if(SHARED AND NOT flags MATCHES "(^| )-DGTEST_PORT_SHARED( |$)")
  message(FATAL_ERROR "a shared install's pkg-config flags lack "
                      "-DGTEST_PORT_SHARED: ${flags}")
elseif(NOT SHARED AND flags MATCHES "GTEST_PORT_SHARED")
  message(FATAL_ERROR "a static install's pkg-config flags define "
                      "GTEST_PORT_SHARED: ${flags}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
if(SHARED)
  list(APPEND flags "-Wl,-rpath,${PREFIX}/${LIBDIR}")
endif()
separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")

file(REMOVE_RECURSE "${BINARY_DIR}")
file(MAKE_DIRECTORY "${BINARY_DIR}")
set(program "${BINARY_DIR}/consumer_test")
execute_process(
  COMMAND "${CXX}" ${cxx_flags} -std=c++17 "${SOURCE}" -o "${program}" ${flags}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "compiling and linking with pkg-config's flags failed")
endif()
if(SHARED)
  set(PROGRAM "${program}")
  set(LIBDIR "${PREFIX}/${LIBDIR}")
  include("${CMAKE_CURRENT_LIST_DIR}/expect_loads_shared.cmake")
endif()

execute_process(COMMAND "${program}"
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE error)
message("${output}${error}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${program} failed: ${result}")
endif()
if(NOT output MATCHES "\\[  PASSED  \\] [1-9][0-9]* tests?")
  message(FATAL_ERROR "${program} ran no test")
endif()
