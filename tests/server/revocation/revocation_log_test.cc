#include "server/revocation/revocation_log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/hex.h"
#include "base/str_cat.h"
#include "core/denylist.h"

namespace tokenwarden::server::revocation {
namespace {

constexpr int64_t kNow = 1700000000;
constexpr std::string_view kHeader = "tokenwarden-revocations 1\n";

Denylist::Key KeyN(int n) {
  return Denylist::KeyFor("https://issuer.example", "jti-" + std::to_string(n), "");
}

std::string Line(int n, int64_t expires_at) {
  return base::HexEncode(KeyN(n)) + " " + std::to_string(expires_at) + "\n";
}

// RevocationLogTest gives each test a fresh folder and the log path inside it.
class RevocationLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "tw_revlog_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/revocations.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Read() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Write(const std::string& contents) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  absl::StatusOr<std::unique_ptr<RevocationLog>> Open(Denylist& denylist, int64_t now,
                                                      std::string* warnings = nullptr) const {
    return RevocationLog::Open(path_, denylist, now, warnings);
  }

  std::string dir_;
  std::string path_;
};

TEST_F(RevocationLogTest, CreatesFileWithHeaderAndMode0600) {
  const mode_t old_mask = umask(0);  // the mode must come from the open, not the umask
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  umask(old_mask);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(Read(), kHeader);
  EXPECT_EQ((*log)->lines(), 0u);
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(RevocationLogTest, AppendThenReopenRestoresEntries) {
  {
    Denylist denylist(64);
    auto log = Open(denylist, kNow);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append({KeyN(1), {kNow + 100}}).ok());
    ASSERT_TRUE((*log)->Append({KeyN(2), {INT64_MAX}}).ok());
    EXPECT_EQ((*log)->lines(), 2u);
  }
  EXPECT_EQ(Read(), std::string(kHeader) + Line(1, kNow + 100) + Line(2, INT64_MAX));
  Denylist fresh(64);
  std::string warnings;
  auto log = Open(fresh, kNow + 50, &warnings);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(warnings, "");
  EXPECT_EQ((*log)->lines(), 2u);
  EXPECT_TRUE(fresh.Contains(KeyN(1), kNow + 50));
  EXPECT_FALSE(fresh.Contains(KeyN(1), kNow + 100));
  EXPECT_TRUE(fresh.Contains(KeyN(2), kNow + 50));
  EXPECT_FALSE(fresh.Contains(KeyN(3), kNow + 50));
}

