// File: fuzz/replay_main.cc
// -----------------------------------------------------------------------------
// The main of a fuzz target outside the fuzz presets: feeds every file of the directories
// named on the command line to LLVMFuzzerTestOneInput once, in name order, so the checked-in
// corpus runs under ctest in the asan and tsan presets (gcc, no libFuzzer). An input that
// crashes, traps or trips a sanitizer fails the test, and the driver names that input first.
// An empty or missing directory fails too: a replay of nothing would pass forever.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the signal handler: a fixed buffer, since the handler may only
// call async-signal-safe functions.
char current_input[4096];

void NameInputAndDie(int sig) {
  static constexpr char kPrefix[] = "replay: died on input ";
  ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  ignored = write(STDERR_FILENO, current_input, strnlen(current_input, sizeof current_input));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  // ASan and UBSan end with abort() (abort_on_error=1 in the test presets), a target's own
  // checks with abort() or __builtin_trap(); a plain bug may still be a SIGSEGV.
  for (int sig : {SIGABRT, SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP}) {
    std::signal(sig, NameInputAndDie);
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
    return 2;
  }
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    if (ec || files.empty()) {
      std::fprintf(stderr, "replay: no inputs in %s%s%s\n", argv[i], ec ? ": " : "",
                   ec ? ec.message().c_str() : "");
      return 1;
    }
    std::sort(files.begin(), files.end());
    for (const std::filesystem::path& file : files) {
      std::snprintf(current_input, sizeof current_input, "%s", file.c_str());
      std::ifstream in(file, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 1;
      }
      // An allocation of exactly the input's size, as libFuzzer passes it, so ASan sees a read
      // one byte past the end (a std::string would have its terminator there).
      const auto copy = std::make_unique<uint8_t[]>(bytes.size());
      std::memcpy(copy.get(), bytes.data(), bytes.size());
      LLVMFuzzerTestOneInput(copy.get(), bytes.size());
      ++replayed;
    }
  }
  std::printf("replay: %zu inputs, none failed\n", replayed);
  return 0;
}
