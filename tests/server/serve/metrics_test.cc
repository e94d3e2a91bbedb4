// Metrics: per-worker shards summed into the Prometheus text exposition format 0.0.4. The
// output is checked line by line against the format's grammar (a small parser below), and
// the counters, histogram and gauges by value.

#include "server/serve/metrics.h"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"

namespace tokenwarden::server {
namespace {

MetricsGauges::Issuer IssuerGauge(std::string issuer, double age, size_t keys) {
  MetricsGauges::Issuer g;
  g.issuer = std::move(issuer);
  g.key_set_age_seconds = age;
  g.keys = keys;
  return g;
}

using Labels = std::map<std::string, std::string>;

struct Sample {
  std::string name;
  Labels labels;
  std::string value_text;
  double value = 0;
};

// Exposition is a parsed text-format document.
struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> counter / gauge / histogram ...
  std::map<std::string, std::string> help;   // family -> docstring (unescaped)
  std::vector<std::string> family_order;     // families in order of first appearance
};

bool IsMetricNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsMetricNameChar(char c) { return IsMetricNameStart(c) || (c >= '0' && c <= '9'); }
bool IsLabelNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsLabelNameChar(char c) { return IsLabelNameStart(c) || (c >= '0' && c <= '9'); }

bool IsMetricName(std::string_view s) {
  if (s.empty() || !IsMetricNameStart(s[0])) {
    return false;
  }
  for (char c : s) {
    if (!IsMetricNameChar(c)) {
      return false;
    }
  }
  return true;
}

// ParseFloat accepts what the format allows for a value: a Go ParseFloat number, "+Inf",
// "-Inf" or "NaN".
std::optional<double> ParseFloat(const std::string& text) {
  if (text == "+Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Inf") {
    return -std::numeric_limits<double>::infinity();
  }
  if (text == "NaN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (text.empty()) {
    return std::nullopt;
  }
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) {
    return std::nullopt;
  }
  return v;
}

// FamilyOf maps a sample name to its declared family (histogram samples carry a suffix).
std::optional<std::string> FamilyOf(const Exposition& e, const std::string& name) {
  if (e.types.count(name) != 0) {
    const std::string& type = e.types.at(name);
    if (type != "histogram" && type != "summary") {
      return name;
    }
  }
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      auto it = e.types.find(base);
      if (it != e.types.end() &&
          (it->second == "histogram" || (it->second == "summary" && suffix != "_bucket"))) {
        return base;
      }
    }
  }
  return std::nullopt;
}

// ParseLabels reads `{name="value",...}` starting at line[pos] == '{'.
::testing::AssertionResult ParseLabels(std::string_view line, size_t& pos, Labels& labels) {
  ++pos;  // '{'
  while (true) {
    if (pos >= line.size()) {
      return ::testing::AssertionFailure() << "unterminated label set: " << line;
    }
    if (line[pos] == '}') {
      ++pos;
      return ::testing::AssertionSuccess();
    }
    const size_t start = pos;
    if (!IsLabelNameStart(line[pos])) {
      return ::testing::AssertionFailure() << "bad label name at " << pos << ": " << line;
    }
    while (pos < line.size() && IsLabelNameChar(line[pos])) {
      ++pos;
    }
    const std::string name(line.substr(start, pos - start));
    if (pos + 1 >= line.size() || line[pos] != '=' || line[pos + 1] != '"') {
      return ::testing::AssertionFailure() << "expected =\" after label " << name << ": " << line;
    }
    pos += 2;
    std::string value;
    while (true) {
      if (pos >= line.size()) {
        return ::testing::AssertionFailure() << "unterminated label value: " << line;
      }
      const char c = line[pos];
      if (c == '"') {
        ++pos;
        break;
      }
      if (c == '\\') {
        if (pos + 1 >= line.size()) {
          return ::testing::AssertionFailure() << "dangling backslash: " << line;
        }
        const char e = line[pos + 1];
        if (e == '\\') {
          value.push_back('\\');
        } else if (e == '"') {
          value.push_back('"');
        } else if (e == 'n') {
          value.push_back('\n');
        } else {
          return ::testing::AssertionFailure() << "invalid escape \\" << e << ": " << line;
        }
        pos += 2;
        continue;
      }
      value.push_back(c);
      ++pos;
    }
    if (!labels.emplace(name, value).second) {
      return ::testing::AssertionFailure() << "duplicate label " << name << ": " << line;
    }
    if (pos < line.size() && line[pos] == ',') {
      ++pos;
    } else if (pos >= line.size() || line[pos] != '}') {
      return ::testing::AssertionFailure() << "expected , or } in labels: " << line;
    }
  }
}

