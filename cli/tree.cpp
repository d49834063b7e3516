#include "tree.hpp"

#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

// "TEXT:{table,json,yaml}" -> {table, json, yaml}
std::vector<std::string> choices_of(const CLI::Option* o) {
    std::string type = o->get_type_name();
    auto open = type.find('{');
    auto close = type.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return {};
    std::vector<std::string> out;
    for (auto& c : split(type.substr(open + 1, close - open - 1), ',')) {
        std::string v(trim(c));
        if (!v.empty()) out.push_back(v);
    }
    return out;
}

// Which names the API can supply at completion time, by option or positional name.
std::string dynamic_of(const std::string& name, const std::string& command_path) {
    if (name == "namespace" || name == "dispatch-namespace" || name == "NAMESPACE") return "namespace";
    if (starts_with(command_path, "tenants") && (name == "ID" || name == "TENANT" || name == "id")) return "tenant";
    // An existing namespace: dispatch-namespace get|delete NAME, rename OLD.
    if ((command_path == "dispatch-namespace get" || command_path == "dispatch-namespace delete") && name == "name")
        return "namespace";
    if (command_path == "dispatch-namespace rename" && name == "old") return "namespace";
    if (command_path == "init" && name == "template") return "template";  // the bundled templates' names
    return {};
}

bool is_path(const std::string& name) {
    return name == "config" || name == "file" || name == "f" || name == "path" || name == "cwd" ||
           name == "state-dir" || name == "outdir" || name == "secrets-file" || name == "FILE" || name == "PATH" ||
           name == "DIR" || name == "man-dir";
}

scaffold::CommandSpec convert(const CLI::App& app, const std::string& path, bool root) {
    scaffold::CommandSpec spec;
    spec.name = app.get_name();
    spec.description = app.get_description();
    spec.hidden = !root && app.get_group().empty();
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;  // hidden
        if (o->nonpositional()) {
            if (o->get_lnames().size() == 1 && o->get_lnames()[0] == "help") continue;
            scaffold::OptionSpec os;
            os.long_names = o->get_lnames();
            os.short_names = o->get_snames();
            os.description = o->get_description();
            os.takes_value = o->get_items_expected_max() > 0;  // flags expect 0 values
            os.choices = choices_of(o);
            std::string tn = o->get_type_name();
            os.value_name = tn.substr(0, tn.find(':'));
            std::string lname = os.long_names.empty() ? std::string() : os.long_names[0];
            if (os.takes_value) {
                os.dynamic = dynamic_of(lname, path);
                os.path = os.dynamic.empty() && os.choices.empty() && is_path(lname);
            }
            spec.options.push_back(os);
        } else {
            scaffold::PositionalSpec ps;
            ps.name = o->get_name(true);
            ps.description = o->get_description();
            ps.choices = choices_of(o);
            ps.dynamic = dynamic_of(ps.name, path);
            ps.path = ps.dynamic.empty() && ps.choices.empty() && is_path(ps.name);
            spec.positionals.push_back(ps);
        }
    }
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        spec.subcommands.push_back(convert(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), false));
    }
    return spec;
}

}  // namespace

scaffold::CommandSpec command_tree(const CLI::App& app) {
    return convert(app, "", true);
}

}  // namespace tenantctl::cli
