#pragma once
// The options `plantune schedule`, `run` and `main` share for building a schedule.
#include <string>

#include "args.h"
#include "schedule_tuning.h"

namespace plantune::cli {

void add_schedule_options(ArgParser& p);
// The job those options describe (throws UsageError for bad values).
ScheduleJob schedule_job(const ArgParser& p, const std::string& command);

}  // namespace plantune::cli