// ParseExposition checks `text` against the text format 0.0.4 grammar and its ordering rules:
// at most one HELP and one TYPE per family, both before the family's first sample, a family's
// lines contiguous, no duplicate series, histogram buckets labelled `le`.
::testing::AssertionResult ParseExposition(std::string_view text, Exposition& out) {
  out = Exposition();
  if (text.empty() || text.back() != '\n') {
    return ::testing::AssertionFailure() << "the exposition must end with a newline";
  }
  std::set<std::string> finished;  // families whose lines are behind us
  std::string current;
  std::set<std::pair<std::string, Labels>> series;
  std::set<std::string> sampled;  // families with at least one sample
  auto enter = [&](const std::string& family) -> bool {
    if (family == current) {
      return true;
    }
    if (finished.count(family) != 0) {
      return false;
    }
    if (!current.empty()) {
      finished.insert(current);
    }
    current = family;
    out.family_order.push_back(family);
    return true;
  };
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    ++line_no;
    if (line.empty()) {
      return ::testing::AssertionFailure() << "empty line " << line_no;
    }
    if (line[0] == '#') {
      const bool is_help = line.starts_with("# HELP ");
      const bool is_type = line.starts_with("# TYPE ");
      if (!is_help && !is_type) {
        continue;  // a plain comment
      }
      std::string_view rest = line.substr(7);
      const size_t sp = rest.find(' ');
      if (sp == std::string_view::npos) {
        return ::testing::AssertionFailure() << "HELP/TYPE without text: " << line;
      }
      const std::string name(rest.substr(0, sp));
      const std::string_view arg = rest.substr(sp + 1);
      if (!IsMetricName(name)) {
        return ::testing::AssertionFailure() << "bad metric name in: " << line;
      }
      if (!enter(name)) {
        return ::testing::AssertionFailure() << "family " << name << " is not contiguous";
      }
      if (sampled.count(name) != 0) {
        return ::testing::AssertionFailure() << "HELP/TYPE after samples: " << line;
      }
      if (is_help) {
        std::string doc;
        for (size_t i = 0; i < arg.size(); ++i) {
          if (arg[i] == '\\') {
            if (i + 1 >= arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n')) {
              return ::testing::AssertionFailure() << "invalid escape in HELP: " << line;
            }
            doc.push_back(arg[i + 1] == 'n' ? '\n' : '\\');
            ++i;
          } else {
            doc.push_back(arg[i]);
          }
        }
        if (!out.help.emplace(name, doc).second) {
          return ::testing::AssertionFailure() << "second HELP for " << name;
        }
      } else {
        static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram",
                                                          "summary", "untyped"};
        if (kTypes.count(arg) == 0) {
          return ::testing::AssertionFailure() << "unknown type: " << line;
        }
        if (!out.types.emplace(name, std::string(arg)).second) {
          return ::testing::AssertionFailure() << "second TYPE for " << name;
        }
      }
      continue;
    }
    Sample sample;
    size_t pos = 0;
    while (pos < line.size() && IsMetricNameChar(line[pos])) {
      ++pos;
    }
    sample.name = std::string(line.substr(0, pos));
    if (!IsMetricName(sample.name)) {
      return ::testing::AssertionFailure() << "bad sample name on line " << line_no << ": " << line;
    }
    if (pos < line.size() && line[pos] == '{') {
      ::testing::AssertionResult labels = ParseLabels(line, pos, sample.labels);
      if (!labels) {
        return labels;
      }
    }
    if (pos >= line.size() || line[pos] != ' ') {
      return ::testing::AssertionFailure() << "expected one space before the value: " << line;
    }
    ++pos;
    const std::string_view rest = line.substr(pos);
    const size_t sp = rest.find(' ');
    sample.value_text = std::string(rest.substr(0, sp));
    if (sp != std::string_view::npos) {
      // An optional timestamp: an integer (milliseconds).
      const std::string_view ts = rest.substr(sp + 1);
      if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string_view::npos) {
        return ::testing::AssertionFailure() << "bad timestamp: " << line;
      }
    }
    const std::optional<double> value = ParseFloat(sample.value_text);
    if (!value.has_value()) {
      return ::testing::AssertionFailure() << "bad value: " << line;
    }
    sample.value = *value;
    const std::optional<std::string> family = FamilyOf(out, sample.name);
    if (!family.has_value()) {
      return ::testing::AssertionFailure() << "sample without a TYPE before it: " << line;
    }
    if (out.help.count(*family) == 0) {
      return ::testing::AssertionFailure() << "sample without a HELP before it: " << line;
    }
    if (!enter(*family)) {
      return ::testing::AssertionFailure() << "family " << *family << " is not contiguous";
    }
    sampled.insert(*family);
    if (sample.name.ends_with("_bucket") && sample.labels.count("le") == 0) {
      return ::testing::AssertionFailure() << "bucket without le: " << line;
    }
    if (!series.emplace(sample.name, sample.labels).second) {
      return ::testing::AssertionFailure() << "duplicate series: " << line;
    }
    out.samples.push_back(std::move(sample));
  }
  return ::testing::AssertionSuccess();
}

