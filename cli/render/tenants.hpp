#pragma once
// The tenants reports as --json documents and text (pure: the unit tests compare them).
#include "render/rendered.hpp"
#include "tenants/service.hpp"
#include "tenants/service_apply.hpp"
#include "tenants/service_bulk.hpp"

namespace tenantctl::cli {

Rendered render_create(const tenants::CreateReport& r);
Rendered render_list(const tenants::ListReport& r);
Rendered render_get(const tenants::GetReport& r);
Rendered render_tag(const tenants::TagReport& r);
Rendered render_secret_put(const tenants::SecretReport& r);
Rendered render_secret_list(const tenants::SecretReport& r);
Rendered render_secret_delete(const tenants::SecretReport& r);

// A bulk verb's document: `head` (namespace, tags, …) with the per-tenant results and counts; partly failed or
// interrupted: the error shape with the results kept.
Rendered render_bulk(nlohmann::json head, const tenants::BulkReport& r);
Rendered render_restart(const tenants::RestartReport& r);
std::string render_purge_plan(const tenants::DeleteReport& r);  // delete --tag --purge, before it is confirmed
Rendered render_delete(const tenants::DeleteReport& r);
Rendered render_d1_migrate(const tenants::D1MigrateCommandReport& r);

// apply: the plan (summary and one line per tenant; unchanged ones only with verbose or up to 50 tenants).
std::string render_apply_plan(const tenants::ApplyPlan& p, int verbosity);
std::string apply_unlisted_note(const tenants::ApplyPlan& p);  // "" when none or with --prune
Rendered render_apply_dry_run(const tenants::ApplyPlan& p, int verbosity);
Rendered render_apply(const tenants::ApplyPlan& p, const tenants::ApplyReport& r);
Rendered render_applies(const tenants::AppliesReport& r);
Rendered render_rollback(const tenants::RollbackReport& r);

}  // namespace tenantctl::cli
