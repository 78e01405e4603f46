// The main() of gtest_port's fuzz targets when they are not linked with
// libFuzzer (g++ builds, Bazel): it runs LLVMFuzzerTestOneInput once on every
// file named on the command line, or found (recursively, in sorted order)
// in a directory named there, so that every build replays the seed corpus
// in fuzz/corpus/<target>/ and checks the same invariants the fuzzers do.
//
//   port_range_fuzzer fuzz/corpus/port_range_fuzzer
//
// Exit status: 0 when every input passed, 2 for a usage or I/O error; an
// input that breaks an invariant aborts (FUZZ_CHECK).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool CollectInputs(const fs::path& path, std::vector<fs::path>* inputs) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    std::vector<fs::path> found;
    for (fs::recursive_directory_iterator it(path, error), end;
         !error && it != end; it.increment(error)) {
      if (it->is_regular_file(error)) found.push_back(it->path());
    }
    if (error) {
      std::fprintf(stderr, "replay: cannot list %s: %s\n", path.c_str(),
                   error.message().c_str());
      return false;
    }
    std::sort(found.begin(), found.end());
    inputs->insert(inputs->end(), found.begin(), found.end());
    return true;
  }
  if (fs::is_regular_file(path, error)) {
    inputs->push_back(path);
    return true;
  }
  std::fprintf(stderr, "replay: %s is neither a file nor a directory\n",
               path.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!CollectInputs(argv[i], &inputs)) return 2;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 2;
  }
  for (const fs::path& input : inputs) {
    std::ifstream file(input, std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) {
      std::fprintf(stderr, "replay: cannot read %s\n", input.c_str());
      return 2;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()),
                           data.size());
  }
  std::printf("replay: %zu inputs passed\n", inputs.size());
  return 0;
}
