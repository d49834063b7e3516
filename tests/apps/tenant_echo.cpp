// tenant-echo: a tiny static HTTP/1.1 + WebSocket echo server that goes into FROM-scratch test images.
// It answers every request with JSON describing what it saw (instance id, tenant id, method, path, headers),
// so tests can tell which container served a request. Special paths:
//   /crash            exit(1) at once (the connection is dropped)
//   /sleep?ms=N       answer after N milliseconds (N <= 60000)
//   /echo             answer with the request body itself
//   /big?bytes=N      answer with N bytes of 'x' (N <= 1 GiB), written in chunks
//   Upgrade: websocket  handshake, then echo text/binary frames, answer pings, close on close
// Environment: PORT (default 8080), TENANTCTL_LISTEN_ADDR (default 127.0.0.1), TENANTCTL_INSTANCE_ID (default
// the hostname), TENANTCTL_TENANT_ID, ECHO_EXIT_AT_START=1 (log a line and exit 3 without listening),
// ECHO_NEVER_LISTEN=1 (log a line and sleep without listening). No Boost, no libstdc++ regex: link -static.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string g_instance, g_tenant, g_started;
std::atomic<long> g_requests{0};

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? std::string(v) : fallback;
}

// ---- SHA-1 (for Sec-WebSocket-Accept only) ----
struct Sha1 {
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }
    void block(const unsigned char* p) {
        uint32_t w[80];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(p[4 * i]) << 24 | uint32_t(p[4 * i + 1]) << 16 | uint32_t(p[4 * i + 2]) << 8 | p[4 * i + 3];
        for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            uint32_t f, k;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rol(b, 30);
            b = a;
            a = t;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    std::string digest(const std::string& msg) {
        std::string m = msg;
        uint64_t bits = uint64_t(msg.size()) * 8;
        m.push_back(char(0x80));
        while (m.size() % 64 != 56) m.push_back('\0');
        for (int i = 7; i >= 0; --i) m.push_back(char((bits >> (8 * i)) & 0xff));
        for (size_t i = 0; i < m.size(); i += 64) block(reinterpret_cast<const unsigned char*>(m.data() + i));
        std::string out;
        for (uint32_t v : h)
            for (int i = 3; i >= 0; --i) out.push_back(char((v >> (8 * i)) & 0xff));
        return out;
    }
};

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v =
            uint32_t((unsigned char)in[i]) << 16 | uint32_t((unsigned char)in[i + 1]) << 8 | (unsigned char)in[i + 2];
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i + 1 == in.size()) {
        uint32_t v = uint32_t((unsigned char)in[i]) << 16;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        uint32_t v = uint32_t((unsigned char)in[i]) << 16 | uint32_t((unsigned char)in[i + 1]) << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::string json_escape(const std::string& s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += char(c);
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else
            o += char(c);
    }
    return o;
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower((unsigned char)c));
    return s;
}

// ---- a buffered connection ----
struct Conn {
    int fd;
    std::string buf;
    bool fill() {
        char tmp[16384];
        ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
        if (n <= 0) return false;
        buf.append(tmp, size_t(n));
        return true;
    }
    bool send_all(const char* p, size_t n) {
        while (n > 0) {
            ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
            if (w <= 0) return false;
            p += w;
            n -= size_t(w);
        }
        return true;
    }
    bool send_all(const std::string& s) { return send_all(s.data(), s.size()); }
    bool read_exact(std::string& out, size_t n) {
        while (buf.size() < n)
            if (!fill()) return false;
        out = buf.substr(0, n);
        buf.erase(0, n);
        return true;
    }
    bool read_line(std::string& out) {
        size_t pos;
        while ((pos = buf.find("\r\n")) == std::string::npos) {
            if (buf.size() > 65536 || !fill()) return false;
        }
        out = buf.substr(0, pos);
        buf.erase(0, pos + 2);
        return true;
    }
};

struct Request {
    std::string method, target, path, query, version;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string header(const std::string& name) const {
        for (auto& [k, v] : headers)
            if (lower(k) == name) return v;
        return {};
    }
};

std::string query_param(const std::string& query, const std::string& name) {
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        std::string kv = query.substr(pos, amp - pos);
        size_t eq = kv.find('=');
        if (kv.substr(0, eq) == name) return eq == std::string::npos ? "" : kv.substr(eq + 1);
        pos = amp + 1;
    }
    return {};
}

