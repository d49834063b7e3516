#pragma once
// Upload-time validation of worker code: the seam through which `tenantctl dev` checks that an upload starts
// before it is stored, as production does (a syntax error or an exception at start-up refuses the upload with
// 400 / 10021 and workerd's message). lib/platform only asks; lib/runtime's WorkerdValidator answers by
// loading the script in a throwaway workerd, and the dev wiring installs it (Api::set_validator). Without one,
// uploads are stored unchecked.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platform/multipart.hpp"

namespace tenantctl::platform {

// What an upload would run: its modules, entry, compatibility settings and bindings (secrets included: a
// validator passes them only to the process it starts and never into a message).
struct ScriptCheck {
    std::string script;  // the script's name
    std::string ns;      // its dispatch namespace; empty for account workers
    std::string main;    // main module (modules) or body part (service worker)
    bool has_modules = true;
    std::vector<MultipartPart> modules;
    std::string compatibility_date;
    std::vector<std::string> compatibility_flags;
    nlohmann::json bindings = nlohmann::json::array();
};

struct CheckVerdict {
    bool ok = true;
    std::string message;  // why it does not start, as production words it: "Uncaught SyntaxError: … at a.js:3:5"
    // What the started script exports, as an upload's answer lists it (null: not known, e.g. a service worker):
    // `handlers` of the default export (["fetch", "scheduled"]) and `named_handlers` of the other exports
    // ([{"name": "Counter", "handlers": ["alarm", "fetch"]}]).
    nlohmann::json handlers;
    nlohmann::json named_handlers;
    // CPU time the script's start-up took (compiling and running its top level), in ms: workerd's main thread
    // to `listen`, less the same for a minimal worker. 0 when not measured.
    int64_t startup_time_ms = 0;

    static CheckVerdict refused(std::string why) {
        CheckVerdict v;
        v.ok = false;
        v.message = std::move(why);
        return v;
    }
};

class ScriptValidator {
public:
    virtual ~ScriptValidator() = default;
    // Called before the store is locked, on the API's threads (concurrently).
    virtual CheckVerdict check(const ScriptCheck& script) = 0;
};

// What a verdict depends on, hashed (SHA-256 hex): the modules (names, types, bodies), the entry, the
// module/service-worker form, the compatibility date and flags, and the bindings' shapes (type, name, and
// the fields that pick code: class_name, part). Not the script's name, nor binding ids or values: the same
// code uploaded for a thousand tenants with their own storage is checked once.
std::string check_key(const ScriptCheck& script);

}  // namespace tenantctl::platform
