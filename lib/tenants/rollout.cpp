#include "tenants/rollout.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "observe/analytics.hpp"
#include "workers/upload.hpp"

namespace tenantctl::tenants {

using nlohmann::json;
using std::chrono::milliseconds;

// ---- selector, canary, durations -------------------------------------------------------------------

Result<Selector> parse_selector(std::string_view text) {
    Selector s;
    s.text = std::string(trim(text));
    auto bad = [&](const std::string& why) {
        return Error(ErrorKind::Usage, "invalid --selector " + quoted(s.text) + ": " + why,
                     "write KEY=VALUE pairs separated by commas, KEY one of tag, plan, id: e.g. tag=beta,plan=free");
    };
    if (s.text.empty()) return bad("it is empty");
    for (const auto& part : split(s.text, ',')) {
        auto kv = trim(part);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) return bad(quoted(kv) + " has no '='");
        std::string key = to_lower(trim(kv.substr(0, eq)));
        std::string value(trim(kv.substr(eq + 1)));
        if (value.empty()) return bad(key + " has no value");
        if (key == "tag") {
            s.tags.push_back(value);
        } else if (key == "plan") {
            if (!s.plan.empty() && s.plan != value) return bad("two different plans");
            s.plan = value;
        } else if (key == "id") {
            s.ids.push_back(value);
        } else {
            return bad("unknown key " + quoted(key));
        }
    }
    return s;
}

namespace {
bool id_ok(const Selector& s, const std::string& id) {
    return s.ids.empty() || std::find(s.ids.begin(), s.ids.end(), id) != s.ids.end();
}
bool tags_ok(const Selector& s, const std::vector<std::string>& tags) {
    for (const auto& t : s.tags)
        if (std::find(tags.begin(), tags.end(), t) == tags.end()) return false;
    return true;
}
}  // namespace

bool selector_matches(const Selector& s, const TenantSpec& t) {
    return id_ok(s, t.id) && tags_ok(s, t.tags) && (s.plan.empty() || s.plan == t.plan);
}

bool selector_matches(const Selector& s, const std::string& id, const std::vector<std::string>& current_tags) {
    return id_ok(s, id) && tags_ok(s, current_tags) && (s.plan.empty() || s.plan == plan_of_tags(current_tags));
}

Result<CanarySpec> parse_canary(std::string_view text) {
    CanarySpec c;
    c.text = std::string(trim(text));
    auto bad = [&] {
        return Error(ErrorKind::Usage, "invalid --canary " + quoted(c.text),
                     "give a number of tenants (e.g. 10) or a percentage of the tenants to change (e.g. 5%)");
    };
    std::string_view v = c.text;
    if (!v.empty() && v.back() == '%') {
        v.remove_suffix(1);
        double p = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !(p > 0) || p > 100) return bad();
        c.is_percent = true;
        c.percent = p;
        return c;
    }
    long long n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || n < 1) return bad();
    c.count = n;
    return c;
}

size_t canary_size(const CanarySpec& c, size_t work) {
    if (!c.is_percent) return static_cast<size_t>(c.count);
    auto n = static_cast<size_t>(std::ceil(c.percent / 100.0 * static_cast<double>(work) - 1e-9));
    return std::max<size_t>(1, n);
}

Result<milliseconds> parse_duration(std::string_view text, const std::string& flag) {
    auto t = trim(text);
    auto bad = [&] {
        return Error(ErrorKind::Usage, "invalid " + flag + " " + quoted(t), "a duration such as 30s, 5m, 1h or 0");
    };
    size_t digits = 0;
    while (digits < t.size() && (std::isdigit(static_cast<unsigned char>(t[digits])) || t[digits] == '.')) ++digits;
    if (digits == 0) return bad();
    double n = 0;
    auto num = t.substr(0, digits);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || ptr != num.data() + num.size() || n < 0) return bad();
    auto unit = t.substr(digits);
    double ms = 0;
    if (unit.empty() || unit == "s")
        ms = n * 1000;
    else if (unit == "ms")
        ms = n;
    else if (unit == "m")
        ms = n * 60000;
    else if (unit == "h")
        ms = n * 3600000;
    else
        return bad();
    if (ms > 7.0 * 24 * 3600000) return bad();
    return milliseconds(static_cast<long long>(ms));
}

