#include "plantune/tuner/tactic_db_store.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plantune/core/error.h"
#include "plantune/tuner/tactic_db_json.h"
#include "tuner/hostile_dbs.h"
#include "tuner/sample_db.h"

extern char** environ;

namespace plantune::tuner {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// A fresh directory per test, removed afterwards.
class TacticDbStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::path(TUNER_TEST_OUT_DIR) / ("store_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string path(const std::string& file) const { return (dir_ / file).string(); }
  // Files in the directory other than the database and its lock (temporaries left behind).
  std::vector<std::string> stray_files(const std::string& db_file) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      std::string f = e.path().filename().string();
      if (f != db_file && f != db_file + ".lock") out.push_back(f);
    }
    return out;
  }
  fs::path dir_;
};

TEST_F(TacticDbStore, SaveThenLoadRoundTrips) {
  TacticDb db = testing::small_db();
  SaveReport r = save_tactic_db(db, path("db.json"));
  EXPECT_EQ(r.entries_written, 2u);
  EXPECT_FALSE(r.merged_with_existing);
  EXPECT_EQ(read_text(path("db.json")), tactic_db_to_json(db));
  EXPECT_TRUE(fs::exists(path("db.json.lock")));
  EXPECT_TRUE(stray_files("db.json").empty());

  Environment env = testing::h200_env();
  LoadResult l = load_tactic_db(path("db.json"), &env);
  EXPECT_EQ(l.environment.verdict, EnvVerdict::same);
  EXPECT_EQ(l.db.size(), 2u);
  EXPECT_EQ(l.marked_reverify, 0u);
  EXPECT_EQ(tactic_db_to_json(l.db), tactic_db_to_json(db));
  EXPECT_EQ(l.summary("db.json"), "db.json: 2 entries loaded");
}

