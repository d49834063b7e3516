#include "runtime/validate.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <filesystem>
#include <regex>

#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "runtime/model.hpp"
#include "runtime/workerd_config.hpp"

namespace tenantctl::runtime {

namespace {

using platform::CheckVerdict;
using platform::ScriptCheck;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
}

// workerd's own source locations ("workerd/server/server.c++:1234: error: ") before a message.
std::string strip_internal(std::string_view line) {
    static const std::regex internal(
        R"(^(?:[A-Za-z0-9_./+-]+\.c\+\+:\d+: )+(?:(?:error|warning|info|failed|exception): )?)");
    return std::regex_replace(std::string(trim(line)), internal, "");
}

// Secrets an upload's bindings carry: they may not appear in a message.
std::vector<std::string> secret_values(const nlohmann::json& bindings) {
    std::vector<std::string> out;
    if (!bindings.is_array()) return out;
    for (auto& b : bindings) {
        if (!b.is_object()) continue;
        const std::string type = b.value("type", std::string());
        if (type != "secret_text" && type != "secret_key") continue;
        for (const char* k : {"text", "key_base64"})
            if (b.contains(k) && b[k].is_string()) out.push_back(b[k].get<std::string>());
    }
    return out;
}

// The module the check runs in place of an ES module entry: it re-exports the entry's exports, the default
// one included (so start-up runs and fails exactly as the entry's own, and workerd checks the same exports), and
// adds a named entrypoint the check's socket goes to, answering with the handlers each export has, as an
// upload's answer lists them.
constexpr const char* k_probe_module = "__tenantctl_exports_probe__.js";
constexpr const char* k_probe_entrypoint = "__tenantctl_exports_probe__";
std::string probe_source(const std::string& main) {
    const std::string spec = nlohmann::json("./" + main).dump();
    return "import * as m from " + spec + ";\nexport * from " + spec + ";\nexport { default } from " + spec +
           ";\nexport const " + k_probe_entrypoint + R"JS( = {
  fetch() {
    const KNOWN = ["alarm", "email", "fetch", "queue", "scheduled", "tail", "test", "trace",
                   "webSocketClose", "webSocketError", "webSocketMessage"];
    const handlersOf = (x) => {
      const found = new Set();
      const look = (o) => { for (const k of KNOWN) { const d = Object.getOwnPropertyDescriptor(o, k);
                                                     if (d && typeof d.value === "function") found.add(k); } };
      let o = typeof x === "function" ? x.prototype : x && typeof x === "object" ? x : null;
      for (; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) look(o);
      return KNOWN.filter((k) => found.has(k));
    };
    const named = [];
    for (const name of Object.keys(m).sort()) {
      if (name === "default") continue;
      const h = handlersOf(m[name]);
      if (h.length) named.push({ name, handlers: h });
    }
    return new Response(JSON.stringify({ handlers: handlersOf(m.default), named_handlers: named }));
  },
};
)JS";
}

// GET / from the check's workerd: the probe's answer, or "" once `timeout_ms` have passed in all (the user's
// code runs first and could answer slowly) or when the answer is not a 200 of at most 64 KiB.
std::string probe_get(uint16_t port, int timeout_ms) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    asio::io_context ioc;
    // Asio opens the socket without close-on-exec; a workerd forked meanwhile still gets none of it (the
    // Forker's child closes every descriptor it is not lent).
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));  // one deadline for the connect, request and answer
    http::request<http::empty_body> req{http::verb::get, "/", 11};
    req.set(http::field::host, "probe");
    req.set(http::field::connection, "close");
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> res;
    res.body_limit(65536);
    bool read = false;
    const asio::ip::tcp::endpoint probe(asio::ip::address_v4::loopback(), port);
    stream.async_connect(probe, [&](beast::error_code connected) {
        if (connected) return;
        http::async_write(stream, req, [&](beast::error_code sent, size_t) {
            if (sent) return;
            http::async_read(stream, buffer, res, [&](beast::error_code answered, size_t) { read = !answered; });
        });
    });
    ioc.run();
    if (!read || res.get().version() != 11 || res.get().result() != http::status::ok) return {};
    return std::move(res.get().body());
}

Status write_file_in(const std::string& dir, const std::string& rel, const std::string& data) {
    std::string path = dir + "/" + rel;
    if (auto slash = path.rfind('/'); slash != std::string::npos)
        if (auto s = make_dirs(path.substr(0, slash), 0700); !s.ok()) return s;
    return write_file_atomic(path, data, 0600);
}

}  // namespace