Result<double> parse_rate(std::string_view text, const std::string& flag) {
    auto t = trim(text);
    bool percent = !t.empty() && t.back() == '%';
    auto v = percent ? t.substr(0, t.size() - 1) : t;
    double d = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
    if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || d < 0)
        return Error(ErrorKind::Usage, "invalid " + flag + " " + quoted(t), "a percentage such as 5% (or 0.05)");
    if (percent || d > 1) d /= 100.0;
    if (d > 1) return Error(ErrorKind::Usage, "invalid " + flag + " " + quoted(t), "at most 100%");
    return d;
}

Result<std::vector<PlanItem>> select_plan(const std::vector<PlanItem>& plan, const Observed& obs,
                                          const Selector& selector) {
    if (selector.empty()) return plan;
    std::vector<PlanItem> out;
    for (const auto& p : plan) {
        bool m = false;
        if (p.spec) {
            m = selector_matches(selector, *p.spec);
        } else if (auto it = obs.tenants.find(p.id); it != obs.tenants.end()) {
            m = selector_matches(selector, p.id, it->second.tags);
        }
        if (m) out.push_back(p);
    }
    if (out.empty()) {
        return Error(ErrorKind::Usage,
                     "--selector " + quoted(selector.text) + " matches none of the " + std::to_string(plan.size()) +
                         " tenant(s) of the plan; nothing was changed",
                     "tag and plan are those the tenants file gives (a pruned tenant's: its current tags); list them "
                     "with `tenants apply --dry-run`");
    }
    return out;
}

// ---- rollout ---------------------------------------------------------------------------------------

namespace {
int64_t unix_seconds(Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
}
std::string percent_text(double rate) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
    return buf;
}
}  // namespace

CanaryVerdict judge_canary(size_t uploads, size_t upload_failures, const Result<CanaryTraffic>* traffic,
                           double max_rate) {
    CanaryVerdict v;
    v.uploads = uploads;
    v.upload_failures = upload_failures;
    v.upload_rate = uploads ? static_cast<double>(upload_failures) / static_cast<double>(uploads) : 0.0;
    auto above = [&](double r) { return r > max_rate + 1e-12; };
    std::string uploads_text = std::to_string(upload_failures) + " of " + std::to_string(uploads) +
                               " upload(s) failed (" + percent_text(v.upload_rate) + ")";
    std::string limit = " (--max-error-rate " + percent_text(max_rate) + ")";
    if (traffic && !traffic->ok()) {
        v.pass = false;
        v.read_error = traffic->error().message;
        if (!traffic->error().hint.empty()) v.read_error += " (" + traffic->error().hint + ")";
        v.reason = "the canary's request analytics could not be read: " + v.read_error;
        return v;
    }
    if (traffic) {
        v.traffic_read = true;
        v.traffic = traffic->value();
        if (v.traffic.requests)
            v.request_rate = static_cast<double>(v.traffic.errors) / static_cast<double>(v.traffic.requests);
    }
    std::string requests_text = !traffic ? std::string(", requests not read")
                                : v.traffic.requests == 0
                                    ? std::string("; no traffic")
                                    : "; " + std::to_string(v.traffic.errors) + " of " +
                                          std::to_string(v.traffic.requests) + " request(s) failed (" +
                                          percent_text(v.request_rate) + ")";
    bool bad_uploads = above(v.upload_rate);
    bool bad_requests = v.traffic.requests > 0 && above(v.request_rate);
    v.pass = !bad_uploads && !bad_requests;
    v.reason = uploads_text + requests_text;
    if (!v.pass)
        v.reason += std::string(": the ") +
                    (bad_uploads && bad_requests ? "upload and request error rates are"
                     : bad_uploads               ? "upload failure rate is"
                                                 : "request error rate is") +
                    " above" + limit;
    return v;
}

TrafficReader analytics_traffic_reader(api::ApiClient& client, const std::string& account, const std::string& ns) {
    return [&client, account, ns](const std::vector<std::string>& ids, int64_t since,
                                  int64_t until) -> Result<CanaryTraffic> {
        auto rows = observe::tenant_usage(client, account, ns, since, until);
        if (!rows.ok()) return rows.error();
        std::set<std::string> wanted(ids.begin(), ids.end());
        CanaryTraffic t;
        for (const auto& r : *rows) {
            if (!wanted.count(r.tenant)) continue;
            t.requests += r.requests;
            t.errors += r.errors;
        }
        return t;
    };
}