bool send_response(Conn& c, int status, const char* reason, const std::string& type, const std::string& body,
                   bool keep_alive) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
                       "\r\nContent-Length: " + std::to_string(body.size()) +
                       (keep_alive ? "\r\n" : "\r\nConnection: close\r\n") + "\r\n";
    return c.send_all(head + body);
}

// ---- websocket echo ----
void websocket_echo(Conn& c) {
    for (;;) {
        std::string h;
        if (!c.read_exact(h, 2)) return;
        unsigned op = (unsigned char)h[0] & 0x0f;
        bool masked = (unsigned char)h[1] & 0x80;
        uint64_t len = (unsigned char)h[1] & 0x7f;
        std::string ext;
        if (len == 126) {
            if (!c.read_exact(ext, 2)) return;
            len = uint64_t((unsigned char)ext[0]) << 8 | (unsigned char)ext[1];
        } else if (len == 127) {
            if (!c.read_exact(ext, 8)) return;
            len = 0;
            for (int i = 0; i < 8; ++i) len = len << 8 | (unsigned char)ext[i];
        }
        if (len > (64u << 20)) return;
        std::string mask, payload;
        if (masked && !c.read_exact(mask, 4)) return;
        if (!c.read_exact(payload, size_t(len))) return;
        if (masked)
            for (size_t i = 0; i < payload.size(); ++i) payload[i] = char(payload[i] ^ mask[i % 4]);
        unsigned reply_op = op;
        if (op == 0x8)
            reply_op = 0x8;  // close: echo it back and stop
        else if (op == 0x9)
            reply_op = 0xA;  // ping -> pong
        else if (op == 0xA)
            continue;
        std::string frame;
        frame.push_back(char(0x80 | reply_op));
        if (payload.size() < 126)
            frame.push_back(char(payload.size()));
        else if (payload.size() < 65536) {
            frame.push_back(char(126));
            frame.push_back(char(payload.size() >> 8));
            frame.push_back(char(payload.size() & 0xff));
        } else {
            frame.push_back(char(127));
            for (int i = 7; i >= 0; --i) frame.push_back(char((uint64_t(payload.size()) >> (8 * i)) & 0xff));
        }
        frame += payload;
        if (!c.send_all(frame) || op == 0x8) return;
    }
}

bool read_body(Conn& c, const Request& r, std::string& body) {
    std::string te = lower(r.header("transfer-encoding"));
    if (te.find("chunked") != std::string::npos) {
        for (;;) {
            std::string line;
            if (!c.read_line(line)) return false;
            size_t n = std::strtoull(line.c_str(), nullptr, 16);
            if (n == 0) {
                // trailers until an empty line
                for (;;) {
                    if (!c.read_line(line)) return false;
                    if (line.empty()) return true;
                }
            }
            std::string chunk, crlf;
            if (!c.read_exact(chunk, n) || !c.read_exact(crlf, 2)) return false;
            body += chunk;
            if (body.size() > (256u << 20)) return false;
        }
    }
    std::string cl = r.header("content-length");
    if (cl.empty()) return true;
    size_t n = std::strtoull(cl.c_str(), nullptr, 10);
    if (n > (256u << 20)) return false;
    return c.read_exact(body, n);
}

