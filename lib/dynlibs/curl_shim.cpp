// The libcurl functions tenantctl uses, forwarded to libcurl loaded on first use (see dynlibs.hpp).
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include <cstdarg>

#include "dynlibs/dynlibs.hpp"
#include "dynlibs/loader.hpp"

namespace {
using tenantctl::dynlibs::detail::fn;
using tenantctl::dynlibs::detail::Library;
Library& curl_lib() {
    static Library lib{"libcurl.so.4", "libcurl4", {}, nullptr, {}};
    return lib;
}
#define CURL_FN(name) static const auto real = fn<decltype(&::name)>(curl_lib(), #name)
}  // namespace

namespace tenantctl::dynlibs {
const char* curl_soname() {
    return curl_lib().soname;
}
bool curl_loaded() {
    return curl_lib().loaded;
}
}  // namespace tenantctl::dynlibs

extern "C" {

CURLcode curl_global_init(long flags) {
    CURL_FN(curl_global_init);
    return real(flags);
}

CURL* curl_easy_init(void) {
    CURL_FN(curl_easy_init);
    return real();
}

void curl_easy_cleanup(CURL* h) {
    CURL_FN(curl_easy_cleanup);
    real(h);
}

void curl_easy_reset(CURL* h) {
    CURL_FN(curl_easy_reset);
    real(h);
}

CURLcode curl_easy_perform(CURL* h) {
    CURL_FN(curl_easy_perform);
    return real(h);
}

// The option number encodes the argument's type (as libcurl itself decodes it): < 10000 long, < 30000 an
// object or function pointer, < 40000 curl_off_t, else a pointer (blob).
CURLcode curl_easy_setopt(CURL* h, CURLoption option, ...) {
    CURL_FN(curl_easy_setopt);
    va_list ap;
    va_start(ap, option);
    CURLcode rc;
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        rc = real(h, option, va_arg(ap, long));
    } else if (option < CURLOPTTYPE_OFF_T) {
        rc = real(h, option, va_arg(ap, void*));
    } else if (option < CURLOPTTYPE_BLOB) {
        rc = real(h, option, va_arg(ap, curl_off_t));
    } else {
        rc = real(h, option, va_arg(ap, void*));
    }
    va_end(ap);
    return rc;
}

// Every CURLINFO takes a pointer to where the value goes.
CURLcode curl_easy_getinfo(CURL* h, CURLINFO info, ...) {
    CURL_FN(curl_easy_getinfo);
    va_list ap;
    va_start(ap, info);
    CURLcode rc = real(h, info, va_arg(ap, void*));
    va_end(ap);
    return rc;
}

const char* curl_easy_strerror(CURLcode code) {
    CURL_FN(curl_easy_strerror);
    return real(code);
}

struct curl_slist* curl_slist_append(struct curl_slist* list, const char* s) {
    CURL_FN(curl_slist_append);
    return real(list, s);
}

void curl_slist_free_all(struct curl_slist* list) {
    CURL_FN(curl_slist_free_all);
    real(list);
}

time_t curl_getdate(const char* p, const time_t* unused) {
    CURL_FN(curl_getdate);
    return real(p, unused);
}

}  // extern "C"
