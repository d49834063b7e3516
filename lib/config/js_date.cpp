// `!isNaN(new Date(value))` as V8 evaluates it: first the ES5 ISO format, then V8's lenient legacy parser
// (which accepts "2025-6-1", "June 1, 2025", "2025/06/01" and does not check the days of a month).
#include <cctype>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace tenantctl::config {

namespace {

bool between(long v, long lo, long hi) {
    return v >= lo && v <= hi;
}

// Strict ES5 ISO: YYYY[-MM[-DD]][THH:mm[:ss[.sss]][Z|±HH:mm]] or ±YYYYYY…
bool iso_valid(std::string_view s) {
    size_t p = 0;
    auto digits = [&](size_t n, long& out) {
        if (p + n > s.size()) return false;
        out = 0;
        for (size_t k = 0; k < n; ++k) {
            if (!std::isdigit(static_cast<unsigned char>(s[p + k]))) return false;
            out = out * 10 + (s[p + k] - '0');
        }
        p += n;
        return true;
    };
    long year = 0, month = 1, day = 1;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        ++p;
        if (!digits(6, year)) return false;
    } else if (!digits(4, year)) {
        return false;
    }
    if (p < s.size() && s[p] == '-') {
        ++p;
        if (!digits(2, month) || !between(month, 1, 12)) return false;
        if (p < s.size() && s[p] == '-') {
            ++p;
            if (!digits(2, day) || !between(day, 1, 31)) return false;
        }
    }
    if (p == s.size()) return true;
    if (s[p] != 'T' && s[p] != 't') return false;
    ++p;
    long hh = 0, mm = 0, ss = 0, ms = 0;
    if (!digits(2, hh) || p >= s.size() || s[p] != ':') return false;
    ++p;
    if (!digits(2, mm)) return false;
    if (p < s.size() && s[p] == ':') {
        ++p;
        if (!digits(2, ss)) return false;
        if (p < s.size() && s[p] == '.') {
            ++p;
            size_t start = p;
            while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
            if (p == start) return false;
        }
    }
    (void)ms;
    if (hh > 24 || mm > 59 || ss > 59 || (hh == 24 && (mm || ss))) return false;
    if (p == s.size()) return true;
    if (s[p] == 'Z' || s[p] == 'z') return p + 1 == s.size();
    if (s[p] != '+' && s[p] != '-') return false;
    ++p;
    long th = 0, tm = 0;
    if (!digits(2, th) || p >= s.size() || s[p] != ':') return false;
    ++p;
    if (!digits(2, tm)) return false;
    return p == s.size() && th <= 23 && tm <= 59;
}

int month_of(const std::string& w) {
    static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (w.size() < 3) return 0;
    for (int k = 0; k < 12; ++k)
        if (w.compare(0, 3, names[k]) == 0) return k + 1;
    return 0;
}

bool is_day_name(const std::string& w) {
    static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    if (w.size() < 3) return false;
    for (const char* n : names)
        if (w.compare(0, 3, n) == 0) return true;
    return false;
}

bool legacy_valid(std::string_view s) {
    std::vector<long> comp;
    int named_month = 0;
    bool has_number = false, has_time = false, tz_utc = false;
    size_t p = 0;
    const size_t n = s.size();
    while (p < n) {
        unsigned char c = static_cast<unsigned char>(s[p]);
        if (std::isdigit(c)) {
            long v = 0;
            size_t start = p;
            while (p < n && std::isdigit(static_cast<unsigned char>(s[p]))) {
                if (p - start < 10) v = v * 10 + (s[p] - '0');
                ++p;
            }
            if (p - start >= 10) v = 2147483647L;  // far out of any range
            has_number = true;
            if (p < n && s[p] == ':') {
                if (has_time) return false;
                has_time = true;
                long hh = v, mm = 0, ss = 0;
                ++p;
                size_t ms = p;
                while (p < n && std::isdigit(static_cast<unsigned char>(s[p]))) mm = mm * 10 + (s[p++] - '0');
                if (p == ms || p - ms > 2) return false;
                if (p < n && s[p] == ':') {
                    ++p;
                    size_t st = p;
                    while (p < n && std::isdigit(static_cast<unsigned char>(s[p]))) ss = ss * 10 + (s[p++] - '0');
                    if (p == st || p - st > 2) return false;
                    if (p < n && s[p] == '.') {
                        ++p;
                        while (p < n && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
                    }
                }
                if (hh > 24 || mm > 59 || ss > 59) return false;
                continue;
            }
            if (comp.size() >= 3) return false;
            comp.push_back(v);
            continue;
        }
        if (std::isalpha(c)) {
            std::string w;
            while (p < n && std::isalpha(static_cast<unsigned char>(s[p])))
                w += static_cast<char>(std::tolower(static_cast<unsigned char>(s[p++])));
            if (int m = month_of(w)) {
                if (named_month) return false;
                named_month = m;
            } else if (w == "am" || w == "pm") {
                if (!has_time) return false;
            } else if (w == "ut" || w == "utc" || w == "gmt" || w == "z") {
                tz_utc = true;
            } else if (w == "t" && has_number) {
                // date/time separator
            } else if (is_day_name(w) || !has_number) {
                // V8 ignores unknown words before the first number
            } else {
                return false;
            }
            continue;
        }
        if ((c == '+' || c == '-') && (tz_utc || has_time) && p + 1 < n &&
            std::isdigit(static_cast<unsigned char>(s[p + 1]))) {
            ++p;  // a UTC offset: +hhmm or +hh:mm
            while (p < n && (std::isdigit(static_cast<unsigned char>(s[p])) || s[p] == ':')) ++p;
            continue;
        }
        if (c == '(') {
            int depth = 0;
            while (p < n) {
                if (s[p] == '(')
                    ++depth;
                else if (s[p] == ')' && --depth == 0) {
                    ++p;
                    break;
                }
                ++p;
            }
            continue;
        }
        if (c == '-' || c == '/' || c == ',' || c == '.' || std::isspace(c)) {
            ++p;
            continue;
        }
        return false;  // any other character
    }
    if (comp.empty()) return false;
    long year = 0, month = 0, day = 0;
    const size_t read = comp.size();
    while (comp.size() < 3) comp.push_back(1);
    if (!named_month) {
        if (read == 3 && !between(comp[0], 1, 31)) {
            year = comp[0], month = comp[1], day = comp[2];
        } else {
            month = comp[0], day = comp[1];
            if (read == 3) year = comp[2];
        }
    } else {
        month = named_month;
        if (read == 1) {
            day = comp[0];
        } else if (!between(comp[0], 1, 31)) {
            year = comp[0], day = comp[1];
        } else {
            day = comp[0], year = comp[1];
        }
    }
    if (between(year, 0, 49))
        year += 2000;
    else if (between(year, 50, 99))
        year += 1900;
    return between(month, 1, 12) && between(day, 1, 31) && year <= 275760;
}

}  // namespace

bool js_date_is_valid(std::string_view value) {
    if (value.empty()) return false;
    if (iso_valid(value)) return true;
    return legacy_valid(value);
}

}  // namespace tenantctl::config
