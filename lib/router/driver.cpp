#include "router/driver.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::router {

namespace {

void global_curl_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string* out;
    size_t cap;  // 0 = unbounded
    bool truncated = false;
};

size_t collect(char* p, size_t size, size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    if (sink->cap && sink->out->size() + size * n > sink->cap) {
        sink->out->append(p, sink->cap - sink->out->size());
        sink->truncated = true;
        return 0;  // ends the transfer (CURLE_WRITE_ERROR, reported as truncation)
    }
    sink->out->append(p, size * n);
    return size * n;
}

Error docker_error(const std::string& what, const DockerDriver::Response& r) {
    std::string msg;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string())
        msg = j["message"].get<std::string>();
    else
        msg = std::string(trim(r.body.substr(0, 300)));
    Error e(ErrorKind::Docker, Redactor::global().redact(what + ": docker answered " + std::to_string(r.status) +
                                                         (msg.empty() ? "" : ": " + msg)));
    e.http_status = static_cast<int>(r.status);
    if (r.status == 404) e.kind = ErrorKind::NotFound;
    if (r.status == 409) e.kind = ErrorKind::Conflict;
    return e;
}

// base64url without padding is what the daemon accepts for X-Registry-Auth; standard base64 works too,
// but '+' and '/' are replaced to be safe.
std::string base64url(std::string_view s) {
    std::string b = base64_encode(s);
    for (auto& c : b) {
        if (c == '+')
            c = '-';
        else if (c == '/')
            c = '_';
    }
    return b;
}

}  // namespace

bool ContainerDriver::port_open(const std::string& host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
        ::close(fd);
        return false;
    }
    bool ok = false;
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    if (rc == 0)
        ok = true;
    else if (errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 500) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            ok = err == 0;
        }
    }
    ::close(fd);
    return ok;
}

DockerDriver::DockerDriver(const Env& env, DockerDriverOptions options) : m_options(std::move(options)) {
    global_curl_init();
    m_host = m_options.docker_host;
    if (m_host.empty()) m_host = env.get_or("DOCKER_HOST", "unix:///var/run/docker.sock");
    if (starts_with(m_host, "unix://")) {
        m_unix_socket = m_host.substr(7);
        m_base_url = "http://localhost/v1.41";
    } else if (starts_with(m_host, "tcp://")) {
        m_base_url = "http://" + m_host.substr(6) + "/v1.41";
    } else {
        m_unix_socket = m_host;  // a bare path
        m_base_url = "http://localhost/v1.41";
    }
}

Result<DockerDriver::Response> DockerDriver::request(const std::string& method, const std::string& path,
                                                     const std::string& body, const std::vector<std::string>& headers,
                                                     long timeout_ms, size_t max_body) {
    CURL* h = curl_easy_init();
    if (!h) return Error(ErrorKind::Internal, "curl_easy_init failed");
    Response r;
    std::string url = m_base_url + path;
    curl_slist* hl = nullptr;
    for (const auto& x : headers) hl = curl_slist_append(hl, x.c_str());
    if (!body.empty()) hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    if (!m_unix_socket.empty()) curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, m_unix_socket.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST" || method == "PUT") {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    Sink sink{&r.body, max_body};
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : m_options.request_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(h);
    r.truncated = sink.truncated;
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && sink.truncated)) {
        ErrorKind kind = rc == CURLE_OPERATION_TIMEDOUT ? ErrorKind::Timeout : ErrorKind::Docker;
        return Error(kind, "docker " + method + " " + path + " via " + m_host + " failed: " + curl_easy_strerror(rc),
                     "is dockerd running? set DOCKER_HOST (e.g. unix:///run/docker.sock)");
    }
    return r;
}

Result<std::string> DockerDriver::server_version() {
    TRY_ASSIGN(auto r, request("GET", "/version"));
    if (r.status != 200) return docker_error("docker version", r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object()) return Error(ErrorKind::Docker, "docker version: the answer is not JSON");
    return j.value("Version", std::string("unknown"));
}

