// secret put|list|delete|bulk for account workers (--name) and for tenant workers in a dispatch namespace
// (--dispatch-namespace NS --name TENANT). Values never come from the command line.
#include <iostream>
#include <iterator>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct SecretOptions {
    std::string name;      // --name
    std::string dispatch;  // --dispatch-namespace
    std::string key;       // put/delete KEY
    std::string file;      // bulk FILE
    bool yes = false;
};

Result<std::string> worker_name(const SecretOptions& o) {
    if (trim(o.name).empty()) {
        std::string hint = o.dispatch.empty()
                               ? "pass --name WORKER (the worker whose secrets to manage)"
                               : "pass --name TENANT (the tenant worker in dispatch namespace \"" + o.dispatch + "\")";
        return Error(ErrorKind::Usage, "no worker name was given", hint);
    }
    return o.name;
}

std::string target_text(const SecretOptions& o) {
    return o.dispatch.empty() ? "worker \"" + o.name + "\""
                              : "tenant worker \"" + o.name + "\" in dispatch namespace \"" + o.dispatch + "\"";
}

json target_json(const SecretOptions& o) {
    json j = {{"worker", o.name}};
    if (!o.dispatch.empty()) j["dispatch_namespace"] = o.dispatch;
    return j;
}

Status check_key(const std::string& key) {
    if (trim(key).empty() || key.find_first_of("\r\n/") != std::string::npos) {
        return Error(ErrorKind::Usage, "invalid secret name " + tenantctl::quoted(key),
                     "use a name such as API_KEY (letters, digits and '_')");
    }
    return {};
}

void add_target_options(CLI::App* c, SecretOptions& o) {
    c->add_option("--name", o.name, "Worker name (the tenant worker's name with --dispatch-namespace)");
    c->add_option("--dispatch-namespace", o.dispatch, "Dispatch namespace of the tenant worker");
}

api::ScriptRef ref_for(const ApiSession& s, const SecretOptions& o) {
    return api::ScriptRef{s.account_id, o.dispatch, o.name};
}