// Find returns the sample `name` with exactly `labels`.
const Sample* Find(const Exposition& e, std::string_view name, const Labels& labels = {}) {
  for (const Sample& s : e.samples) {
    if (s.name == name && s.labels == labels) {
      return &s;
    }
  }
  return nullptr;
}

// ValueOf returns the value of a sample, or nullopt when absent.
std::optional<double> ValueOf(const Exposition& e, std::string_view name,
                              const Labels& labels = {}) {
  const Sample* s = Find(e, name, labels);
  return s == nullptr ? std::nullopt : std::optional<double>(s->value);
}

size_t CountSamples(const Exposition& e, std::string_view name) {
  size_t n = 0;
  for (const Sample& s : e.samples) {
    n += s.name == name ? 1 : 0;
  }
  return n;
}

struct Bucket {
  double le;
  double count;
};

// Buckets returns the request-duration histogram buckets in output order.
std::vector<Bucket> Buckets(const Exposition& e) {
  std::vector<Bucket> out;
  for (const Sample& s : e.samples) {
    if (s.name == "tokenwarden_request_duration_seconds_bucket") {
      const std::optional<double> le = ParseFloat(s.labels.at("le"));
      EXPECT_TRUE(le.has_value()) << s.labels.at("le");
      out.push_back(Bucket{le.value_or(0), s.value});
    }
  }
  return out;
}

Exposition MustParse(const std::string& text) {
  Exposition e;
  EXPECT_TRUE(ParseExposition(text, e)) << text;
  return e;
}

constexpr const char* kRequests = "tokenwarden_http_requests_total";
constexpr const char* kValidations = "tokenwarden_validations_total";

// The parser itself must reject what the format forbids, or the checks below prove nothing.
TEST(ExpositionParserTest, RejectsMalformedText) {
  Exposition e;
  EXPECT_TRUE(ParseExposition("# HELP a x\n# TYPE a counter\na 1\n", e));
  EXPECT_TRUE(ParseExposition("# HELP a x\n# TYPE a counter\na{l=\"q\\\"\\\\\\n\"} 1\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na 1", e));  // no final newline
  EXPECT_FALSE(ParseExposition("a 1\n", e));                              // no TYPE
  EXPECT_FALSE(ParseExposition("# TYPE a counter\na 1\n", e));            // no HELP
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na{l=\"x\"y\"} 1\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na{l=\"\\t\"} 1\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na  1\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na one\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na 1\na 2\n", e));
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na 1\n# TYPE a counter\n", e));
  EXPECT_FALSE(ParseExposition(
      "# HELP a x\n# TYPE a counter\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x=\"1\"} 1\n", e));
  EXPECT_FALSE(ParseExposition("# HELP h x\n# TYPE h histogram\nh_bucket 1\n", e));
}

