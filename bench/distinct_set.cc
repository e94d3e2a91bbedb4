#include "bench/distinct_set.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <unordered_set>

#include "base/read_file.h"
#include "tests/source_path.h"

namespace tokenwarden::bench {
namespace {

// Bounds on what is read: the sets are ~1 MiB each; anything far larger is not one of them.
constexpr size_t kMaxSetBytes = 64 << 20;
constexpr size_t kMaxTokenBytes = 64 << 10;

// DefaultDir is build/bench/distinct in this checkout, where bench/make_distinct.py writes.
std::string DefaultDir() { return SourcePath("build/bench/distinct"); }

}  // namespace

std::string DistinctSetDir() {
  const char* dir = std::getenv("TW_BENCH_DISTINCT");
  return dir != nullptr && *dir != '\0' ? std::string(dir) : DefaultDir();
}

std::string DistinctSetFile(const std::string& dir, std::string_view alg) {
  std::string name(alg);
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return dir + "/" + name + ".jwts";
}

bool LoadDistinctSet(const std::string& dir, std::string_view alg, std::vector<std::string>& out,
                     std::string& why) {
  const std::string path = DistinctSetFile(dir, alg);
  std::string text;
  if (!base::ReadBoundedFile(path, kMaxSetBytes, text, why)) {
    why = path + ": " + why;
    return false;
  }
  out.clear();
  std::unordered_set<std::string_view> seen;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const size_t len = end - start;
    if (len == 0 || len > kMaxTokenBytes) {
      why = path + ": line " + std::to_string(out.size() + 1) + " is not a token";
      return false;
    }
    out.emplace_back(text, start, len);
    start = end + 1;
  }
  for (const std::string& token : out) {
    if (!seen.insert(token).second) {
      why = path + ": a token appears twice (the set must be distinct)";
      return false;
    }
  }
  if (out.empty()) {
    why = path + ": no tokens";
    return false;
  }
  return true;
}

std::string MakeDistinctCommand(const std::string& dir) {
  std::string command = "$TW_CACHE/venv/bin/python bench/make_distinct.py";
  if (dir != DefaultDir()) {
    command += " --out " + dir;
  }
  return command;
}

}  // namespace tokenwarden::bench
