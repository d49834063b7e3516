// containers[]: default names, the deprecated `configuration` block, the image (a Dockerfile next to the config,
// or a registry reference with a tag), instance types, rollout settings and ssh, with wrangler's messages.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>

#include "config/normalizer.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::config::detail {

namespace {

const std::vector<std::string> k_container_keys = {"name",
                                                   "class_name",
                                                   "image",
                                                   "image_build_context",
                                                   "image_vars",
                                                   "max_instances",
                                                   "instance_type",
                                                   "scheduling_policy",
                                                   "observability",
                                                   "ssh",
                                                   "wrangler_ssh",
                                                   "authorized_keys",
                                                   "trusted_user_ca_keys",
                                                   "constraints",
                                                   "affinities",
                                                   "rollout_step_percentage",
                                                   "rollout_kind",
                                                   "rollout_active_grace_period",
                                                   "unsafe",
                                                   "instances",
                                                   "durable_objects",
                                                   "configuration",
                                                   "images"};

// `new URL("https://" + image)` parses and the last path segment carries a ":tag"; no scheme allowed.
bool valid_registry_image(std::string_view img) {
    if (img.empty() || img.find("://") != std::string_view::npos) return false;
    for (unsigned char c : img)
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == '^' || c == '|' || c == '\\' || c == '"' ||
            c == '`' || c == '{' || c == '}')
            return false;
    size_t end_host = img.find_first_of("/?#");
    std::string_view host = img.substr(0, end_host);
    std::string_view rest = end_host == std::string_view::npos ? std::string_view("/") : img.substr(end_host);
    size_t at = host.rfind('@');
    if (at != std::string_view::npos) host = host.substr(at + 1);
    if (host.empty()) return false;
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']') == std::string_view::npos) {
        std::string_view port = host.substr(colon + 1);
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        if (!port.empty() && std::stol(std::string(port)) > 65535) return false;
        host = host.substr(0, colon);
        if (host.empty()) return false;
    }
    size_t qpos = rest.find_first_of("?#");
    if (qpos != std::string_view::npos) rest = rest.substr(0, qpos);
    if (rest.empty() || rest[0] != '/') return false;
    std::string_view last = rest.substr(rest.rfind('/') + 1);
    return last.find(':') != std::string_view::npos;
}

}  // namespace

json Normalizer::normalize_containers(const Node& v, const SectionCtx& sc) {
    const std::string path = sc.prefix + "containers";
    if (!v.is_array()) {
        error(v.pos, path, "The field \"containers\" should be an array but got " + v.js_stringify() + ".");
        return v.to_json();
    }
    // The worker name used for default container names: the section's own name, else the top level's.
    std::optional<std::string> worker;
    if (const Node* n = sc.raw->find("name"); n && n->is_string())
        worker = n->s;
    else if (sc.raw_top)
        if (const Node* t = sc.raw_top->find("name"); t && t->is_string()) worker = t->s;
    json out = json::array();
    for (size_t i = 0; i < v.items.size(); ++i) out.push_back(normalize_container(v.items[i], i, path, sc, worker));
    return out;
}

