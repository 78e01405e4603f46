# cmake -DNM=... -DREADELF=... -DLIBDIR=<prefix>/<libdir> -DVERSION=0.2.0
#       -P shared_exports.cmake
#
# packaging.shared.exports: the installed shared libraries export gtest_port's
# API and hide the rest (gtest_port/export.h). For libgtest_port.so and
# libgtest_port_diagnostics.so it checks
#   - the SONAME, lib<name>.so.<major>.<minor> (a 0.x minor release may break
#     the ABI), and the real file lib<name>.so.<VERSION>;
#   - `nm -D --defined-only -C`: every public function and class the
#     installed headers declare is exported;
#   - and nothing else is: no Abseil or GoogleTest symbol (they are their
#     own libraries, or the test program's), and of gtest_port_internal only
#     the three things the installed headers' inline code and gtest_port_main
#     call. Weak (vague-linkage) instantiations of std:: templates, e.g.
#     std::vector<int>::_M_realloc_insert, are allowed: libstdc++ declares
#     namespace std with default visibility, every program that instantiates
#     them has an identical copy, and the dynamic loader merges them. A
#     strong std:: definition would not be.
# It prints the count and the list of exported symbols.

cmake_minimum_required(VERSION 3.16)  # if(... IN_LIST ...)

foreach(var NM READELF LIBDIR VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "shared_exports.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REGEX MATCH "^[0-9]+\\.[0-9]+" soversion "${VERSION}")

# The internal symbols a shared gtest_port exports on purpose.
set(allowed_internal
  "^gtest_port_internal::Reservation::"         # PortReservation's inline code
  "^gtest_port_internal::RealPlatform\\(\\)$"   # matchers.h: IsFreeToBind()
  "^gtest_port_internal::SetPortUserDescriber\\(")  # gtest_port_main
set(failures)

function(check_library name)
  cmake_parse_arguments(ARG "" "" "REQUIRED" ${ARGN})
  set(so "${LIBDIR}/lib${name}.so")
  set(real "${so}.${VERSION}")
  if(NOT EXISTS "${real}")
    message(FATAL_ERROR "${real} is not installed")
  endif()

  execute_process(COMMAND "${READELF}" -d "${real}"
    RESULT_VARIABLE result OUTPUT_VARIABLE dynamic)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${READELF} -d ${real} failed")
  endif()
  if(NOT dynamic MATCHES "Library soname: \\[lib${name}\\.so\\.${soversion}\\]")
    string(REGEX MATCH "Library soname: [^\n]*" soname "${dynamic}")
    message(FATAL_ERROR "${real}: SONAME is '${soname}', expected "
                        "lib${name}.so.${soversion}")
  endif()

  execute_process(COMMAND "${NM}" -D --defined-only -C "${real}"
    RESULT_VARIABLE result OUTPUT_VARIABLE table)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${NM} -D --defined-only -C ${real} failed")
  endif()
  # "0000000000012340 T gtest_port::Reserve()" -> "gtest_port::Reserve()";
  # weak (W, V) and unique (u) ones are also listed in `weak`.
  string(REPLACE "\n" ";" lines "${table}")
  set(symbols)
  set(weak)
  foreach(line IN LISTS lines)
    if(line MATCHES "^[0-9a-f]+ ([A-Za-z]) (.+)$")
      set(type "${CMAKE_MATCH_1}")
      set(symbol "${CMAKE_MATCH_2}")
      list(APPEND symbols "${symbol}")
      if(type MATCHES "^[WVu]$")
        list(APPEND weak "${symbol}")
      endif()
    endif()
  endforeach()
  list(LENGTH symbols count)
  string(REPLACE ";" "\n  " listing "${symbols}")
  message(STATUS "lib${name}.so exports ${count} symbols:\n  ${listing}")

  set(problems)
  foreach(required IN LISTS ARG_REQUIRED)
    set(found OFF)
    foreach(symbol IN LISTS symbols)
      if(symbol MATCHES "${required}")
        set(found ON)
        break()
      endif()
    endforeach()
    if(NOT found)
      list(APPEND problems "does not export ${required}")
    endif()
  endforeach()

  foreach(symbol IN LISTS symbols)
    # What the symbol is of: "typeinfo for X", "vtable for X", "guard
    # variable for X" are X's.
    string(REGEX REPLACE "^(typeinfo name|typeinfo|vtable|VTT|guard variable|construction vtable) for " ""
           owner "${symbol}")
    set(ok OFF)
    if(owner MATCHES "^gtest_port::")
      set(ok ON)
    elseif(owner MATCHES "^gtest_port_internal::")
      foreach(pattern IN LISTS allowed_internal)
        if(owner MATCHES "${pattern}")
          set(ok ON)
        endif()
      endforeach()
    elseif(owner MATCHES "^([a-z ]+ )?(std|__gnu_cxx)::" AND
           symbol IN_LIST weak AND
           NOT owner MATCHES "absl::|testing::|gtest_port_internal::")
      set(ok ON)
    endif()
    if(NOT ok)
      list(APPEND problems "exports ${symbol}")
    endif()
  endforeach()
  if(problems)
    string(REPLACE ";" "\n  " problems "${problems}")
    set(failures "${failures}\nlib${name}.so:\n  ${problems}" PARENT_SCOPE)
  endif()
endfunction()

check_library(gtest_port REQUIRED
  "^gtest_port::Reserve\\(\\)$"
  "^gtest_port::ReserveBlock\\(int\\)$"
  "^gtest_port::ReserveListeningSocket\\(\\)$"
  "^gtest_port::ReserveBoundDatagramSocket\\(\\)$"
  "^gtest_port::ReserveAddress\\(std::vector<unsigned short"
  "^gtest_port::ReserveAddresses\\(int, std::vector<unsigned short"
  "^gtest_port::Version\\(\\)$"
  "^gtest_port::PortEnvironment::SetUp\\(\\)$"
  "^gtest_port::PortEnvironment::TearDown\\(\\)$"
  "^vtable for gtest_port::PortEnvironment$"
  "^gtest_port::PortFixture::ReservePort\\(char const\\*, int\\)$"
  "^gtest_port::PortFixture::ReserveBlock\\(int, char const\\*, int\\)$"
  "^gtest_port::PortFixture::ReservedPorts\\(\\) const$"
  "^gtest_port::PortFixture::ReserveListeningSocket\\(char const\\*, int\\)$"
  "^gtest_port::PortFixture::ReserveBoundDatagramSocket\\(char const\\*, int\\)$"
  "^gtest_port::PortFixture::ReserveAddress(\\[abi:cxx11\\])?\\(std::vector<unsigned short"
  "^gtest_port::PortFixture::ReserveAddresses(\\[abi:cxx11\\])?\\(int, std::vector<unsigned short"
  "^gtest_port::PortFixture::ReservedAddresses(\\[abi:cxx11\\])?\\(\\) const$"
  "^gtest_port::PortFixture::TearDown\\(\\)$"
  "^typeinfo for gtest_port::PortFixture$"
  "^gtest_port_internal::Reservation::Release\\(\\)$"
  "^gtest_port_internal::Reservation::DescribePorts(\\[abi:cxx11\\])?\\(\\) const$"
  "^gtest_port_internal::RealPlatform\\(\\)$"
  "^gtest_port_internal::SetPortUserDescriber\\(")
check_library(gtest_port_diagnostics REQUIRED
  "^gtest_port::DescribePortUser\\(unsigned short\\)$"
  "^gtest_port::ListPortReservations\\(\\)$"
  "^gtest_port::PortUser::ToString(\\[abi:cxx11\\])?\\(\\) const$"
  "^gtest_port::DescribeAddressUser\\("
  "^gtest_port::ListAddressReservations(\\[abi:cxx11\\])?\\(\\)$"
  "^gtest_port::AddressUser::ToString(\\[abi:cxx11\\])?\\(\\) const$")

if(failures)
  message(FATAL_ERROR "the shared libraries export what they must not, or "
                      "lack what they must:${failures}")
endif()
