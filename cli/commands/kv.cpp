// kv namespace list|create|delete|rename and kv key put|get|list|delete (--namespace-id).
#include <iostream>
#include <iterator>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct KvOptions {
    std::string title;
    std::string id;
    std::string key;
    std::string namespace_id;
    std::string path;
    std::string prefix;
    bool yes = false;
};

json ns_json(const api::KvNamespace& n) {
    json j = n.raw.is_object() ? n.raw : json::object();
    j["id"] = n.id;
    j["title"] = n.title;
    return j;
}

Status need(const std::string& v, const std::string& what, const std::string& hint) {
    if (trim(v).empty()) return Error(ErrorKind::Usage, what + " must not be empty", hint);
    return {};
}

Status need_ns(const KvOptions& o) {
    return need(o.namespace_id, "--namespace-id", "pass --namespace-id ID (see `tenantctl kv namespace list`)");
}

// A value for --json: text when it is valid UTF-8, else base64.
json value_json(const std::string& key, const std::string& value) {
    json j = {{"key", key}};
    try {
        json probe = value;
        (void)probe.dump(-1, ' ', false, json::error_handler_t::strict);
        j["value"] = value;
    } catch (const json::exception&) {
        j["value_base64"] = base64_encode(value);
    }
    return j;
}

}  // namespace