void serve(int fd) {
    Conn c{fd, {}};
    for (;;) {
        Request r;
        std::string line;
        if (!c.read_line(line)) break;
        size_t s1 = line.find(' '), s2 = line.rfind(' ');
        if (s1 == std::string::npos || s2 == s1) break;
        r.method = line.substr(0, s1);
        r.target = line.substr(s1 + 1, s2 - s1 - 1);
        r.version = line.substr(s2 + 1);
        size_t q = r.target.find('?');
        r.path = r.target.substr(0, q);
        r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
        for (;;) {
            if (!c.read_line(line)) {
                ::close(fd);
                return;
            }
            if (line.empty()) break;
            size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string v = line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
            r.headers.emplace_back(line.substr(0, colon), v);
        }
        ++g_requests;
        bool keep_alive = lower(r.header("connection")).find("close") == std::string::npos && r.version == "HTTP/1.1";

        if (lower(r.header("upgrade")) == "websocket") {
            std::string accept =
                base64(Sha1().digest(r.header("sec-websocket-key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
            std::string head =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: " +
                accept + "\r\nX-Instance-Id: " + g_instance + "\r\n\r\n";
            if (c.send_all(head)) websocket_echo(c);
            break;
        }
        std::string body;
        if (!read_body(c, r, body)) break;

        if (r.path == "/crash") {
            std::fprintf(stderr, "tenant-echo: /crash requested, exiting 1\n");
            std::fflush(stderr);
            std::_Exit(1);
        }
        if (r.path.size() >= 4 && r.path.compare(r.path.size() - 4, 4, "/log") == 0) {
            // /log?msg=M[&stream=stderr]: one line of output (what `tenantctl containers logs` reads)
            FILE* out = query_param(r.query, "stream") == "stderr" ? stderr : stdout;
            std::fprintf(out, "tenant-echo log: %s\n", query_param(r.query, "msg").c_str());
            std::fflush(out);
        }
        if (r.path == "/sleep") {
            long ms = std::strtol(query_param(r.query, "ms").c_str(), nullptr, 10);
            if (ms > 60000) ms = 60000;
            if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        }
        if (r.path == "/echo") {
            if (!send_response(c, 200, "OK", "application/octet-stream", body, keep_alive) || !keep_alive) break;
            continue;
        }
        if (r.path == "/big") {
            unsigned long long n = std::strtoull(query_param(r.query, "bytes").c_str(), nullptr, 10);
            if (n > (1ull << 30)) n = 1ull << 30;
            std::string head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(n) +
                "\r\n\r\n";
            if (!c.send_all(head)) break;
            std::string chunk(65536, 'x');
            while (n > 0) {
                size_t k = n < chunk.size() ? size_t(n) : chunk.size();
                if (!c.send_all(chunk.data(), k)) {
                    ::close(fd);
                    return;
                }
                n -= k;
            }
            if (!keep_alive) break;
            continue;
        }
        std::string j = "{\"instance_id\":\"" + json_escape(g_instance) + "\",\"tenant_id\":\"" +
                        json_escape(g_tenant) + "\",\"pid\":" + std::to_string(::getpid()) + ",\"started_at\":\"" +
                        g_started + "\",\"requests\":" + std::to_string(g_requests.load()) + ",\"method\":\"" +
                        json_escape(r.method) + "\",\"path\":\"" + json_escape(r.path) + "\",\"query\":\"" +
                        json_escape(r.query) + "\",\"body_bytes\":" + std::to_string(body.size()) + ",\"headers\":{";
        bool first = true;
        for (auto& [k, v] : r.headers) {
            if (!first) j += ",";
            first = false;
            j += "\"" + json_escape(lower(k)) + "\":\"" + json_escape(v) + "\"";
        }
        j += "}}\n";
        if (!send_response(c, 200, "OK", "application/json", j, keep_alive) || !keep_alive) break;
    }
    ::close(fd);
}

}  // namespace

void on_term(int) {
    std::_Exit(0);
}

int main() {
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGTERM, on_term);  // as PID 1 in a container there is no default action: exit on SIGTERM
    ::signal(SIGINT, on_term);
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    g_instance = env_or("TENANTCTL_INSTANCE_ID", host);
    g_tenant = env_or("TENANTCTL_TENANT_ID", "");
    g_started = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    int port = std::atoi(env_or("PORT", "8080").c_str());
    std::string addr = env_or("TENANTCTL_LISTEN_ADDR", "127.0.0.1");

    if (env_or("ECHO_EXIT_AT_START", "") == "1") {
        std::fprintf(stderr, "tenant-echo: ECHO_EXIT_AT_START is set, exiting 3 before listening\n");
        return 3;
    }
    if (env_or("ECHO_NEVER_LISTEN", "") == "1") {
        std::fprintf(stderr, "tenant-echo: ECHO_NEVER_LISTEN is set, not listening\n");
        std::fflush(stderr);
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }

    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(uint16_t(port));
    if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) {
        std::fprintf(stderr, "tenant-echo: bad TENANTCTL_LISTEN_ADDR %s\n", addr.c_str());
        return 2;
    }
    if (::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(s, 512) != 0) {
        std::fprintf(stderr, "tenant-echo: cannot listen on %s:%d: %s\n", addr.c_str(), port, std::strerror(errno));
        return 2;
    }
    std::fprintf(stdout, "tenant-echo: instance %s (tenant %s) listening on %s:%d\n", g_instance.c_str(),
                 g_tenant.c_str(), addr.c_str(), port);
    std::fflush(stdout);
    for (;;) {
        int fd = ::accept(s, nullptr, nullptr);
        if (fd < 0) continue;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::thread(serve, fd).detach();
    }
}