TEST_F(RevocationLogTest, DropsExpiredEntriesAndCompactsAtOpen) {
  Write(std::string(kHeader) + Line(1, kNow - 10) + Line(2, kNow + 10) + Line(3, kNow) +
        Line(4, kNow + 20));
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_FALSE(denylist.Contains(KeyN(1), kNow));
  EXPECT_TRUE(denylist.Contains(KeyN(2), kNow));
  EXPECT_FALSE(denylist.Contains(KeyN(3), kNow));
  EXPECT_TRUE(denylist.Contains(KeyN(4), kNow));
  EXPECT_EQ((*log)->lines(), 2u);
  const std::string contents = Read();
  EXPECT_TRUE(contents.starts_with(kHeader));
  EXPECT_EQ(contents.size(), kHeader.size() + Line(2, kNow + 10).size() * 2);
  EXPECT_NE(contents.find(Line(2, kNow + 10)), std::string::npos);
  EXPECT_NE(contents.find(Line(4, kNow + 20)), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Appends after the compaction go to the new file.
  ASSERT_TRUE((*log)->Append({KeyN(5), {kNow + 30}}).ok());
  EXPECT_TRUE(Read().ends_with(Line(5, kNow + 30)));
}

TEST_F(RevocationLogTest, KeepsFileWithoutExpiredEntries) {
  const std::string contents = std::string(kHeader) + Line(2, kNow + 10) + Line(1, kNow + 10);
  Write(contents);
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(Read(), contents);  // not rewritten (the order would change)
}

TEST_F(RevocationLogTest, ToleratesTornTail) {
  const std::string good = std::string(kHeader) + Line(1, kNow + 10);
  Write(good + Line(2, kNow + 10).substr(0, 30));
  Denylist denylist(64);
  std::string warnings;
  {
    auto log = Open(denylist, kNow, &warnings);
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_NE(warnings.find("torn"), std::string::npos) << warnings;
    EXPECT_EQ(std::count(warnings.begin(), warnings.end(), '\n'), 1);
    EXPECT_EQ((*log)->lines(), 1u);
    EXPECT_EQ(Read(), good);
    ASSERT_TRUE((*log)->Append({KeyN(3), {kNow + 10}}).ok());
  }
  EXPECT_EQ(Read(), good + Line(3, kNow + 10));
  Denylist fresh(64);
  warnings.clear();
  auto log = Open(fresh, kNow, &warnings);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(warnings, "");
  EXPECT_TRUE(fresh.Contains(KeyN(1), kNow));
  EXPECT_FALSE(fresh.Contains(KeyN(2), kNow));
  EXPECT_TRUE(fresh.Contains(KeyN(3), kNow));
}

TEST_F(RevocationLogTest, ToleratesTornHeader) {
  Write("tokenwarden-revo");
  Denylist denylist(64);
  std::string warnings;
  auto log = Open(denylist, kNow, &warnings);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_NE(warnings, "");
  EXPECT_EQ(Read(), kHeader);
}

TEST_F(RevocationLogTest, TreatsEmptyFileAsNew) {
  Write("");
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(Read(), kHeader);
}

TEST_F(RevocationLogTest, RejectsWrongHeader) {
  for (const std::string& contents :
       {std::string("tokenwarden-revocations 2\n"), std::string("something else\n"),
        std::string("tokenwarden-revocations 1 \n"), std::string("garbage without newline"),
        Line(1, kNow + 10)}) {
    Write(contents);
    Denylist denylist(64);
    auto log = Open(denylist, kNow);
    ASSERT_FALSE(log.ok()) << contents;
    EXPECT_NE(log.status().message().find("line 1"), absl::string_view::npos) << log.status();
    EXPECT_EQ(Read(), contents);  // left alone
  }
}

TEST_F(RevocationLogTest, CorruptLineNamesItsNumber) {
  const std::string hex = base::HexEncode(KeyN(9));
  std::string upper = hex;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const std::vector<std::string> bad = {
      "",                                          // empty line
      upper + " 1700000100",                       // upper-case hex
      hex.substr(1) + " 1700000100",               // 63 digits
      hex + "0 1700000100",                        // 65 digits
      hex + "  1700000100",                        // two spaces
      hex + "\t1700000100",                        // tab
      hex + " 1700000100 ",                        // trailing space
      hex + " 1700000100\r",                       // CRLF
      hex + " +1700000100",                        // sign
      hex + " 01700000100",                        // leading zero
      hex + " -0",                                 // negative zero
      hex + " 17000x0100",                         // not a number
      hex + " ",                                   // no number
      hex + " 9223372036854775808",                // past int64
      hex.substr(0, 62) + "zz 1700000100",         // not hex
      hex + " 1700000100 " + hex + " 1700000100",  // two records
  };
  for (const std::string& line : bad) {
    Write(std::string(kHeader) + Line(1, kNow + 10) + line + "\n" + Line(2, kNow + 10));
    Denylist denylist(64);
    auto log = Open(denylist, kNow);
    ASSERT_FALSE(log.ok()) << line;
    EXPECT_NE(log.status().message().find("line 3"), absl::string_view::npos) << log.status();
  }
}

TEST_F(RevocationLogTest, AcceptsTheInt64Range) {
  Write(std::string(kHeader) + base::HexEncode(KeyN(1)) + " -9223372036854775808\n" +
        base::HexEncode(KeyN(2)) + " 0\n" + Line(3, INT64_MAX));
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_FALSE(denylist.Contains(KeyN(1), kNow));
  EXPECT_FALSE(denylist.Contains(KeyN(2), kNow));
  EXPECT_TRUE(denylist.Contains(KeyN(3), kNow));
  EXPECT_EQ((*log)->lines(), 1u);
}

TEST_F(RevocationLogTest, BoundsLineLength) {
  Write(std::string(kHeader) + std::string(100000, 'a') + "\n");
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("line 2"), absl::string_view::npos) << log.status();
  // Unterminated, too: a long tail is damage, not a torn append.
  Write(std::string(kHeader) + std::string(100000, 'a'));
  EXPECT_FALSE(Open(denylist, kNow).ok());
}

