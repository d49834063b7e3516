#include "deploy/versions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/json.hpp"
#include "core/strings.hpp"
#include "images/git_info.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

std::string pct_text(double p) {
    if (std::fabs(p - std::round(p)) < 1e-9) return std::to_string(static_cast<long long>(std::llround(p))) + "%";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", p);
    return buf;
}

// At most `n` bytes of `s`, not cutting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, size_t n) {
    if (s.size() <= n) return s;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n);
}

Status check_message(const std::string& message) {
    if (message.size() > k_max_deployment_message)
        return Error(ErrorKind::Usage,
                     "--message " + quoted(message) + " is " + std::to_string(message.size()) +
                         " characters long; the API takes at most " + std::to_string(k_max_deployment_message),
                     "shorten the message");
    return {};
}

Status check_target(const VersionsTarget& t) {
    if (t.worker.empty())
        return Error(ErrorKind::Usage, "no worker name: the configuration has no \"name\"",
                     "pass --name WORKER or run where a wrangler config names the worker");
    return {};
}

// A version of the worker, or NotFound naming both.
Result<api::WorkerVersion> find_version(api::ApiClient& client, const VersionsTarget& t, const std::string& id) {
    auto v = client.get_version(t.account_id, t.worker, id);
    if (!v && v.error().kind == ErrorKind::NotFound)
        return Error(ErrorKind::NotFound, "version " + quoted(id) + " of worker " + quoted(t.worker) + " not found",
                     "list its versions with `tenantctl versions list --name " + t.worker + "`");
    return v;
}

std::string shares_text(const std::vector<api::DeploymentShare>& shares) {
    std::string s;
    for (const auto& v : shares) s += (s.empty() ? "" : " and ") + v.version_id + " at " + pct_text(v.percentage);
    return s;
}

Result<DeploymentReport> create(api::ApiClient& client, const VersionsTarget& t,
                                const std::vector<api::DeploymentShare>& shares, const std::string& message,
                                const ConfirmFn& confirm, std::optional<api::Deployment> previous) {
    if (confirm) TRY_STATUS(confirm("deploy " + shares_text(shares) + " to worker " + t.worker));
    DeploymentReport rep;
    rep.worker = t.worker;
    rep.previous = std::move(previous);
    TRY_ASSIGN(rep.deployment, client.create_deployment(t.account_id, t.worker, shares, message));
    return rep;
}

Result<std::vector<api::Deployment>> deployments_of(api::ApiClient& client, const VersionsTarget& t) {
    auto d = client.list_deployments(t.account_id, t.worker);
    if (!d && d.error().kind == ErrorKind::NotFound)
        return Error(ErrorKind::NotFound, "worker " + quoted(t.worker) + " not found: " + d.error().message,
                     "deploy it first with `tenantctl deploy`");
    return d;
}

}  // namespace

Result<std::string> versions_worker(const std::string& name, const std::string& config_name) {
    std::string worker = name.empty() ? config_name : name;
    if (worker.empty())
        return Error(ErrorKind::Usage, "no worker name was given and no wrangler config names one",
                     "pass --name WORKER, or run where a wrangler config names the worker");
    return worker;
}

json deployment_json(const api::Deployment& d) {
    json vs = json::array();
    for (const auto& v : d.versions) vs.push_back({{"version_id", v.version_id}, {"percentage", v.percentage}});
    return {{"id", d.id},           {"created_on", d.created_on},
            {"source", d.source},   {"author_email", d.author_email},
            {"message", d.message}, {"versions", vs},
            {"raw", d.raw}};
}