json Normalizer::normalize_container(const Node& c, size_t idx, const std::string& base, const SectionCtx& sc,
                                     const std::optional<std::string>& worker) {
    const std::string p = base + "[" + std::to_string(idx) + "]";
    if (!c.is_object()) {
        error(c.pos, p, "\"containers\" entries should be objects, but got " + c.js_stringify() + ".");
        return c.to_json();
    }
    json out = c.to_json();
    unknown_fields(c, k_container_keys, "containers", {p, "."});

    const Node* name = c.find("name");
    const Node* class_name = c.find("class_name");
    if (class_name) expect(*class_name, "containers.class_name", {p, ".class_name"}, "string");
    if (name) {
        expect(*name, "containers.name", {p, ".name"}, "string");
    } else if (class_name && class_name->is_string() && worker) {
        std::string n = to_lower(*worker + "-" + class_name->s);
        if (sc.env) n += "-" + *sc.env;
        for (char& ch : n)
            if (ch == ' ') ch = '-';
        out["name"] = n;
    } else {
        error(c.pos, p + ".name",
              "\"containers.name\" is required when there is no \"class_name\" and top-level \"name\" to derive it "
              "from.",
              "set name, or class_name together with the worker's name");
    }

    // The deprecated `configuration` block: kept as written; its `image` is used when there is no `image`.
    const Node* configuration = c.find("configuration");
    if (configuration) {
        warning(configuration->key_pos, p + ".configuration",
                "\"containers.configuration\" is deprecated. Use top level \"containers\" fields instead. "
                "\"configuration.image\" should be \"image\", limits should be set via \"instance_type\".",
                "move \"configuration.image\" to \"image\", and the limits to \"instance_type\"");
        if (!configuration->is_object()) {
            error(configuration->pos, p + ".configuration", "\"containers.configuration\" should be an object");
            configuration = nullptr;
        } else {
            const Node* it = c.find("instance_type");
            bool preset = it && ((it->is_string() && !it->s.empty()) || it->is_object() || it->is_array() ||
                                 (it->is_bool() && it->b) || (it->is_number() && it->number() != 0));
            for (const char* k : {"disk", "vcpu", "memory_mib"}) {
                const Node* n = configuration->find(k);
                if (!preset || !n) continue;
                error(n->key_pos, p + ".configuration." + k,
                      "Cannot set custom limits via \"containers.configuration\" and use preset \"instance_type\" "
                      "limits at the same time.",
                      "remove \"configuration." + std::string(k) + "\" and keep \"instance_type\"");
                break;
            }
            unknown_fields(*configuration, {"image", "secrets", "labels", "disk", "vcpu", "memory_mib"},
                           "containers.configuration", {p, ".configuration."});
        }
    }

    // image: a Dockerfile path (relative to the config file), or a registry reference with a tag.
    const Node* image = c.find("image");
    std::string image_path = p + ".image";
    if (!image && configuration)
        if ((image = configuration->find("image"))) image_path = p + ".configuration.image";
    if (!image) {
        error(c.pos, p + ".image", "\"containers.image\" field is required.",
              "a path to a Dockerfile (e.g. \"./Dockerfile\") or a registry image with a tag (e.g. "
              "\"docker.io/httpd:1\")");
    } else if (expect(*image, "containers.image", image_path, "string")) {
        out["image"] = image->s;  // also when it came from "configuration.image"
        std::string abs = absolute_path(image->s, m_o.dir);
        struct stat st {};
        bool found = m_o.check_files && !image->s.empty() && may_exist(abs) && ::stat(abs.c_str(), &st) == 0;
        bool is_dir = found && S_ISDIR(st.st_mode);
        bool is_file = found && S_ISREG(st.st_mode);
        if (is_dir) {
            error(image->pos, image_path, rel(abs) + " is a directory, you should specify a path to the Dockerfile",
                  "e.g. \"" + rel(join_path(abs, "Dockerfile")) + "\"");
        } else if (is_file) {
            out["image"] = rel(abs);
            if (!c.find("image_build_context")) out["image_build_context"] = rel(parent_dir(abs));
        } else if (!valid_registry_image(image->s)) {
            std::string hint = "no file " + rel(abs) + " exists either";
            error(image->pos, image_path,
                  "The image " + q(image->s) +
                      " does not appear to be a valid path to a Dockerfile, or a valid image registry path:\nIf "
                      "this is "
                      "an image registry path, it needs to include at least a tag ':' (e.g: docker.io/httpd:1)",
                  hint);
        }
    }
    if (const Node* ctx = c.find("image_build_context")) {
        if (expect(*ctx, "containers.image_build_context", {p, ".image_build_context"}, "string"))
            out["image_build_context"] = resolve(ctx->s);
    }
    if (const Node* iv = c.find("image_vars")) expect(*iv, "containers.image_vars", {p, ".image_vars"}, "object");

    std::optional<double> max_instances;
    if (const Node* mi = c.find("max_instances")) {
        if (!mi->is_number() || mi->number() < 0)
            error(mi->pos, p + ".max_instances",
                  "\"containers.max_instances\" field should be a positive number, but got " + mi->js_stringify());
        else
            max_instances = mi->number();
    }
    if (const Node* it = c.find("instance_type")) {
        static const std::vector<std::string> types = {"dev",        "basic",      "standard",   "lite",
                                                       "standard-1", "standard-2", "standard-3", "standard-4"};
        if (it->is_object()) {
            for (const char* k : {"vcpu", "memory_mib", "disk_mb"})
                if (const Node* n = it->find(k))
                    expect(*n, std::string("containers.instance_type.") + k, p + ".instance_type." + k, "number");
            unknown_fields(*it, {"vcpu", "memory_mib", "disk_mb"}, "containers.instance_type", p + ".instance_type.");
        } else if (!it->is_string() || !contains(types, it->s)) {
            std::string hint;
            if (it->is_string()) hint = closest_match(it->s, types);
            if (!hint.empty()) hint = "did you mean " + q(hint) + "?";
            error(it->pos, p + ".instance_type",
                  "\"containers.instance_type\" should be one of 'lite', 'basic', 'standard-1', 'standard-2', "
                  "'standard-3', 'standard-4' (or legacy 'dev', 'standard'), or an object with vcpu, memory_mib and "
                  "disk_mb, but got " +
                      it->js_stringify(),
                  hint);
        }
    }
    if (const Node* r = c.find("rollout_step_percentage")) {
        static const std::vector<double> allowed = {5, 10, 20, 25, 50, 100};
        if (r->is_number()) {
            if (std::find(allowed.begin(), allowed.end(), r->number()) == allowed.end())
                error(r->pos, p + ".rollout_step_percentage",
                      "\"containers.rollout_step_percentage\" must be one of [5, 10, 20, 25, 50, 100], but got " +
                          js_number(r->number()));
        } else if (r->is_array()) {
            bool ok = !r->items.empty();
            double prev = 0;
            for (const auto& e : r->items) {
                if (!e.is_number() || e.number() < 10 || e.number() > 100 || e.number() <= prev) ok = false;
                if (e.is_number()) prev = e.number();
            }
            if (ok && r->items.back().number() != 100) ok = false;
            if (!ok) {
                error(r->pos, p + ".rollout_step_percentage",
                      "\"containers.rollout_step_percentage\" array must hold ascending numbers between 10 and 100 "
                      "that end "
                      "with 100, but got " +
                          r->js_stringify());
            } else {
                double limit = max_instances.value_or(20);
                if (static_cast<double>(r->items.size()) > limit)
                    error(r->pos, p + ".rollout_step_percentage",
                          "\"containers.rollout_step_percentage\" has " + std::to_string(r->items.size()) +
                              " steps, more than \"containers.max_instances\" (" + js_number(limit) + ")");
            }
        } else {
            error(r->pos, p + ".rollout_step_percentage",
                  "\"containers.rollout_step_percentage\" must be a number or an array of numbers, but got " +
                      r->js_stringify());
        }
    }
    if (const Node* k = c.find("rollout_kind")) {
        if (!k->is_string() || (k->s != "full_auto" && k->s != "full_manual" && k->s != "none"))
            error(k->pos, p + ".rollout_kind",
                  "\"containers.rollout_kind\" field should be one of \"full_auto\", \"full_manual\" or \"none\", "
                  "but got " +
                      k->js_stringify());
    }
    if (const Node* g = c.find("rollout_active_grace_period")) {
        if (!g->is_number() || g->number() < 0)
            error(g->pos, p + ".rollout_active_grace_period",
                  "\"containers.rollout_active_grace_period\" field should be a positive number, but got " +
                      g->js_stringify());
    }
    if (const Node* s = c.find("scheduling_policy")) {
        if (!s->is_string() || (s->s != "default" && s->s != "moon" && s->s != "regional" && s->s != "durable_object"))
            error(s->pos, p + ".scheduling_policy",
                  "\"containers.scheduling_policy\" field should be one of \"default\", \"moon\", \"regional\" or "
                  "\"durable_object\", but got " +
                      s->js_stringify());
    }
    for (const char* k : {"constraints", "affinities", "observability", "unsafe"})
        if (const Node* n = c.find(k)) expect(*n, std::string("containers.") + k, p + "." + k, "object");

    // ssh is normalized to wrangler_ssh (the Containers API's name); with both, ssh wins.
    const Node* ssh = c.find("ssh");
    const Node* wrangler_ssh = c.find("wrangler_ssh");
    if (wrangler_ssh)
        warning(wrangler_ssh->key_pos, p + ".wrangler_ssh",
                "\"containers.wrangler_ssh\" is deprecated. Use \"containers.ssh\" instead.",
                ssh ? "\"ssh\" is set too and is the one used; remove \"wrangler_ssh\""
                    : "rename \"wrangler_ssh\" to \"ssh\"");
    if (ssh) {
        validate_container_ssh(*ssh, "containers.ssh", p + ".ssh");
        out["wrangler_ssh"] = out["ssh"];
        out.erase("ssh");
    } else if (wrangler_ssh) {
        validate_container_ssh(*wrangler_ssh, "containers.wrangler_ssh", p + ".wrangler_ssh");
    }
    return out;
}

// wrangler's container ssh check: {enabled: boolean (required), port?: integer 1..65535}.
void Normalizer::validate_container_ssh(const Node& v, const std::string& field, const std::string& path) {
    const Node* enabled = v.is_object() ? v.find("enabled") : nullptr;
    if (!enabled || !enabled->is_bool())
        error(enabled ? enabled->pos : v.pos, path + ".enabled", field + ".enabled must be a boolean",
              enabled ? "" : "add enabled = true");
    const Node* port = v.is_object() ? v.find("port") : nullptr;
    if (port && (!port->is_number() || std::trunc(port->number()) != port->number() || port->number() < 1 ||
                 port->number() > 65535))
        error(port->pos, path + ".port", field + ".port must be a number between 1 and 65535 inclusive");
}

}  // namespace tenantctl::config::detail