TEST_F(RevocationLogTest, FailsWhenCapacityIsTooSmall) {
  std::string contents(kHeader);
  for (int i = 0; i < 5; ++i) {
    contents += Line(i, kNow + 10);
  }
  Write(contents);
  Denylist denylist(4);  // one set of four ways: the fifth live entry does not fit
  auto log = Open(denylist, kNow);
  ASSERT_FALSE(log.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(log.status())) << log.status();
  EXPECT_NE(log.status().message().find("capacity"), absl::string_view::npos) << log.status();
}

TEST_F(RevocationLogTest, RefusesASecondOpenOfTheSameFile) {
  Denylist denylist(64);
  auto first = Open(denylist, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = Open(denylist, kNow);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), absl::string_view::npos) << second.status();
  first->reset();
  EXPECT_TRUE(Open(denylist, kNow).ok());
}

TEST_F(RevocationLogTest, RejectsAFolder) {
  Denylist denylist(64);
  EXPECT_FALSE(RevocationLog::Open(dir_, denylist, kNow, nullptr).ok());
  EXPECT_FALSE(RevocationLog::Open(dir_ + "/missing/x.log", denylist, kNow, nullptr).ok());
}

TEST_F(RevocationLogTest, MaybeCompactFollowsTheThreshold) {
  Denylist denylist(1 << 16);  // 4-way sets: room to spare, so no set fills up
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  // 1100 short-lived and 10 long-lived revocations.
  for (int i = 0; i < 1110; ++i) {
    const int64_t expires_at = i < 1100 ? kNow + 10 : kNow + 1000;
    ASSERT_TRUE((*log)->Append({KeyN(i), {expires_at}}).ok());
    ASSERT_TRUE(denylist.Add(KeyN(i), expires_at, kNow).ok());
  }
  absl::StatusOr<bool> compacted = (*log)->MaybeCompact(denylist, kNow);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_FALSE(*compacted);  // all live
  EXPECT_EQ((*log)->lines(), 1110u);

  compacted = (*log)->MaybeCompact(denylist, kNow + 20);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_TRUE(*compacted);
  EXPECT_EQ((*log)->lines(), 10u);
  ASSERT_TRUE((*log)->Append({KeyN(5000), {kNow + 1000}}).ok());
  EXPECT_EQ((*log)->lines(), 11u);
  log->reset();

  Denylist fresh(1 << 16);
  auto reopened = Open(fresh, kNow + 20);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->lines(), 11u);
  EXPECT_EQ(fresh.size(), 11u);
  EXPECT_TRUE(fresh.Contains(KeyN(1105), kNow + 20));
  EXPECT_TRUE(fresh.Contains(KeyN(5000), kNow + 20));
}

TEST_F(RevocationLogTest, MaybeCompactNeedsAThousandLines) {
  Denylist denylist(1 << 16);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 1023; ++i) {
    ASSERT_TRUE((*log)->Append({KeyN(i), {kNow + 10}}).ok());
  }
  absl::StatusOr<bool> compacted = (*log)->MaybeCompact(denylist, kNow + 20);
  ASSERT_TRUE(compacted.ok());
  EXPECT_FALSE(*compacted);  // every line is dead, but there are only 1023
  ASSERT_TRUE((*log)->Append({KeyN(2000), {kNow + 1000}}).ok());
  compacted = (*log)->MaybeCompact(denylist, kNow + 20);
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(*compacted);
  // KeyN(2000) was appended but never added to the denylist (the caller adds after Append
  // returns): the compaction keeps it anyway.
  EXPECT_EQ((*log)->lines(), 1u);
  EXPECT_EQ(Read(), std::string(kHeader) + Line(2000, kNow + 1000));
}

