// Benchmark: read + parse + normalize + validate a generated ~2,000-line wrangler config (TOML and JSONC), many
// times, and the same for a minimal config as the baseline measured in the same run.
// usage: config_bench [iterations]   (prints figures; never fails on timing)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.hpp"
#include "core/strings.hpp"

using namespace tenantctl;
namespace fs = std::filesystem;

namespace {

std::string big_toml(int& lines) {
    std::string s;
    auto line = [&](const std::string& l) {
        s += l + "\n";
        ++lines;
    };
    line("name = \"bench-app\"");
    line("main = \"src/index.js\"");
    line("compatibility_date = \"2025-06-01\"");
    line("compatibility_flags = [\"nodejs_compat\"]");
    line("routes = [\"a.example.com/*\", { pattern = \"b.example.com/*\", zone_id = \"z\" }]");
    line("[vars]");
    for (int i = 0; i < 400; ++i) line("VAR_" + std::to_string(i) + " = \"value number " + std::to_string(i) + "\"");
    for (int i = 0; i < 150; ++i) {
        line("[[kv_namespaces]]");
        line("binding = \"KV_" + std::to_string(i) + "\"");
        line("id = \"" + std::string(32, static_cast<char>('a' + i % 6)) + "\"");
    }
    for (int i = 0; i < 100; ++i) {
        line("[[r2_buckets]]");
        line("binding = \"R2_" + std::to_string(i) + "\"");
        line("bucket_name = \"bucket-" + std::to_string(i) + "\"");
    }
    for (int i = 0; i < 40; ++i) {
        line("[[durable_objects.bindings]]");
        line("name = \"DO_" + std::to_string(i) + "\"");
        line("class_name = \"Class" + std::to_string(i) + "\"");
    }
    line("[[migrations]]");
    line("tag = \"v1\"");
    std::string classes;
    for (int i = 0; i < 40; ++i) classes += (i ? ", " : "") + std::string("\"Class") + std::to_string(i) + "\"";
    line("new_sqlite_classes = [" + classes + "]");
    for (int i = 0; i < 40; ++i) {
        line("[[containers]]");
        line("class_name = \"Class" + std::to_string(i) + "\"");
        line("image = \"registry.example.com/acme/app-" + std::to_string(i) + ":1." + std::to_string(i) + "\"");
        line("max_instances = " + std::to_string(5 + i));
        line("instance_type = \"standard-1\"");
        line("rollout_step_percentage = [10, 50, 100]");
    }
    int e = 0;
    while (lines < 1990) {
        line("[env.env" + std::to_string(e) + "]");
        line("workers_dev = true");
        line("[env.env" + std::to_string(e) + ".vars]");
        for (int i = 0; i < 40 && lines < 1995; ++i) line("VAR_" + std::to_string(i) + " = " + std::to_string(i));
        ++e;
    }
    return s;
}

// The same content as big_toml, written as a wrangler.jsonc (one binding per line, a comment, trailing commas).
std::string same_jsonc(int& lines) {
    std::string s;
    lines = 0;
    auto line = [&](const std::string& l) {
        s += l + "\n";
        ++lines;
    };
    auto n = [](int i) { return std::to_string(i); };
    line("// generated: the content of the TOML benchmark file");
    line("{");
    line("  \"name\": \"bench-app\",");
    line("  \"main\": \"src/index.js\",");
    line("  \"compatibility_date\": \"2025-06-01\",");
    line("  \"compatibility_flags\": [\"nodejs_compat\"],");
    line("  \"routes\": [\"a.example.com/*\", { \"pattern\": \"b.example.com/*\", \"zone_id\": \"z\" }],");
    line("  \"vars\": {");
    for (int i = 0; i < 400; ++i) line("    \"VAR_" + n(i) + "\": \"value number " + n(i) + "\",");
    line("  },");
    line("  \"kv_namespaces\": [");
    for (int i = 0; i < 150; ++i)
        line("    { \"binding\": \"KV_" + n(i) + "\", \"id\": \"" + std::string(32, static_cast<char>('a' + i % 6)) +
             "\" },");
    line("  ],");
    line("  \"r2_buckets\": [");
    for (int i = 0; i < 100; ++i)
        line("    { \"binding\": \"R2_" + n(i) + "\", \"bucket_name\": \"bucket-" + n(i) + "\" },");
    line("  ],");
    line("  \"durable_objects\": {");
    line("    \"bindings\": [");
    for (int i = 0; i < 40; ++i)
        line("      { \"name\": \"DO_" + n(i) + "\", \"class_name\": \"Class" + n(i) + "\" },");
    line("    ],");
    line("  },");
    std::string classes;
    for (int i = 0; i < 40; ++i) classes += (i ? ", " : "") + std::string("\"Class") + n(i) + "\"";
    line("  \"migrations\": [{ \"tag\": \"v1\", \"new_sqlite_classes\": [" + classes + "] }],");
    line("  \"containers\": [");
    for (int i = 0; i < 40; ++i)
        line("    { \"class_name\": \"Class" + n(i) + "\", \"image\": \"registry.example.com/acme/app-" + n(i) + ":1." +
             n(i) + "\", \"max_instances\": " + n(5 + i) +
             ", \"instance_type\": \"standard-1\", \"rollout_step_percentage\": [10, 50, 100] },");
    line("  ],");
    line("  \"env\": {");
    // As many environments as the TOML file has, each with workers_dev and 40 vars.
    int toml_lines = 0;
    std::string toml = big_toml(toml_lines);
    int envs = 0;
    for (size_t at = toml.find("workers_dev"); at != std::string::npos; at = toml.find("workers_dev", at + 1)) ++envs;
    for (int e = 0; e < envs; ++e) {
        line("    \"env" + n(e) + "\": {");
        line("      \"workers_dev\": true,");
        line("      \"vars\": {");
        for (int i = 0; i < 40; ++i) line("        \"VAR_" + n(i) + "\": " + n(i) + ",");
        line("      },");
        line("    },");
    }
    line("  },");
    line("}");
    return s;
}

// A denser JSONC stress case: ~1,600 bindings and 300 containers in 2,000 lines (comments and trailing commas).
std::string big_jsonc(int& lines) {
    std::string s = "// generated\n{\n";
    lines = 2;
    auto line = [&](const std::string& l) {
        s += l + "\n";
        ++lines;
    };
    line("  \"name\": \"bench-app\", \"main\": \"src/index.js\", \"compatibility_date\": \"2025-06-01\",");
    line("  \"vars\": {");
    for (int i = 0; i < 700; ++i)
        line("    \"VAR_" + std::to_string(i) + "\": \"value " + std::to_string(i) + "\", // note");
    line("  },");
    line("  \"kv_namespaces\": [");
    for (int i = 0; i < 600; ++i) line("    { \"binding\": \"KV_" + std::to_string(i) + "\", \"id\": \"abc\" },");
    line("  ],");
    line("  \"containers\": [");
    for (int i = 0; i < 300; ++i)
        line("    { \"class_name\": \"C" + std::to_string(i) + "\", \"image\": \"r.example.com/x:" + std::to_string(i) +
             "\", \"max_instances\": 3 },");
    line("  ],");
    line("  \"env\": {");
    while (lines < 1996) line("    \"e" + std::to_string(lines) + "\": { \"vars\": { \"A\": 1 } },");
    line("  },");
    line("}");
    return s;
}

double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Figures {
    double ms_per_parse = 0;
    double cpu_ms_per_parse = 0;  // CPU time: not inflated by other processes on a shared machine
    int iterations = 0;
    size_t errors = 0, warnings = 0;
};

Figures measure(const fs::path& dir, int iterations) {
    config::LoadOptions o;
    o.cwd = dir.string();
    Figures f;
    f.iterations = iterations;
    // warm-up
    auto first = config::load_config(o);
    f.errors = first.errors.size();
    f.warnings = first.warnings.size();
    auto t0 = std::chrono::steady_clock::now();
    double c0 = cpu_ms();
    for (int i = 0; i < iterations; ++i) {
        auto c = config::load_config(o);
        if (c.config.is_null() && f.errors == 0) std::abort();
    }
    auto t1 = std::chrono::steady_clock::now();
    f.cpu_ms_per_parse = (cpu_ms() - c0) / iterations;
    f.ms_per_parse = std::chrono::duration<double, std::milli>(t1 - t0).count() / iterations;
    return f;
}

// Where the time goes: the parse alone (text -> position-annotated tree) and normalize+validate alone.
struct Phases {
    double parse_ms = 0, normalize_ms = 0;
};

Phases phases(const std::string& text, config::Format format, const fs::path& dir, int iterations) {
    Phases p;
    double c0 = cpu_ms();
    for (int i = 0; i < iterations; ++i)
        if (!config::parse_config_text(text, format, "wrangler").ok()) std::abort();
    p.parse_ms = (cpu_ms() - c0) / iterations;
    config::Node root = config::parse_config_text(text, format, "wrangler").value();
    config::NormalizeOptions no;
    no.dir = dir.string();
    no.format = format;
    c0 = cpu_ms();
    for (int i = 0; i < iterations; ++i) {
        auto n = config::normalize(root, no);
        if (!n.errors.empty()) std::abort();
    }
    p.normalize_ms = (cpu_ms() - c0) / iterations;
    return p;
}

fs::path make_project(const fs::path& root, const std::string& name, const std::string& file, const std::string& text) {
    fs::path d = root / name;
    fs::create_directories(d / "src");
    std::ofstream(d / "src" / "index.js") << "export default {}\n";
    std::ofstream(d / file) << text;
    return d;
}

}  // namespace

