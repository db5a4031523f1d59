// SPDX-License-Identifier: BSD-3-Clause
// Hosts of a several-hosts job: the -H list and hostfiles, and which ranks each host gets.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace causeway::launcher {

struct HostEntry {
  std::string name;
  int slots = 0;
  bool local = false;  // this machine (localhost, 127.0.0.1, ::1 or its own name)
  // Filled in by assign_ranks: this host runs ranks first_rank .. first_rank + count - 1.
  int first_rank = 0;
  int count = 0;
};

// Names under which this machine may appear. No DNS lookups: a name that only resolves to this
// machine through DNS is another host.
bool is_this_host(std::string_view name);

// One -H argument: "host[:slots],host[:slots],...". A host named twice gets the slots added up.
bool add_host_list(std::string_view list, std::vector<HostEntry>* hosts, std::string* error);
// Open MPI's hostfile format: "host [slots=N] [max_slots=N]" or "host:N" per line; '#' comments.
bool read_hostfile(const char* path, std::vector<HostEntry>* hosts, std::string* error);

// Fills the hosts in order, each up to its slots; with `oversubscribe`, PEs beyond the slots are
// dealt out one per host in turn. Hosts left without a PE are dropped. False (with *error) when np
// exceeds the slots without `oversubscribe`.
bool assign_ranks(int np, bool oversubscribe, std::vector<HostEntry>* hosts, std::string* error);

}  // namespace causeway::launcher
