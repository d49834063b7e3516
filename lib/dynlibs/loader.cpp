#include "dynlibs/loader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tenantctl::dynlibs::detail {

namespace {
[[noreturn]] void die(const std::string& what) {
    // Not an Error: this is an installation problem found halfway through a command, like the dynamic
    // loader's own "error while loading shared libraries" at startup.
    std::string msg = "tenantctl: " + what + "\n";
    (void)!::write(2, msg.data(), msg.size());
    std::_Exit(127);
}
}  // namespace

void* load(Library& lib) {
    std::call_once(lib.once, [&lib] {
        lib.handle = ::dlopen(lib.soname, RTLD_NOW | RTLD_LOCAL);
        if (!lib.handle) {
            const char* e = ::dlerror();
            die(std::string("cannot load ") + lib.soname + " (" + (e ? e : "unknown error") +
                "); install the Debian package " + lib.package);
        }
        lib.loaded = true;
    });
    return lib.handle;
}

void* symbol(Library& lib, const char* name) {
    void* h = load(lib);
    void* s = ::dlsym(h, name);
    if (!s)
        die(std::string(lib.soname) + " has no symbol " + name +
            " (a different version than tenantctl was built for?)");
    return s;
}

}  // namespace tenantctl::dynlibs::detail
