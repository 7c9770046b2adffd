#pragma once
// The network JSON form (docs/network-format.md, docs/schemas/network.schema.json).
// Reading validates fully; every error names the file, the op or tensor and the problem.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "plantune/core/graph.h"

namespace plantune {

nlohmann::json graph_to_json(const Graph& g);
// `source` names the origin in error messages (a file path, or "<string>").
Graph graph_from_json(const nlohmann::json& j, const std::string& source = "<json>");
Graph graph_from_json_string(const std::string& text, const std::string& source = "<string>");
// Throws io_error when the file cannot be read, parse_error/invalid_argument for bad content.
Graph load_graph(const std::string& path);
// Written atomically (temp file + rename).
void save_graph(const Graph& g, const std::string& path);

}  // namespace plantune
