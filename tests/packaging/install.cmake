# cmake -DBUILD_DIR=... -DPREFIX=... -DCONFIG=... -DLIBDIR=... -DINCLUDEDIR=...
#       -P install.cmake
#
# The packaging.install fixture: installs the gtest_port build tree BUILD_DIR
# into a fresh PREFIX with `cmake --install`, as a user or a distribution
# package would, then checks that the install is complete -- the CMake
# package files, both pkg-config files, and every header that an installed
# header includes (the public headers include internal/ ones).

foreach(var BUILD_DIR PREFIX LIBDIR INCLUDEDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${PREFIX}")
set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
          ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX}: ${result}")
endif()

foreach(file
    "${INCLUDEDIR}/gtest_port/gtest_port.h"
    "${INCLUDEDIR}/gtest_port/matchers.h"
    "${LIBDIR}/cmake/gtest_port/gtest_portConfig.cmake"
    "${LIBDIR}/cmake/gtest_port/gtest_portConfigVersion.cmake"
    "${LIBDIR}/cmake/gtest_port/gtest_portTargets.cmake"
    "${LIBDIR}/pkgconfig/gtest_port.pc"
    "${LIBDIR}/pkgconfig/gtest_port_main.pc")
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "the install lacks ${file} (prefix ${PREFIX})")
  endif()
endforeach()

# Every `#include "gtest_port/..."` in an installed header must be installed.
file(GLOB_RECURSE headers "${PREFIX}/${INCLUDEDIR}/gtest_port/*.h")
list(LENGTH headers header_count)
if(header_count EQUAL 0)
  message(FATAL_ERROR "no headers installed under ${PREFIX}/${INCLUDEDIR}")
endif()
foreach(header IN LISTS headers)
  file(STRINGS "${header}" includes REGEX "^#include \"gtest_port/")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
    if(NOT EXISTS "${PREFIX}/${INCLUDEDIR}/${included}")
      message(FATAL_ERROR
        "${header} includes ${included}, which is not installed")
    endif()
  endforeach()
endforeach()
message(STATUS "gtest_port installed into ${PREFIX}: ${header_count} headers")
