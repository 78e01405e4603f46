# cmake -DPROGRAM=... -DLIBDIR=<prefix>/<libdir> -DREADELF=... -DLDD=...
#       -P expect_loads_shared.cmake
# (or include() it with those variables set)
#
# A consumer of the shared install really uses it: PROGRAM needs
# libgtest_port.so.<major>.<minor> and libgtest_port_diagnostics.so.<...> by
# their SONAMEs (readelf NEEDED), and the dynamic loader resolves both to
# the files in LIBDIR (ldd), not to a build tree or another install.
# Running the program (its own test) is the consumer test's job.

foreach(var PROGRAM LIBDIR READELF LDD)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_loads_shared.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND "${READELF}" -d "${PROGRAM}"
  RESULT_VARIABLE result OUTPUT_VARIABLE dynamic)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${READELF} -d ${PROGRAM} failed")
endif()
execute_process(COMMAND "${LDD}" "${PROGRAM}"
  RESULT_VARIABLE result OUTPUT_VARIABLE loaded ERROR_VARIABLE error)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${LDD} ${PROGRAM} failed: ${error}")
endif()
message(STATUS "ldd ${PROGRAM}:\n${loaded}")

foreach(name gtest_port gtest_port_diagnostics)
  if(NOT dynamic MATCHES "\\(NEEDED\\)[^\n]*\\[(lib${name}\\.so\\.[0-9]+\\.[0-9]+)\\]")
    message(FATAL_ERROR "${PROGRAM} does not need lib${name}.so.<major>.<minor>"
                        " (readelf -d):\n${dynamic}")
  endif()
  set(soname "${CMAKE_MATCH_1}")
  string(REPLACE "." "\\." soname_regex "${soname}")
  if(NOT loaded MATCHES "${soname_regex} => ([^ \n]+)")
    message(FATAL_ERROR "ldd does not resolve ${soname} for ${PROGRAM}")
  endif()
  get_filename_component(resolved "${CMAKE_MATCH_1}" REALPATH)
  get_filename_component(expected "${LIBDIR}/${soname}" REALPATH)
  if(NOT resolved STREQUAL expected)
    message(FATAL_ERROR "${PROGRAM} loads ${soname} from ${resolved}, "
                        "expected ${expected}")
  endif()
endforeach()
