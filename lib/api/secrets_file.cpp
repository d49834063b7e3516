#include "api/secrets_file.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

namespace {

const char* k_hint = "give a JSON object like {\"KEY\": \"value\", \"OLD\": null} or KEY=VALUE lines (.env format)";

Error bad(const std::string& msg) {
    return Error(ErrorKind::Input, msg, k_hint);
}

Result<SecretsPatch> parse_json(const std::string& text, const std::string& src) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        // Never show e.what(): it quotes the text around the error, which may be a secret value.
        size_t off = e.byte > 0 ? e.byte - 1 : 0;
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return bad("malformed JSON in " + src + " at line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    if (!j.is_object()) return bad("the secrets in " + src + " must be a JSON object");
    SecretsPatch out;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!valid_secret_name(it.key()))
            return bad("invalid secret name " + tenantctl::quoted(it.key()) + " in " + src);
        if (it->is_null()) {
            out[it.key()] = std::nullopt;
        } else if (it->is_string()) {
            auto v = it->get<std::string>();
            Redactor::global().add(v);
            out[it.key()] = std::move(v);
        } else {
            return bad("the value of " + tenantctl::quoted(it.key()) + " in " + src +
                       " must be a string, or null to delete it");
        }
    }
    return out;
}

Result<SecretsPatch> parse_dotenv(const std::string& text, const std::string& src) {
    SecretsPatch out;
    auto lines = split(text, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string where = "line " + std::to_string(i + 1) + " of " + src;
        std::string_view line = trim(lines[i]);
        if (line.empty() || line[0] == '#') continue;
        if (starts_with(line, "export ")) line = trim(line.substr(7));
        auto eq = line.find('=');
        if (eq == std::string_view::npos) return bad(where + " is not KEY=VALUE");
        std::string key(trim(line.substr(0, eq)));
        if (!valid_secret_name(key)) return bad(where + ": invalid secret name " + tenantctl::quoted(key));
        std::string_view rest = line.substr(eq + 1);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        std::string value;
        if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
            char q = rest.front();
            size_t j = 1;
            bool closed = false;
            for (; j < rest.size(); ++j) {
                char c = rest[j];
                if (c == q) {
                    closed = true;
                    break;
                }
                if (q == '"' && c == '\\' && j + 1 < rest.size()) {
                    char n = rest[++j];
                    value += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n;
                    continue;
                }
                value += c;
            }
            if (!closed) return bad(where + ": the quoted value of " + tenantctl::quoted(key) + " is not closed");
            std::string_view after = trim(rest.substr(j + 1));
            if (!after.empty() && after[0] != '#') {
                return bad(where + ": unexpected text after the quoted value of " + tenantctl::quoted(key));
            }
        } else {
            auto hash = rest.find(" #");
            if (hash != std::string_view::npos) rest = rest.substr(0, hash);
            value = std::string(trim(rest));
        }
        Redactor::global().add(value);
        out[key] = std::move(value);
    }
    return out;
}

}  // namespace

bool valid_secret_name(std::string_view k) {
    if (k.empty() || k.size() > 256) return false;
    if (!(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
    for (unsigned char c : k) {
        if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
}

Result<SecretsPatch> parse_secrets_input(const std::string& text, const std::string& src) {
    std::string_view t = trim(text);
    if (t.empty()) return bad("no secrets found in " + src);
    Result<SecretsPatch> r = (t.front() == '{') ? parse_json(text, src) : parse_dotenv(text, src);
    if (r.ok() && r->empty()) return bad("no secrets found in " + src);
    return r;
}

}  // namespace tenantctl::api
