#pragma once
// CPU work split into a few large parts, each on a thread of its own (internal header).
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace plantune::tuner::detail {

// Calls fn(0), ..., fn(n - 1) at once: fn(0) on the calling thread, the others on new threads;
// parts that get no thread (std::system_error) run on the calling thread after fn(0). Returns
// when all are done. `fn` must not throw: it keeps what fails itself.
template <typename Fn>
void run_parts_on_threads(std::size_t n, Fn&& fn) {
  std::vector<std::jthread> pool;
  pool.reserve(n);
  std::size_t started = 1;
  for (; started < n; ++started) {
    try {
      pool.emplace_back([&fn, i = started] { fn(i); });
    } catch (const std::system_error&) {
      break;
    }
  }
  if (n > 0) fn(0);
  for (std::size_t i = started; i < n; ++i) fn(i);
}  // the pool joins here

}  // namespace plantune::tuner::detail