TEST_F(RevocationLogTest, CompactionKeepsTheLatestExpiryPerKey) {
  Denylist denylist(64);
  std::string contents(kHeader);
  contents += Line(1, kNow - 5);  // expired: Open compacts
  contents += Line(2, kNow + 10);
  contents += Line(2, kNow + 50);
  contents += Line(2, kNow + 20);
  Write(contents);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(Read(), std::string(kHeader) + Line(2, kNow + 50));
  EXPECT_EQ((*log)->lines(), 1u);
}

TEST_F(RevocationLogTest, ConcurrentAppendsAndCompactions) {
  constexpr int kOld = 1100;  // expire at kNow + 10: compaction fodder at kNow + 20
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  constexpr int64_t kLater = kNow + 20;
  {
    Denylist denylist(1 << 16);
    auto log = Open(denylist, kNow);
    ASSERT_TRUE(log.ok()) << log.status();
    RevocationLog& shared = **log;
    for (int n = 0; n < kOld; ++n) {
      ASSERT_TRUE(shared.Append({KeyN(n), {kNow + 10}}).ok());
      ASSERT_TRUE(denylist.Add(KeyN(n), kNow + 10, kNow).ok());
    }
    std::atomic<int> failures{0};
    std::atomic<int> compactions{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const int n = kOld + t * kPerThread + i;
          // As the routes do: durable first, then visible.
          if (!shared.Append({KeyN(n), {kNow + 100}}).ok()) {
            failures.fetch_add(1);
          }
          if (i % 10 == 0) {
            absl::StatusOr<bool> compacted = shared.MaybeCompact(denylist, kLater);
            if (!compacted.ok()) {
              failures.fetch_add(1);
            } else if (*compacted) {
              compactions.fetch_add(1);
            }
          }
          if (!denylist.Add(KeyN(n), kNow + 100, kLater).ok()) {
            failures.fetch_add(1);
          }
        }
      });
    }
    for (std::thread& th : threads) {
      th.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GE(compactions.load(), 1);
    EXPECT_EQ(shared.lines(), static_cast<size_t>(kThreads * kPerThread));
  }
  // Every revocation appended by a thread survived the compactions racing it.
  Denylist fresh(1 << 16);
  auto log = Open(fresh, kLater);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->lines(), static_cast<size_t>(kThreads * kPerThread));
  for (int n = kOld; n < kOld + kThreads * kPerThread; ++n) {
    EXPECT_TRUE(fresh.Contains(KeyN(n), kLater)) << n;
  }
  EXPECT_EQ(fresh.size(), static_cast<size_t>(kThreads * kPerThread));
}

// Attribute revocations are durable with their issue time, and a compaction keeps one line
// per key with the later of each time.
TEST_F(RevocationLogTest, AttributeRevocationsReplayAndCompactWithTheirIssueTime) {
  const Denylist::Key sid = Denylist::AttributeKeyFor(RevokedAttribute::kSid, "i", "s-1");
  {
    Denylist denylist(4096);
    auto log = Open(denylist, kNow);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append({sid, {kNow + 3600, kNow - 10}}).ok());
    ASSERT_TRUE((*log)->Append({sid, {kNow + 1800, kNow}}).ok());
    ASSERT_TRUE((*log)->Append({KeyN(1), {kNow + 100}}).ok());
  }
  Denylist replayed(4096);
  auto log = Open(replayed, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(replayed.Find(sid, kNow), (Denylist::Entry{kNow + 3600, kNow}));
  EXPECT_EQ(replayed.attribute_entries(), 1u);
  EXPECT_TRUE(replayed.Contains(KeyN(1), kNow));
  // Enough expired lines to compact; the attribute line survives, merged.
  for (int i = 0; i < 2100; ++i) {
    ASSERT_TRUE((*log)->Append({KeyN(100 + i), {kNow + 1}}).ok());
  }
  ASSERT_TRUE((*log)->Append({sid, {kNow + 3600, kNow - 20}}).ok());
  absl::StatusOr<bool> compacted = (*log)->MaybeCompact(replayed, kNow + 5);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_TRUE(*compacted);
  const std::string text = Read();
  EXPECT_NE(text.find(base::StrCat(base::HexEncode(sid), " ", kNow + 3600, " ", kNow, "\n")),
            std::string::npos)
      << text;
  EXPECT_EQ((*log)->lines(), 2u);
}

