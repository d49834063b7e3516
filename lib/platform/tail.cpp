#include "platform/tail.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

#include "core/strings.hpp"

namespace tenantctl::platform {

using json = nlohmann::json;

namespace {

int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

Result<std::set<std::string>> string_set(const json& v, const char* what, bool upper) {
    if (!v.is_array()) return Error(ErrorKind::Input, std::string("tail filter ") + what + " must be an array");
    std::set<std::string> out;
    for (auto& x : v) {
        if (!x.is_string())
            return Error(ErrorKind::Input, std::string("tail filter ") + what + " must be an array of strings");
        std::string s = x.get<std::string>();
        if (upper) std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
        out.insert(s);
    }
    return out;
}

// The text a search filter looks in: every log message and every exception.
bool event_contains(const json& e, const std::string& needle) {
    auto in = [&](const json& v) {
        std::string s = v.is_string() ? v.get<std::string>() : v.dump();
        return s.find(needle) != std::string::npos;
    };
    if (auto it = e.find("logs"); it != e.end() && it->is_array())
        for (auto& l : *it)
            if (l.is_object() && l.contains("message") && in(l["message"])) return true;
    if (auto it = e.find("exceptions"); it != e.end() && it->is_array())
        for (auto& x : *it)
            if (x.is_object() && ((x.contains("message") && in(x["message"])) || (x.contains("name") && in(x["name"]))))
                return true;
    return false;
}

const json* request_of(const json& e) {
    auto ev = e.find("event");
    if (ev == e.end() || !ev->is_object()) return nullptr;
    auto rq = ev->find("request");
    return rq != ev->end() && rq->is_object() ? &*rq : nullptr;
}

}  // namespace

Result<TailFilter> parse_tail_filter(const std::string& message) {
    if (message.size() > k_max_tail_filter_bytes)
        return Error(ErrorKind::Input, "tail filter message over " + std::to_string(k_max_tail_filter_bytes) +
                                           " bytes (k_max_tail_filter_bytes)");
    json doc = json::parse(message, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return Error(ErrorKind::Input, "tail filter message is not a JSON object");
    TailFilter f;
    auto fl = doc.find("filters");
    if (fl == doc.end()) return f;
    if (!fl->is_array()) return Error(ErrorKind::Input, "tail filter \"filters\" must be an array");
    for (auto& item : *fl) {
        if (!item.is_object() || item.size() != 1)
            return Error(ErrorKind::Input, "each tail filter must be an object with one key");
        // (the key and value are taken from an iterator of the object itself: items() is a temporary)
        auto first = item.begin();
        const std::string k = first.key();
        const json& v = first.value();
        if (k == "outcome") {
            TRY_ASSIGN(f.outcomes, string_set(v, "outcome", false));
        } else if (k == "method") {
            TRY_ASSIGN(f.methods, string_set(v, "method", true));
        } else if (k == "client_ip") {
            TRY_ASSIGN(f.client_ips, string_set(v, "client_ip", false));
        } else if (k == "query") {
            if (!v.is_string()) return Error(ErrorKind::Input, "tail filter query must be a string");
            f.query = v.get<std::string>();
        } else if (k == "sampling_rate") {
            if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
                return Error(ErrorKind::Input, "tail filter sampling_rate must be a number from 0 to 1");
            f.sampling_rate = v.get<double>();
        } else if (k == "header") {
            if (!v.is_object() || !v.contains("key") || !v["key"].is_string())
                return Error(ErrorKind::Input, "tail filter header needs a string \"key\"");
            f.header_key = lower(v["key"].get<std::string>());
            if (v.contains("query") && v["query"].is_string()) f.header_query = v["query"].get<std::string>();
        } else {
            return Error(ErrorKind::Input, "unknown tail filter " + tenantctl::quoted(k));
        }
    }
    return f;
}

bool tail_filter_matches(const TailFilter& f, const json& e) {
    if (!f.outcomes.empty()) {
        auto it = e.find("outcome");
        if (it == e.end() || !it->is_string() || !f.outcomes.count(it->get<std::string>())) return false;
    }
    const json* rq = request_of(e);
    if (!f.methods.empty()) {
        if (!rq || !rq->contains("method") || !(*rq)["method"].is_string() ||
            !f.methods.count((*rq)["method"].get<std::string>()))
            return false;
    }
    if (!f.client_ips.empty()) {
        std::string ip;
        if (rq && rq->contains("cf") && (*rq)["cf"].is_object()) ip = (*rq)["cf"].value("clientIp", std::string());
        if (auto colon = ip.rfind(':'); colon != std::string::npos && ip.find(':') == colon) ip.resize(colon);
        if (!f.client_ips.count(ip)) return false;
    }
    if (!f.header_key.empty()) {
        if (!rq || !rq->contains("headers") || !(*rq)["headers"].is_object()) return false;
        bool found = false;
        for (auto& [k, v] : (*rq)["headers"].items())
            if (lower(k) == f.header_key && v.is_string() &&
                (!f.header_query || v.get<std::string>().find(*f.header_query) != std::string::npos))
                found = true;
        if (!found) return false;
    }
    if (!f.query.empty() && !event_contains(e, f.query)) return false;
    return true;
}

TailHub::TailHub(Clock now) : m_now(now ? std::move(now) : Clock(system_now)) {}

void TailHub::set_url_base(std::string base) {
    std::lock_guard lock(m_mutex);
    m_url_base = std::move(base);
}

Result<TailInfo> TailHub::create(const std::string& script) {
    std::vector<std::function<void()>> ends;
    Result<TailInfo> out = Error(ErrorKind::Internal, "");
    {
        std::lock_guard lock(m_mutex);
        expire_locked(ends);
        size_t same = 0;
        for (auto& [id, t] : m_tails) same += t.info.script == script;
        if (same >= k_max_tails_per_script)
            out = Error(ErrorKind::Conflict, "script " + tenantctl::quoted(script) + " already has " +
                                                 std::to_string(same) + " tails (k_max_tails_per_script)");
        else if (m_tails.size() >= k_max_tails)
            out = Error(ErrorKind::Conflict,
                        "the platform has " + std::to_string(m_tails.size()) + " tails open (k_max_tails)");
        else {
            Tail t;
            t.info.id = random_hex(16);
            t.info.script = script;
            t.info.url = m_url_base + t.info.id;
            t.info.expires = m_now() + k_tail_ttl_seconds;
            t.info.expires_at = rfc3339_utc(t.info.expires);
            out = t.info;
            m_tails.emplace(t.info.id, std::move(t));
        }
    }
    for (auto& e : ends) e();
    return out;
}

void TailHub::end_locked(const std::string& id, const std::string& why, std::vector<std::function<void()>>& ends) {
    auto it = m_tails.find(id);
    if (it == m_tails.end()) return;
    for (auto sub : it->second.subs) {
        auto s = m_subs.find(sub);
        if (s == m_subs.end()) continue;
        if (s->second.on_end) ends.push_back([f = s->second.on_end, why] { f(why); });
        m_subs.erase(s);
    }
    m_tails.erase(it);
}

void TailHub::expire_locked(std::vector<std::function<void()>>& ends) {
    int64_t now = m_now();
    std::vector<std::string> gone;
    for (auto& [id, t] : m_tails)
        if (t.info.expires <= now) gone.push_back(id);
    for (auto& id : gone) end_locked(id, "the tail expired", ends);
}

bool TailHub::remove(const std::string& script, const std::string& id) {
    std::vector<std::function<void()>> ends;
    bool found = false;
    {
        std::lock_guard lock(m_mutex);
        auto it = m_tails.find(id);
        if (it != m_tails.end() && it->second.info.script == script) {
            found = true;
            end_locked(id, "the tail was deleted", ends);
        }
    }
    for (auto& e : ends) e();
    return found;
}

void TailHub::remove_script(const std::string& script) {
    std::vector<std::function<void()>> ends;
    {
        std::lock_guard lock(m_mutex);
        std::vector<std::string> gone;
        for (auto& [id, t] : m_tails)
            if (t.info.script == script) gone.push_back(id);
        for (auto& id : gone) end_locked(id, "the worker was deleted", ends);
        m_stats.erase(script);
    }
    for (auto& e : ends) e();
}

std::vector<TailInfo> TailHub::list(const std::string& script) {
    std::vector<std::function<void()>> ends;
    std::vector<TailInfo> out;
    {
        std::lock_guard lock(m_mutex);
        expire_locked(ends);
        for (auto& [id, t] : m_tails)
            if (t.info.script == script) {
                out.push_back(t.info);
                out.back().connected = t.subs.size();
            }
    }
    for (auto& e : ends) e();
    return out;
}

std::optional<TailInfo> TailHub::find(const std::string& id) {
    std::lock_guard lock(m_mutex);
    auto it = m_tails.find(id);
    if (it == m_tails.end() || it->second.info.expires <= m_now()) return std::nullopt;
    TailInfo i = it->second.info;
    i.connected = it->second.subs.size();
    return i;
}

uint64_t TailHub::attach(const std::string& id, Sink on_event, std::function<void(const std::string&)> on_end) {
    std::lock_guard lock(m_mutex);
    auto it = m_tails.find(id);
    if (it == m_tails.end() || it->second.info.expires <= m_now()) return 0;
    uint64_t n = m_next_sub++;
    m_subs[n] = Sub{id, std::move(on_event), std::move(on_end), {}, 0};
    it->second.subs.insert(n);
    return n;
}

void TailHub::set_filter(uint64_t subscription, TailFilter filter) {
    std::lock_guard lock(m_mutex);
    auto it = m_subs.find(subscription);
    if (it != m_subs.end()) it->second.filter = std::move(filter);
}

void TailHub::detach(uint64_t subscription) {
    std::lock_guard lock(m_mutex);
    auto it = m_subs.find(subscription);
    if (it == m_subs.end()) return;
    auto t = m_tails.find(it->second.tail_id);
    if (t != m_tails.end()) t->second.subs.erase(subscription);
    m_subs.erase(it);
}

void TailHub::publish(const std::string& json_array) {
    json doc = json::parse(json_array, nullptr, false);
    if (doc.is_discarded()) return;
    if (doc.is_array())
        for (auto& e : doc) publish(e);
    else if (doc.is_object())
        publish(doc);
}

void TailHub::publish(const json& e) {
    if (!e.is_object()) return;
    std::string name =
        e.contains("scriptName") && e["scriptName"].is_string() ? e["scriptName"].get<std::string>() : "";
    if (name.empty()) return;
    std::string ns = e.contains("dispatchNamespace") && e["dispatchNamespace"].is_string()
                         ? e["dispatchNamespace"].get<std::string>()
                         : "";
    std::string script = ns.empty() ? name : ns + "/" + name;
    std::string text;
    std::lock_guard lock(m_mutex);
    ++m_published;
    int64_t now = m_now();
    int64_t ts = now;
    if (auto it = e.find("eventTimestamp"); it != e.end() && it->is_number()) ts = it->get<int64_t>() / 1000;
    auto& minutes = m_stats[script];
    ScriptStats& st = minutes[ts / 60 * 60];
    st.requests += 1;
    std::string outcome = e.value("outcome", std::string("ok"));
    if (outcome != "ok") st.errors += 1;
    if (auto it = e.find("exceptions"); it != e.end() && it->is_array()) st.exceptions += it->size();
    if (auto it = e.find("logs"); it != e.end() && it->is_array()) st.logs += it->size();
    if (auto it = e.find("wallTime"); it != e.end() && it->is_number()) st.wall_ms += it->get<double>();
    if (auto it = e.find("cpuTime"); it != e.end() && it->is_number()) st.cpu_ms += it->get<double>();
    if (auto it = e.find("subrequests"); it != e.end() && it->is_number()) st.subrequests += it->get<uint64_t>();
    while (!minutes.empty() && minutes.begin()->first < now - k_tail_stats_minutes * 60) minutes.erase(minutes.begin());

    for (auto& [id, t] : m_tails) {
        if (t.info.script != script || t.subs.empty() || t.info.expires <= now) continue;
        for (auto sub : t.subs) {
            auto s = m_subs.find(sub);
            if (s == m_subs.end()) continue;
            Sub& sb = s->second;
            if (!tail_filter_matches(sb.filter, e)) continue;
            if (sb.filter.sampling_rate < 1.0) {
                // Deterministic sampling: every 1/rate-th matching record.
                ++sb.seen;
                double step = sb.filter.sampling_rate <= 0 ? 0 : 1.0 / sb.filter.sampling_rate;
                if (step == 0 || std::fmod(static_cast<double>(sb.seen - 1), step) >= 1.0) continue;
            }
            if (text.empty()) text = e.dump(-1, ' ', false, json::error_handler_t::replace);
            sb.on_event(text);
        }
    }
}

std::map<std::string, ScriptStats> TailHub::stats(int64_t since, int64_t until) {
    std::lock_guard lock(m_mutex);
    std::map<std::string, ScriptStats> out;
    for (auto& [script, minutes] : m_stats)
        for (auto it = minutes.lower_bound(since / 60 * 60); it != minutes.end() && it->first <= until; ++it) {
            ScriptStats& o = out[script];
            const ScriptStats& s = it->second;
            o.requests += s.requests;
            o.errors += s.errors;
            o.exceptions += s.exceptions;
            o.logs += s.logs;
            o.subrequests += s.subrequests;
            o.wall_ms += s.wall_ms;
            o.cpu_ms += s.cpu_ms;
        }
    return out;
}

uint64_t TailHub::published() const {
    std::lock_guard lock(m_mutex);
    return m_published;
}

}  // namespace tenantctl::platform