TEST(MetricsTest, EmptyMetricsRenderValidText) {
  Metrics metrics(2);
  const std::string text = metrics.Render(MetricsGauges());
  const Exposition e = MustParse(text);
  EXPECT_EQ(CountSamples(e, kRequests), 0u);
  EXPECT_EQ(e.types.at(kRequests), "counter");
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), 0);
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_sum"), 0);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_hits_total"), 0);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_misses_total"), 0);
  // No issuers: the per-issuer families are declared but empty.
  EXPECT_EQ(e.types.at("tokenwarden_key_set_keys"), "gauge");
  EXPECT_EQ(CountSamples(e, "tokenwarden_key_set_keys"), 0u);
}

TEST(MetricsTest, LiveIssuerSeries) {
  Metrics metrics(1);
  MetricsGauges gauges;
  MetricsGauges::Issuer live = IssuerGauge("https://live.example", 3, 2);
  live.remote = true;
  live.stale = true;
  live.consecutive_failures = 4;
  live.key_events = {{"refreshed", 1}, {"failed", 4}};
  live.upstream = {{"active", 7}, {"error", 1}};
  live.upstream_connections = {{"opened", 2}, {"reused", 40}};
  gauges.issuers.push_back(live);
  gauges.issuers.push_back(IssuerGauge("https://file.example", 1, 1));
  const std::string text = metrics.Render(gauges);
  for (const char* line : {
           "tokenwarden_jwks_events_total{issuer=\"https://live.example\",event=\"failed\"} 4\n",
           "tokenwarden_jwks_stale{issuer=\"https://live.example\"} 1\n",
           "tokenwarden_jwks_fallback{issuer=\"https://live.example\"} 0\n",
           "tokenwarden_jwks_consecutive_failures{issuer=\"https://live.example\"} 4\n",
           "tokenwarden_upstream_introspection_total{issuer=\"https://live.example\","
           "result=\"active\"} 7\n",
           "tokenwarden_upstream_connections_total{issuer=\"https://live.example\","
           "event=\"opened\"} 2\n",
           "tokenwarden_upstream_connections_total{issuer=\"https://live.example\","
           "event=\"reused\"} 40\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  // A jwks_file issuer has no fetch state to report.
  EXPECT_EQ(text.find("tokenwarden_jwks_stale{issuer=\"https://file.example\"}"),
            std::string::npos);
}

TEST(MetricsTest, EveryFamilyHasHelpAndType) {
  Metrics metrics(1);
  metrics.CountRequest(0, Route::kIntrospect, 200, 1000);
  MetricsGauges gauges;
  gauges.issuers.push_back(IssuerGauge("https://a.example", 1.5, 2));
  const Exposition e = MustParse(metrics.Render(gauges));
  const std::map<std::string, std::string> expected = {
      {kRequests, "counter"},
      {kValidations, "counter"},
      {"tokenwarden_cache_hits_total", "counter"},
      {"tokenwarden_cache_misses_total", "counter"},
      {"tokenwarden_token_parses_total", "counter"},
      {"tokenwarden_cache_entries", "gauge"},
      {"tokenwarden_cache_bytes", "gauge"},
      {"tokenwarden_denylist_entries", "gauge"},
      {"tokenwarden_open_connections", "gauge"},
      {"tokenwarden_refused_connections_total", "counter"},
      {"tokenwarden_refused_per_source_total", "counter"},
      {"tokenwarden_evicted_connections_total", "counter"},
      {"tokenwarden_timed_out_connections_total", "counter"},
      {"tokenwarden_config_reloads_total", "counter"},
      {"tokenwarden_key_set_age_seconds", "gauge"},
      {"tokenwarden_key_set_keys", "gauge"},
      {"tokenwarden_jwks_events_total", "counter"},
      {"tokenwarden_jwks_stale", "gauge"},
      {"tokenwarden_jwks_fallback", "gauge"},
      {"tokenwarden_jwks_consecutive_failures", "gauge"},
      {"tokenwarden_upstream_introspection_total", "counter"},
      {"tokenwarden_upstream_connections_total", "counter"},
      {"tokenwarden_upstream_revocations_total", "counter"},
      {"tokenwarden_request_duration_seconds", "histogram"},
  };
  EXPECT_EQ(e.types, expected);
  for (const auto& [family, type] : expected) {
    ASSERT_EQ(e.help.count(family), 1u) << family;
    EXPECT_FALSE(e.help.at(family).empty()) << family;
  }
  // Counters end in _total (the naming convention scrapers rely on).
  for (const auto& [family, type] : e.types) {
    if (type == "counter") {
      EXPECT_TRUE(family.ends_with("_total")) << family;
    }
  }
}

TEST(MetricsTest, RequestsAreCountedByRouteAndStatusAcrossWorkers) {
  Metrics metrics(3);
  metrics.CountRequest(0, Route::kIntrospect, 200, 1000);
  metrics.CountRequest(0, Route::kIntrospect, 200, 1000);
  metrics.CountRequest(1, Route::kIntrospect, 200, 1000);
  metrics.CountRequest(2, Route::kIntrospect, 401, 1000);
  metrics.CountRequest(2, Route::kValidate, 403, 1000);
  metrics.CountRequest(1, Route::kValidate, 403, 1000);
  metrics.CountRequest(0, Route::kRevoke, 503, 1000);
  metrics.CountRequest(1, Route::kHealthz, 200, 1000);
  metrics.CountRequest(2, Route::kReadyz, 503, 1000);
  metrics.CountRequest(0, Route::kMetrics, 200, 1000);
  metrics.CountRequest(1, Route::kOther, 404, 1000);
  // Statuses without a slot of their own count as "other".
  metrics.CountRequest(0, Route::kOther, 418, 1000);
  metrics.CountRequest(2, Route::kOther, 302, 1000);
  metrics.CountRequest(1, Route::kValidate, 0, 1000);

  const std::string text = metrics.Render(MetricsGauges());
  const Exposition e = MustParse(text);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "introspect"}, {"status", "200"}}), 3);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "introspect"}, {"status", "401"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "validate"}, {"status", "403"}}), 2);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "validate"}, {"status", "other"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "revoke"}, {"status", "503"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "healthz"}, {"status", "200"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "readyz"}, {"status", "503"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "metrics"}, {"status", "200"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "other"}, {"status", "404"}}), 1);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "other"}, {"status", "other"}}), 2);
  // Only combinations that happened are listed.
  EXPECT_EQ(CountSamples(e, kRequests), 10u);
  EXPECT_NE(text.find("tokenwarden_http_requests_total{route=\"introspect\",status=\"200\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), 14);
}

TEST(MetricsTest, EveryCountedStatusHasItsOwnLabel) {
  Metrics metrics(1);
  const std::vector<int> statuses = {200, 204, 400, 401, 403, 404, 405, 408, 413,
                                     414, 415, 429, 431, 500, 501, 503, 505};
  for (int status : statuses) {
    metrics.CountRequest(0, Route::kOther, status, 10);
  }
  const Exposition e = MustParse(metrics.Render(MetricsGauges()));
  for (int status : statuses) {
    EXPECT_EQ(ValueOf(e, kRequests, {{"route", "other"}, {"status", std::to_string(status)}}), 1)
        << status;
  }
  EXPECT_EQ(CountSamples(e, kRequests), statuses.size());
}

TEST(MetricsTest, RouteNames) {
  EXPECT_EQ(RouteName(Route::kIntrospect), "introspect");
  EXPECT_EQ(RouteName(Route::kRevoke), "revoke");
  EXPECT_EQ(RouteName(Route::kValidate), "validate");
  EXPECT_EQ(RouteName(Route::kHealthz), "healthz");
  EXPECT_EQ(RouteName(Route::kReadyz), "readyz");
  EXPECT_EQ(RouteName(Route::kMetrics), "metrics");
  EXPECT_EQ(RouteName(Route::kResourceMetadata), "resource_metadata");
  EXPECT_EQ(RouteName(Route::kOther), "other");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics metrics(2);
  // ns latencies: 10us, 50us (a bound: le is inclusive), 60us, 2ms, 2ms, 0.3s, 5s (above all).
  const std::vector<std::pair<int, uint64_t>> requests = {
      {0, 10'000},    {1, 50'000},      {0, 60'000},        {1, 2'000'000},
      {0, 2'000'000}, {1, 300'000'000}, {0, 5'000'000'000},
  };
  uint64_t total_ns = 0;
  for (const auto& [worker, ns] : requests) {
    metrics.CountRequest(worker, Route::kValidate, 200, ns);
    total_ns += ns;
  }
  const std::string text = metrics.Render(MetricsGauges());
  const Exposition e = MustParse(text);
  const std::vector<Bucket> buckets = Buckets(e);
  ASSERT_EQ(buckets.size(), kLatencyBucketsSeconds.size() + 1);
  for (size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
    EXPECT_DOUBLE_EQ(buckets[i].le, kLatencyBucketsSeconds[i]) << i;
    if (i > 0) {
      EXPECT_GT(buckets[i].le, buckets[i - 1].le);
      EXPECT_GE(buckets[i].count, buckets[i - 1].count) << "bucket " << i;
    }
  }
  EXPECT_TRUE(std::isinf(buckets.back().le));
  EXPECT_GE(buckets.back().count, buckets[buckets.size() - 2].count);

  auto bucket = [&](double le) {
    for (const Bucket& b : buckets) {
      if (b.le == le) {
        return b.count;
      }
    }
    ADD_FAILURE() << "no bucket le=" << le;
    return -1.0;
  };
  EXPECT_EQ(bucket(0.00005), 2);  // 10us, 50us
  EXPECT_EQ(bucket(0.0001), 3);   // + 60us
  EXPECT_EQ(bucket(0.001), 3);
  EXPECT_EQ(bucket(0.0025), 5);  // + 2ms x2
  EXPECT_EQ(bucket(0.25), 5);
  EXPECT_EQ(bucket(0.5), 6);  // + 0.3s
  EXPECT_EQ(bucket(1.0), 6);
  EXPECT_EQ(bucket(std::numeric_limits<double>::infinity()), 7);  // + 5s

  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), 7);
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), buckets.back().count);
  const std::optional<double> sum = ValueOf(e, "tokenwarden_request_duration_seconds_sum");
  ASSERT_TRUE(sum.has_value());
  EXPECT_NEAR(*sum, static_cast<double>(total_ns) * 1e-9, 1e-9);
  EXPECT_NE(text.find("tokenwarden_request_duration_seconds_sum 5.304120000\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("tokenwarden_request_duration_seconds_bucket{le=\"+Inf\"} 7\n"),
            std::string::npos);
}

