# File: cmake/toolchains/mingw-w64-x86_64.cmake
#
# Cross-compiles for 64-bit Windows with Debian's mingw-w64 (package
# g++-mingw-w64-x86-64-posix: the posix threads variant, which has
# std::thread and std::mutex) and runs the results under Wine, so that
# `ctest` on Linux runs the Windows tests.
#
# Executables are linked fully static (-static -static-libgcc
# -static-libstdc++): the .exe needs no MinGW DLL (libstdc++-6.dll,
# libwinpthread-1.dll) on Wine's or Windows' search path.
#
# Example:
#
#   cmake -G Ninja -S tests/windows -B build-windows \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
#   ctest --test-dir build-windows      # each test runs under wine64
#
# Variables read (cache, optional):
#   MINGW_TRIPLE    default x86_64-w64-mingw32
#   WINE_EMULATOR   default /usr/lib/wine/wine64 (Debian's wine64 package)

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MINGW_TRIPLE "x86_64-w64-mingw32" CACHE STRING "mingw-w64 target triple")
# The -posix compilers; the plain names may point at the win32 threads
# variant through update-alternatives.
set(CMAKE_C_COMPILER "${MINGW_TRIPLE}-gcc-posix")
set(CMAKE_CXX_COMPILER "${MINGW_TRIPLE}-g++-posix")
set(CMAKE_RC_COMPILER "${MINGW_TRIPLE}-windres")

set(CMAKE_FIND_ROOT_PATH "/usr/${MINGW_TRIPLE}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

set(WINE_EMULATOR "/usr/lib/wine/wine64" CACHE FILEPATH
    "Runs the cross-compiled executables (tests, test discovery)")
set(CMAKE_CROSSCOMPILING_EMULATOR "${WINE_EMULATOR}")
