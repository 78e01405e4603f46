# expect_library_only(<gtest_port source dir>)
#
# For the add_subdirectory and FetchContent consumers: as a subproject,
# gtest_port must give its parent the library targets and nothing else -- its
# own tests, samples, benchmarks and fuzz targets default to OFF, so none of
# them is configured or built as part of the user's project.
function(expect_library_only source_dir)
  foreach(target gtest_port::gtest_port gtest_port::gtest_port_main
                 gtest_port::gtest_port_matchers)
    if(NOT TARGET ${target})
      message(FATAL_ERROR "gtest_port as a subproject did not define ${target}")
    endif()
  endforeach()

  foreach(option GTEST_PORT_TESTS GTEST_PORT_SAMPLES GTEST_PORT_INSTALL
                 GTEST_PORT_BENCHMARKS GTEST_PORT_FUZZERS GTEST_PORT_TOOLS)
    if(${option})
      message(FATAL_ERROR
        "${option} is ON by default when gtest_port is a subproject; "
        "it must default to OFF")
    endif()
  endforeach()

  # Targets from gtest_port's tests/ and samples/.
  foreach(target port_range_test reserve_test gtest_port_testing port_holder
                 sample1_echo_unittest sample_echo_server gtest-port)
    if(TARGET ${target})
      message(FATAL_ERROR
        "gtest_port as a subproject defined its own target ${target}: its "
        "tests and samples must not be built in a user's project")
    endif()
  endforeach()

  # Whatever else gtest_port grows: no tests/, samples/, benchmark or fuzz
  # directory, and no test or benchmark executable anywhere in its tree.
  set(dirs "${source_dir}")
  while(dirs)
    list(POP_FRONT dirs dir)
    get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
    list(APPEND dirs ${subdirs})
    foreach(subdir IN LISTS subdirs)
      get_filename_component(name "${subdir}" NAME)
      if(name MATCHES "^(tests?|samples?|bench.*|fuzz.*)$")
        message(FATAL_ERROR
          "gtest_port as a subproject added its directory ${subdir}")
      endif()
    endforeach()
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      if(type STREQUAL "EXECUTABLE" AND
         (target MATCHES "(_test|_unittest|_benchmark|_fuzzer)$" OR
          target MATCHES "^bench"))
        message(FATAL_ERROR
          "gtest_port as a subproject defined the executable ${target}")
      endif()
    endforeach()
  endwhile()
endfunction()