TEST(MetricsTest, LatencyExactlyOnABoundCountsInThatBucket) {
  for (size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
    Metrics metrics(1);
    const auto ns = static_cast<uint64_t>(std::llround(kLatencyBucketsSeconds[i] * 1e9));
    metrics.CountRequest(0, Route::kValidate, 200, ns);
    const std::vector<Bucket> buckets = Buckets(MustParse(metrics.Render(MetricsGauges())));
    ASSERT_EQ(buckets.size(), kLatencyBucketsSeconds.size() + 1);
    for (size_t b = 0; b < buckets.size(); ++b) {
      EXPECT_EQ(buckets[b].count, b >= i ? 1 : 0) << "latency " << ns << "ns, bucket " << b;
    }
  }
}

TEST(MetricsTest, HistogramSumIsInSeconds) {
  Metrics metrics(1);
  metrics.CountRequest(0, Route::kIntrospect, 200, 1'234'567'890);
  metrics.CountRequest(0, Route::kIntrospect, 200, 10);
  const Exposition e = MustParse(metrics.Render(MetricsGauges()));
  const Sample* sum = Find(e, "tokenwarden_request_duration_seconds_sum");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->value_text, "1.234567900");
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), 2);
}

TEST(MetricsTest, ValidationsAreCountedByOutcomeName) {
  Metrics metrics(2);
  metrics.CountValidation(0, Error::kOk);
  metrics.CountValidation(1, Error::kOk);
  metrics.CountValidation(1, Error::kExpired);
  metrics.CountValidation(0, Error::kRevoked);
  metrics.CountValidation(0, ServerOutcome::kUnknownIssuer);
  metrics.CountValidation(1, ServerOutcome::kUnknownIssuer);
  metrics.CountValidation(1, ServerOutcome::kUnknownIssuer);
  metrics.CountValidation(0, ServerOutcome::kOutsideCallerScope);
  const std::string text = metrics.Render(MetricsGauges());
  const Exposition e = MustParse(text);

  // Every outcome is listed (zeros too), once, under a distinct name.
  ASSERT_EQ(CountSamples(e, kValidations), Outcome::kCount);
  std::set<std::string> names;
  for (const Sample& s : e.samples) {
    if (s.name == kValidations) {
      ASSERT_EQ(s.labels.size(), 1u);
      names.insert(s.labels.at("result"));
    }
  }
  EXPECT_EQ(names.size(), Outcome::kCount);
  for (int i = 0; i < kNumErrors; ++i) {
    EXPECT_EQ(names.count(std::string(ErrorCode(static_cast<Error>(i)))), 1u) << i;
  }
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "ok"}}), 2);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "expired"}}), 1);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "revoked"}}), 1);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "unknown_issuer"}}), 3);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "outside_caller_scope"}}), 1);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "malformed"}}), 0);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "invalid_signature"}}), 0);
}

