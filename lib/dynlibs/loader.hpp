#pragma once
// Internal to lib/dynlibs: a lazily dlopen'ed library and typed symbol lookup.
#include <atomic>
#include <mutex>

namespace tenantctl::dynlibs::detail {

struct Library {
    const char* soname;
    const char* package;  // the Debian package that ships it
    std::once_flag once;
    void* handle = nullptr;
    std::atomic<bool> loaded{false};
};

void* load(Library& lib);                      // dlopen once; stops the process when impossible
void* symbol(Library& lib, const char* name);  // dlsym; stops the process when missing

template <class F>
F fn(Library& lib, const char* name) {
    return reinterpret_cast<F>(symbol(lib, name));
}

}  // namespace tenantctl::dynlibs::detail
