#pragma once
// wrangler 4.164's field model (normalizeAndValidateConfig / normalizeAndValidateEnvironment): every key a
// configuration may hold, as ONE table that section inheritance, defaults, value checks, the "not inherited"
// warnings and the unknown-field checks all read. Within each kind the order is wrangler's; it is the order
// sections are normalized in and the order "did you mean" candidates are tried in.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::config::fields {

enum class Kind : std::uint8_t {
    TopLevelOnly,    // only at the top level; inside env.NAME an unexpected field (with its own hint)
    Inheritable,     // an environment inherits the top level's value unless it sets its own
    NonInheritable,  // an environment without its own value gets the default (and a warning when the top sets it)
    Computed,        // added to the normalized config; not flagged when written in a file (wrangler's quirk)
    Removed,         // an error of its own (node_compat, legacy_env)
};

// The value check every section applies to a field it sets. Custom: the field has code of its own (its key is
// named in the function that normalizes its kind).
enum class Type : std::uint8_t {
    Any,      // kept as written, no check
    Boolean,  // Expected "<field>" to be of type boolean …
    String,
    Path,  // a string, resolved against the config's directory ("./relative")
    Object,
    Array,
    Custom,
};

// What a section that does not set the field gets (inheritable fields: only when the top level has none
// either). Special: a value of its own (environment.cpp's field_default).
enum class Default : std::uint8_t { None, EmptyArray, EmptyObject, Special };

// How an environment's own value is compared with the top level's for "not inherited" warnings per name:
// BindingArray: [{binding}] lists, one warning per missing binding; BindingsList: {bindings: [{name}]}, one
// warning listing every missing name.
enum class EnvBindings : std::uint8_t { NotCompared, BindingArray, BindingsList };

struct Field {
    std::string_view key;
    Kind kind;
    Type type = Type::Any;
    Default absent = Default::None;
    EnvBindings env_bindings = EnvBindings::NotCompared;
};