const char* to_string(RolloutStop s) {
    switch (s) {
        case RolloutStop::Done:
            return "done";
        case RolloutStop::Canary:
            return "canary";
        case RolloutStop::CanaryFailed:
            return "canary-failed";
        case RolloutStop::MaxFailures:
            return "max-failures";
        case RolloutStop::Interrupted:
            return "interrupted";
    }
    return "?";
}

RolloutResult rollout(api::ApiClient& client, const std::string& account, const TenantsFile& f, const Source& src,
                      const Observed& obs, const std::vector<PlanItem>& plan,
                      const std::map<std::string, std::map<std::string, std::string>>& secrets,
                      const RolloutOptions& o) {
    RolloutResult out;
    std::vector<size_t> work;
    for (size_t i = 0; i < plan.size(); ++i)
        if (plan[i].action != Action::Unchanged) work.push_back(i);
    out.results.resize(plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
        out.results[i].id = plan[i].id;
        out.results[i].action = plan[i].action;
        out.results[i].status =
            plan[i].action == Action::Unchanged ? ItemResult::Status::Ok : ItemResult::Status::Skipped;
    }
    const size_t total = work.size();
    size_t done_before = 0;
    int failures = 0;
    ApplyOptions ao = o.apply;
    if (o.recorder) {
        ApplyRecorder* rec = o.recorder;
        ao.before_change = [rec, &client, &account, &f](const PlanItem& item) {
            return rec->capture(client, account, f.ns, item.id, item.tags_before);
        };
    }
    // Runs plan items [from, to) of `work`; returns the failures among them.
    auto batch = [&](size_t from, size_t to) {
        std::vector<PlanItem> sub;
        std::vector<size_t> where;
        for (size_t k = from; k < to; ++k) {
            sub.push_back(plan[work[k]]);
            where.push_back(work[k]);
        }
        ApplyOptions b = ao;
        b.max_failures = o.max_failures > 0 ? std::max(0, o.max_failures - failures) : 0;
        size_t offset = done_before;
        b.on_done = [&, offset](const ItemResult& r, size_t done, size_t) {
            if (o.recorder) o.recorder->note(r);
            if (o.apply.on_done) o.apply.on_done(r, offset + done, total);
        };
        auto res = apply_plan(client, account, f, src, obs, sub, secrets, b);
        size_t failed = 0;
        for (size_t k = 0; k < res.size(); ++k) {
            if (res[k].status == ItemResult::Status::Failed) ++failed;
            if (res[k].status != ItemResult::Status::Skipped) ++done_before;
            out.results[where[k]] = std::move(res[k]);
        }
        failures += static_cast<int>(failed);
        return failed;
    };
    auto cancelled = [&] { return o.apply.cancel && o.apply.cancel->cancelled(); };
    auto budget_spent = [&] { return o.max_failures > 0 && failures >= o.max_failures; };

    size_t first = o.canary > 0 ? std::min(o.canary, total) : total;
    out.canary_size = o.canary > 0 ? first : 0;
    size_t failed = batch(0, first);
    if (o.canary > 0) out.canary_failed = failed;
    if (cancelled()) {
        out.stop = RolloutStop::Interrupted;
        return out;
    }
    if (budget_spent() && first < total) {
        out.stop = RolloutStop::MaxFailures;
        return out;
    }
    if (budget_spent()) {
        // Everything was attempted, but the budget says stop: reported so, since some of it did not start.
        bool skipped = std::any_of(out.results.begin(), out.results.end(),
                                   [](const ItemResult& r) { return r.status == ItemResult::Status::Skipped; });
        out.stop = skipped ? RolloutStop::MaxFailures : RolloutStop::Done;
        return out;
    }
    if (first >= total) return out;
    if (!o.continue_after) {
        out.stop = RolloutStop::Canary;
        return out;
    }
    if (o.on_watch) o.on_watch(*o.continue_after, first, failed);
    Clock& clock = o.clock ? *o.clock : static_cast<Clock&>(SystemClock::instance());
    // The watch starts when the canary batch finished (the local platform counts per minute: it reads from the
    // start of that minute).
    int64_t since = unix_seconds(clock);
    // The watch period, in slices so that Ctrl-C ends it.
    auto left = std::chrono::duration_cast<Clock::duration>(*o.continue_after);
    while (left > Clock::duration::zero() && !cancelled()) {
        auto step = std::min<Clock::duration>(left, std::chrono::milliseconds(200));
        clock.sleep_for(step);
        left -= step;
    }
    if (cancelled()) {
        out.stop = RolloutStop::Interrupted;
        return out;
    }
    // The canary's error rate: its upload failures and its tenants' request errors during the watch.
    std::optional<Result<CanaryTraffic>> traffic;
    if (o.read_traffic) {
        std::vector<std::string> ids;
        for (size_t k = 0; k < first; ++k)
            if (out.results[work[k]].status == ItemResult::Status::Ok && plan[work[k]].action != Action::Delete)
                ids.push_back(plan[work[k]].id);
        traffic = o.read_traffic(ids, since, unix_seconds(clock));
    }
    out.verdict = judge_canary(first, failed, traffic ? &*traffic : nullptr, o.max_error_rate);
    if (!out.verdict->pass) {
        out.stop = RolloutStop::CanaryFailed;
        return out;
    }
    batch(first, total);
    if (cancelled())
        out.stop = RolloutStop::Interrupted;
    else if (budget_spent() && std::any_of(out.results.begin(), out.results.end(),
                                           [](const ItemResult& r) { return r.status == ItemResult::Status::Skipped; }))
        out.stop = RolloutStop::MaxFailures;
    return out;
}