// A file of more than two 4 MiB slices is read on several threads, and a truncated one is
// still reported as truncated.
TEST_F(TacticDbStore, LargeFilesReadInSlicesLoadTheSame) {
  const TacticDb db = testing::database(2000, 4, 2, 1);
  save_tactic_db(db, path("big.json"), SaveMode::replace);
  const std::string text = read_text(path("big.json"));
  ASSERT_GT(text.size(), std::size_t{12} << 20) << "too small for three slices";
  for (unsigned threads : {1u, 3u, 16u}) {
    SCOPED_TRACE(threads);
    TacticDbReadOptions read;
    read.threads = threads;
    LoadResult l = load_tactic_db(path("big.json"), nullptr, false, read);
    EXPECT_EQ(tactic_db_to_json(l.db), text);
  }
  write_text(path("cut.json"), text.substr(0, text.size() - (std::size_t{5} << 20)));
  TacticDbReadOptions read;
  read.threads = 3;
  try {
    load_tactic_db(path("cut.json"), nullptr, false, read);
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST_F(TacticDbStore, SaveMergesWithWhatIsOnDisk) {
  save_tactic_db(testing::database(3), path("db.json"));
  TacticDb other(testing::h200_env());
  other.insert(testing::entry(10));
  other.insert(testing::entry(1));  // also on disk: merged, no conflict
  SaveReport r = save_tactic_db(other, path("db.json"));
  EXPECT_TRUE(r.merged_with_existing);
  EXPECT_EQ(r.entries_written, 4u);
  EXPECT_EQ(r.merge.added_entries, 2u);    // entries 0 and 2 came from the file
  EXPECT_EQ(r.merge.merged_variants, 2u);  // entry 1 was on both sides
  EXPECT_TRUE(r.merge.conflicts.empty());
  TacticDb on_disk = load_tactic_db(path("db.json")).db;
  EXPECT_EQ(on_disk.size(), 4u);
  for (int i : {0, 1, 2, 10}) EXPECT_NE(on_disk.find(testing::entry(i).key), nullptr) << i;

  // replace mode writes exactly the database given
  save_tactic_db(other, path("db.json"), SaveMode::replace);
  EXPECT_EQ(load_tactic_db(path("db.json")).db.size(), 2u);
}

TEST_F(TacticDbStore, LoadChecksTheEnvironment) {
  save_tactic_db(testing::database(5), path("db.json"));
  std::string before = read_text(path("db.json"));

  Environment h100 = testing::h200_env();
  h100.gpu_name = "NVIDIA H100 80GB HBM3";
  LoadResult rejected = load_tactic_db(path("db.json"), &h100);
  EXPECT_EQ(rejected.environment.verdict, EnvVerdict::reject);
  EXPECT_EQ(rejected.rejected_entries, 5u);
  EXPECT_EQ(rejected.db.size(), 0u);
  EXPECT_EQ(rejected.db.environment(), h100);
  EXPECT_EQ(rejected.summary("db.json"),
            "db.json: 5 entries rejected, measured in another environment: GPU differs: "
            "measured with 'NVIDIA H200', now 'NVIDIA H100 80GB HBM3'");

  Environment newer = testing::h200_env();
  newer.cudnn_version = "9.19.0";
  LoadResult reverify = load_tactic_db(path("db.json"), &newer);
  EXPECT_EQ(reverify.environment.verdict, EnvVerdict::reverify);
  EXPECT_EQ(reverify.marked_reverify, 10u);
  EXPECT_EQ(reverify.db.size(), 5u);
  EXPECT_EQ(reverify.db.environment(), newer);
  const Entry* e = reverify.db.find(testing::entry(2).key);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->variants[0].needs_reverify);
  EXPECT_EQ(e->variants[0].reverify_reason,
            "measured in another environment: cuDNN version differs: measured with '9.14.0', "
            "now '9.19.0'");
  EXPECT_FALSE(reverify.db.lookup(e->key, e->variants[0].variant).has_value());
  EXPECT_NE(reverify.summary("db.json").find("10 variants need re-verification: cuDNN version"),
            std::string::npos);
  EXPECT_EQ(read_text(path("db.json")), before);  // loading never writes
}

TEST_F(TacticDbStore, SavingRefusesAnotherGpusFileAndMarksOlderVersions) {
  save_tactic_db(testing::database(2), path("db.json"));
  std::string before = read_text(path("db.json"));
  Environment h100 = testing::h200_env();
  h100.gpu_name = "NVIDIA H100";
  TacticDb mine(h100);
  mine.insert(testing::entry(7));
  try {
    save_tactic_db(mine, path("db.json"));
    FAIL() << "saved over another GPU's entries";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("refusing to save into"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("GPU differs"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(path("db.json")), before);
  EXPECT_TRUE(stray_files("db.json").empty());

  // Same GPU, newer cuDNN: the file's entries stay, marked for re-verification.
  Environment newer = testing::h200_env();
  newer.cudnn_version = "9.19.0";
  TacticDb upgraded(newer);
  upgraded.insert(testing::entry(0));  // re-tuned under the new version
  SaveReport r = save_tactic_db(upgraded, path("db.json"));
  EXPECT_EQ(r.merge.environment.verdict, EnvVerdict::reverify);
  TacticDb after = load_tactic_db(path("db.json")).db;
  EXPECT_EQ(after.environment(), newer);
  EXPECT_FALSE(after.find(testing::entry(0).key)->variants[0].needs_reverify);
  EXPECT_TRUE(after.find(testing::entry(1).key)->variants[0].needs_reverify);
}

TEST_F(TacticDbStore, CorruptFilesAreReportedAndLeftByteIdentical) {
  std::string good = tactic_db_to_json(testing::small_db());
  for (const auto& h : testing::hostile_dbs(good)) {
    SCOPED_TRACE(h.name);
    std::string file = h.name + ".json";
    write_text(path(file), h.text);
    try {
      load_tactic_db(path(file));
      ADD_FAILURE() << "loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::parse_error);
      EXPECT_EQ(std::string(e.what()).rfind(path(file) + ": line ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(h.expect), std::string::npos) << e.what();
    }
    // a tuner trying to save into it must not overwrite it either
    EXPECT_THROW(save_tactic_db(testing::database(1), path(file)), Error);
    EXPECT_EQ(read_text(path(file)), h.text);
  }
  for (const auto& f : fs::directory_iterator(dir_)) {
    std::string name = f.path().filename().string();
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << "temporary file left: " << name;
  }
}

TEST_F(TacticDbStore, MissingFilesAndUnreadablePaths) {
  EXPECT_THROW(load_tactic_db(path("none.json")), Error);
  Environment env = testing::h200_env();
  LoadResult r = load_tactic_db(path("none.json"), &env, true);
  EXPECT_TRUE(r.file_missing);
  EXPECT_EQ(r.db.size(), 0u);
  EXPECT_EQ(r.db.environment(), env);
  EXPECT_NE(r.summary("none.json").find("no such file"), std::string::npos);
  try {
    load_tactic_db(dir_.string());  // a directory
    FAIL() << "loaded a directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  try {
    save_tactic_db(testing::database(1), path("no/such/dir/db.json"));
    FAIL() << "saved into a missing directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_NE(std::string(e.what()).find("no/such/dir/db.json"), std::string::npos) << e.what();
  }
}

// 4 processes save 100 entries each, one save per entry, into one file: every save reads,
// merges and replaces the file under the lock, so none may be lost.
TEST_F(TacticDbStore, FourProcessesWritingConcurrentlyLoseNoEntry) {
  constexpr int kWriters = 4, kPerWriter = 100;
  std::string db = path("shared.json");
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    std::string exe = TACTIC_DB_WRITER, file = db, first = std::to_string(w * kPerWriter),
                count = std::to_string(kPerWriter);
    char* argv[] = {exe.data(), file.data(), first.data(), count.data(), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, environ), 0) << exe;
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer " << pid << " failed";
  }
  TacticDb result = load_tactic_db(db).db;
  EXPECT_EQ(result.size(), static_cast<std::size_t>(kWriters * kPerWriter));
  for (int i = 0; i < kWriters * kPerWriter; ++i) {
    const Entry* e = result.find(testing::entry(i, 1).key);
    ASSERT_NE(e, nullptr) << "entry " << i << " lost";
    EXPECT_EQ(*e, testing::entry(i, 1)) << i;
  }
  EXPECT_TRUE(stray_files("shared.json").empty());
}

}  // namespace
}  // namespace plantune::tuner