int main(int argc, char** argv) {
    // `config_bench --write-toml DIR`: the ~2,000-line TOML project in DIR (for tests/bench/config_wrangler.sh).
    if (argc == 3 && std::string(argv[1]) == "--write-toml") {
        int lines = 0;
        make_project(argv[2], ".", "wrangler.toml", big_toml(lines));
        return 0;
    }
    // `config_bench --load DIR N`: "WALL_MS CPU_MS" per load of DIR's config (discovery, parse, normalize).
    if (argc == 4 && std::string(argv[1]) == "--load") {
        Figures f = measure(argv[2], std::max(1, std::atoi(argv[3])));
        if (f.errors) return 1;
        std::printf("%.4f %.4f\n", f.ms_per_parse, f.cpu_ms_per_parse);
        return 0;
    }
    int iterations = argc > 1 ? std::atoi(argv[1]) : 200;
    if (iterations < 1) iterations = 1;
    fs::path root = fs::temp_directory_path() / ("tenantctl-config-bench-" + random_hex(6));
    int toml_lines = 0, jsonc_lines = 0;
    fs::path big_t = make_project(root, "big-toml", "wrangler.toml", big_toml(toml_lines));
    fs::path big_j = make_project(root, "big-jsonc", "wrangler.jsonc", big_jsonc(jsonc_lines));
    int same_lines = 0;
    fs::path same_j = make_project(root, "same-jsonc", "wrangler.jsonc", same_jsonc(same_lines));
    fs::path min_t = make_project(root, "min-toml", "wrangler.toml",
                                  "name = \"min\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-06-01\"\n");
    fs::path min_j =
        make_project(root, "min-jsonc", "wrangler.jsonc",
                     "{ \"name\": \"min\", \"main\": \"src/index.js\", \"compatibility_date\": \"2025-06-01\" }\n");

    Figures bt = measure(big_t, iterations), mt = measure(min_t, iterations * 5);
    Figures bj = measure(big_j, iterations), mj = measure(min_j, iterations * 5);
    auto report = [](const char* what, int lines, const Figures& big, const Figures& min) {
        std::printf(
            "config parse+validate, %d-line %s: %.3f ms/parse wall, %.3f ms CPU (%d runs, %zu errors, %zu warnings; "
            "target < 2 ms)\n",
            lines, what, big.ms_per_parse, big.cpu_ms_per_parse, big.iterations, big.errors, big.warnings);
        std::string format(what, std::strcspn(what, " "));
        std::printf("  baseline minimal %s: %.3f ms/parse wall, %.3f ms CPU -> ratio %.1fx wall, %.1fx CPU\n",
                    format.c_str(), min.ms_per_parse, min.cpu_ms_per_parse, big.ms_per_parse / min.ms_per_parse,
                    big.cpu_ms_per_parse / min.cpu_ms_per_parse);
    };
    Figures sj = measure(same_j, iterations);
    std::string tt = big_toml(toml_lines = 0), jt = big_jsonc(jsonc_lines), st = same_jsonc(same_lines);
    report("TOML", toml_lines, bt, mt);
    Phases pt = phases(tt, config::Format::Toml, big_t, iterations);
    std::printf("  of which: parse %.3f ms CPU, normalize+validate %.3f ms CPU\n", pt.parse_ms, pt.normalize_ms);
    report("JSONC (the TOML file's content)", same_lines, sj, mj);
    Phases ps = phases(st, config::Format::Jsonc, same_j, iterations);
    std::printf("  of which: parse %.3f ms CPU, normalize+validate %.3f ms CPU\n", ps.parse_ms, ps.normalize_ms);
    report("JSONC (dense: 1,600 bindings, 300 containers)", jsonc_lines, bj, mj);
    Phases pj = phases(jt, config::Format::Jsonc, big_j, iterations);
    std::printf("  of which: parse %.3f ms CPU, normalize+validate %.3f ms CPU\n", pj.parse_ms, pj.normalize_ms);
    std::error_code ec;
    fs::remove_all(root, ec);
    return 0;
}
