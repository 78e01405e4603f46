"""External dependencies of gtest_port for WORKSPACE-based (non-bzlmod) builds.

Keep the versions in sync with MODULE.bazel. With --config=offline, every
repository below is replaced by --override_repository, so none is downloaded.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

def gtest_port_deps():
    """Declares gtest_port's external repositories unless already declared."""
    if not native.existing_rule("platforms"):
        http_archive(
            name = "platforms",
            sha256 = "8150406605389ececb6da07cbcb509d5637a3ab9a24bc69b1101531367d89d74",
            urls = [
                "https://mirror.bazel.build/github.com/bazelbuild/platforms/releases/download/0.0.8/platforms-0.0.8.tar.gz",
                "https://github.com/bazelbuild/platforms/releases/download/0.0.8/platforms-0.0.8.tar.gz",
            ],
        )

    if not native.existing_rule("rules_cc"):
        http_archive(
            name = "rules_cc",
            sha256 = "2037875b9a4456dce4a79d112a8ae885bbc4aad968e6587dca6e64f3a0900cdf",
            strip_prefix = "rules_cc-0.0.9",
            urls = ["https://github.com/bazelbuild/rules_cc/releases/download/0.0.9/rules_cc-0.0.9.tar.gz"],
        )

    if not native.existing_rule("com_google_absl"):
        http_archive(
            name = "com_google_absl",
            sha256 = "987ce98f02eefbaf930d6e38ab16aa05737234d7afbab2d5c4ea7adbe50c28ed",
            strip_prefix = "abseil-cpp-20230802.1",
            urls = ["https://github.com/abseil/abseil-cpp/archive/refs/tags/20230802.1.tar.gz"],
        )

    if not native.existing_rule("com_google_googletest"):
        http_archive(
            name = "com_google_googletest",
            sha256 = "8ad598c73ad796e0d8280b082cebd82a630d73e73cd3c70057938a6501bba5d7",
            strip_prefix = "googletest-1.14.0",
            urls = ["https://github.com/google/googletest/archive/refs/tags/v1.14.0.tar.gz"],
        )
