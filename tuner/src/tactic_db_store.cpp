#include "plantune/tuner/tactic_db_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "host_threads.h"
#include "plantune/core/error.h"
#include "plantune/tuner/tactic_db_json.h"
#include "text.h"

namespace plantune::tuner {
namespace {

std::string errno_text() { return std::strerror(errno); }

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now, reporting failure (a deferred write error shows up here).
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// Exclusive flock on "<path>.lock" for the object's lifetime.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : lock_path_(path + ".lock"), fd_(open_lock()) {
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      PT_REQUIRE(errno == EINTR, io_error, "cannot lock '" << lock_path_ << "': " << errno_text());
    }
  }
  // The lock is released when the descriptor closes.

 private:
  int open_lock() {
    int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    PT_REQUIRE(fd >= 0, io_error, "cannot open lock file '" << lock_path_ << "': " << errno_text());
    return fd;
  }
  std::string lock_path_;
  Fd fd_;
};

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// A file's bytes, in a buffer the reads fill (not zeroed first).
struct FileText {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// pread of [offset, offset + len) until done or the end of the file: the bytes read, or -1
// with `err` set.
std::int64_t read_slice(int fd, char* to, std::size_t offset, std::size_t len, int& err) noexcept {
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::pread(fd, to + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      return -1;
    }
    if (n == 0) break;  // the file shrank while reading
    done += static_cast<std::size_t>(n);
  }
  return static_cast<std::int64_t>(done);
}

// Reads a whole file. Large files are read in slices of at least 4 MiB on up to
// options.thread_count() threads, each pread also
// faulting in its part of the buffer: one thread copies about 3.5 GB/s out of the page cache
// on the development VM, 12 ms of a 42 MB database's load. A file that shrinks while being
// read is cut where the first slice came back short, and what is there is parsed (it then
// reads as truncated).
FileText read_file(const std::string& path, const TacticDbReadOptions& options) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  PT_REQUIRE(fd.get() >= 0, io_error,
             "cannot open tactic database '" << path << "': " << errno_text());
  struct stat st {};
  PT_REQUIRE(::fstat(fd.get(), &st) == 0, io_error,
             "cannot stat '" << path << "': " << errno_text());
  PT_REQUIRE(S_ISREG(st.st_mode), io_error, "'" << path << "' is not a regular file");
  PT_REQUIRE(static_cast<std::size_t>(st.st_size) <= kMaxTacticDbFileBytes, io_error,
             "tactic database '" << path << "' is " << st.st_size
                                 << " bytes, more than the limit of " << kMaxTacticDbFileBytes);
  FileText text;
  const auto size = static_cast<std::size_t>(st.st_size);
  text.data = std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(size, 1));
  constexpr std::size_t kMinSlice = std::size_t{4} << 20;
  const std::size_t slices = std::clamp<std::size_t>(size / kMinSlice, 1, options.thread_count());
  const std::size_t step = size / slices;
  std::vector<std::int64_t> got(slices, 0);
  std::vector<int> err(slices, 0);
  detail::run_parts_on_threads(slices, [&](std::size_t i) {
    const std::size_t from = i * step, to = i + 1 == slices ? size : from + step;
    got[i] = read_slice(fd.get(), text.data.get() + from, from, to - from, err[i]);
  });
  for (std::size_t i = 0; i < slices; ++i) {
    errno = err[i];
    PT_REQUIRE(got[i] >= 0, io_error, "cannot read '" << path << "': " << errno_text());
  }
  for (std::size_t i = 0; i < slices; ++i) {
    const std::size_t from = i * step, to = i + 1 == slices ? size : from + step;
    text.size = from + static_cast<std::size_t>(got[i]);
    if (text.size < to) break;
  }
  return text;
}

// Writes `text` to a temporary file next to `path`, fsyncs it, renames it over `path` and
// fsyncs the directory. Removes the temporary file on failure.
void write_atomically(const std::string& path, const std::string& text) {
  static std::atomic<unsigned> counter{0};
  std::string tmp = detail::cat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
  mode_t mode = 0644;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;

  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  PT_REQUIRE(fd.get() >= 0, io_error,
             "cannot create temporary file '" << tmp << "': " << errno_text());
  auto fail = [&](const char* step) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    PT_FAIL(io_error, "cannot save tactic database '" << path << "': " << step << " '" << tmp
                                                      << "' failed: " << why);
  };
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write to");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("fsync of");
  if (!fd.close()) fail("close of");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename of");

  std::string dir = parent_dir(path);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  PT_REQUIRE(
      dfd.get() >= 0 && ::fsync(dfd.get()) == 0, io_error,
      "saved '" << path << "' but cannot fsync its directory '" << dir << "': " << errno_text());
}

}  // namespace

std::string LoadResult::summary(const std::string& path) const {
  using detail::cat;
  if (file_missing) return cat(path, ": no such file; starting an empty database");
  if (environment.verdict == EnvVerdict::reject) {
    return cat(path, ": ", rejected_entries,
               " entries rejected, measured in another environment: ", environment.reason());
  }
  std::string s = cat(path, ": ", db.size(), " entries loaded");
  if (marked_reverify > 0) {
    s += cat(", ", marked_reverify, " variants need re-verification: ", environment.reason());
  } else if (!environment.differences.empty()) {
    s += cat(" (", environment.reason(), ")");
  }
  return s;
}

LoadResult load_tactic_db(const std::string& path, const Environment* current, bool missing_ok,
                          const TacticDbReadOptions& read) {
  LoadResult result;
  if (missing_ok && !file_exists(path)) {
    result.file_missing = true;
    if (current) result.db.set_environment(*current);
    return result;
  }
  result.db = tactic_db_from_json(read_file(path, read).view(), path, read);
  if (!current) return result;

  result.environment = check_environment(result.db.environment(), *current);
  switch (result.environment.verdict) {
    case EnvVerdict::same:
      break;
    case EnvVerdict::reverify:
      result.marked_reverify = result.db.mark_needs_reverify(
          detail::cat("measured in another environment: ", result.environment.reason()));
      break;
    case EnvVerdict::reject:
      result.rejected_entries = result.db.size();
      result.db = TacticDb();
      break;
  }
  result.db.set_environment(*current);
  return result;
}

SaveReport save_tactic_db(const TacticDb& db, const std::string& path, SaveMode mode) {
  SaveReport report;
  FileLock lock(path);
  if (mode == SaveMode::replace || !file_exists(path)) {
    write_atomically(path, tactic_db_to_json(db));
    report.entries_written = db.size();
    return report;
  }
  TacticDb on_disk = tactic_db_from_json(read_file(path, TacticDbReadOptions{}).view(), path);
  EnvCheck env = check_environment(on_disk.environment(), db.environment());
  PT_REQUIRE(on_disk.empty() || env.verdict != EnvVerdict::reject, invalid_argument,
             "refusing to save into '" << path << "': it holds " << on_disk.size()
                                       << " entries measured in another environment ("
                                       << env.reason() << "); save to another file");
  TacticDb merged = db;
  if (on_disk.empty()) {
    report.merge.environment = env;
  } else {
    report.merge = merged.merge(on_disk);
  }
  report.merged_with_existing = true;
  write_atomically(path, tactic_db_to_json(merged));
  report.entries_written = merged.size();
  return report;
}

}  // namespace plantune::tuner
