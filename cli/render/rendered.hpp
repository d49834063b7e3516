#pragma once
// What a command shows: the --json document, the text for people, and how it failed (partly). Pure functions
// from reports to these live beside this header (the tenantctl_cli_render library, linked by the unit tests);
// the Ui prints them.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace tenantctl::cli {

struct Rendered {
    nlohmann::json doc;                 // with `error`: {"ok":false,"error":{…}, …the report's fields}
    std::string human;                  // stdout without --json
    std::optional<Error> error;         // the command failed (partly): its kind gives the exit code
    std::vector<std::string> notes;     // stderr lines for people (not with --quiet)
    std::vector<std::string> details;   // stderr lines that belong to the error (always shown, before it)
    std::vector<std::string> warnings;  // "warning: …" lines
};

// The error object of every failed command's document: kind, message, hint, status, API errors, diagnostics
// (redacted).
nlohmann::json error_json(const Error& e);
// `doc` (an object) marked failed: "ok": false and "error": error_json(e); the Rendered carries `e`.
Rendered failed_doc(nlohmann::json doc, std::string human, Error e);

}  // namespace tenantctl::cli
