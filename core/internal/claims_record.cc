#include "core/internal/claims_record.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace tokenwarden::internal {
namespace {

// A view is stored as (region << 30 | offset, length); region kAbsent is a missing optional.
enum Region : uint32_t { kPayload = 0, kHeader = 1, kArena = 2, kAbsent = 3 };
constexpr uint32_t kOffsetMask = (1u << 30) - 1;

bool Inside(std::string_view part, std::string_view whole) {
  return !whole.empty() && part.data() >= whole.data() &&
         part.data() + part.size() <= whole.data() + whole.size();
}

// NoStorage stands in for ClaimsStorage's lists when writing: a writer reads the claims' own.
struct NoStorage {};
struct NoClaimsStorage {
  NoStorage aud, scopes, members;
};

// Writer appends the fields; `arena` gets the strings found in neither JSON text.
class Writer {
 public:
  Writer(std::string_view header_json, std::string_view payload_json)
      : header_(header_json), payload_(payload_json) {}

  void Word(uint32_t w) { index_.append(reinterpret_cast<const char*>(&w), sizeof w); }
  void Text(const std::optional<std::string_view>& v) {
    if (!v.has_value()) {
      Word(kAbsent << 30);
      Word(0);
      return;
    }
    Text(*v);
  }
  void Text(std::string_view v) {
    uint32_t place;
    if (Inside(v, payload_)) {
      place = kPayload << 30 | static_cast<uint32_t>(v.data() - payload_.data());
    } else if (Inside(v, header_)) {
      place = kHeader << 30 | static_cast<uint32_t>(v.data() - header_.data());
    } else {
      place = kArena << 30 | static_cast<uint32_t>(arena_.size());
      arena_.append(v);
    }
    Word(place);
    Word(static_cast<uint32_t>(v.size()));
  }
  void Date(const std::optional<double>& d) {
    Word(d.has_value() ? 1 : 0);
    const double value = d.value_or(0);
    index_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void Flag(bool b) { Word(b ? 1 : 0); }
  void Alg(Algorithm a) { Word(static_cast<uint32_t>(a)); }
  void List(std::span<const std::string_view> items, NoStorage) {
    Word(static_cast<uint32_t>(items.size()));
    for (std::string_view s : items) {
      Text(s);
    }
  }
  void Members(std::span<const ClaimMember> members, NoStorage) {
    Word(static_cast<uint32_t>(members.size()));
    for (const ClaimMember& m : members) {
      Text(m.name);
      Text(m.value);
    }
  }
  void Finish(std::string& out) const {
    out.clear();
    const uint32_t arena_size = static_cast<uint32_t>(arena_.size());
    out.append(reinterpret_cast<const char*>(&arena_size), sizeof arena_size);
    out.append(arena_);
    out.append(index_);
  }

 private:
  std::string_view header_, payload_;
  std::string arena_, index_;
};

// Reader is Writer backwards; every read is bounds-checked.
class Reader {
 public:
  Reader(std::string_view record, std::string_view header_json, std::string_view payload_json)
      : header_(header_json), payload_(payload_json) {
    uint32_t arena_size = 0;
    if (record.size() < sizeof arena_size) {
      ok_ = false;
      return;
    }
    std::memcpy(&arena_size, record.data(), sizeof arena_size);
    record.remove_prefix(sizeof arena_size);
    if (record.size() < arena_size) {
      ok_ = false;
      return;
    }
    arena_ = record.substr(0, arena_size);
    index_ = record.substr(arena_size);
  }

  bool ok() const { return ok_ && index_.empty(); }