std::string clean_startup_error(const std::string& output, const std::string& key, const std::string& main,
                                const Redactor& secrets,
                                const std::vector<std::pair<std::string, std::string>>& paths) {
    auto lines = split(output, '\n');
    const std::string prefix = "service " + key + ": ";
    std::string head;
    size_t at = lines.size();
    for (size_t i = 0; i < lines.size() && at == lines.size(); ++i)
        if (starts_with(lines[i], prefix)) head = lines[i].substr(prefix.size()), at = i;
    for (size_t i = 0; i < lines.size() && at == lines.size(); ++i)  // another service's (a binding's) failure
        if (starts_with(lines[i], "service "))
            if (auto colon = lines[i].find(": ", 8); colon != std::string::npos)
                head = lines[i].substr(colon + 2), at = i;
    for (size_t i = 0; i < lines.size() && at == lines.size(); ++i) {  // whatever workerd said first
        std::string l = strip_internal(lines[i]);
        if (!l.empty() && l[0] != '{') head = l, at = i;
    }
    if (at == lines.size()) return "the worker did not start (workerd gave no reason)";
    head = strip_internal(head);
    std::vector<std::string> stack;
    for (size_t j = at + 1; j < lines.size() && stack.size() < 20; ++j) {
        if (!starts_with(lines[j], "  at ")) break;
        stack.emplace_back(trim(lines[j].substr(5)));
    }
    std::string out = head;
    if (starts_with(head, "Uncaught SyntaxError") && stack.size() == 1) {
        out += " at " + stack[0];
    } else {
        for (auto& s : stack) out += "\n  at " + s;
    }
    replace_all(out, key + ":", main + ":");  // a service worker's locations name the service
    out = secrets.redact(out);
    for (auto& [from, to] : paths) replace_all(out, from, to);
    if (out.size() > 4096) out = out.substr(0, 4096) + "…";
    return out;
}

WorkerdValidator::WorkerdValidator(ValidatorOptions options)
    : m_opt(std::move(options)), m_forker(std::make_unique<Forker>()) {
    // The start-up baseline is measured now, not inside the first upload's check.
    m_warm = std::thread([this] { baseline_ns(); });
}

WorkerdValidator::~WorkerdValidator() {
    if (m_warm.joinable()) m_warm.join();
}

uint64_t WorkerdValidator::runs() const {
    std::lock_guard lock(m_mutex);
    return m_runs;
}

CheckVerdict WorkerdValidator::check(const ScriptCheck& script) {
    // A start that works is the code's alone: kept under the key without binding values, so the same code for a
    // thousand tenants is checked once. A refusal's message may quote a value (a var, a secret, anything computed
    // from one): kept, and shared with uploads checked at the same moment, only under the key with every value.
    const std::string key = platform::check_key(script);
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;
    }
    // Every binding value hashed only when the code has no working start cached (the common answer).
    const std::string exact = key + "/" + sha256_hex(script.bindings.dump());
    std::promise<CheckVerdict> mine;
    std::shared_future<CheckVerdict> theirs;
    {
        std::unique_lock lock(m_mutex);
        if (auto it = m_cache.find(key); it != m_cache.end()) return it->second;  // cached while hashing
        if (auto it = m_cache.find(exact); it != m_cache.end()) return it->second;
        if (auto it = m_pending.find(exact); it != m_pending.end())
            theirs = it->second;
        else
            m_pending[exact] = mine.get_future().share();
        if (!theirs.valid()) {
            m_cv.wait(lock, [&] { return m_running < std::max(1, m_opt.max_parallel); });
            ++m_running;
            ++m_runs;
        }
    }
    if (theirs.valid()) return theirs.get();  // the same code is being checked: its verdict is this one's
    bool cacheable = false;
    int64_t main_ns = -1;
    CheckVerdict v = run(script, cacheable, main_ns);
    if (v.ok && main_ns >= 0)
        if (int64_t base = baseline_ns(); base >= 0)
            v.startup_time_ms = std::max<int64_t>(0, (main_ns - base) / 1000000);
    {
        std::lock_guard lock(m_mutex);
        --m_running;
        m_cv.notify_all();
        m_pending.erase(exact);
        const std::string& at = v.ok ? key : exact;
        if (cacheable && m_cache.emplace(at, v).second) {
            m_order.push_back(at);
            while (m_order.size() > m_opt.cache_entries) {
                m_cache.erase(m_order.front());
                m_order.pop_front();
            }
        }
    }
    mine.set_value(v);
    return v;
}

int64_t WorkerdValidator::baseline_ns() {
    std::lock_guard lock(m_baseline_mutex);
    if (m_baseline_ns >= 0) return m_baseline_ns;
    try {
        ScriptCheck minimal;
        minimal.script = "baseline";
        minimal.main = "index.js";
        minimal.modules.push_back({"index.js", "index.js", "application/javascript+module",
                                   "export default { fetch() { return new Response(\"\"); } };"});
        minimal.compatibility_date = m_opt.workerd_date;
        bool cacheable = false;
        int64_t ns = -1;
        run(minimal, cacheable, ns, true);
        m_baseline_ns = ns;  // still -1 when it did not start: measured again next time
    } catch (const std::exception&) {
    }
    return m_baseline_ns;
}