std::pair<std::string, std::string> split_image_reference(const std::string& image) {
    auto at = image.find('@');
    if (at != std::string::npos) return {image.substr(0, at), image.substr(at + 1)};
    auto slash = image.rfind('/');
    auto colon = image.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
        return {image.substr(0, colon), image.substr(colon + 1)};
    return {image, "latest"};
}

Status DockerDriver::pull(const std::string& image, const std::optional<RegistryAuth>& auth) {
    auto [repo, tag] = split_image_reference(image);
    std::vector<std::string> headers;
    if (auth) {
        nlohmann::json a = {
            {"username", auth->username}, {"password", auth->password}, {"serveraddress", auth->server}};
        std::string encoded = base64url(a.dump());
        Redactor::global().add(encoded);
        headers.push_back("X-Registry-Auth: " + encoded);
    }
    TRY_ASSIGN(auto r, request("POST", "/images/create?fromImage=" + url_encode(repo) + "&tag=" + url_encode(tag), "",
                               headers, m_options.pull_timeout_ms));
    if (r.status != 200) return docker_error("pulling image " + tenantctl::quoted(image), r);
    // The body is a stream of JSON progress lines; a failure shows up as {"error": "..."} in one of them.
    for (const auto& line : split(r.body, '\n')) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.contains("error"))
            return Error(
                ErrorKind::Docker,
                Redactor::global().redact("pulling image " + tenantctl::quoted(image) + ": " + j["error"].dump()),
                "push the image to the local registry first (tenantctl deploy, or docker push)");
    }
    return ok_status();
}

Result<std::string> DockerDriver::create(const ContainerSpec& spec) {
    nlohmann::json env = nlohmann::json::array();
    for (const auto& [k, v] : spec.env) env.push_back(k + "=" + v);
    std::string port_key = std::to_string(spec.container_port) + "/tcp";
    nlohmann::json body = {{"Image", spec.image}, {"Env", env}, {"Labels", spec.labels}};
    nlohmann::json hc = {{"RestartPolicy", {{"Name", "no"}}}, {"Init", false}};
    if (spec.host_network) {
        hc["NetworkMode"] = "host";
    } else {
        body["ExposedPorts"] = {{port_key, nlohmann::json::object()}};
        hc["PortBindings"] = {{port_key, nlohmann::json::array({{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}})}};
    }
    body["HostConfig"] = hc;
    TRY_ASSIGN(auto r, request("POST", "/containers/create?name=" + url_encode(spec.name), body.dump()));
    if (r.status != 201)
        return docker_error(
            "creating container " + tenantctl::quoted(spec.name) + " from " + tenantctl::quoted(spec.image), r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains("Id")) return Error(ErrorKind::Docker, "creating container: no Id in the answer");
    return j["Id"].get<std::string>();
}

Status DockerDriver::start(const std::string& id) {
    TRY_ASSIGN(auto r, request("POST", "/containers/" + id + "/start"));
    if (r.status != 204 && r.status != 304) return docker_error("starting container " + id.substr(0, 12), r);
    return ok_status();
}

Result<ContainerState> DockerDriver::inspect(const std::string& id) {
    TRY_ASSIGN(auto r, request("GET", "/containers/" + id + "/json"));
    if (r.status != 200) return docker_error("inspecting container " + id.substr(0, 12), r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_object()) return Error(ErrorKind::Docker, "inspecting container: the answer is not JSON");
    ContainerState s;
    s.id = j.value("Id", id);
    const auto& st = j.value("State", nlohmann::json::object());
    s.running = st.value("Running", false);
    s.status = st.value("Status", std::string());
    s.exit_code = st.value("ExitCode", 0);
    s.error = st.value("Error", std::string());
    s.started_at = st.value("StartedAt", std::string());
    s.finished_at = st.value("FinishedAt", std::string());
    try {
        s.ip = j.at("NetworkSettings").value("IPAddress", std::string());
    } catch (...) {
    }
    try {
        const auto& ports = j.at("NetworkSettings").at("Ports");
        for (auto it = ports.begin(); it != ports.end(); ++it) {
            if (!it.value().is_array()) continue;
            for (const auto& b : it.value()) {
                std::string hip = b.value("HostIp", std::string());
                if (hip == "127.0.0.1" || hip.empty() || hip == "0.0.0.0") {
                    s.host_port = std::stoi(b.value("HostPort", std::string("0")));
                    break;
                }
            }
            if (s.host_port) break;
        }
    } catch (...) {
        // no published ports (host networking)
    }
    return s;
}

