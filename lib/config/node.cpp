#include <cmath>

#include "config/node.hpp"

namespace tenantctl::config {

const Node* Node::find(std::string_view k) const {
    if (kind != Kind::Object) return nullptr;
    for (const auto& m : items)
        if (m.key == k) return &m;
    return nullptr;
}

Node* Node::find(std::string_view k) {
    return const_cast<Node*>(static_cast<const Node*>(this)->find(k));
}

nlohmann::json Node::to_json() const {
    switch (kind) {
        case Kind::Null:
            return nullptr;
        case Kind::Bool:
            return b;
        case Kind::Int:
            return i;
        case Kind::Float:
            // JSON.stringify(5.0) is "5": integral doubles are written as integers, NaN/Infinity as null.
            if (!std::isfinite(f)) return nullptr;
            if (std::trunc(f) == f && std::fabs(f) <= 9007199254740992.0) return static_cast<std::int64_t>(f);
            return f;
        case Kind::String:
        case Kind::Date:
            return s;
        case Kind::Array: {
            auto a = nlohmann::json::array();
            for (const auto& e : items) a.push_back(e.to_json());
            return a;
        }
        case Kind::Object: {
            auto o = nlohmann::json::object();
            for (const auto& m : items) o[m.key] = m.to_json();
            return o;
        }
    }
    return nullptr;
}

std::string Node::js_stringify() const {
    // JSON.stringify keeps insertion order; nlohmann::json sorts keys, so objects are written by hand.
    if (kind == Kind::Object) {
        std::string out = "{";
        bool first = true;
        for (const auto& m : items) {
            if (!first) out += ',';
            first = false;
            out += nlohmann::json(m.key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            out += ':';
            out += m.js_stringify();
        }
        return out + "}";
    }
    if (kind == Kind::Array) {
        std::string out = "[";
        for (size_t k = 0; k < items.size(); ++k) {
            if (k) out += ',';
            out += items[k].js_stringify();
        }
        return out + "]";
    }
    return to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* Node::type_name() const {
    switch (kind) {
        case Kind::Null:
            return "null";
        case Kind::Bool:
            return "boolean";
        case Kind::Int:
        case Kind::Float:
            return "number";
        case Kind::String:
            return "string";
        case Kind::Date:
            return "date";
        case Kind::Array:
            return "array";
        case Kind::Object:
            return "object";
    }
    return "unknown";
}

}  // namespace tenantctl::config
