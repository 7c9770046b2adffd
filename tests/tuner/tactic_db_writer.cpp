// Test helper: saves sample entries [first, first + count) into FILE, one save per entry, so
// that several copies running at once contend for the file (tactic_db_store_test).
//   tactic_db_writer FILE FIRST COUNT
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "plantune/tuner/tactic_db_store.h"
#include "tuner/sample_db.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s FILE FIRST COUNT\n", argv[0]);
    return 2;
  }
  using namespace plantune::tuner;
  try {
    long first = std::atol(argv[2]), count = std::atol(argv[3]);
    for (long i = first; i < first + count; ++i) {
      TacticDb db(testing::h200_env());
      db.insert(testing::entry(i, 1));
      save_tactic_db(db, argv[1]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tactic_db_writer: %s\n", e.what());
    return 1;
  }
  return 0;
}