TEST(MetricsTest, CacheCounters) {
  Metrics metrics(2);
  metrics.CountCache(0, true);
  metrics.CountCache(1, true);
  metrics.CountCache(1, true);
  metrics.CountCache(0, false);
  const Exposition e = MustParse(metrics.Render(MetricsGauges()));
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_hits_total"), 3);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_misses_total"), 1);
}

TEST(MetricsTest, GaugesAreRendered) {
  Metrics metrics(1);
  MetricsGauges gauges;
  gauges.issuers.push_back(IssuerGauge("https://a.example", 12.5, 3));
  gauges.issuers.push_back(IssuerGauge("https://b.example", 0.0004, 1));
  gauges.cache_entries = 17;
  gauges.cache_bytes = 123456789012;
  gauges.denylist_entries = 4;
  gauges.open_connections = 9;
  gauges.refused_connections = 2;
  gauges.reloads_ok = 5;
  gauges.reloads_failed = 1;
  const std::string text = metrics.Render(gauges);
  const Exposition e = MustParse(text);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_entries"), 17);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_bytes"), 123456789012.0);
  EXPECT_EQ(Find(e, "tokenwarden_cache_bytes")->value_text, "123456789012");
  EXPECT_EQ(ValueOf(e, "tokenwarden_denylist_entries"), 4);
  EXPECT_EQ(ValueOf(e, "tokenwarden_open_connections"), 9);
  EXPECT_EQ(ValueOf(e, "tokenwarden_refused_connections_total"), 2);
  EXPECT_EQ(ValueOf(e, "tokenwarden_config_reloads_total", {{"result", "ok"}}), 5);
  EXPECT_EQ(ValueOf(e, "tokenwarden_config_reloads_total", {{"result", "failed"}}), 1);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_age_seconds", {{"issuer", "https://a.example"}}), 12.5);
  EXPECT_EQ(
      Find(e, "tokenwarden_key_set_age_seconds", {{"issuer", "https://a.example"}})->value_text,
      "12.500");
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_age_seconds", {{"issuer", "https://b.example"}}), 0);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_keys", {{"issuer", "https://a.example"}}), 3);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_keys", {{"issuer", "https://b.example"}}), 1);
  EXPECT_EQ(CountSamples(e, "tokenwarden_key_set_keys"), 2u);
}