int run_put(Context& ctx, const SecretOptions& o) {
    if (auto st = check_key(o.key); !st.ok()) return ctx.ui.fail(st.error());
    // the same names `secret bulk` accepts
    if (!api::valid_secret_name(o.key))
        return ctx.ui.fail(Error(ErrorKind::Usage, "invalid secret name " + tenantctl::quoted(o.key),
                                 "use a name such as API_KEY (a letter or '_' first, then letters, digits, '_', "
                                 "'-' or '.')"));
    if (auto n = worker_name(o); !n.ok()) return ctx.ui.fail(n.error());
    auto value = ctx.ui.read_secret("Enter a secret value: ");
    if (!value.ok()) return ctx.ui.fail(value.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto r = s->client->put_secret(ref_for(*s, o), o.key, *value);
    if (!r.ok()) return ctx.ui.fail(r.error());
    json doc = target_json(o);
    doc["ok"] = true;
    doc["name"] = o.key;
    doc["type"] = r->type;
    ctx.ui.emit(doc, "Uploaded secret " + o.key + " to " + target_text(o) + "\n");
    return 0;
}

int run_list(Context& ctx, const SecretOptions& o) {
    if (auto n = worker_name(o); !n.ok()) return ctx.ui.fail(n.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto r = s->client->list_secrets(ref_for(*s, o));
    if (!r.ok()) return ctx.ui.fail(r.error());
    json doc = json::array();
    output::Table t{{"name", "type"}, {}};
    for (const auto& sec : *r) {
        doc.push_back({{"name", sec.name}, {"type", sec.type}});
        t.rows.push_back({sec.name, sec.type});
    }
    ctx.ui.emit(doc, r->empty() ? "No secrets on " + target_text(o) + "\n" : output::render_table(t));
    return 0;
}

int run_delete(Context& ctx, const SecretOptions& o) {
    if (auto st = check_key(o.key); !st.ok()) return ctx.ui.fail(st.error());
    if (auto n = worker_name(o); !n.ok()) return ctx.ui.fail(n.error());
    if (auto c = ctx.ui.confirm("delete secret " + o.key + " from " + target_text(o), o.yes); !c.ok()) {
        return ctx.ui.fail(c.error());
    }
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    if (auto r = s->client->delete_secret(ref_for(*s, o), o.key); !r.ok()) return ctx.ui.fail(r.error());
    json doc = target_json(o);
    doc["ok"] = true;
    doc["deleted"] = o.key;
    ctx.ui.emit(doc, "Deleted secret " + o.key + " from " + target_text(o) + "\n");
    return 0;
}

int run_bulk(Context& ctx, const SecretOptions& o) {
    if (auto n = worker_name(o); !n.ok()) return ctx.ui.fail(n.error());
    std::string text, source;
    if (o.file.empty() || o.file == "-") {
        if (ctx.ui.stdin_tty()) {
            return ctx.ui.fail(Error(ErrorKind::Usage, "no secrets file was given and stdin is a terminal",
                                     "pass a FILE (JSON or .env), or pipe it: tenantctl secret bulk < secrets.json"));
        }
        auto in = read_fd_limited(0, limits::k_max_input_file_bytes, "the secrets on stdin");
        if (!in.ok()) return ctx.ui.fail(in.error());
        text = std::move(in).value();
        source = "stdin";
    } else {
        std::string path = absolute_path(o.file, ctx.cwd());
        auto r = read_file_limited(path, limits::k_max_input_file_bytes, "secrets file " + tenantctl::quoted(o.file));
        if (!r.ok()) return ctx.ui.fail(r.error());
        text = std::move(r).value();
        source = o.file;
    }
    auto patch = api::parse_secrets_input(text, source);
    if (!patch.ok()) return ctx.ui.fail(patch.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto r = s->client->bulk_secrets(ref_for(*s, o), *patch);
    if (!r.ok()) return ctx.ui.fail(r.error());
    json updated = json::array(), deleted = json::array();
    for (const auto& [k, v] : *patch) (v ? updated : deleted).push_back(k);
    json doc = target_json(o);
    doc["ok"] = true;
    doc["updated"] = updated;
    doc["deleted"] = deleted;
    ctx.ui.emit(doc, "Updated " + std::to_string(updated.size()) + " and deleted " + std::to_string(deleted.size()) +
                         " secret(s) of " + target_text(o) + " in one request\n");
    return 0;
}

}  // namespace

void register_secret(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("secret", "Manage secrets of a worker or of a tenant worker in a dispatch namespace");
    cmd->require_subcommand(1);
    auto o = std::make_shared<SecretOptions>();

    auto* put =
        cmd->add_subcommand("put", "Create or update a secret (the value is read from stdin or a masked prompt)");
    put->add_option("key", o->key, "Secret name")->required();
    add_target_options(put, *o);
    put->footer(
        "The value is never taken from the command line: it is read from a masked prompt on a terminal, "
        "otherwise from all of stdin (one trailing newline removed).");
    on_run(put, ctx, [&ctx, o] { return run_put(ctx, *o); });

    auto* list = cmd->add_subcommand("list", "List the secret names of a worker (values are never returned)");
    add_target_options(list, *o);
    on_run(list, ctx, [&ctx, o] { return run_list(ctx, *o); });

    auto* del = cmd->add_subcommand("delete", "Delete a secret");
    del->add_option("key", o->key, "Secret name")->required();
    add_target_options(del, *o);
    del->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, o] { return run_delete(ctx, *o); });

    auto* bulk = cmd->add_subcommand("bulk", "Create, update and delete many secrets in one request");
    bulk->add_option("file", o->file, "JSON ({\"KEY\":\"value\",\"OLD\":null}) or .env file; default stdin");
    add_target_options(bulk, *o);
    on_run(bulk, ctx, [&ctx, o] { return run_bulk(ctx, *o); });
}

}  // namespace tenantctl::cli