// ---- apply records ---------------------------------------------------------------------------------

namespace {

std::string utc_stamp(Clock& clock, bool compact) {
    std::time_t t = std::chrono::system_clock::to_time_t(clock.wall_now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, compact ? "%Y%m%dT%H%M%SZ" : "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string random_hex(size_t n) {
    std::random_device rd;
    std::string s;
    const char* hex = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) s += hex[rd() % 16];
    return s;
}

std::string records_dir(const std::string& dir, const std::string& account, const std::string& ns) {
    return join_path(join_path(dir, account), ns);
}

bool valid_apply_id(const std::string& id) {
    if (id.empty() || id.size() > 64 || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

}  // namespace

Result<std::unique_ptr<ApplyRecorder>> ApplyRecorder::start(const std::string& dir, const std::string& account,
                                                            const std::string& ns, const std::string& file,
                                                            Clock& clock) {
    auto r = std::unique_ptr<ApplyRecorder>(new ApplyRecorder());
    // Milliseconds too: ids sort in the order the applies started, also when two start within one second.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.wall_now().time_since_epoch()).count() % 1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>(ms));
    std::string stamp = utc_stamp(clock, true);
    stamp.pop_back();  // the Z
    r->m_id = stamp + frac + "-" + random_hex(6);
    r->m_path = join_path(records_dir(dir, account, ns), r->m_id);
    r->m_ns = ns;
    r->m_account = account;
    r->m_file = file;
    r->m_created = utc_stamp(clock, false);
    TRY_STATUS(make_dirs(r->m_path, 0700));
    TRY_STATUS(r->finish());
    return r;
}

Status ApplyRecorder::capture(api::ApiClient& client, const std::string& account, const std::string& ns,
                              const std::string& id, const std::vector<std::string>& tags) {
    auto what = [&](const Error& e) {
        return Error(e.kind, "could not record the current upload of " + id + " (so it was not changed): " + e.message,
                     e.hint);
    };
    auto content = client.get_script_content(account, ns, id);
    if (!content.ok()) return what(content.error());
    auto settings = client.get_script_settings(account, ns, id);
    if (!settings.ok()) return what(settings.error());
    TRY_STATUS(write_file_atomic(join_path(m_path, id + ".content"), content->body, 0600));
    json prior = {{"settings", *settings},
                  {"tags", tags},
                  {"content_type", content->header("content-type").value_or("application/javascript+module")},
                  {"content_file", id + ".content"}};
    if (auto ep = content->header("cf-entrypoint")) prior["entrypoint"] = *ep;
    std::lock_guard lock(m_mutex);
    m_prior[id] = std::move(prior);
    return {};
}

void ApplyRecorder::note(const ItemResult& r) {
    std::lock_guard lock(m_mutex);
    json item = {{"id", r.id}, {"action", to_string(r.action)}, {"status", to_string(r.status)}};
    if (auto it = m_prior.find(r.id); it != m_prior.end()) item["prior"] = *it;
    m_items.push_back(std::move(item));
}

Status ApplyRecorder::finish() {
    std::lock_guard lock(m_mutex);
    json doc = {{"id", m_id},     {"namespace", m_ns},       {"account", m_account},
                {"file", m_file}, {"created_at", m_created}, {"items", m_items}};
    return write_file_atomic(join_path(m_path, "record.json"), doc.dump(2) + "\n", 0600);
}

Result<std::vector<ApplyRecordInfo>> list_apply_records(const std::string& dir, const std::string& account,
                                                        const std::string& ns) {
    std::vector<ApplyRecordInfo> out;
    std::string base = records_dir(dir, account, ns);
    if (!dir_exists(base)) return out;
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(base, ec)) names.push_back(e.path().filename().string());
    if (ec) return Error(ErrorKind::Io, "cannot read the apply records in " + base + ": " + ec.message());
    for (const auto& name : names) {
        if (!valid_apply_id(name)) continue;
        std::string p = join_path(join_path(base, name), "record.json");
        auto text = read_file(p);
        if (!text.ok()) continue;
        json j = json::parse(*text, nullptr, false);
        if (!j.is_object()) continue;
        out.push_back({name, join_path(base, name), std::move(j)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
    return out;
}

// ---- rollback --------------------------------------------------------------------------------------

namespace {

// The parts of a multipart body (name, filename, content type, data).
std::vector<api::FormPart> split_multipart(const std::string& content_type, const std::string& body) {
    std::vector<api::FormPart> parts;
    auto b = content_type.find("boundary=");
    if (b == std::string::npos) return parts;
    std::string boundary = content_type.substr(b + 9);
    if (auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
    if (boundary.size() >= 2 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
    const std::string delim = "--" + boundary;
    size_t pos = body.find(delim);
    while (pos != std::string::npos) {
        pos += delim.size();
        if (body.compare(pos, 2, "--") == 0) break;
        if (body.compare(pos, 2, "\r\n") == 0) pos += 2;
        size_t head_end = body.find("\r\n\r\n", pos);
        if (head_end == std::string::npos) break;
        size_t next = body.find("\r\n" + delim, head_end + 4);
        if (next == std::string::npos) break;
        api::FormPart part;
        for (const auto& line : split(body.substr(pos, head_end - pos), '\n')) {
            std::string l(trim(line));
            std::string lower = to_lower(l);
            if (starts_with(lower, "content-type:")) part.content_type = std::string(trim(l.substr(13)));
            if (starts_with(lower, "content-disposition:")) {
                auto field = [&](const std::string& key) {
                    auto k = l.find(key + "=\"");
                    if (k == std::string::npos) return std::string();
                    auto e = l.find('"', k + key.size() + 2);
                    return e == std::string::npos ? std::string()
                                                  : l.substr(k + key.size() + 2, e - k - key.size() - 2);
                };
                part.filename = field("filename");
                part.name = field("name");
            }
        }
        part.data = body.substr(head_end + 4, next - head_end - 4);
        parts.push_back(std::move(part));
        pos = body.find(delim, next + 2);
    }
    return parts;
}

// The upload that puts back a recorded state.
Result<api::MultipartBody> restore_upload(const json& prior, const std::string& content) {
    const json& st = prior.value("settings", json::object());
    std::string ctype = prior.value("content_type", std::string("application/javascript+module"));
    std::vector<api::Module> modules;
    if (starts_with(to_lower(ctype), "multipart/")) {
        for (auto& p : split_multipart(ctype, content)) {
            std::string name = p.filename.empty() ? p.name : p.filename;
            if (name.empty() || name == "metadata") continue;
            modules.push_back({name, p.content_type.empty() ? api::module_content_type(name) : p.content_type, p.data});
        }
        if (modules.empty()) return Error(ErrorKind::Input, "the recorded content holds no module");
    } else {
        std::string name = json_string(prior, "entrypoint");
        if (name.empty()) name = ctype.find("module") != std::string::npos ? "index.mjs" : "index.js";
        modules.push_back({name, ctype, content});
    }
    std::string main = prior.value("entrypoint", modules.front().name);
    json m = json::object();
    bool is_module = modules.front().content_type.find("module") != std::string::npos ||
                     modules.front().content_type.find("python") != std::string::npos;
    m[is_module ? "main_module" : "body_part"] = main;
    json bindings = json::array();
    for (const auto& b : st.value("bindings", json::array())) {
        std::string type = json_string(b, "type");
        if (type == "secret_text" || type == "secret_key") continue;  // kept below, values are not readable
        bindings.push_back(b);
    }
    m["bindings"] = bindings;
    m["keep_bindings"] = json::array({"secret_text", "secret_key"});
    for (const char* k : {"compatibility_date", "compatibility_flags", "limits", "usage_model", "placement",
                          "observability", "logpush", "tail_consumers"})
        if (st.contains(k) && !st[k].is_null()) m[k] = st[k];
    if (m.contains("limits") && m["limits"].is_object() && m["limits"].empty()) m.erase("limits");
    m["tags"] = prior.value("tags", json::array());
    return api::build_worker_upload(m.dump(), modules);
}

}  // namespace

Result<RollbackResult> rollback(api::ApiClient& client, const std::string& account, const ApplyRecordInfo& record,
                                const ApplyOptions& o, Clock& clock) {
    RollbackResult out;
    out.apply_id = record.id;
    std::string ns = json_string(record.record, "namespace");
    std::vector<json> todo;
    for (const auto& it : record.record.value("items", json::array())) {
        if (json_string(it, "status") != "ok") continue;
        std::string action = json_string(it, "action");
        if (action == "create" || ((action == "update" || action == "delete") && it.contains("prior")))
            todo.push_back(it);
    }
    out.items.resize(todo.size());
    std::mutex m;
    size_t next = 0, done = 0;
    auto worker = [&] {
        for (;;) {
            size_t k = 0;
            {
                std::lock_guard lock(m);
                if ((o.cancel && o.cancel->cancelled()) || next >= todo.size()) return;
                k = next++;
            }
            const json& it = todo[k];
            RollbackItem& r = out.items[k];
            r.id = json_string(it, "id");
            Status st;
            if (json_string(it, "action") == "create") {
                r.action = "delete";
                st = client.delete_namespace_script(account, ns, r.id, true);
                if (!st.ok() && st.error().kind == ErrorKind::NotFound) st = {};
            } else {
                r.action = "restore";
                const json& prior = it["prior"];
                auto content = read_file(join_path(record.path, prior.value("content_file", r.id + ".content")));
                if (!content.ok()) {
                    st = std::move(content).error();
                } else {
                    auto up = restore_upload(prior, *content);
                    if (!up.ok())
                        st = std::move(up).error();
                    else if (auto put = client.put_namespace_script(account, ns, r.id, *up); !put.ok())
                        st = std::move(put).error();
                }
            }
            r.ok = st.ok();
            if (!st.ok()) r.error = Redactor::global().redact(st.error().message);
            std::lock_guard lock(m);
            ++done;
            if (o.on_done) {
                ItemResult ir;
                ir.id = r.id;
                ir.action = r.action == "delete" ? Action::Delete : Action::Update;
                ir.status = r.ok ? ItemResult::Status::Ok : ItemResult::Status::Failed;
                ir.error = r.error;
                o.on_done(ir, done, todo.size());
            }
        }
    };
    int n = std::max(1, std::min<int>(o.concurrency, static_cast<int>(std::max<size_t>(todo.size(), 1))));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    bool all_ok = std::all_of(out.items.begin(), out.items.end(), [](const RollbackItem& r) { return r.ok; });
    bool complete = done == todo.size();
    if (all_ok && complete) {
        json rec = record.record;
        rec["rolled_back_at"] = utc_stamp(clock, false);
        TRY_STATUS(write_file_atomic(join_path(record.path, "record.json"), rec.dump(2) + "\n", 0600));
    }
    return out;
}

}  // namespace tenantctl::tenants
