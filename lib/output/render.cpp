#include "output/render.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/strings.hpp"

namespace tenantctl::output {

static size_t display_width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s) {
        if ((c & 0xC0) != 0x80) ++w;  // count UTF-8 code points, not bytes
    }
    return w;
}

std::string render_table(const Table& t) {
    if (t.headers.empty()) return {};
    std::vector<size_t> widths(t.headers.size(), 0);
    for (size_t i = 0; i < t.headers.size(); ++i) widths[i] = display_width(t.headers[i]);
    for (const auto& row : t.rows) {
        for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], display_width(row[i]));
    }
    auto line = [&](const std::vector<std::string>& cells, bool upper) {
        std::string out;
        for (size_t i = 0; i < widths.size(); ++i) {
            std::string cell = i < cells.size() ? cells[i] : "";
            if (upper) std::transform(cell.begin(), cell.end(), cell.begin(), ::toupper);
            out += cell;
            if (i + 1 < widths.size()) out += std::string(widths[i] - display_width(cell) + 2, ' ');
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        return out + "\n";
    };
    std::string out = line(t.headers, true);
    for (const auto& row : t.rows) out += line(row, false);
    return out;
}

std::string render_kv(const std::vector<std::pair<std::string, std::string>>& kv) {
    size_t w = 0;
    for (const auto& [k, v] : kv) w = std::max(w, display_width(k));
    std::string out;
    for (const auto& [k, v] : kv) out += k + ":" + std::string(w - display_width(k) + 1, ' ') + v + "\n";
    return out;
}

std::string render_json(const nlohmann::json& j, bool pretty) {
    return (pretty ? j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                   : j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
           "\n";
}

static void to_yaml(YAML::Emitter& e, const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object:
            e << YAML::BeginMap;
            for (auto it = j.begin(); it != j.end(); ++it) {
                e << YAML::Key << it.key() << YAML::Value;
                to_yaml(e, it.value());
            }
            e << YAML::EndMap;
            break;
        case nlohmann::json::value_t::array:
            e << YAML::BeginSeq;
            for (const auto& v : j) to_yaml(e, v);
            e << YAML::EndSeq;
            break;
        case nlohmann::json::value_t::string: {
            const auto& s = j.get_ref<const std::string&>();
            // Quote strings that YAML would otherwise read as another type.
            static const char* special[] = {"true", "false", "null", "yes", "no", "on", "off", "~", ""};
            bool quote =
                std::any_of(std::begin(special), std::end(special), [&](const char* k) { return to_lower(s) == k; });
            if (!quote && !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.'))
                quote = true;
            if (quote)
                e << YAML::DoubleQuoted << s;
            else
                e << s;
            break;
        }
        case nlohmann::json::value_t::boolean:
            e << (j.get<bool>() ? "true" : "false");
            break;
        case nlohmann::json::value_t::null:
            e << YAML::Null;
            break;
        default:
            e << j.dump();
            break;
    }
}

std::string render_yaml(const nlohmann::json& j) {
    YAML::Emitter e;
    to_yaml(e, j);
    return std::string(e.c_str()) + "\n";
}

std::string scalar_text(const nlohmann::json& j) {
    if (j.is_null()) return "";
    if (j.is_string()) return j.get<std::string>();
    return j.dump();
}

}  // namespace tenantctl::output
