// File: fuzz/fuzz_support.h
// -----------------------------------------------------------------------------
// What several fuzz targets share: the fixed evaluation time, and reading the checked-in
// key fixtures the token target validates against.
#ifndef TOKENWARDEN_FUZZ_FUZZ_SUPPORT_H_
#define TOKENWARDEN_FUZZ_FUZZ_SUPPORT_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/source_path.h"

namespace tokenwarden::fuzz {

// kNow is the evaluation time of every target (the seed tokens are valid at it).
inline constexpr int64_t kNow = 1700000000;

// ReadFixture returns the contents of fuzz/data/<name>; a missing file aborts (a broken build
// must not fuzz against nothing).
inline std::string ReadFixture(const char* name) {
  const std::string path = SourcePath(std::string("fuzz/data/") + name);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "fuzz: cannot open %s\n", path.c_str());
    std::abort();
  }
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
  }
  std::fclose(f);
  return out;
}

}  // namespace tokenwarden::fuzz

#endif  // TOKENWARDEN_FUZZ_FUZZ_SUPPORT_H_
