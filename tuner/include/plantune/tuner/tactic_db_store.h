#pragma once
// Tactic database files: loading with the environment check, and saves that concurrent tuners
// can share.
//
// Saves are atomic and never lose an entry: under an exclusive advisory lock (flock on the
// sibling file "<path>.lock", which is never removed), the current file is read and merged
// with the database being saved (TacticDb::merge, ours first), written to a temporary file in
// the same directory, fsync'ed, renamed over the file, and the directory is fsync'ed. Readers
// take no lock: rename makes them see the old or the new file, never a mix.
// A file that cannot be read as a tactic database is reported (parse_error naming the file,
// line, column and member) and never modified.
#include <cstddef>
#include <string>

#include "plantune/tuner/environment.h"
#include "plantune/tuner/tactic_db.h"
#include "plantune/tuner/tactic_db_json.h"

namespace plantune::tuner {

// Files larger than this are refused before reading (io_error).
inline constexpr std::size_t kMaxTacticDbFileBytes = std::size_t{1} << 30;

struct LoadResult {
  TacticDb db;
  EnvCheck environment;              // the file's environment against `current`
  std::size_t rejected_entries = 0;  // dropped: measured on another GPU
  std::size_t marked_reverify = 0;   // variants newly marked needs_reverify
  bool file_missing = false;         // the file did not exist (missing_ok)

  // One line: "<path>: N entries loaded", or why entries were rejected / need re-verifying.
  std::string summary(const std::string& path) const;
};

// Reads and checks a database file (tactic_db_from_json). With `current`, applies
// Note [environment check]: rejected entries are dropped (db is then empty and carries
// `current`), entries needing re-verification are marked with the reason, and db carries
// `current`. Without it, db carries the file's environment. When `missing_ok` and the file does
// not exist, returns an empty database (with `current` when given). Throws io_error when the
// file cannot be read, parse_error for bad content. `read`: how the text is parsed (threads).
LoadResult load_tactic_db(const std::string& path, const Environment* current = nullptr,
                          bool missing_ok = false, const TacticDbReadOptions& read = {});

enum class SaveMode {
  merge,    // read-merge-write: entries already in the file are kept (see top of file)
  replace,  // the file becomes exactly `db` (still locked and atomic)
};

struct SaveReport {
  std::size_t entries_written = 0;
  bool merged_with_existing = false;  // a file was there and was merged
  MergeReport merge;                  // what merging the file's entries found
};

// Saves `db` to `path` as described at the top of this file. In merge mode, throws
// invalid_argument (leaving the file untouched) when the file holds entries measured on
// another GPU (Note [environment check]); parse_error when it is not a valid database;
// io_error when locking, writing or renaming fails (the temporary file is removed).
SaveReport save_tactic_db(const TacticDb& db, const std::string& path,
                          SaveMode mode = SaveMode::merge);

}  // namespace plantune::tuner
