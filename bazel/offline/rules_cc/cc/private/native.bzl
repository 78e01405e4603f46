"""Re-exports Bazel's built-in C++ symbols under other names (loaded by ../defs.bzl)."""

NativeCcInfo = CcInfo
NativeCcToolchainConfigInfo = CcToolchainConfigInfo
native_cc_common = cc_common
