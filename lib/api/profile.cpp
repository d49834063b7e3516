#include "api/profile.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

Status validate_profile_name(const std::string& name) {
    bool ok = !name.empty() && name.size() <= 64 && name[0] != '.';
    for (unsigned char c : name) {
        if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.')) ok = false;
    }
    if (!ok) {
        return Error(ErrorKind::Usage, "invalid profile name " + tenantctl::quoted(name),
                     "use letters, digits, '-', '_' or '.' (at most 64 characters)");
    }
    return {};
}

std::string profiles_dir(const Env& env) {
    return env.config_home() + "/tenantctl/profiles";
}

std::string profile_path(const Env& env, const std::string& name) {
    return profiles_dir(env) + "/" + name + ".json";
}

Result<std::optional<Profile>> read_profile(const Env& env, const std::string& name) {
    TRY_STATUS(validate_profile_name(name));
    std::string path = profile_path(env, name);
    if (!file_exists(path)) return std::optional<Profile>{};
    TRY_ASSIGN(std::string text, read_file(path));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    auto bad = [&](const std::string& what) {
        return Error(ErrorKind::Config, "profile file " + path + " is invalid: " + what,
                     "run `tenantctl login --profile " + name + "` to write it again");
    };
    if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
    Profile p;
    p.name = name;
    auto str = [&](const char* key, std::string& out, bool required) -> Status {
        auto it = j.find(key);
        if (it == j.end() || it->is_null()) {
            if (required) return bad(std::string("field \"") + key + "\" is missing");
            return {};
        }
        if (!it->is_string()) return bad(std::string("field \"") + key + "\" must be a string");
        out = it->get<std::string>();
        return {};
    };
    TRY_STATUS(str("api_token", p.api_token, true));
    TRY_STATUS(str("api_url", p.api_url, false));
    TRY_STATUS(str("account_id", p.account_id, false));
    if (p.api_token.empty()) return bad("field \"api_token\" is empty");
    Redactor::global().add(p.api_token);
    return std::optional<Profile>(std::move(p));
}

Status write_profile(const Env& env, const Profile& p) {
    TRY_STATUS(validate_profile_name(p.name));
    if (p.api_token.empty()) {
        return Error(ErrorKind::Input, "profile " + tenantctl::quoted(p.name) + " has no api_token",
                     "a profile needs a token");
    }
    std::string dir = profiles_dir(env);
    TRY_STATUS(make_dirs(dir, 0700));
    ::chmod(dir.c_str(), 0700);
    nlohmann::json j = nlohmann::json::object();
    if (!p.api_url.empty()) j["api_url"] = p.api_url;
    j["api_token"] = p.api_token;
    if (!p.account_id.empty()) j["account_id"] = p.account_id;
    return write_file_atomic(profile_path(env, p.name), j.dump(2) + "\n", 0600);
}

Result<bool> remove_profile(const Env& env, const std::string& name) {
    TRY_STATUS(validate_profile_name(name));
    std::string path = profile_path(env, name);
    if (::unlink(path.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    return Error(ErrorKind::Io, "could not remove " + path + ": " + std::strerror(errno));
}

std::string active_profile_name(const std::string& flag_profile, bool local, const Env& env) {
    if (!flag_profile.empty()) return flag_profile;
    if (local) return "local";
    return env.get_or("TENANTCTL_PROFILE", "default");
}

}  // namespace tenantctl::api
