// Container applications (every page; one by id or name; create, modify, roll out, delete), their health,
// instances and instance logs, and the image registries with their short-lived credentials.
#include "api/client.hpp"

#include "api/typed.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

using detail::field_text;
using detail::list_options;
using nlohmann::json;

std::string applications_path(const std::string& account) {
    return account_path(account) + "/containers/applications";
}

Result<std::vector<json>> ApiClient::list_applications(const std::string& account) {
    return list_all(applications_path(account), {}, list_options(PageStyle::PageToken, 0));
}

Result<json> ApiClient::find_application(const std::string& account, const std::string& id_or_name) {
    TRY_ASSIGN(std::vector<json> apps, list_applications(account));
    for (const auto& a : apps)
        if (field_text(a, "id") == id_or_name) return a;
    for (const auto& a : apps)
        if (field_text(a, "name") == id_or_name) return a;
    return Error(ErrorKind::NotFound, "no container application has the id or name " + quoted(id_or_name),
                 "list them with `tenantctl containers list`");
}

Result<std::vector<json>> ApiClient::list_applications_with_health(const std::string& account) {
    return list_all(account_path(account) + "/containers/dash/applications", {}, list_options(PageStyle::PageToken, 0));
}

Result<std::vector<json>> ApiClient::list_instances(const std::string& account, const std::string& application_id) {
    return list_all(applications_path(account) + "/" + url_encode(application_id) + "/instances-v2", {},
                    list_options(PageStyle::PageToken, 0));
}

Result<json> ApiClient::instance_logs(const std::string& account, const std::string& application_id,
                                      const std::string& instance_id, const std::string& since, int tail) {
    Query q;
    if (!since.empty()) q.emplace_back("since", since);
    if (tail >= 0) q.emplace_back("tail", std::to_string(tail));
    TRY_ASSIGN(ApiResult r, call(Method::Get,
                                 applications_path(account) + "/" + url_encode(application_id) + "/instances/" +
                                     url_encode(instance_id) + "/logs",
                                 q));
    return r.result;
}

namespace {
std::string application_path(const std::string& account, const std::string& id) {
    return applications_path(account) + "/" + url_encode(id);
}
std::string registries_path(const std::string& account) {
    return account_path(account) + "/containers/registries";
}
}  // namespace

Result<json> ApiClient::create_application(const std::string& account, const json& request) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, applications_path(account), {}, json_body(request)));
    return r.result;
}

Status ApiClient::modify_application(const std::string& account, const std::string& application_id, const json& patch) {
    TRY_STATUS(call(Method::Patch, application_path(account, application_id), {}, json_body(patch)));
    return {};
}

Result<json> ApiClient::create_rollout(const std::string& account, const std::string& application_id,
                                       const json& request) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, application_path(account, application_id) + "/rollouts", {}, json_body(request)));
    return r.result;
}

Status ApiClient::delete_application(const std::string& account, const std::string& application_id) {
    TRY_STATUS(call(Method::Delete, application_path(account, application_id)));
    return {};
}

Status ApiClient::delete_instance(const std::string& account, const std::string& application_id,
                                  const std::string& instance_id) {
    TRY_STATUS(
        call(Method::Delete, application_path(account, application_id) + "/instances/" + url_encode(instance_id)));
    return {};
}

Result<std::vector<json>> ApiClient::list_registries(const std::string& account) {
    return list_all(registries_path(account), {}, ListOptions{});
}

Result<json> ApiClient::create_registry(const std::string& account, const json& request) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, registries_path(account), {}, json_body(request)));
    return r.result;
}

Status ApiClient::delete_registry(const std::string& account, const std::string& domain) {
    TRY_STATUS(call(Method::Delete, registries_path(account) + "/" + url_encode(domain)));
    return {};
}

Result<json> ApiClient::registry_credentials(const std::string& account, const std::string& domain, int minutes,
                                             const std::vector<std::string>& permissions) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, registries_path(account) + "/" + url_encode(domain) + "/credentials", {},
                                 json_body({{"expiration_minutes", minutes}, {"permissions", permissions}})));
    if (std::string password = field_text(r.result, "password"); !password.empty()) Redactor::global().add(password);
    return r.result;
}

}  // namespace tenantctl::api