// The table's own shorthands.
namespace table {
using enum Kind;
using enum Type;
using enum Default;
using enum EnvBindings;

// clang-format off
inline constexpr Field k_fields[] = {
    // (a) top-level only
    {"send_metrics", TopLevelOnly, Boolean},
    {"dependencies_instrumentation", TopLevelOnly},
    {"dev", TopLevelOnly, Custom},
    {"site", TopLevelOnly},
    {"wasm_modules", TopLevelOnly},
    {"text_blobs", TopLevelOnly},
    {"data_blobs", TopLevelOnly},
    {"alias", TopLevelOnly},
    {"keep_vars", TopLevelOnly, Boolean},
    {"addresses", TopLevelOnly},
    {"pages_build_output_dir", TopLevelOnly, Path},
    {"$schema", TopLevelOnly, Custom},  // validated as a string, not kept
    {"env", TopLevelOnly, Custom},

    // (b) inheritable
    {"name", Inheritable, Custom},
    {"account_id", Inheritable, Custom},
    {"compatibility_date", Inheritable, Custom},
    {"compatibility_flags", Inheritable, Custom, EmptyArray},
    {"main", Inheritable, Path},
    {"find_additional_modules", Inheritable, Boolean},
    {"preserve_file_names", Inheritable, Boolean},
    {"base_dir", Inheritable, Path},
    {"workers_dev", Inheritable, Boolean},
    {"preview_urls", Inheritable, Boolean},
    {"route", Inheritable, Custom},
    {"routes", Inheritable, Custom},
    {"tsconfig", Inheritable, Path},
    {"jsx_factory", Inheritable, String, Special},
    {"jsx_fragment", Inheritable, String, Special},
    {"migrations", Inheritable, Custom, EmptyArray},
    {"exports", Inheritable, Object, EmptyObject},
    {"triggers", Inheritable, Custom, EmptyObject},
    {"limits", Inheritable, Custom},
    {"rules", Inheritable, Array, EmptyArray},
    {"build", Inheritable, Custom, Special},
    {"no_bundle", Inheritable, Boolean},
    {"minify", Inheritable, Boolean},
    {"keep_names", Inheritable, Boolean},
    {"first_party_worker", Inheritable, Boolean},
    {"logfwdr", Inheritable, Object, Special, BindingsList},
    {"logpush", Inheritable, Boolean},
    {"upload_source_maps", Inheritable, Boolean},
    {"placement", Inheritable, Custom},
    {"assets", Inheritable, Object},
    {"observability", Inheritable, Custom},
    {"access", Inheritable, Object},
    {"cache", Inheritable, Object},
    {"compliance_region", Inheritable, String},
    {"python_modules", Inheritable, Object, Special},
    {"previews", Inheritable, Object},

    // (c) non-inheritable
    {"define", NonInheritable, Custom, EmptyObject},
    {"vars", NonInheritable, Custom, EmptyObject},
    {"secrets", NonInheritable, Custom},
    {"durable_objects", NonInheritable, Custom, Special, BindingsList},
    {"workflows", NonInheritable, Array, EmptyArray, BindingArray},
    {"cloudchamber", NonInheritable, Object, EmptyObject},
    {"containers", NonInheritable, Custom},
    {"kv_namespaces", NonInheritable, Custom, EmptyArray, BindingArray},
    {"send_email", NonInheritable, Array, EmptyArray, BindingArray},
    {"queues", NonInheritable, Custom, Special},
    {"connect", NonInheritable, Array, EmptyArray},
    {"r2_buckets", NonInheritable, Custom, EmptyArray, BindingArray},
    {"d1_databases", NonInheritable, Custom, EmptyArray, BindingArray},
    {"vectorize", NonInheritable, Array, EmptyArray, BindingArray},
    {"ai_search_namespaces", NonInheritable, Array, EmptyArray, BindingArray},
    {"ai_search", NonInheritable, Array, EmptyArray, BindingArray},
    {"agent_memory", NonInheritable, Array, EmptyArray, BindingArray},
    {"hyperdrive", NonInheritable, Array, EmptyArray, BindingArray},
    {"services", NonInheritable, Custom, EmptyArray, BindingArray},
    {"analytics_engine_datasets", NonInheritable, Array, EmptyArray, BindingArray},
    {"dispatch_namespaces", NonInheritable, Custom, EmptyArray, BindingArray},
    {"mtls_certificates", NonInheritable, Array, EmptyArray, BindingArray},
    {"tail_consumers", NonInheritable, Custom},
    {"streaming_tail_consumers", NonInheritable, Custom},
    {"unsafe", NonInheritable, Custom, EmptyObject, BindingsList},
    {"browser", NonInheritable, Object},
    {"ai", NonInheritable, Object},
    {"images", NonInheritable, Object},
    {"stream", NonInheritable, Object},
    {"media", NonInheritable, Object},
    {"pipelines", NonInheritable, Array, EmptyArray, BindingArray},
    {"secrets_store_secrets", NonInheritable, Array, EmptyArray, BindingArray},
    {"artifacts", NonInheritable, Array, EmptyArray, BindingArray},
    {"unsafe_hello_world", NonInheritable, Array, EmptyArray, BindingArray},
    {"flagship", NonInheritable, Array, EmptyArray, BindingArray},
    {"worker_loaders", NonInheritable, Array, EmptyArray, BindingArray},
    {"ratelimits", NonInheritable, Array, EmptyArray, BindingArray},
    {"vpc_services", NonInheritable, Array, EmptyArray, BindingArray},
    {"vpc_networks", NonInheritable, Array, EmptyArray, BindingArray},
    {"version_metadata", NonInheritable, Object},
    {"analytics", NonInheritable, Object},
    {"k2", NonInheritable, Array, EmptyArray, BindingArray},

    // (d) computed
    {"configPath", Computed},
    {"userConfigPath", Computed},
    {"topLevelName", Computed},
    {"definedEnvironments", Computed},
    {"targetEnvironment", Computed},

    // removed
    {"node_compat", Removed},
    {"legacy_env", Removed},
};
// clang-format on
}  // namespace table
using table::k_fields;

// The entry for `key`, or nullptr.
constexpr const Field* find(std::string_view key) {
    for (const Field& f : k_fields)
        if (f.key == key) return &f;
    return nullptr;
}

constexpr bool is(std::string_view key, Kind kind) {
    const Field* f = find(key);
    return f && f->kind == kind;
}

// The keys of the given kinds, kinds in the order given and each kind in table order.
std::vector<std::string> keys_of(std::initializer_list<Kind> kinds);

}  // namespace tenantctl::config::fields