Status DockerDriver::stop(const std::string& id, int timeout_seconds) {
    TRY_ASSIGN(auto r, request("POST", "/containers/" + id + "/stop?t=" + std::to_string(timeout_seconds), "", {},
                               (timeout_seconds + 30) * 1000L));
    if (r.status != 204 && r.status != 304 && r.status != 404)
        return docker_error("stopping container " + id.substr(0, 12), r);
    return ok_status();
}

Status DockerDriver::remove(const std::string& id) {
    TRY_ASSIGN(auto r, request("DELETE", "/containers/" + id + "?force=1&v=1"));
    if (r.status != 204 && r.status != 404) return docker_error("removing container " + id.substr(0, 12), r);
    return ok_status();
}

std::string demux_docker_stream(const std::string& raw) {
    // frames: [stream(1) 0 0 0 size(4, big endian)] payload
    std::string out;
    size_t i = 0;
    while (i + 8 <= raw.size()) {
        unsigned char kind = static_cast<unsigned char>(raw[i]);
        if (kind > 2 || raw[i + 1] || raw[i + 2] || raw[i + 3]) return raw;  // not multiplexed (tty)
        size_t n = (size_t(static_cast<unsigned char>(raw[i + 4])) << 24) |
                   (size_t(static_cast<unsigned char>(raw[i + 5])) << 16) |
                   (size_t(static_cast<unsigned char>(raw[i + 6])) << 8) |
                   size_t(static_cast<unsigned char>(raw[i + 7]));
        if (i + 8 + n > raw.size()) return raw;
        out.append(raw, i + 8, n);
        i += 8 + n;
    }
    return i == raw.size() ? out : raw;
}

Result<std::string> DockerDriver::logs(const std::string& id, int tail_lines) {
    TRY_ASSIGN(auto r,
               request("GET", "/containers/" + id + "/logs?stdout=1&stderr=1&tail=" + std::to_string(tail_lines)));
    if (r.status != 200) return docker_error("reading logs of container " + id.substr(0, 12), r);
    return Redactor::global().redact(demux_docker_stream(r.body));
}

Result<LogPage> ContainerDriver::log_lines(const std::string&, const LogQuery&) {
    return Error(ErrorKind::NotImplemented, "this container driver does not read timestamped logs");
}

namespace {

uint32_t frame_size(const std::string& raw, size_t i) {
    return (uint32_t(static_cast<unsigned char>(raw[i + 4])) << 24) |
           (uint32_t(static_cast<unsigned char>(raw[i + 5])) << 16) |
           (uint32_t(static_cast<unsigned char>(raw[i + 6])) << 8) | uint32_t(static_cast<unsigned char>(raw[i + 7]));
}

bool multiplexed(const std::string& raw) {
    return raw.size() >= 8 && (raw[0] == 1 || raw[0] == 2) && !raw[1] && !raw[2] && !raw[3];
}

// "TIME text" lines of one stream's bytes; a last line without its newline is left out (cut off).
void split_timestamped(std::string_view bytes, const char* stream, std::vector<LogLine>& out) {
    size_t start = 0;
    while (start < bytes.size()) {
        size_t nl = bytes.find('\n', start);
        if (nl == std::string_view::npos) break;
        std::string_view line = bytes.substr(start, nl - start);
        start = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        size_t sp = line.find(' ');
        LogLine l;
        l.stream = stream;
        if (sp == std::string_view::npos) {
            l.time = std::string(line);
        } else {
            l.time = std::string(line.substr(0, sp));
            l.text = std::string(line.substr(sp + 1));
        }
        out.push_back(std::move(l));
    }
}

}  // namespace

