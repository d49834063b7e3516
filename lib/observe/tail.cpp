#include "observe/tail.hpp"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/strings.hpp"

namespace tenantctl::observe {

using json = nlohmann::json;

Result<std::string> tail_filter_message(const TailFilters& f) {
    json filters = json::array();
    if (f.sampling_rate < 0 || f.sampling_rate > 1 || f.sampling_rate != f.sampling_rate)
        return Error(ErrorKind::Usage,
                     "--sampling-rate " + std::to_string(f.sampling_rate) + " is not between 0 and 1");
    if (f.sampling_rate < 1) filters.push_back({{"sampling_rate", f.sampling_rate}});
    if (!f.status.empty()) {
        json outcomes = json::array();
        for (auto& s : f.status) {
            if (s == "ok")
                outcomes.push_back("ok");
            else if (s == "error")
                for (auto* o : {"exception", "exceededCpu", "exceededMemory", "unknown"}) outcomes.push_back(o);
            else if (s == "canceled")
                outcomes.push_back("canceled");
            else
                return Error(ErrorKind::Usage, "--status " + quoted(s) + " is not ok, error or canceled");
        }
        filters.push_back({{"outcome", outcomes}});
    }
    if (!f.methods.empty()) {
        json m = json::array();
        for (auto& x : f.methods) {
            if (x.empty() ||
                x.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != std::string::npos)
                return Error(ErrorKind::Usage, "--method " + quoted(x) + " is not an HTTP method");
            std::string up = x;
            for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            m.push_back(up);
        }
        filters.push_back({{"method", m}});
    }
    if (!f.header.empty()) {
        auto colon = f.header.find(':');
        std::string key(trim(f.header.substr(0, colon)));
        if (key.empty())
            return Error(ErrorKind::Usage, "--header " + quoted(f.header) + " has no header name", "KEY or KEY:VALUE");
        json h = {{"key", key}};
        if (colon != std::string::npos) h["query"] = std::string(trim(f.header.substr(colon + 1)));
        filters.push_back({{"header", h}});
    }
    if (!f.ips.empty()) filters.push_back({{"client_ip", f.ips}});
    if (!f.search.empty()) filters.push_back({{"query", f.search}});
    return json{{"filters", filters}, {"debug", false}}.dump();
}

namespace {

struct TargetState {
    TailTarget target;
    api::ScriptRef ref;
    std::string tail_id;
    std::string url;
    bool live = true;     // still read
    bool opened = false;  // the current connection opened
    int failures = 0;     // consecutive failed attempts
    std::chrono::steady_clock::time_point retry_at{};
    bool waiting = false;  // a reconnect is due at retry_at
};

std::string describe(const TailTarget& t) {
    return t.label.empty() ? t.script : t.label;
}

}  // namespace

Result<TailReport> run_tail(api::ApiClient& client, const TailOptions& o) {
    TailReport rep;
    rep.targets = o.targets.size();
    TRY_ASSIGN(std::string filter, tail_filter_message(o.filters));
    std::vector<TargetState> st;
    st.reserve(o.targets.size());
    for (auto& t : o.targets) st.push_back({t, {o.account_id, t.ns, t.script}, {}, {}, true, false, 0, {}, false});

    api::ApiClient& cleanup = o.cleanup_client ? *o.cleanup_client : client;
    auto delete_all = [&] {
        for (auto& s : st)
            if (!s.tail_id.empty()) {
                if (cleanup.delete_tail(s.ref, s.tail_id).ok()) ++rep.tails_deleted;
                s.tail_id.clear();
            }
    };
    auto status = [&](const std::string& line) {
        if (o.on_status) o.on_status(line);
    };
    auto create = [&](TargetState& s) -> Status {
        auto t = client.create_tail(s.ref);
        if (!t.ok()) {
            Error e = t.error();
            if (!s.target.ns.empty() && e.kind == ErrorKind::NotFound && e.hint.empty())
                e.hint =
                    "if the tenant exists, this API has no live tail for dispatch-namespace scripts (Cloudflare's "
                    "has none): add a tail consumer (tail_consumers) to the tenant's upload, or use `tenantctl dev`";
            return e;
        }
        s.tail_id = t->id;
        s.url = t->url;
        ++rep.tails_created;
        return ok_status();
    };

    for (auto& s : st) {
        if (o.cancel && o.cancel->cancelled()) break;
        if (auto c = create(s); !c.ok()) {
            delete_all();
            Error e = c.error();
            e.message = describe(s.target) + ": cannot start a tail: " + e.message;
            return e;
        }
    }

    std::map<size_t, size_t> index;  // connection id -> target
    size_t next_conn = 1;
    WsMux* mux_ptr = nullptr;
    auto connect = [&](size_t i) {
        TargetState& s = st[i];
        s.opened = false;
        s.waiting = false;
        size_t id = next_conn++;
        index[id] = i;
        if (o.on_url) o.on_url(s.url);
        if (auto r = mux_ptr->open(id, s.url, filter); !r.ok()) {
            s.live = false;
            rep.ended.push_back(describe(s.target) + ": " + r.error().message);
            index.erase(id);
        }
    };
    WsMux::Callbacks cb;
    cb.opened = [&](size_t id) {
        auto& s = st[index[id]];
        s.opened = true;
        if (s.failures > 0) status(describe(s.target) + ": reconnected");
        s.failures = 0;
    };
    cb.message = [&](size_t id, std::string&& msg) {
        ++rep.events;
        if (o.on_event) o.on_event(st[index[id]].target, msg);
    };
    cb.ended = [&](size_t id, const WsEnd& end) {
        size_t i = index[id];
        index.erase(id);
        TargetState& s = st[i];
        if (o.cancel && o.cancel->cancelled()) return;
        if (end.clean && s.opened) {
            // The server closed the tail (deleted, expired): it is gone, nothing to reconnect to.
            s.live = false;
            s.tail_id.clear();
            std::string why = end.reason.empty() ? "code " + std::to_string(end.close_code) : end.reason;
            rep.ended.push_back(describe(s.target) + ": the server closed the tail (" + why + ")");
            status(rep.ended.back());
            return;
        }
        ++s.failures;
        if (s.failures > o.max_reconnects) {
            s.live = false;
            rep.ended.push_back(describe(s.target) + ": gave up after " + std::to_string(o.max_reconnects) +
                                " reconnects (" + end.reason + ")");
            status(rep.ended.back());
            return;
        }
        if (end.http_status == 404) s.tail_id.clear();  // the tail is gone: start a new one
        int delay_ms = std::min(8000, 250 << std::min(s.failures, 5));
        status(describe(s.target) + ": " + end.reason + "; reconnecting in " + std::to_string(delay_ms) + " ms");
        ++rep.reconnects;
        s.waiting = true;
        s.retry_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    };
    WsMux mux(o.ws, cb);
    mux_ptr = &mux;
    if (!(o.cancel && o.cancel->cancelled()))
        for (size_t i = 0; i < st.size(); ++i) connect(i);

    while (true) {
        if (o.cancel && o.cancel->cancelled()) {
            rep.interrupted = true;
            break;
        }
        bool any_live = false;
        auto now = std::chrono::steady_clock::now();
        for (size_t i = 0; i < st.size(); ++i) {
            auto& s = st[i];
            if (!s.live) continue;
            any_live = true;
            if (s.waiting && now >= s.retry_at) {
                if (s.tail_id.empty()) {
                    if (auto c = create(s); !c.ok()) {
                        s.retry_at = now + std::chrono::seconds(2);
                        if (++s.failures > o.max_reconnects) {
                            s.live = false;
                            rep.ended.push_back(describe(s.target) + ": " + c.error().message);
                        }
                        continue;
                    }
                }
                connect(i);
            }
        }
        if (!any_live) break;
        if (mux.open_count() == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        else
            mux.run_for(std::chrono::milliseconds(100));
    }
    // Close what is open, then delete every tail (the server also forgets tails that expire).
    for (auto& [id, i] : index) mux.close(id);
    for (int n = 0; n < 20 && mux.open_count() > 0; ++n) mux.run_for(std::chrono::milliseconds(50));
    delete_all();
    if (!rep.interrupted && !rep.ended.empty()) {
        std::string what = rep.ended.size() == 1
                               ? rep.ended.front()
                               : std::to_string(rep.ended.size()) + " tails ended: " + join(rep.ended, "; ");
        return Error(ErrorKind::Network, what, "run the tail again");
    }
    return rep;
}

}  // namespace tenantctl::observe