CheckVerdict WorkerdValidator::run(const ScriptCheck& sc, bool& cacheable, int64_t& main_ns, bool quiet) {
    cacheable = false;
    main_ns = -1;
    Script s;
    s.name = sc.script.empty() ? std::string("worker") : sc.script;
    s.key = "w:" + s.name;
    s.etag = "check";
    s.main = sc.main;
    s.service_worker = !sc.has_modules;
    for (auto& m : sc.modules) {
        std::string kind = module_kind(m.content_type, m.name == sc.main);
        if (!kind.empty()) s.modules.push_back({m.name, kind, m.body});
    }
    s.compatibility_date = sc.compatibility_date;
    s.compatibility_flags = sc.compatibility_flags;
    s.bindings = sc.bindings.is_array() ? sc.bindings : nlohmann::json::array();
    // Nothing the runtime would run (Python workers, an entry that is no module): nothing to check.
    bool runs_main = false, probe = !s.service_worker;
    for (auto& m : s.modules) {
        runs_main = runs_main || m.name == s.main;
        probe = probe && m.name != k_probe_module && (m.name != s.main || m.kind == "esModule");
    }
    if (!runs_main) return {};
    if (probe) {  // an ES module entry: the probe re-exports it and tells its exports
        s.modules.push_back({k_probe_module, "esModule", probe_source(s.main)});
        s.main = k_probe_module;
    }
    Model model;
    model.scripts.push_back(std::move(s));
    const Script& one = model.scripts.front();

    uint64_t serial;
    {
        std::lock_guard lock(m_mutex);
        serial = ++m_serial;
    }
    const std::string dir = m_opt.dir + "/" + std::to_string(::getpid()) + "-" + std::to_string(serial);
    GenOptions g;
    g.storage_address = "127.0.0.1:9";  // nothing is called at start-up: no service needs to answer
    g.storage_token = "check";
    g.assets_address = "127.0.0.1:9";
    g.assets_secret = "check";
    g.outbound_secret = "check";
    g.max_compat_date = m_opt.workerd_date;
    g.do_storage_dir = dir + "/do";
    if (probe) g.socket_service = one.key, g.socket_entrypoint = k_probe_entrypoint;
    Generated gen = generate_front(model, g);
    bool written = make_dirs(dir + "/do", 0700).ok();
    for (auto& [rel, data] : gen.files) written = written && write_file_in(dir, rel, data).ok();
    written = written && write_file_in(dir, "check.capnp", gen.config).ok();
    auto sock = listen_socket("127.0.0.1", 0);
    CheckVerdict v;  // a check that cannot run lets the upload through (as without workerd)
    if (written && sock.ok()) {
        SpawnSpec spec;
        spec.workerd = m_opt.workerd;
        spec.dir = dir;
        spec.config = dir + "/check.capnp";
        spec.socket = sock->first;
        spec.label = "check";
        spec.timeout_ms = m_opt.timeout_ms;
        spec.cpu_limit_ms = m_opt.cpu_limit_ms;
        std::string error;
        SpawnFailure why = SpawnFailure::NotStarted;
        const auto t0 = std::chrono::steady_clock::now();
        pid_t pid = spawn_workerd(m_forker.get(), spec, error, &why);
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        if (pid > 0) {
            main_ns = main_thread_ns(pid);  // before the probe's call: the start-up alone
            bool answered = !probe;
            if (probe) {
                auto answer = nlohmann::json::parse(probe_get(sock->second, 5000), nullptr, false);
                if (answer.is_object() && answer["handlers"].is_array() && answer["named_handlers"].is_array()) {
                    v.handlers = answer["handlers"];
                    v.named_handlers = answer["named_handlers"];
                    answered = true;
                }
            }
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            cacheable = answered;  // a probe that did not answer (a busy machine) is asked again next time
        } else if (why == SpawnFailure::Exited) {
            Redactor secrets;  // this upload's own, not the process-wide one
            for (auto& secret : secret_values(one.bindings)) secrets.add(std::move(secret));
            std::vector<std::pair<std::string, std::string>> paths{{dir + "/", ""}};
            if (!m_opt.state_dir.empty()) paths.emplace_back(m_opt.state_dir, "<state dir>");
            v = CheckVerdict::refused(clean_startup_error(error, one.key, sc.main, secrets, paths));
            cacheable = true;
        } else if (why == SpawnFailure::CpuLimit || why == SpawnFailure::TimedOut) {
            v = CheckVerdict::refused(k_startup_limit_message);
            cacheable = why == SpawnFailure::CpuLimit;  // a loop loops again; a slow machine may not be slow later
        }
        if (m_opt.log && !quiet)
            m_opt.log("workers: checked the upload of " + (sc.ns.empty() ? sc.script : sc.ns + "/" + sc.script) +
                      " in workerd (" + std::to_string(ms) +
                      " ms): " + (v.ok ? std::string("it starts") : "refused: " + split(v.message, '\n').front()));
    }
    if (sock.ok()) ::close(sock->first);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return v;
}

}  // namespace tenantctl::runtime
