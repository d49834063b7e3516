#pragma once
// Storage results and options of the API client (api/client.hpp): KV, R2, D1.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tenantctl::api {

struct KvNamespace {
    std::string id;
    std::string title;
    nlohmann::json raw;
};
struct KvKey {
    std::string name;
    long long expiration = 0;
    nlohmann::json raw;
};
struct R2Bucket {
    std::string name;
    std::string creation_date;
    std::string location;
    std::string storage_class;
    std::string jurisdiction;
    nlohmann::json raw;
};
struct D1Database {
    std::string uuid;
    std::string name;
    std::string created_at;
    std::string version;
    long long file_size = -1;   // -1 when the answer did not say (the list does not)
    long long num_tables = -1;  // idem
    nlohmann::json raw;
};
// One statement's outcome in a D1 query, as the `raw` endpoint answers it: column names in their order, rows as
// arrays of values, and the statement's meta (changes, duration, rows_read, …) as sent.
struct D1Result {
    std::vector<std::string> columns;
    nlohmann::json rows = nlohmann::json::array();
    nlohmann::json meta = nlohmann::json::object();
    bool success = true;
};

struct R2Options {
    std::string jurisdiction;  // sent as cf-r2-jurisdiction
    std::string location_hint;
    std::string storage_class;
};

}  // namespace tenantctl::api
