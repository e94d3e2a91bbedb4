#include "server/cli/io.h"

namespace tokenwarden::server::cli {

std::string ReadAll(std::istream& in, size_t max_bytes) {
  std::string data;
  char buf[65536];
  while (data.size() <= max_bytes && in.read(buf, sizeof(buf)).gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
  }
  return data;
}

void WriteAll(std::ostream& out, std::string_view text) {
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
}

}  // namespace tokenwarden::server::cli
