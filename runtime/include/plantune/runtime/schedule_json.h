#pragma once
// The schedule's JSON form (docs/schedule-format.md, docs/schemas/schedule.schema.json): the
// network, the steps with their tactics in the tactic database's stable form, tensors with their
// arena offsets, the memory summary and the environment the tactics were measured in. Tensors are
// referred to by name. Reading is strict: an unknown member, a wrong type, a step reading an
// unknown tensor or a plan that overlaps live tensors is a parse_error naming the member.
#include <string>
#include <string_view>

#include "plantune/runtime/schedule.h"

namespace plantune::runtime {

std::string schedule_to_json(const Schedule& s);
// `source` names the document in errors (a file path).
Schedule schedule_from_json(std::string_view text, const std::string& source = "<string>");

// Atomic save (temporary file + rename); load reads and validates. io_error naming the path.
void save_schedule(const Schedule& s, const std::string& path);
Schedule load_schedule(const std::string& path);

}  // namespace plantune::runtime
