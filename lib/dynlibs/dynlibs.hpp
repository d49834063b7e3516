#pragma once
// libcurl and libgit2 are loaded when first used (dlopen), not at program start: together they pull in ~40
// shared libraries whose loading and symbol binding cost ~10 ms on every run, which commands that never
// touch the network or git (--version, --help, config validate, completions) should not pay.
//
// curl_shim.cpp and git2_shim.cpp define the curl_* and git_* functions tenantctl calls, with the libraries'
// own signatures; each forwards to the real function, resolved once. Code keeps using <curl/curl.h> and
// <git2.h> unchanged. When a library cannot be loaded the process stops with a message naming the library
// and the Debian package (the same failure the dynamic loader reports at startup for a missing library).
#include <string>

namespace tenantctl::dynlibs {

// The shared object names tenantctl loads (for messages and tests).
const char* curl_soname();
const char* git2_soname();

// libgit2's global state, set up once per process and never torn down: repeated git_libgit2_init /
// git_libgit2_shutdown cycles leak libgit2's per-thread regex buffers (found by LeakSanitizer).
void git2_init();

// Whether the library is loaded already (tests: a command that needs neither must not load them).
bool curl_loaded();
bool git2_loaded();

}  // namespace tenantctl::dynlibs
