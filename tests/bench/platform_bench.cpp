// Benchmark client for `tenantctl dev`: uploads N small tenant scripts (multipart, with tags) into a
// dispatch namespace over keep-alive HTTP/1.1 connections at a given concurrency, and prints
// requests/s and latency percentiles as one JSON line. Driven by tests/bench/platform.sh.
//
// usage: platform_bench PORT TOKEN ACCOUNT NAMESPACE COUNT CONCURRENCY
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: platform_bench PORT TOKEN ACCOUNT NAMESPACE COUNT CONCURRENCY\n");
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::stoi(argv[1]));
    const std::string token = argv[2], account = argv[3], ns = argv[4];
    const int count = std::min(std::stoi(argv[5]), 100000);
    const int conc = std::max(1, std::min(std::stoi(argv[6]), 64));

    std::atomic<int> next{0};
    std::atomic<int> failures{0};
    std::mutex mu;
    std::vector<double> lat_ms;
    lat_ms.reserve(static_cast<size_t>(count));

    auto worker = [&] {
        boost::asio::io_context ioc;
        tcp::socket sock(ioc);
        boost::beast::error_code ec;
        sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
        if (ec) {
            failures += 1;
            return;
        }
        boost::beast::flat_buffer buf;
        std::vector<double> mine;
        for (int i = next++; i < count; i = next++) {
            const std::string name = "tenant-" + std::to_string(i);
            const std::string body =
                "--bb\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n"
                "{\"main_module\":\"index.js\",\"compatibility_date\":\"2025-01-01\",\"tags\":[\"customer-" +
                std::to_string(i) + "\",\"plan-" + (i % 3 == 0 ? "pro" : "free") +
                "\"]}\r\n--bb\r\nContent-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\n"
                "Content-Type: application/javascript+module\r\n\r\nexport default { fetch() { return new Response(\"" +
                name + "\") } }\r\n--bb--\r\n";
            http::request<http::string_body> req(
                http::verb::put,
                "/client/v4/accounts/" + account + "/workers/dispatch/namespaces/" + ns + "/scripts/" + name, 11);
            req.set(http::field::host, "127.0.0.1");
            req.set(http::field::authorization, "Bearer " + token);
            req.set(http::field::content_type, "multipart/form-data; boundary=bb");
            req.body() = body;
            req.prepare_payload();
            auto t0 = std::chrono::steady_clock::now();
            http::write(sock, req, ec);
            http::response<http::string_body> res;
            if (!ec) http::read(sock, buf, res, ec);
            auto t1 = std::chrono::steady_clock::now();
            if (ec || res.result_int() != 200) {
                failures += 1;
                if (ec) return;
                continue;
            }
            mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
        std::lock_guard lock(mu);
        lat_ms.insert(lat_ms.end(), mine.begin(), mine.end());
    };

    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < conc; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(lat_ms.begin(), lat_ms.end());
    auto pct = [&](double p) {
        if (lat_ms.empty()) return 0.0;
        size_t i = std::min(lat_ms.size() - 1, static_cast<size_t>(p * static_cast<double>(lat_ms.size())));
        return lat_ms[i];
    };
    nlohmann::json out{{"concurrency", conc},
                       {"requests", lat_ms.size()},
                       {"failures", failures.load()},
                       {"seconds", secs},
                       {"rps", secs > 0 ? static_cast<double>(lat_ms.size()) / secs : 0.0},
                       {"p50_ms", pct(0.50)},
                       {"p99_ms", pct(0.99)}};
    std::printf("%s\n", out.dump().c_str());
    return failures.load() == 0 ? 0 : 1;
}