Result<VersionSpec> parse_version_spec(const std::string& text) {
    VersionSpec s;
    auto at = text.find('@');
    s.version_id = text.substr(0, at);
    if (trim(s.version_id).empty() || s.version_id.find_first_of(" \t\r\n/") != std::string::npos)
        return Error(ErrorKind::Usage, "version " + quoted(text) + ": no version id before '@'",
                     "give VERSION_ID or VERSION_ID@PERCENT, e.g. 5f2c…@50%");
    if (at == std::string::npos) return s;
    std::string p = text.substr(at + 1);
    if (!p.empty() && p.back() == '%') p.pop_back();
    char* end = nullptr;
    double v = p.empty() ? 0 : std::strtod(p.c_str(), &end);
    if (p.empty() || !end || *end != '\0' || !std::isfinite(v))
        return Error(ErrorKind::Usage,
                     "version " + quoted(text) + ": " + quoted(text.substr(at + 1)) + " is not a percentage",
                     "write VERSION_ID@PERCENT, e.g. " + s.version_id + "@50%");
    if (v < 0.01 || v > 100)
        return Error(
            ErrorKind::Usage,
            "version " + quoted(text) + ": percentage " + quoted(text.substr(at + 1)) + " is outside 0.01..100",
            "each version's share is between 0.01% and 100%");
    s.percentage = v;
    return s;
}

Result<std::vector<api::DeploymentShare>> deployment_shares(const std::vector<std::string>& specs) {
    if (specs.empty())
        return Error(ErrorKind::Usage, "no version to deploy", "give VERSION_ID, or two as ID1@PCT ID2@PCT");
    if (specs.size() > k_max_deployment_versions)
        return Error(ErrorKind::Usage,
                     "a deployment splits requests between at most " + std::to_string(k_max_deployment_versions) +
                         " versions; got " + std::to_string(specs.size()) + " (" + join(specs, ", ") + ")",
                     "deploy one version, or two as ID1@PCT ID2@PCT");
    std::vector<VersionSpec> parsed;
    for (const auto& t : specs) {
        TRY_ASSIGN(VersionSpec s, parse_version_spec(t));
        for (const auto& p : parsed)
            if (p.version_id == s.version_id)
                return Error(ErrorKind::Usage, "version " + quoted(s.version_id) + " is given twice",
                             "give each version once");
        parsed.push_back(s);
    }
    std::vector<api::DeploymentShare> out;
    if (parsed.size() == 1) {
        double p = parsed[0].percentage.value_or(100);
        if (std::fabs(p - 100) > 1e-9)
            return Error(ErrorKind::Usage,
                         "version " + quoted(specs[0]) + ": a single version serves 100%, not " + pct_text(p),
                         "give a second version for the other " + pct_text(100 - p));
        out.push_back({parsed[0].version_id, 100});
        return out;
    }
    const auto &a = parsed[0], &b = parsed[1];
    if (!a.percentage && !b.percentage)
        return Error(ErrorKind::Usage, "two versions need percentages: " + join(specs, " "),
                     "write them as ID1@PCT ID2@PCT, adding up to 100");
    double pa = a.percentage ? *a.percentage : 100 - *b.percentage;
    double pb = b.percentage ? *b.percentage : 100 - *a.percentage;
    if (std::fabs(pa + pb - 100) > 1e-6 || pa < 0.01 || pb < 0.01)
        return Error(ErrorKind::Usage,
                     "version percentages must add up to 100: " + join(specs, " ") + " adds up to " + pct_text(pa + pb),
                     "e.g. " + a.version_id + "@50% " + b.version_id + "@50%");
    out.push_back({a.version_id, pa});
    out.push_back({b.version_id, pb});
    return out;
}