std::vector<LogLine> parse_docker_log_lines(const std::string& raw) {
    std::vector<LogLine> out;
    if (!multiplexed(raw)) {
        split_timestamped(raw, "stdout", out);
        return out;
    }
    // Each frame holds whole lines when the daemon writes timestamps (one frame per line).
    size_t i = 0;
    while (i + 8 <= raw.size()) {
        unsigned char kind = static_cast<unsigned char>(raw[i]);
        size_t n = frame_size(raw, i);
        if (i + 8 + n > raw.size()) break;  // cut off
        split_timestamped(std::string_view(raw).substr(i + 8, n), kind == 2 ? "stderr" : "stdout", out);
        i += 8 + n;
    }
    return out;
}

std::optional<std::string> docker_time_arg(const std::string& t) {
    int y, mo, d, h, mi, se;
    char sep;
    if (t.size() < 20 || std::sscanf(t.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &se) != 7 ||
        (sep != 'T' && sep != 't' && sep != ' '))
        return std::nullopt;
    size_t i = 19;
    std::string frac;
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) frac += t[i++];
        if (frac.empty()) return std::nullopt;
    }
    long offset = 0;
    if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
        ++i;
    } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':') {
        int oh = std::atoi(t.substr(i + 1, 2).c_str()), om = std::atoi(t.substr(i + 4, 2).c_str());
        offset = (t[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != t.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    long long secs = static_cast<long long>(timegm(&tm)) - offset;
    if (frac.size() > 9) frac.resize(9);
    frac.append(9 - frac.size(), '0');
    return std::to_string(secs) + "." + frac;
}

Result<LogPage> DockerDriver::log_lines(const std::string& id, const LogQuery& q) {
    std::string path = "/containers/" + url_encode(id) + "/logs?stdout=1&stderr=1&timestamps=1";
    if (!q.since.empty()) {
        auto arg = docker_time_arg(q.since);
        if (!arg) return Error(ErrorKind::Usage, "since " + quoted(q.since) + " is not an RFC 3339 time");
        path += "&since=" + *arg;
    }
    if (q.tail >= 0) path += "&tail=" + std::to_string(q.tail);
    TRY_ASSIGN(auto r, request("GET", path, {}, {}, 0, q.max_bytes));
    if (r.status == 404) return Error(ErrorKind::NotFound, "container " + id.substr(0, 12) + " no longer exists");
    if (r.status != 200) return docker_error("reading logs of container " + id.substr(0, 12), r);
    LogPage page;
    page.truncated = r.truncated;
    page.lines = parse_docker_log_lines(r.body);
    for (auto& l : page.lines) l.text = Redactor::global().redact(l.text);
    return page;
}

Result<std::vector<ContainerSummary>> DockerDriver::list(const std::string& label_key) {
    nlohmann::json filters = {{"label", {label_key}}};
    TRY_ASSIGN(auto r, request("GET", "/containers/json?all=1&filters=" + url_encode(filters.dump())));
    if (r.status != 200) return docker_error("listing containers", r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_array()) return Error(ErrorKind::Docker, "listing containers: the answer is not a JSON array");
    std::vector<ContainerSummary> out;
    for (const auto& c : j) {
        ContainerSummary s;
        s.id = c.value("Id", std::string());
        if (c.contains("Names") && c["Names"].is_array() && !c["Names"].empty()) {
            s.name = c["Names"][0].get<std::string>();
            if (!s.name.empty() && s.name.front() == '/') s.name.erase(0, 1);
        }
        s.state = c.value("State", std::string());
        if (c.contains("Labels") && c["Labels"].is_object())
            for (auto it = c["Labels"].begin(); it != c["Labels"].end(); ++it)
                if (it.value().is_string()) s.labels[it.key()] = it.value().get<std::string>();
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace tenantctl::router
