#pragma once
// esbuild through its service protocol: the binary runs with `--service=VERSION` and speaks length-prefixed
// packets on stdin/stdout (values: null, bool, int32, string, bytes, array, object). One build request goes
// out; esbuild calls back for plugin hooks (on-resolve, on-load, on-start, on-end) while it runs, and answers
// with errors, warnings, the output files and the metafile. This is the protocol esbuild's own JavaScript API
// uses, so plugins (module rules, node built-ins, `cloudflare:*`) work without Node.js.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::bundle {

struct EsbuildBinary {
    std::string path;
    std::string version;  // what `esbuild --version` printed, e.g. "0.28.2"
    std::string source;   // where it was found: "node_modules", "TENANTCTL_ESBUILD" or "PATH"
};

// Finds esbuild: the project's own node_modules (from `project_dir` upwards), then $TENANTCTL_ESBUILD, then
// `esbuild` on $PATH. Errors (kind Input) say where it looked and how to get one.
Result<EsbuildBinary> find_esbuild(const std::string& project_dir, const Env& env);

// The oldest esbuild whose flags and protocol this client uses.
inline constexpr const char* k_min_esbuild_version = "0.18.0";
// -1, 0, 1 for dotted numeric versions ("0.28.2" vs "0.18.0"); pre-release suffixes are ignored.
int compare_versions(std::string_view a, std::string_view b);

struct ResolveArgs {
    std::string path;  // the import specifier as written
    std::string importer;
    std::string ns;  // namespace of the importer
    std::string resolve_dir;
    std::string kind;  // import-statement, dynamic-import, require-call, entry-point, …
};
struct ResolveResult {
    std::string path;
    bool external = false;
    std::string ns;
    std::string error;  // non-empty: fail this import with this message
};
struct LoadArgs {
    std::string path;
    std::string ns;
};
struct LoadResult {
    std::string contents;
    std::string loader;  // js, ts, …
    std::string resolve_dir;
};

// A plugin hook: esbuild calls it for paths matching `filter` (a Go regular expression) in namespace `ns`
// (empty: every namespace). Returning nullopt lets the next hook or esbuild's own resolver decide.
struct ResolveHook {
    std::string filter;
    std::string ns;
    std::function<std::optional<ResolveResult>(const ResolveArgs&)> fn;
};
struct LoadHook {
    std::string filter;
    std::string ns;
    std::function<std::optional<LoadResult>(const LoadArgs&)> fn;
};

struct BuildRequest {
    std::vector<std::string> entry_points;  // absolute paths
    std::vector<std::string> flags;         // CLI-style flags: --bundle, --format=esm, --define:K=V, …
    std::string working_dir;                // absolute
    std::vector<ResolveHook> on_resolve;
    std::vector<LoadHook> on_load;
};

struct Message {
    std::string text;
    std::string plugin;
    std::string file;  // as esbuild reports it (relative to working_dir for files in it)
    int line = 0;      // 1-based; 0 = no location
    int column = 0;    // 0-based, in bytes (esbuild's convention)
    std::string line_text;
    std::vector<std::string> notes;
};

struct OutputFile {
    std::string path;  // absolute (under --outdir)
    std::string contents;
};

struct BuildResult {
    std::vector<Message> errors;
    std::vector<Message> warnings;
    std::vector<OutputFile> outputs;
    nlohmann::json metafile;  // parsed; null when --metafile was not given
};

// Runs one build. An error only when esbuild could not be run or broke the protocol; build errors are in
// BuildResult::errors.
Result<BuildResult> run_build(const EsbuildBinary& esbuild, const BuildRequest& request);

// The protocol's codec, exposed for tests. Byte arrays are nlohmann binary values; numbers are int32.
std::string encode_packet(uint32_t id, bool is_request, const nlohmann::json& value);
struct Packet {
    uint32_t id = 0;
    bool is_request = false;
    nlohmann::json value;
};
Result<Packet> decode_packet(std::string_view bytes);  // one packet without its length prefix

}  // namespace tenantctl::bundle