  uint32_t Word() {
    uint32_t w = 0;
    Bytes(&w, sizeof w);
    return w;
  }
  void Text(std::optional<std::string_view>& v) {
    const uint32_t place = Word();
    const uint32_t size = Word();
    if (place >> 30 == kAbsent) {
      v.reset();
      return;
    }
    v = Resolve(place, size);
  }
  void Text(std::string_view& v) {
    const uint32_t place = Word();
    v = Resolve(place, Word());
  }
  void Date(std::optional<double>& d) {
    const bool present = Word() != 0;
    double value = 0;
    Bytes(&value, sizeof value);
    d = present ? std::optional<double>(value) : std::nullopt;
  }
  void Flag(bool& b) { b = Word() != 0; }
  void Alg(Algorithm& a) { a = static_cast<Algorithm>(Word()); }
  void List(std::span<const std::string_view>& items, std::vector<std::string_view>& storage) {
    storage.resize(Count());
    for (std::string_view& s : storage) {
      Text(s);
    }
    items = storage;
  }
  void Members(std::span<const ClaimMember>& members, std::vector<ClaimMember>& storage) {
    storage.resize(Count());
    for (ClaimMember& m : storage) {
      Text(m.name);
      Text(m.value);
    }
    members = storage;
  }

 private:
  // Count bounds a list length by what the index can still hold (two words per item).
  size_t Count() {
    const size_t n = Word();
    if (n > index_.size() / 8) {
      ok_ = false;
      return 0;
    }
    return n;
  }
  void Bytes(void* out, size_t n) {
    if (index_.size() < n) {
      ok_ = false;
      std::memset(out, 0, n);
      return;
    }
    std::memcpy(out, index_.data(), n);
    index_.remove_prefix(n);
  }
  std::string_view Resolve(uint32_t place, uint32_t size) {
    std::string_view region;
    switch (place >> 30) {
      case kPayload:
        region = payload_;
        break;
      case kHeader:
        region = header_;
        break;
      default:
        region = arena_;
        break;
    }
    const size_t offset = place & kOffsetMask;
    if (offset > region.size() || size > region.size() - offset) {
      ok_ = false;
      return {};
    }
    return region.substr(offset, size);
  }

  std::string_view header_, payload_, arena_, index_;
  bool ok_ = true;
};

// Fields lists what a record holds, once, for both directions. It must name every member of
// Header and Claims: ReadClaimsRecord relies on it to overwrite a reused view entirely (the
// record tests compare a restored view with the original, field by field).
template <typename Archive, typename H, typename C, typename S>
void Fields(Archive& a, H& h, C& c, S& storage) {
  a.Alg(h.alg);
  a.Text(h.kid);
  a.Text(h.typ);
  a.Text(h.cty);
  a.Flag(h.has_crit);
  a.Text(c.iss);
  a.Text(c.sub);
  a.Text(c.jti);
  a.Text(c.azp);
  a.Text(c.client_id);
  a.Text(c.cid);
  a.Text(c.appid);
  a.Text(c.sid);
  a.Text(c.nonce);
  a.Text(c.at_hash);
  a.Text(c.scope);
  a.Text(c.cnf);
  a.Date(c.exp);
  a.Date(c.nbf);
  a.Date(c.iat);
  a.Date(c.auth_time);
  a.Flag(c.has_aud);
  a.List(c.aud, storage.aud);
  a.List(c.scopes, storage.scopes);
  a.Members(c.members, storage.members);
}

}  // namespace

void WriteClaimsRecord(const Header& header, const Claims& claims, std::string_view header_json,
                       std::string_view payload_json, std::string& out) {
  Writer writer(header_json, payload_json);
  NoClaimsStorage unused;
  Fields(writer, header, claims, unused);
  writer.Finish(out);
}

bool ReadClaimsRecord(std::string_view record, std::string_view header_json,
                      std::string_view payload_json, Header& header, Claims& claims,
                      ClaimsStorage& storage) {
  Reader reader(record, header_json, payload_json);
  // No reset first: Fields assigns every member of Header and Claims (a failed read leaves
  // values the caller discards), and zeroing the ~400-byte Claims was a sixth of a cache hit.
  Fields(reader, header, claims, storage);
  return reader.ok();
}

}  // namespace tokenwarden::internal
