#include "platform/multipart.hpp"

#include <cctype>

#include "core/strings.hpp"

namespace tenantctl::platform {

namespace {

constexpr size_t k_max_parts = 1000;
constexpr size_t k_max_part_headers = 8192;

Error bad(std::string msg) {
    return Error(ErrorKind::Input, "malformed multipart body: " + std::move(msg));
}

// Splits `a=b; c="d"` parameters (after the first `;`-separated token) into name/value pairs.
struct Param {
    std::string name;
    std::string value;
};

Result<std::vector<Param>> parse_params(std::string_view s) {
    std::vector<Param> out;
    size_t i = 0;
    auto skip_ws = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    };
    while (i < s.size()) {
        skip_ws();
        if (i < s.size() && s[i] == ';') {
            ++i;
            continue;
        }
        if (i >= s.size()) break;
        size_t start = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
        std::string name = to_lower(trim(s.substr(start, i - start)));
        std::string value;
        if (i < s.size() && s[i] == '=') {
            ++i;
            skip_ws();
            if (i < s.size() && s[i] == '"') {
                ++i;
                bool closed = false;
                while (i < s.size()) {
                    char c = s[i++];
                    if (c == '\\' && i < s.size()) {
                        value.push_back(s[i++]);
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.push_back(c);
                    }
                }
                if (!closed) return bad("unterminated quoted parameter " + quoted(name));
            } else {
                size_t vs = i;
                while (i < s.size() && s[i] != ';') ++i;
                value = std::string(trim(s.substr(vs, i - vs)));
            }
        }
        if (!name.empty()) out.push_back({std::move(name), std::move(value)});
    }
    return out;
}

}  // namespace

std::string media_type(std::string_view content_type) {
    auto semi = content_type.find(';');
    return to_lower(trim(content_type.substr(0, semi)));
}

Result<std::string> multipart_boundary(std::string_view content_type) {
    if (media_type(content_type) != "multipart/form-data")
        return Error(ErrorKind::Input,
                     "expected Content-Type multipart/form-data, got " + quoted(media_type(content_type)));
    auto semi = content_type.find(';');
    if (semi == std::string_view::npos) return bad("Content-Type has no boundary parameter");
    TRY_ASSIGN(auto params, parse_params(content_type.substr(semi + 1)));
    for (auto& p : params) {
        if (p.name != "boundary") continue;
        if (p.value.empty() || p.value.size() > 70) return bad("boundary must be 1 to 70 characters");
        return p.value;
    }
    return bad("Content-Type has no boundary parameter");
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view content_type, std::string_view body) {
    TRY_ASSIGN(std::string boundary, multipart_boundary(content_type));
    const std::string delim = "--" + boundary;
    const std::string inner = "\r\n" + delim;

    // The first delimiter: at the very start, or after a preamble ending in CRLF.
    size_t pos;
    if (body.substr(0, delim.size()) == delim) {
        pos = delim.size();
    } else {
        auto at = body.find(inner);
        if (at == std::string_view::npos) return bad("no boundary line found");
        pos = at + inner.size();
    }

    std::vector<MultipartPart> parts;
    while (true) {
        // After a delimiter: "--" closes the body; otherwise optional whitespace then CRLF.
        if (body.substr(pos, 2) == "--") return parts;
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
        if (body.substr(pos, 2) != "\r\n") return bad("expected CRLF after the boundary");
        pos += 2;
        if (parts.size() >= k_max_parts) return bad("more than 1000 parts");

        // Part headers, up to an empty line.
        size_t hdr_end = body.find("\r\n\r\n", pos);
        size_t hdr_len;
        if (body.substr(pos, 2) == "\r\n") {
            hdr_end = pos;  // no headers at all
            hdr_len = 0;
        } else {
            if (hdr_end == std::string_view::npos) return bad("part headers are not terminated by an empty line");
            hdr_len = hdr_end - pos;
            hdr_end += 2;
        }
        if (hdr_len > k_max_part_headers) return bad("part headers exceed 8192 bytes");
        MultipartPart part;
        bool has_disposition = false;
        std::string_view headers = body.substr(pos, hdr_len);
        size_t hp = 0;
        while (hp < headers.size()) {
            size_t eol = headers.find("\r\n", hp);
            if (eol == std::string_view::npos) eol = headers.size();
            std::string_view line = headers.substr(hp, eol - hp);
            hp = eol + 2;
            auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return bad("part header line without a colon");
            std::string hname = to_lower(trim(line.substr(0, colon)));
            std::string_view hvalue = trim(line.substr(colon + 1));
            if (hname == "content-disposition") {
                if (media_type(hvalue) != "form-data") return bad("Content-Disposition of a part must be form-data");
                auto semi = hvalue.find(';');
                std::vector<Param> params;
                if (semi != std::string_view::npos) {
                    TRY_ASSIGN(params, parse_params(hvalue.substr(semi + 1)));
                }
                for (auto& p : params) {
                    if (p.name == "name")
                        part.name = p.value;
                    else if (p.name == "filename")
                        part.filename = p.value;
                }
                has_disposition = true;
            } else if (hname == "content-type") {
                part.content_type = std::string(hvalue);
            }
        }
        if (!has_disposition) return bad("a part has no Content-Disposition header");
        if (part.name.empty()) return bad("a part has no name in its Content-Disposition header");
        pos = hdr_end + 2;

        // The body runs to the next CRLF + delimiter.
        size_t end = body.find(inner, pos);
        if (end == std::string_view::npos) return bad("part " + quoted(part.name) + " is not closed by a boundary");
        part.body = std::string(body.substr(pos, end - pos));
        parts.push_back(std::move(part));
        pos = end + inner.size();
    }
}

}  // namespace tenantctl::platform
