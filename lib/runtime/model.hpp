#pragma once
// What the runtime runs, read from the local platform's Store: every account worker and every script of
// every dispatch namespace, with its modules, compatibility settings, bindings (secrets included: they go to
// workerd's config in the state dir and nowhere else) and routes.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "platform/store.hpp"
#include "runtime/assets.hpp"

namespace tenantctl::runtime {

struct Module {
    std::string name;
    std::string kind;  // workerd's module kind: esModule, commonJsModule, text, data, wasm, json
    std::string body;
};

struct Script {
    std::string key;  // the workerd service name: "w:<name>" (account) or "n:<namespace>:<name>"
    std::string name;
    std::string ns;    // dispatch namespace name; empty for account workers
    std::string etag;  // changes with every upload and every settings or secret change
    std::string main;
    bool service_worker = false;  // an upload without modules (service-worker syntax)
    std::vector<Module> modules;
    std::string compatibility_date;
    std::vector<std::string> compatibility_flags;
    nlohmann::json bindings = nlohmann::json::array();  // the upload's bindings, secrets included
    std::vector<std::string> routes;                    // route patterns of an account worker
    std::vector<std::string> tail_consumers;            // account workers that receive this one's records
    // A deployment of an account worker that splits the requests between two versions: the script runs the
    // larger share, and the other version runs beside it as a script of its own, keyed
    // "w:<name>@<version id>", with `variant_of` the script's key. The script's `shares` then list both keys
    // with their percentages; the entry worker picks one per request.
    std::string variant_of;
    std::vector<std::pair<std::string, double>> shares;
    std::shared_ptr<const SiteAssets> assets;  // its static assets; null when it has none
    // An assets-only worker: no code, so no workerd service (its requests are the asset service's).
    bool assets_only() const { return assets && modules.empty(); }
};

struct Model {
    std::vector<Script> scripts;
    // dispatch namespace name -> keys of its scripts
    std::map<std::string, std::vector<std::string>> namespaces;
    const Script* find(const std::string& key) const;
    // The outbound workers (account worker names) that the account workers' dispatch namespace bindings name
    // for a namespace: its scripts' fetch() calls go through one of them, chosen per invocation by the binding.
    std::set<std::string> outbounds(const std::string& ns) const;
};

// The outbound worker of a dispatch namespace binding (upload metadata: `outbound.worker.service`,
// `outbound.params[].name`); an empty service when the binding has none.
struct Outbound {
    std::string service;
    std::vector<std::string> params;
};
Outbound binding_outbound(const nlohmann::json& binding);

// Reads the model in one read transaction.
Model load_model(platform::Store& store, const std::string& account_id);

// workerd's module kind for an upload part's Content-Type; empty for parts that are not modules (source maps).
std::string module_kind(const std::string& content_type, bool is_main);

}  // namespace tenantctl::runtime
