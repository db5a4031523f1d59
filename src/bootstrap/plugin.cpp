// SPDX-License-Identifier: BSD-3-Clause
// Bootstraps that live in plugin libraries (PMIx, MPI): the loader and the adapter from the C
// plugin table to Bootstrap.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bootstrap/backends.hpp"
#include "bootstrap/plugin_abi.h"
#include "util/log.hpp"

namespace causeway::bootstrap {

namespace {

class PluginBootstrap final : public Bootstrap {
 public:
  PluginBootstrap(void* library, const causeway_bootstrap_plugin& plugin)
      : library_(library), plugin_(plugin) {
    rank_ = plugin_.rank;
    size_ = plugin_.size;
  }
  // The library stays loaded: MPI and PMIx cannot be initialised twice in one process anyway.
  ~PluginBootstrap() override = default;
  const char* name() const override { return plugin_.ops->name; }

  Status allgather(std::span<const std::byte> mine, std::vector<std::byte>* all) override {
    all->resize(mine.size() * size_);
    return checked(plugin_.ops->allgather(plugin_.state, mine.data(), mine.size(), all->data()), "allgather");
  }
  Status barrier() override { return checked(plugin_.ops->barrier(plugin_.state), "barrier"); }
  [[noreturn]] void abort_job(int status, const char* why) override {
    plugin_.ops->abort_job(plugin_.state, status, why ? why : "");
    std::_Exit(status);
  }
  Status finalize() override {
    Bootstrap::finalize();
    if (finalized_) return Status::ok;
    finalized_ = true;
    return checked(plugin_.ops->finalize(plugin_.state), "finalize");
  }

 private:
  Status checked(int rc, const char* what) {
    if (rc == 0) return Status::ok;
    util::log(util::LogLevel::error, "%s bootstrap %s failed: %s", plugin_.ops->name, what, plugin_.error);
    return Status::io_error;
  }
  void* library_;
  causeway_bootstrap_plugin plugin_;
  bool finalized_ = false;
};

// Where plugins are: beside the library once installed (<libdir>/causeway/), in the build tree
// next to it (src/bootstrap/), else wherever the dynamic loader looks.
std::vector<std::string> plugin_paths(const char* which) {
  char file[64];
  std::snprintf(file, sizeof file, "libcauseway-bootstrap-%s.so", which);
  std::vector<std::string> paths;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&create_plugin_bootstrap), &info) && info.dli_fname) {
    const char* slash = std::strrchr(info.dli_fname, '/');
    const int dir_length = slash ? static_cast<int>(slash - info.dli_fname) : 0;
    char path[4096];
    for (const char* sub : {"causeway", "bootstrap"}) {
      std::snprintf(path, sizeof path, "%.*s/%s/%s", dir_length, slash ? info.dli_fname : ".", sub, file);
      paths.emplace_back(path);
    }
  }
  paths.emplace_back(file);
  return paths;
}

}  // namespace

std::unique_ptr<Bootstrap> create_plugin_bootstrap(const char* which, std::string* why) {
  void* library = nullptr;
  std::string errors;
  for (const std::string& path : plugin_paths(which)) {
    // Global: Open MPI's own components resolve libmpi's symbols through the global scope.
    library = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (library) break;
    const char* e = dlerror();
    if (path.find('/') == std::string::npos) errors = e ? e : "not found";
  }
  if (!why->empty()) why->append("; ");
  if (!library) {
    why->append(which).append(" bootstrap not available (").append(errors).append(")");
    return nullptr;
  }
  auto init =
      reinterpret_cast<causeway_bootstrap_plugin_init_fn>(dlsym(library, CAUSEWAY_BOOTSTRAP_PLUGIN_ENTRY));
  const auto* abi = static_cast<const int*>(dlsym(library, CAUSEWAY_BOOTSTRAP_PLUGIN_ABI_SYMBOL));
  if (init && (!abi || *abi != CAUSEWAY_BOOTSTRAP_PLUGIN_ABI)) {
    char text[96];
    std::snprintf(text, sizeof text, " bootstrap plugin has ABI %d, the library %d", abi ? *abi : -1,
                  CAUSEWAY_BOOTSTRAP_PLUGIN_ABI);
    why->append(which).append(text);
    return nullptr;
  }
  causeway_bootstrap_plugin plugin{};
  if (!init || init(&plugin) != 0 || !plugin.ops) {
    why->append(which)
        .append(" bootstrap could not join: ")
        .append(init ? plugin.error : "not a Causeway plugin");
    return nullptr;
  }
  CW_LOG_AT(bootstrap, util::LogLevel::debug, "%s joined: rank %d of %d", plugin.ops->name, plugin.rank,
            plugin.size);
  return std::make_unique<PluginBootstrap>(library, plugin);
}

bool mpi_already_initialized() {
  using Query = int (*)(int*);
  auto initialized = reinterpret_cast<Query>(dlsym(RTLD_DEFAULT, "MPI_Initialized"));
  auto finalized = reinterpret_cast<Query>(dlsym(RTLD_DEFAULT, "MPI_Finalized"));
  int yes = 0, done = 0;
  if (!initialized || initialized(&yes) != 0 || !yes) return false;
  return !(finalized && finalized(&done) == 0 && done);
}

}  // namespace causeway::bootstrap