Result<std::string> rollback_target(const std::vector<api::Deployment>& deployments) {
    if (deployments.empty())
        return Error(ErrorKind::NotFound, "the worker has no deployment to roll back from",
                     "deploy it with `tenantctl deploy`");
    const api::Deployment& current = deployments.front();
    std::string current_only = current.versions.size() == 1 ? current.versions[0].version_id : std::string();
    for (size_t i = 1; i < deployments.size(); ++i) {
        const auto& d = deployments[i];
        if (d.versions.size() != 1 || std::fabs(d.versions[0].percentage - 100) > 1e-9) continue;
        if (d.versions[0].version_id == current_only) continue;  // what already serves every request
        return d.versions[0].version_id;
    }
    return Error(ErrorKind::NotFound,
                 "no earlier deployment serves a single version at 100% other than the current one (" +
                     std::to_string(deployments.size()) + " deployment" + (deployments.size() == 1 ? "" : "s") +
                     " listed)",
                 "name the version: `tenantctl rollback VERSION_ID` (see `tenantctl versions list`)");
}

json VersionUploadReport::to_json() const {
    return {{"worker", worker},
            {"version_id", version.id},
            {"number", version.number},
            {"message", version.message},
            {"tag", version.tag},
            {"upload_digest", upload_digest},
            {"bundled", !bundler.empty()},
            {"deployed", false},
            {"messages", messages},
            {"raw", version.raw}};
}

json DeploymentReport::to_json() const {
    json j = {{"worker", worker}, {"deployment", deployment_json(deployment)}};
    j["previous"] = previous ? deployment_json(*previous) : json();
    return j;
}

json DeploymentStatus::to_json() const {
    json vs = json::array();
    for (size_t i = 0; i < deployment.versions.size(); ++i) {
        json v = {{"version_id", deployment.versions[i].version_id}, {"percentage", deployment.versions[i].percentage}};
        if (i < versions.size()) {
            v["number"] = versions[i].number;
            v["message"] = versions[i].message;
            v["tag"] = versions[i].tag;
            v["created_on"] = versions[i].created_on;
        }
        vs.push_back(v);
    }
    return {{"worker", worker}, {"deployment", deployment_json(deployment)}, {"versions", vs}};
}

Result<VersionUploadReport> run_versions_upload(const config::LoadedConfig& cfg, api::ApiClient& client,
                                                const VersionUploadOptions& o, const DeployEvents& ev) {
    auto step = [&](const std::string& s) {
        if (ev.step) ev.step(s);
    };
    TRY_STATUS(check_target(o.target));
    TRY_STATUS(check_message(o.message));
    const config::WorkerConfig worker = cfg.worker();
    VersionUploadReport rep;
    rep.worker = o.target.worker;
    // The worker must exist: a version belongs to a deployed worker (as wrangler: deploy first).
    step("reading worker " + rep.worker);
    TRY_ASSIGN(auto all, client.list_scripts(o.target.account_id));
    std::optional<json> script;
    for (auto& s : all)
        if (json_string(s, "id") == rep.worker) script = s;
    if (!script)
        return Error(ErrorKind::NotFound, "worker " + quoted(rep.worker) + " does not exist, so it has no versions",
                     "deploy it first with `tenantctl deploy`");

    DeployOptions build;
    build.keep_vars = o.keep_vars;
    build.compatibility_date = o.compatibility_date;
    build.no_bundle = o.no_bundle;
    build.env = o.env;
    // A config with assets is refused: versions upload does not send them.
    TRY_ASSIGN(workers::UploadBundle bundle, build_worker(cfg, worker, build, false, ev));
    workers::UploadOptions uo;
    uo.config_dir = cfg.dir;
    uo.config_path = cfg.path;
    rep.bundler = bundle.bundler;
    rep.upload_digest = bundle.digest.substr(bundle.digest.find(':') + 1);
    if (!json_string(*script, "migration_tag").empty())
        uo.current_migration_tag = json_string(*script, "migration_tag");
    auto git = images::read_git_info(cfg.dir);
    uo.message = !o.message.empty() ? o.message : git ? utf8_prefix(git->subject, k_max_deployment_message) : "";
    uo.version_tag = !o.version_tag.empty() ? o.version_tag
                     : git                  ? git->short_commit + (git->dirty ? "-dirty" : "")
                                            : "";
    TRY_STATUS(workers::apply_revision(bundle, worker, uo));
    step("uploading a version of worker " + rep.worker + " (not deployed)");
    TRY_ASSIGN(rep.version,
               client.upload_version(o.target.account_id, rep.worker, workers::encode_upload(bundle), &rep.messages));
    return rep;
}

