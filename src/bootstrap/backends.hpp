// SPDX-License-Identifier: BSD-3-Clause
// The bootstraps create_bootstrap chooses from (private to src/bootstrap).
#pragma once
#include <memory>
#include <string>

#include "bootstrap/bootstrap.hpp"

namespace causeway::bootstrap {

// causeway-run's socket (variables CAUSEWAY_RANK, CAUSEWAY_SIZE, CAUSEWAY_BOOTSTRAP_FD).
std::unique_ptr<Bootstrap> create_launcher_bootstrap(Status* status);
// A job of one PE.
std::unique_ptr<Bootstrap> create_single_bootstrap();
// "pmix" or "mpi": loads libcauseway-bootstrap-<which>.so from beside the library and joins the
// launcher's job through it. On failure returns null and appends the reason to *why.
std::unique_ptr<Bootstrap> create_plugin_bootstrap(const char* which, std::string* why);
// True when the program itself has called MPI_Init (MPI is loaded and initialised).
bool mpi_already_initialized();

}  // namespace causeway::bootstrap
