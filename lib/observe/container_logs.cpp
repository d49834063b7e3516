#include "observe/container_logs.hpp"

#include <map>
#include <set>
#include <thread>

#include "core/strings.hpp"
#include "observe/analytics.hpp"

namespace tenantctl::observe {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
    return j[key].get<std::string>();
}

std::string state_of(const json& inst) {
    if (!inst.is_object() || !inst.contains("status") || !inst["status"].is_object()) return {};
    return str(inst["status"], "state");
}

// Where one instance's reading stands.
struct Cursor {
    std::string label;
    std::string last_time;                  // the last printed line's time
    std::vector<std::string> seen_at_last;  // stream + message of the lines printed at last_time
    bool started = false;
    bool gone = false;
};

bool matches(const json& inst, const ContainerLogsOptions& o) {
    if (!o.instance.empty()) return str(inst, "id") == o.instance || str(inst, "name") == o.instance;
    if (!o.tenant.empty()) return str(inst, "tenant_id") == o.tenant;
    return true;
}

// A 404 for the route itself (Cloudflare's 7000/7003 "no route", or no envelope at all), not for the instance.
bool no_logs_route(const Error& e) {
    if (e.http_status != 404 && e.http_status != 405 && e.http_status != 501) return false;
    if (e.http_status == 501) return false;  // the local platform without docker: its own message says so
    if (e.api_errors.empty()) return true;
    for (const auto& item : e.api_errors)
        if (item.code == 7000 || item.code == 7003) return true;
    return false;
}

Error cloudflare_has_none(const Error& e) {
    return Error(ErrorKind::NotImplemented,
                 "this API has no container-logs route (" + e.message +
                     "); Cloudflare's v4 API offers no container output: it goes to Workers Logs when the "
                     "worker's observability is enabled",
                 "read it in the dashboard (Workers & Pages > your worker > Logs) or export it with Logpush; "
                 "`tenantctl containers logs` works against `tenantctl dev`");
}

// Reads one page (or, when truncated, pages until caught up) of one instance and prints its new lines.
Status read_instance(api::ApiClient& client, const ContainerLogsOptions& o, const std::string& app_id,
                     const std::string& instance_id, Cursor& c, ContainerLogsReport& report) {
    for (int page = 0; page < 64; ++page) {
        if (o.cancel && o.cancel->cancelled()) return ok_status();
        std::string since = c.started ? c.last_time : o.since;
        int tail = c.started || !o.since.empty() ? -1 : o.tail;
        auto r = client.instance_logs(o.account_id, app_id, instance_id, since, tail);
        if (!r) return r.error();
        c.started = true;
        const json lines = r->value("logs", json::array());
        for (const auto& l : new_lines(lines, c.last_time, c.seen_at_last)) {
            ContainerLogLine out{instance_id, c.label, str(l, "time"), str(l, "stream"), str(l, "message")};
            if (out.time != c.last_time) c.seen_at_last.clear();
            c.last_time = out.time;
            c.seen_at_last.push_back(out.stream + "\n" + out.message);
            ++report.lines;
            if (o.on_line) o.on_line(out);
        }
        if (!r->value("truncated", false) || lines.empty()) break;
    }
    return ok_status();
}

}  // namespace

std::vector<json> new_lines(const json& page_lines, const std::string& last_time,
                            const std::vector<std::string>& seen_at_last) {
    std::vector<json> out;
    if (!page_lines.is_array()) return out;
    std::multiset<std::string> skip(seen_at_last.begin(), seen_at_last.end());
    for (const auto& l : page_lines) {
        std::string t = str(l, "time");
        if (!last_time.empty() && t == last_time) {
            auto it = skip.find(str(l, "stream") + "\n" + str(l, "message"));
            if (it != skip.end()) {
                skip.erase(it);
                continue;
            }
        }
        out.push_back(l);
    }
    return out;
}

Result<std::string> since_time(const std::string& text, int64_t now_unix) {
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) && text.find('T') != std::string::npos)
        return text;  // RFC 3339; the server checks it
    auto secs = parse_since(text);
    if (!secs)
        return Error(ErrorKind::Usage, "--since " + quoted(text) + " is neither a duration nor an RFC 3339 time",
                     "for example --since 10m, --since 2h or --since 2026-12-06T10:00:00Z");
    return rfc3339_utc(now_unix - *secs);
}

Result<ContainerLogsReport> run_container_logs(api::ApiClient& client, const ContainerLogsOptions& o) {
    ContainerLogsReport report;
    TRY_ASSIGN(json app, client.find_application(o.account_id, o.application));
    report.application_id = str(app, "id");
    report.application_name = str(app, "name");
    std::map<std::string, Cursor> cursors;  // by instance id, in id order
    bool listed = false;                    // the first listing is done: later instances "appeared"
    auto cancelled = [&] { return o.cancel && o.cancel->cancelled(); };
    auto refresh = [&]() -> Status {
        TRY_ASSIGN(auto instances, client.list_instances(o.account_id, report.application_id));
        std::set<std::string> present;
        for (const auto& inst : instances) {
            if (!matches(inst, o)) continue;
            std::string id = str(inst, "id");
            if (id.empty()) continue;
            present.insert(id);
            if (!cursors.count(id)) {
                Cursor c;
                c.label = !str(inst, "tenant_id").empty() ? str(inst, "tenant_id") : str(inst, "name");
                if (c.label.empty()) c.label = id;
                if (listed && o.on_status)
                    o.on_status("instance " + c.label + " (" + id + ") appeared: " + state_of(inst));
                cursors.emplace(id, std::move(c));
                ++report.instances;
            }
        }
        for (auto& [id, c] : cursors)
            if (!c.gone && !present.count(id)) {
                c.gone = true;
                if (o.on_status) o.on_status("instance " + c.label + " (" + id + ") is gone");
            }
        listed = true;
        return ok_status();
    };
    TRY_STATUS(refresh());
    if (cursors.empty()) {
        std::string what = !o.instance.empty() ? "no instance " + quoted(o.instance)
                           : !o.tenant.empty() ? "no instance serves tenant " + quoted(o.tenant)
                                               : "no instances";
        if (!o.follow)
            return Error(ErrorKind::NotFound, "application " + quoted(report.application_name) + " has " + what,
                         !o.tenant.empty() ? "an instance starts with the tenant's first request; --follow waits for it"
                                           : "tenantctl containers instances " + report.application_name);
        if (o.on_status) o.on_status("application " + report.application_name + " has " + what + " yet; waiting");
    }
    auto pass = [&]() -> Status {
        for (auto& [id, c] : cursors) {
            if (c.gone || cancelled()) continue;
            auto st = read_instance(client, o, report.application_id, id, c, report);
            if (st.ok()) continue;
            if (no_logs_route(st.error())) return cloudflare_has_none(st.error());
            if (st.error().kind == ErrorKind::NotFound) {
                c.gone = true;
                if (o.on_status) o.on_status("instance " + c.label + " (" + id + "): " + st.error().message);
                continue;
            }
            return st.error();
        }
        return ok_status();
    };
    TRY_STATUS(pass());
    if (!o.follow) return report;
    int rounds = 0;
    while (!cancelled()) {
        for (auto waited = std::chrono::milliseconds(0); waited < o.poll && !cancelled();
             waited += std::chrono::milliseconds(50))
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (cancelled()) break;
        if (++rounds % 3 == 0 || cursors.empty()) TRY_STATUS(refresh());
        TRY_STATUS(pass());
    }
    report.interrupted = true;
    return report;
}

}  // namespace tenantctl::observe
