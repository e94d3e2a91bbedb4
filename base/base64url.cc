#include "base/base64url.h"

#include <array>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TW_BASE64URL_AVX2 1
#endif

namespace tokenwarden::base {
namespace {

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) {
    v = kInvalid;
  }
  for (int i = 0; i < 26; ++i) {
    table['A' + i] = static_cast<uint8_t>(i);
    table['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) {
    table['0' + i] = static_cast<uint8_t>(52 + i);
  }
  table['-'] = 62;
  table['_'] = 63;
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();
constexpr char kEncode[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// DecodeScalar decodes s[i, n) (i a multiple of 4) one quantum at a time, then the tail.
bool DecodeScalar(const uint8_t* s, size_t i, size_t n, uint8_t* out) {
  // Whole quanta: OR the table values together so one branch per quantum catches any
  // character outside the alphabet (kInvalid has the top bits set, valid values never do).
  for (; i + 4 <= n; i += 4) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]], c = kDecode[s[i + 2]],
                   d = kDecode[s[i + 3]];
    if ((a | b | c | d) & 0xc0) {
      return false;
    }
    const uint32_t v = a << 18 | b << 12 | c << 6 | d;
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
    out += 3;
  }
  const size_t rest = n - i;
  if (rest == 2) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]];
    // RFC 4648 §3.5: the 4 unused low bits of the last character must be zero (canonical).
    if (((a | b) & 0xc0) || (b & 0x0f) != 0) {
      return false;
    }
    out[0] = static_cast<uint8_t>(a << 2 | b >> 4);
  } else if (rest == 3) {
    const uint32_t a = kDecode[s[i]], b = kDecode[s[i + 1]], c = kDecode[s[i + 2]];
    if (((a | b | c) & 0xc0) || (c & 0x03) != 0) {
      return false;
    }
    const uint32_t v = a << 10 | b << 4 | c >> 2;
    out[0] = static_cast<uint8_t>(v >> 8);
    out[1] = static_cast<uint8_t>(v);
  }
  return true;
}

#if defined(TW_BASE64URL_AVX2)
// The AVX2 decoder translates and checks 32 characters per step with two nibble lookups (the
// scheme Muła and Lemire describe for AVX2 base64, with tables for the URL alphabet). A
// character is valid when the classes its low nibble rules out do not include the class of
// its high nibble:
//   kHiOther  high nibble 0, 1, 8-F: nothing valid    kHi2   0x2D '-' only
//   kHi3      0x30-0x39                               kHi46  0x41-0x4F, 0x61-0x6F
//   kHi5      0x50-0x5A and 0x5F '_'                  kHi7   0x70-0x7A
constexpr uint8_t kHiOther = 0x01, kHi2 = 0x02, kHi3 = 0x04, kHi46 = 0x08, kHi5 = 0x10, kHi7 = 0x20;

constexpr std::array<uint8_t, 16> MakeLowNibbleInvalid() {
  std::array<uint8_t, 16> t{};
  for (int lo = 0; lo < 16; ++lo) {
    uint8_t bits = kHiOther;
    bits |= lo != 0xD ? kHi2 : 0;
    bits |= lo >= 0xA ? kHi3 : 0;
    bits |= lo == 0x0 ? kHi46 : 0;
    bits |= (lo >= 0xB && lo <= 0xE) ? kHi5 : 0;
    bits |= lo >= 0xB ? kHi7 : 0;
    t[lo] = bits;
  }
  return t;
}

constexpr std::array<uint8_t, 16> kLowNibbleInvalid = MakeLowNibbleInvalid();
constexpr std::array<uint8_t, 16> kHighNibbleClass = {
    kHiOther, kHiOther, kHi2,     kHi3,     kHi46,    kHi5,     kHi46,    kHi7,
    kHiOther, kHiOther, kHiOther, kHiOther, kHiOther, kHiOther, kHiOther, kHiOther};
// What to add to a character of each high nibble for its 6-bit value ('_' is mended apart).
constexpr std::array<int8_t, 16> kHighNibbleOffset = {
    0, 0, 62 - '-', 52 - '0', 0 - 'A', 0 - 'A', 26 - 'a', 26 - 'a', 0, 0, 0, 0, 0, 0, 0, 0};
constexpr int8_t kUnderscoreFix = (63 - '_') - (0 - 'A');

