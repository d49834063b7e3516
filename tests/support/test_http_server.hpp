#pragma once
// A real HTTP/1.1 server on 127.0.0.1:<ephemeral> for tests: scripted responses per route (status
// sequences, delays, Retry-After, connection resets), and a log of every request it received. A request
// no route expects is answered 599 and recorded in unexpected(); tests assert that list is empty.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tenantctl::testing {

struct RecordedRequest {
    std::string method;
    std::string target;                          // path + query, as sent
    std::string path;                            // without the query
    std::string query;                           // without '?'
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string header(const std::string& name) const;
    // A query parameter value (decoded), or "" when absent.
    std::string param(const std::string& name) const;
};

struct ScriptedResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds delay{0};  // wait before answering (real time)
    bool reset = false;                  // close the connection with RST instead of answering

    static ScriptedResponse json(int status, const std::string& body);
    // A v4 envelope around `result` (a JSON text), with an optional result_info (JSON text).
    static ScriptedResponse envelope(const std::string& result, const std::string& result_info = "");
    static ScriptedResponse api_error(int status, int code, const std::string& message);
};

class TestHttpServer {
public:
    using Handler = std::function<ScriptedResponse(const RecordedRequest&)>;

    TestHttpServer();  // listens on 127.0.0.1:0
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    int port() const { return m_port; }
    std::string url() const;  // http://127.0.0.1:PORT

    // `path` matches the request path exactly (without the query). Responses are used in order; the last one
    // repeats once the sequence is exhausted.
    void on(const std::string& method, const std::string& path, std::vector<ScriptedResponse> responses);
    void on(const std::string& method, const std::string& path, Handler handler);
    // Every path starting with `prefix`.
    void on_prefix(const std::string& method, const std::string& prefix, Handler handler);

    std::vector<RecordedRequest> requests() const;
    size_t count(const std::string& method, const std::string& path) const;
    std::vector<std::string> unexpected() const;  // "METHOD target" of requests no route expected
    void stop();

private:
    struct Route {
        std::string method;
        std::string path;
        bool prefix = false;
        std::vector<ScriptedResponse> sequence;
        size_t next = 0;
        Handler handler;
    };
    void accept_loop();
    void serve(int fd);
    ScriptedResponse dispatch(const RecordedRequest& req);
    bool wait_or_stop(std::chrono::milliseconds d);

    int m_listen_fd = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_accept;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Route> m_routes;
    std::vector<RecordedRequest> m_requests;
    std::vector<std::string> m_unexpected;
    std::vector<std::thread> m_workers;
    std::vector<int> m_open_fds;
};

}  // namespace tenantctl::testing
