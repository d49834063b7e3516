#pragma once
// Choosing tenants on the command line, shared by `tenants tail` and `tenants top` (defined in tail.cpp).
#include <string>
#include <vector>

#include "api_context.hpp"

namespace tenantctl::cli {

// --namespace, else the namespace ./tenants.yaml names; a usage error when neither gives one.
Result<std::string> tenants_namespace(Context& ctx, const std::string& flag);
// --tag values: non-empty, without ',' or ':'.
Status check_tag_flags(const std::vector<std::string>& tags);
// The ids of the namespace's tenants with every tag (all tenants without tags); NotFound when none.
Result<std::vector<std::string>> tenants_with_tags(ApiSession& s, const std::string& ns,
                                                   const std::vector<std::string>& tags);

}  // namespace tenantctl::cli