__attribute__((target("avx2"))) __m256i Broadcast(const void* table16) {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(static_cast<const __m128i*>(table16)));
}

// DecodeBlocksAvx2 decodes the whole 32-character blocks of s[0, n), 24 bytes each, and
// returns how many characters it took (a multiple of 32); `bad` is set when any of them is
// outside the alphabet. Reads and writes only within those blocks.
__attribute__((target("avx2"))) size_t DecodeBlocksAvx2(const uint8_t* s, size_t n, uint8_t* out,
                                                        bool& bad) {
  const __m256i lo_invalid = Broadcast(kLowNibbleInvalid.data());
  const __m256i hi_class = Broadcast(kHighNibbleClass.data());
  const __m256i hi_offset = Broadcast(kHighNibbleOffset.data());
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i underscore_fix = _mm256_set1_epi8(kUnderscoreFix);
  // After the multiply-adds each 32-bit lane holds 24 bits, least significant byte first:
  // take the three bytes of each lane most significant first, then close the gap between
  // the two 128-bit halves.
  const __m256i order = _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2,
                                         1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  __m256i invalid = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), nibble);
    const __m256i lo = _mm256_and_si256(v, nibble);
    invalid = _mm256_or_si256(invalid, _mm256_and_si256(_mm256_shuffle_epi8(lo_invalid, lo),
                                                        _mm256_shuffle_epi8(hi_class, hi)));
    __m256i values = _mm256_add_epi8(v, _mm256_shuffle_epi8(hi_offset, hi));
    values =
        _mm256_add_epi8(values, _mm256_and_si256(_mm256_cmpeq_epi8(v, underscore), underscore_fix));
    // Two 6-bit values make 12 bits per 16-bit lane; two of those, 24 bits per 32-bit lane.
    const __m256i pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
    const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, order), gather);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(packed, 1));
    out += 24;
  }
  bad = !_mm256_testz_si256(invalid, invalid);
  return i;
}

// The CPU is asked once, before main; other architectures use the scalar loop only.
const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif

}  // namespace

std::optional<size_t> Base64UrlDecodedLength(size_t encoded_len) {
  if (encoded_len % 4 == 1) {
    return std::nullopt;
  }
  return encoded_len / 4 * 3 + (encoded_len % 4 == 0 ? 0 : encoded_len % 4 - 1);
}

bool Base64UrlDecode(std::string_view in, uint8_t* out) {
  const size_t n = in.size();
  if (n % 4 == 1) {
    return false;
  }
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  size_t i = 0;
#if defined(TW_BASE64URL_AVX2)
  if (kHasAvx2 && n >= 32) {
    bool bad = false;
    i = DecodeBlocksAvx2(s, n, out, bad);
    if (bad) {
      return false;
    }
    out += i / 4 * 3;
  }
#endif
  return DecodeScalar(s, i, n, out);
}

bool Base64UrlDecodeScalarForTesting(std::string_view in, uint8_t* out) {
  if (in.size() % 4 == 1) {
    return false;
  }
  return DecodeScalar(reinterpret_cast<const uint8_t*>(in.data()), 0, in.size(), out);
}

std::optional<std::string> Base64UrlDecodeToString(std::string_view in) {
  const std::optional<size_t> len = Base64UrlDecodedLength(in.size());
  if (!len.has_value()) {
    return std::nullopt;
  }
  std::string out(*len, '\0');
  if (!Base64UrlDecode(in, reinterpret_cast<uint8_t*>(out.data()))) {
    return std::nullopt;
  }
  return out;
}

std::string Base64UrlEncode(std::span<const uint8_t> in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
    out.push_back(kEncode[(v >> 6) & 63]);
    out.push_back(kEncode[v & 63]);
  }
  if (in.size() - i == 1) {
    const uint32_t v = in[i] << 16;
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
  } else if (in.size() - i == 2) {
    const uint32_t v = in[i] << 16 | in[i + 1] << 8;
    out.push_back(kEncode[v >> 18]);
    out.push_back(kEncode[(v >> 12) & 63]);
    out.push_back(kEncode[(v >> 6) & 63]);
  }
  return out;
}

std::string Base64UrlEncode(std::string_view in) {
  return Base64UrlEncode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(in.data()), in.size()));
}

}  // namespace tokenwarden::base