TEST(MetricsTest, IssuerLabelValuesAreEscaped) {
  Metrics metrics(1);
  MetricsGauges gauges;
  const std::string nasty = "https://a.example/\"quoted\"\\back\nline";
  gauges.issuers.push_back(IssuerGauge(nasty, 1, 2));
  gauges.issuers.push_back(IssuerGauge("", 0, 0));
  const std::string text = metrics.Render(gauges);
  const Exposition e = MustParse(text);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_keys", {{"issuer", nasty}}), 2);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_age_seconds", {{"issuer", nasty}}), 1);
  EXPECT_EQ(ValueOf(e, "tokenwarden_key_set_keys", {{"issuer", ""}}), 0);
  EXPECT_NE(text.find("tokenwarden_key_set_keys{issuer=\"https://a.example/"
                      "\\\"quoted\\\"\\\\back\\nline\"} 2\n"),
            std::string::npos)
      << text;
}

TEST(MetricsTest, RenderIsRepeatable) {
  Metrics metrics(2);
  metrics.CountRequest(1, Route::kRevoke, 200, 5000);
  metrics.CountValidation(0, Error::kOk);
  const std::string first = metrics.Render(MetricsGauges());
  EXPECT_EQ(metrics.Render(MetricsGauges()), first);
  metrics.CountRequest(1, Route::kRevoke, 200, 5000);
  const Exposition e = MustParse(metrics.Render(MetricsGauges()));
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "revoke"}, {"status", "200"}}), 2);
}

