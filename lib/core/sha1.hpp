#pragma once
// SHA-1 (FIPS 180-4), for names that must match other tools' (wrangler names rule-selected modules by the
// SHA-1 of their content). Not for anything security-relevant.
#include <string>
#include <string_view>

namespace tenantctl {

std::string sha1_hex(std::string_view data);

}  // namespace tenantctl
