#pragma once
// Bootstrapping the local platform's state directory: credentials, dev.json and the `local` profile.
#include <string>

#include "core/result.hpp"
#include "platform/api.hpp"

namespace tenantctl::platform {

// Reads <state_dir>/credentials.json, or creates it (mode 0600) with a new 32-hex account id and a
// random API token on first start.
Result<Credentials> load_or_create_credentials(const std::string& state_dir);
// Writes <state_dir>/dev.json {"api_url","pid","port"[,"workers_url"]} atomically.
Status write_dev_json(const std::string& state_dir, const std::string& api_url, long pid, unsigned port,
                      const std::string& workers_url = {});
// Writes the `local` profile {"api_url","api_token","account_id"} atomically with mode 0600.
// Takes <state_dir>/dev.lock (flock, exclusive) for as long as the returned descriptor stays open: a second
// `tenantctl dev` on the same state directory is refused instead of sharing (and then breaking) it.
Result<int> lock_state_dir(const std::string& state_dir);
Status write_local_profile(const std::string& profile_path, const std::string& api_url, const Credentials& creds);

}  // namespace tenantctl::platform