Result<DeploymentReport> run_versions_deploy(api::ApiClient& client, const VersionsDeployOptions& o) {
    TRY_STATUS(check_target(o.target));
    TRY_ASSIGN(auto shares, deployment_shares(o.specs));
    TRY_STATUS(check_message(o.message));
    for (const auto& s : shares) TRY_STATUS(find_version(client, o.target, s.version_id));
    TRY_ASSIGN(auto deps, deployments_of(client, o.target));
    std::optional<api::Deployment> previous;
    if (!deps.empty()) previous = deps.front();
    return create(client, o.target, shares, o.message, o.confirm, std::move(previous));
}

Result<DeploymentReport> run_rollback(api::ApiClient& client, const RollbackOptions& o) {
    TRY_STATUS(check_target(o.target));
    TRY_STATUS(check_message(o.message));
    TRY_ASSIGN(auto deps, deployments_of(client, o.target));
    std::string id = o.version_id;
    if (id.empty()) {
        auto t = rollback_target(deps);
        if (!t) {
            Error e = std::move(t).error();
            e.message = "worker " + quoted(o.target.worker) + ": " + e.message;
            return e;
        }
        id = *t;
    }
    TRY_STATUS(find_version(client, o.target, id));
    std::optional<api::Deployment> previous;
    if (!deps.empty()) previous = deps.front();
    return create(client, o.target, {{id, 100}}, o.message, o.confirm, std::move(previous));
}

Result<DeploymentStatus> deployment_status(api::ApiClient& client, const VersionsTarget& t) {
    TRY_STATUS(check_target(t));
    TRY_ASSIGN(auto deps, deployments_of(client, t));
    if (deps.empty())
        return Error(ErrorKind::NotFound, "worker " + quoted(t.worker) + " has no deployment",
                     "deploy it with `tenantctl deploy` or `tenantctl versions deploy`");
    DeploymentStatus st;
    st.worker = t.worker;
    st.deployment = deps.front();
    for (const auto& v : st.deployment.versions) {
        TRY_ASSIGN(auto ver, find_version(client, t, v.version_id));
        st.versions.push_back(std::move(ver));
    }
    return st;
}

json VersionList::to_json() const {
    json arr = json::array();
    for (const auto& v : versions)
        arr.push_back({{"id", v.id},
                       {"number", v.number},
                       {"created_on", v.created_on},
                       {"source", v.source},
                       {"tag", v.tag},
                       {"message", v.message},
                       {"raw", v.raw}});
    return {{"worker", worker}, {"versions", arr}};
}

Result<VersionList> list_versions(api::ApiClient& client, const VersionsTarget& t) {
    TRY_ASSIGN(auto versions, client.list_versions(t.account_id, t.worker));
    return VersionList{t.worker, std::move(versions)};
}

json VersionView::to_json() const {
    return {{"worker", worker}, {"version", version.raw}};
}

Result<VersionView> view_version(api::ApiClient& client, const VersionsTarget& t, const std::string& version_id) {
    TRY_ASSIGN(auto version, client.get_version(t.account_id, t.worker, version_id));
    return VersionView{t.worker, std::move(version)};
}

json DeploymentList::to_json() const {
    json arr = json::array();
    for (const auto& d : deployments) arr.push_back(deployment_json(d));
    return {{"worker", worker}, {"deployments", arr}};
}

Result<DeploymentList> list_deployments(api::ApiClient& client, const VersionsTarget& t) {
    TRY_ASSIGN(auto deployments, client.list_deployments(t.account_id, t.worker));
    return DeploymentList{t.worker, std::move(deployments)};
}

}  // namespace tenantctl::deploy
