#include "platform/dev.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace tenantctl::platform {

using json = nlohmann::json;

std::string stable_account_id(const std::string& state_dir) {
    return sha256_hex("tenantctl dev account\n" + state_dir).substr(0, 32);
}

bool valid_account_id(const std::string& id) {
    if (id.size() != 32) return false;
    for (char ch : id)
        if (!std::isxdigit(static_cast<unsigned char>(ch))) return false;
    return true;
}

Result<Credentials> load_or_create_credentials(const std::string& state_dir, const std::string& pinned_account_id) {
    std::string pinned = to_lower(pinned_account_id);
    if (!pinned.empty() && !valid_account_id(pinned))
        return Error(ErrorKind::Usage, "--account-id " + quoted(pinned_account_id) + " is not an account id",
                     "a Cloudflare account id is 32 hexadecimal digits");
    TRY_STATUS(make_dirs(state_dir, 0700));
    const std::string path = join_path(state_dir, "credentials.json");
    if (file_exists(path)) {
        TRY_ASSIGN(std::string text, read_file(path));
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("account_id") || !j["account_id"].is_string() ||
            !j.contains("api_token") || !j["api_token"].is_string())
            return Error(ErrorKind::Input, "the credentials file " + path + " is not valid",
                         "delete it to create new credentials (clients must then re-read the local profile)");
        Credentials c;
        c.account_id = j["account_id"].get<std::string>();
        c.api_token = j["api_token"].get<std::string>();
        Redactor::global().add(c.api_token);
        if (!pinned.empty() && pinned != c.account_id)
            return Error(ErrorKind::Usage,
                         "the state directory " + state_dir + " belongs to account " + c.account_id +
                             ", not to --account-id " + pinned,
                         "pass another --state-dir for that account, or delete " + path +
                             " to move this one to it (what was created under the old id is then not visible)");
        return c;
    }
    Credentials c;
    c.account_id = pinned.empty() ? stable_account_id(state_dir) : pinned;
    c.api_token = "tcdev_" + random_hex(24);
    Redactor::global().add(c.api_token);
    TRY_STATUS(
        write_file_atomic(path, json{{"account_id", c.account_id}, {"api_token", c.api_token}}.dump(2) + "\n", 0600));
    return c;
}

Status write_dev_json(const std::string& state_dir, const std::string& api_url, long pid, unsigned port,
                      const std::string& workers_url) {
    json j{{"api_url", api_url}, {"pid", pid}, {"port", port}};
    if (!workers_url.empty()) j["workers_url"] = workers_url;
    return write_file_atomic(join_path(state_dir, "dev.json"), j.dump(2) + "\n", 0644);
}

Result<int> lock_state_dir(const std::string& state_dir) {
    const std::string path = join_path(state_dir, "dev.lock");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Error(ErrorKind::Io, "cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        std::string who;
        if (auto info = read_file(join_path(state_dir, "dev.json")); info.ok()) {
            auto j = json::parse(*info, nullptr, false);
            if (j.is_object() && j.contains("pid")) who = " (pid " + j["pid"].dump() + ")";
        }
        return Error(ErrorKind::Usage, "the state directory " + state_dir + " is in use by another tenantctl dev" + who,
                     "stop that one, or pass another --state-dir");
    }
    return fd;
}

Status write_local_profile(const std::string& profile_path, const std::string& api_url, const Credentials& creds) {
    TRY_STATUS(make_dirs(parent_dir(profile_path), 0700));
    return write_file_atomic(
        profile_path,
        json{{"api_url", api_url}, {"api_token", creds.api_token}, {"account_id", creds.account_id}}.dump(2) + "\n",
        0600);
}

}  // namespace tenantctl::platform
