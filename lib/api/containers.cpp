// Container applications (every page; one by id or name), their health, instances and instance logs.
#include "api/client.hpp"

#include "api/typed.hpp"
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

}  // namespace tenantctl::api
