#pragma once
// Stored credential profiles: $XDG_CONFIG_HOME/tenantctl/profiles/<name>.json, mode 0600,
// {"api_url": "...", "api_token": "...", "account_id": "..."} (api_url and account_id optional).
// `tenantctl login` writes them; `tenantctl dev` writes the "local" profile with write_profile too.
#include <optional>
#include <string>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::api {

struct Profile {
    std::string name;
    std::string api_url;  // empty = default
    std::string api_token;
    std::string account_id;  // empty = resolve
};

// Letters, digits, '-', '_' and '.', 1-64 characters, not starting with '.'.
Status validate_profile_name(const std::string& name);
std::string profiles_dir(const Env& env);
std::string profile_path(const Env& env, const std::string& name);

// nullopt when the file does not exist; an error when it exists but is unreadable or malformed.
// The token is registered with the global Redactor.
Result<std::optional<Profile>> read_profile(const Env& env, const std::string& name);
// Writes atomically with mode 0600 (the directory is created 0700).
Status write_profile(const Env& env, const Profile& profile);
// true when a file was removed.
Result<bool> remove_profile(const Env& env, const std::string& name);

// --profile NAME > --local ("local") > $TENANTCTL_PROFILE > "default".
std::string active_profile_name(const std::string& flag_profile, bool local, const Env& env);

}  // namespace tenantctl::api
