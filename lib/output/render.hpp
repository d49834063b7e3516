#pragma once
// Renderers over typed data. They return strings; the CLI decides where they go.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tenantctl::output {

enum class Format { Table, Json, Yaml };

struct Table {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
};

// Column-aligned text table with an upper-case header line. Empty table -> "".
std::string render_table(const Table& t);
// Two-column "key: value" block for a single object.
std::string render_kv(const std::vector<std::pair<std::string, std::string>>& kv);
std::string render_json(const nlohmann::json& j, bool pretty = true);
std::string render_yaml(const nlohmann::json& j);
// A short human rendering of a JSON scalar ("" for null).
std::string scalar_text(const nlohmann::json& j);

}  // namespace tenantctl::output