TEST_F(RevocationLogTest, AppendAllWritesEveryEntryInOrder) {
  const std::vector<Revocation> entries = {
      {KeyN(1), {kNow + 100}}, {KeyN(2), {INT64_MAX}}, {KeyN(3), {kNow + 5}}};
  {
    Denylist denylist(64);
    auto log = Open(denylist, kNow);
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_TRUE((*log)->Append({KeyN(0), {kNow + 7}}).ok());
    ASSERT_TRUE((*log)->AppendAll(entries).ok());
    EXPECT_EQ((*log)->lines(), 4u);
    ASSERT_TRUE((*log)->Append({KeyN(4), {kNow + 9}}).ok());
    EXPECT_EQ((*log)->lines(), 5u);
  }
  EXPECT_EQ(Read(), std::string(kHeader) + Line(0, kNow + 7) + Line(1, kNow + 100) +
                        Line(2, INT64_MAX) + Line(3, kNow + 5) + Line(4, kNow + 9));
  Denylist fresh(64);
  std::string warnings;
  auto log = Open(fresh, kNow + 1, &warnings);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ(warnings, "");
  EXPECT_EQ((*log)->lines(), 5u);
  EXPECT_EQ(fresh.size(), 5u);
  for (int n = 0; n < 5; ++n) {
    EXPECT_TRUE(fresh.Contains(KeyN(n), kNow + 1)) << n;
  }
  EXPECT_FALSE(fresh.Contains(KeyN(3), kNow + 5));  // its own expiry, not a neighbour's
  EXPECT_TRUE(fresh.Contains(KeyN(1), kNow + 99));
  EXPECT_FALSE(fresh.Contains(KeyN(1), kNow + 100));
  EXPECT_TRUE(fresh.Contains(KeyN(2), kNow + 1000000));
}

TEST_F(RevocationLogTest, AppendAllOfNothingIsANoOp) {
  Denylist denylist(64);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_TRUE((*log)->AppendAll({}).ok());
  EXPECT_EQ((*log)->lines(), 0u);
  EXPECT_EQ(Read(), kHeader);
  ASSERT_TRUE((*log)->Append({KeyN(1), {kNow + 10}}).ok());
  const std::vector<Revocation> none;
  EXPECT_TRUE((*log)->AppendAll(none).ok());
  EXPECT_EQ((*log)->lines(), 1u);
  EXPECT_EQ(Read(), std::string(kHeader) + Line(1, kNow + 10));
}

TEST_F(RevocationLogTest, CompactionKeepsBatchesNotYetInTheDenylist) {
  Denylist denylist(1 << 16);
  auto log = Open(denylist, kNow);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<Revocation> batch;
  for (int i = 0; i < 1024; ++i) {
    batch.push_back({KeyN(i), {kNow + 10}});
  }
  batch.push_back({KeyN(5000), {kNow + 1000}});
  batch.push_back({KeyN(5001), {kNow + 2000}});
  ASSERT_TRUE((*log)->AppendAll(batch).ok());
  EXPECT_EQ((*log)->lines(), 1026u);
  // None of the batch was added to the denylist: the compaction keeps its live entries anyway.
  absl::StatusOr<bool> compacted = (*log)->MaybeCompact(denylist, kNow + 20);
  ASSERT_TRUE(compacted.ok()) << compacted.status();
  EXPECT_TRUE(*compacted);
  EXPECT_EQ((*log)->lines(), 2u);
  const std::string contents = Read();
  EXPECT_TRUE(contents.starts_with(kHeader));
  EXPECT_NE(contents.find(Line(5000, kNow + 1000)), std::string::npos) << contents;
  EXPECT_NE(contents.find(Line(5001, kNow + 2000)), std::string::npos) << contents;
  EXPECT_EQ(contents.size(),
            kHeader.size() + Line(5000, kNow + 1000).size() + Line(5001, kNow + 2000).size());
}

}  // namespace
}  // namespace tokenwarden::server::revocation