void register_kv(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("kv", "Manage KV namespaces and keys");
    cmd->require_subcommand(1);
    auto o = std::make_shared<KvOptions>();

    // ---- namespaces
    auto* ns = cmd->add_subcommand("namespace", "Manage KV namespaces");
    ns->require_subcommand(1);

    auto* list = ns->add_subcommand("list", "List the KV namespaces of the account");
    on_run(list, ctx, [&ctx] {
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->list_kv_namespaces(s->account_id);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        output::Table t{{"id", "title"}, {}};
        for (const auto& n : *r) {
            doc.push_back(ns_json(n));
            t.rows.push_back({n.id, n.title});
        }
        ctx.ui.emit(doc, r->empty() ? "No KV namespaces\n" : output::render_table(t));
        return 0;
    });

    auto* create = ns->add_subcommand("create", "Create a KV namespace");
    create->add_option("title", o->title, "Namespace title")->required();
    on_run(create, ctx, [&ctx, o] {
        if (auto st = need(o->title, "the title", "give a title, e.g. `tenantctl kv namespace create sessions`");
            !st.ok()) {
            return ctx.ui.fail(st.error());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->create_kv_namespace(s->account_id, o->title);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(ns_json(*r), "Created KV namespace \"" + (r->title.empty() ? o->title : r->title) +
                                     "\" with ID \"" + r->id + "\"\n");
        return 0;
    });

    auto* del = ns->add_subcommand("delete", "Delete a KV namespace and everything in it");
    del->add_option("id", o->id, "Namespace id")->required();
    del->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, o] {
        if (auto st = need(o->id, "the namespace id", "give the id shown by `tenantctl kv namespace list`"); !st.ok()) {
            return ctx.ui.fail(st.error());
        }
        if (auto c = ctx.ui.confirm("delete KV namespace " + o->id + " and all its keys", o->yes); !c.ok()) {
            return ctx.ui.fail(c.error());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        if (auto r = s->client->delete_kv_namespace(s->account_id, o->id); !r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", o->id}}, "Deleted KV namespace " + o->id + "\n");
        return 0;
    });

    auto* rename = ns->add_subcommand("rename", "Change the title of a KV namespace (the id stays)");
    rename->add_option("id", o->id, "Namespace id")->required();
    rename->add_option("title", o->title, "New title")->required();
    on_run(rename, ctx, [&ctx, o] {
        if (auto st = need(o->id, "the namespace id", "give the id shown by `tenantctl kv namespace list`"); !st.ok()) {
            return ctx.ui.fail(st.error());
        }
        if (auto st = need(o->title, "the title", "give the new title"); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->rename_kv_namespace(s->account_id, o->id, o->title);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(ns_json(*r), "Renamed KV namespace " + o->id + " to \"" + o->title + "\"\n");
        return 0;
    });

    // ---- keys
    auto* key = cmd->add_subcommand("key", "Read and write keys of a KV namespace");
    key->require_subcommand(1);
    auto add_ns = [o](CLI::App* c) { c->add_option("--namespace-id", o->namespace_id, "KV namespace id")->required(); };

    auto* put = key->add_subcommand("put", "Write a value (from --path FILE or stdin)");
    put->add_option("key", o->key, "Key name")->required();
    put->add_option("--path", o->path, "Read the value from this file (default: all of stdin)");
    add_ns(put);
    on_run(put, ctx, [&ctx, o] {
        if (auto st = need_ns(*o); !st.ok()) return ctx.ui.fail(st.error());
        if (auto st = need(o->key, "the key", "give a key name"); !st.ok()) return ctx.ui.fail(st.error());
        std::string value;
        if (!o->path.empty()) {
            auto r = read_file(absolute_path(o->path, ctx.cwd()));
            if (!r.ok()) return ctx.ui.fail(r.error());
            value = std::move(r).value();
        } else {
            if (ctx.ui.stdin_tty()) {
                return ctx.ui.fail(Error(ErrorKind::Usage, "no value was given for key " + tenantctl::quoted(o->key),
                                         "pass --path FILE, or pipe the value on stdin"));
            }
            value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        if (auto r = s->client->put_kv_value(s->account_id, o->namespace_id, o->key, value); !r.ok()) {
            return ctx.ui.fail(r.error());
        }
        ctx.ui.emit(json{{"ok", true}, {"key", o->key}, {"namespace_id", o->namespace_id}, {"bytes", value.size()}},
                    "Wrote " + std::to_string(value.size()) + " bytes to key " + tenantctl::quoted(o->key) + "\n");
        return 0;
    });

    auto* get = key->add_subcommand("get", "Print a value (raw bytes on stdout)");
    get->add_option("key", o->key, "Key name")->required();
    add_ns(get);
    on_run(get, ctx, [&ctx, o] {
        if (auto st = need_ns(*o); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->get_kv_value(s->account_id, o->namespace_id, o->key);
        if (!r.ok()) return ctx.ui.fail(r.error());
        if (ctx.ui.machine())
            ctx.ui.emit(value_json(o->key, *r), "");
        else
            ctx.ui.out(*r);
        return 0;
    });

    auto* klist = key->add_subcommand("list", "List keys (all pages)");
    klist->add_option("--prefix", o->prefix, "Only keys starting with this prefix");
    add_ns(klist);
    on_run(klist, ctx, [&ctx, o] {
        if (auto st = need_ns(*o); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->list_kv_keys(s->account_id, o->namespace_id, o->prefix);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        std::string human;
        for (const auto& k : *r) {
            doc.push_back(k.raw.is_object() ? k.raw : json{{"name", k.name}});
            human += k.name + "\n";
        }
        ctx.ui.emit(doc, human);
        return 0;
    });

    auto* kdel = key->add_subcommand("delete", "Delete a key");
    kdel->add_option("key", o->key, "Key name")->required();
    kdel->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    add_ns(kdel);
    on_run(kdel, ctx, [&ctx, o] {
        if (auto st = need_ns(*o); !st.ok()) return ctx.ui.fail(st.error());
        if (auto c = ctx.ui.confirm("delete key " + tenantctl::quoted(o->key) + " from KV namespace " + o->namespace_id,
                                    o->yes);
            !c.ok()) {
            return ctx.ui.fail(c.error());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        if (auto r = s->client->delete_kv_value(s->account_id, o->namespace_id, o->key); !r.ok())
            return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", o->key}, {"namespace_id", o->namespace_id}},
                    "Deleted key " + tenantctl::quoted(o->key) + "\n");
        return 0;
    });
}

}  // namespace tenantctl::cli
