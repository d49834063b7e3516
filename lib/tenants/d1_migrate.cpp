#include "tenants/d1_migrate.hpp"

#include <map>
#include <mutex>

#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::tenants {

bool is_sql_syntax_error(const std::string& message) {
    return message.find("syntax error") != std::string::npos || message.find("incomplete input") != std::string::npos ||
           message.find("unrecognized token") != std::string::npos;
}

Result<D1MigrateReport> migrate_tenant_databases(api::ApiClient& client, const std::string& account,
                                                 const D1MigrateOptions& o) {
    TRY_STATUS(workers::check_migrations_table(o.table));
    TRY_ASSIGN(auto files, workers::list_migrations(o.dir));
    if (files.empty())
        return Error(ErrorKind::Input, "the migrations folder " + o.display_dir + " has no .sql file",
                     "migrations are files named NNNN_name.sql, applied in the order of their numbers");
    D1MigrateReport report;
    for (const auto& f : files) report.migrations.push_back(f.name);

    TRY_ASSIGN(auto tenants, tenants_tagged(client, account, o.ns, o.tags));
    if (tenants.empty())
        return Error(ErrorKind::NotFound,
                     o.tags.empty() ? "dispatch namespace " + o.ns + " has no tenants"
                                    : "no tenant of dispatch namespace " + o.ns + " is tagged " + join(o.tags, " and "),
                     "list them with `tenantctl tenants list --namespace " + o.ns + "`");
    std::map<std::string, std::string> uuid_by_name;
    TRY_ASSIGN(auto dbs, client.list_d1_databases(account));
    for (const auto& d : dbs) uuid_by_name[d.name] = d.uuid;

    std::vector<std::string> ids;
    std::map<std::string, size_t> index;
    for (const auto& t : tenants) {
        index[t.id] = report.items.size();
        ids.push_back(t.id);
        D1MigrateItem item;
        item.id = t.id;
        item.database = resource_name(o.prefix, t.id);
        report.items.push_back(std::move(item));
    }
    // The pool stops starting work on Ctrl-C (o.cancel) or once a file turned out not to parse.
    CancelToken stop;
    std::mutex file_error_mutex;
    BulkOptions bo;
    bo.concurrency = o.concurrency;
    bo.cancel = &stop;
    bo.max_failures = o.max_failures;
    bo.on_done = [&](const BulkItem& it, size_t done, size_t total) {
        if (o.on_done) o.on_done(report.items[index.at(it.id)], done, total);
        if (o.cancel && o.cancel->cancelled()) stop.cancel();
    };
    auto run = [&](const std::string& id, std::string&) -> Status {
        if (o.cancel && o.cancel->cancelled()) stop.cancel();
        D1MigrateItem& item = report.items[index.at(id)];
        auto fail = [&](const Error& e) {
            item.status = ItemResult::Status::Failed;
            item.error = Redactor::global().redact(e.message);
            return e;
        };
        auto db = uuid_by_name.find(item.database);
        if (db == uuid_by_name.end())
            return fail(Error(ErrorKind::NotFound, "tenant " + id + " has no isolated D1 database " + item.database,
                              "give it one: tenants.yaml `isolate: [d1]` and `tenants apply`"));
        auto r = workers::apply_migrations(client, account, db->second, files, o.table, o.display_dir, o.cancel);
        if (!r.ok()) return fail(r.error());
        item.applied = r->applied;
        item.already = r->already;
        item.failed_at = r->failed_at;
        if (r->error) {
            if (r->error->kind == ErrorKind::Input && is_sql_syntax_error(r->error->message)) {
                std::lock_guard lock(file_error_mutex);
                if (!report.file_error) report.file_error = *r->error;
                stop.cancel();
            }
            return fail(*r->error);
        }
        item.status = ItemResult::Status::Ok;
        return {};
    };
    for_each_tenant(ids, run, bo);
    return report;
}

}  // namespace tenantctl::tenants