// Two workers count on their own shards while a third thread scrapes: under TSan this is the
// data-race check of the shard design; every scrape must parse and never go backwards.
TEST(MetricsTest, ConcurrentCountingAndRendering) {
  constexpr int kPerWorker = 20000;
  Metrics metrics(2);
  std::atomic<int> running{2};
  std::atomic<bool> start{false};
  auto worker = [&](int w) {
    while (!start.load(std::memory_order_acquire)) {
    }
    for (int i = 0; i < kPerWorker; ++i) {
      metrics.CountRequest(w, w == 0 ? Route::kValidate : Route::kIntrospect,
                           i % 3 == 0 ? 401 : 200, static_cast<uint64_t>(1000 * (i % 100)));
      metrics.CountValidation(
          w, i % 2 == 0 ? Outcome(Error::kOk) : Outcome(ServerOutcome::kUnknownIssuer));
      metrics.CountCache(w, i % 4 != 0);
    }
    running.fetch_sub(1, std::memory_order_acq_rel);
  };
  int renders = 0;
  int parse_failures = 0;
  int regressions = 0;
  std::string first_failure;
  std::thread scraper([&] {
    start.store(true, std::memory_order_release);
    double last_count = 0;
    double last_ok = 0;
    MetricsGauges gauges;
    gauges.issuers.push_back(IssuerGauge("https://a.example", 1, 1));
    do {
      const std::string text = metrics.Render(gauges);
      ++renders;
      Exposition e;
      ::testing::AssertionResult parsed = ParseExposition(text, e);
      if (!parsed) {
        if (parse_failures++ == 0) {
          first_failure = parsed.message();
        }
        continue;
      }
      const double count = ValueOf(e, "tokenwarden_request_duration_seconds_count").value_or(-1);
      const double ok = ValueOf(e, kValidations, {{"result", "ok"}}).value_or(-1);
      const std::vector<Bucket> buckets = Buckets(e);
      for (size_t b = 1; b < buckets.size(); ++b) {
        regressions += buckets[b].count < buckets[b - 1].count ? 1 : 0;
      }
      regressions += count < last_count ? 1 : 0;
      regressions += ok < last_ok ? 1 : 0;
      regressions += buckets.empty() || buckets.back().count != count ? 1 : 0;
      last_count = count;
      last_ok = ok;
    } while (running.load(std::memory_order_acquire) > 0);
  });
  std::thread w0(worker, 0);
  std::thread w1(worker, 1);
  w0.join();
  w1.join();
  scraper.join();

  EXPECT_GT(renders, 0);
  EXPECT_EQ(parse_failures, 0) << first_failure;
  EXPECT_EQ(regressions, 0);

  const Exposition e = MustParse(metrics.Render(MetricsGauges()));
  const double twos = kPerWorker - (kPerWorker + 2) / 3;  // i % 3 != 0
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "validate"}, {"status", "200"}}), twos);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "validate"}, {"status", "401"}}), kPerWorker - twos);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "introspect"}, {"status", "200"}}), twos);
  EXPECT_EQ(ValueOf(e, kRequests, {{"route", "introspect"}, {"status", "401"}}), kPerWorker - twos);
  EXPECT_EQ(ValueOf(e, "tokenwarden_request_duration_seconds_count"), 2 * kPerWorker);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "ok"}}), kPerWorker);
  EXPECT_EQ(ValueOf(e, kValidations, {{"result", "unknown_issuer"}}), kPerWorker);
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_hits_total"), 2 * (kPerWorker - kPerWorker / 4));
  EXPECT_EQ(ValueOf(e, "tokenwarden_cache_misses_total"), 2 * (kPerWorker / 4));
  // Sum: each worker's latencies are 1000 * (i % 100) ns.
  const double per_worker_ns = 1000.0 * (99 * 100 / 2) * (kPerWorker / 100);
  EXPECT_NEAR(ValueOf(e, "tokenwarden_request_duration_seconds_sum").value_or(-1),
              2 * per_worker_ns * 1e-9, 1e-9);
}

}  // namespace
}  // namespace tokenwarden::server
