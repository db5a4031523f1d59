// SPDX-License-Identifier: BSD-3-Clause
#include "hosts.hpp"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace causeway::launcher {

namespace {

constexpr int kMaxSlots = 1 << 16;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_slots(std::string_view text, int* out) {
  if (text.empty() || text.size() > 6) return false;
  long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > kMaxSlots) return false;
  *out = static_cast<int>(value);
  return true;
}

void add_host(std::string_view name, int slots, std::vector<HostEntry>* hosts) {
  for (HostEntry& h : *hosts) {
    if (h.name != name) continue;
    h.slots += slots;
    return;
  }
  HostEntry entry;
  entry.name = name;
  entry.slots = slots;
  entry.local = is_this_host(name);
  hosts->push_back(std::move(entry));
}

// "host" or "host:slots" (a name with several colons is an IPv6 address without slots; "[::1]:2"
// gives slots to one).
bool add_host_entry(std::string_view entry, std::vector<HostEntry>* hosts, std::string* error) {
  std::string_view name = entry;
  int slots = 1;
  const std::size_t colon = entry.rfind(':');
  const bool bracketed = !entry.empty() && entry[0] == '[';
  if (colon != std::string_view::npos &&
      (entry.find(':') == colon || (bracketed && entry[colon - 1] == ']'))) {
    name = entry.substr(0, colon);
    if (!parse_slots(entry.substr(colon + 1), &slots)) {
      error->assign("invalid slot count in host '").append(entry).append("'");
      return false;
    }
  }
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  if (name.empty()) {
    error->assign("empty host name in '").append(entry).append("'");
    return false;
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' ||
        c == '%')
      continue;
    error->assign("invalid host name '").append(name).append("'");
    return false;
  }
  add_host(name, slots, hosts);
  return true;
}

}  // namespace

bool is_this_host(std::string_view name) {
  const std::string host = lower(name);
  if (host == "localhost" || host == "localhost.localdomain" || host == "127.0.0.1" || host == "::1")
    return true;
  char own[256] = {};
  if (::gethostname(own, sizeof own - 1) != 0 || own[0] == '\0') return false;
  const std::string mine = lower(own);
  const auto short_name = [](const std::string& s) { return s.substr(0, s.find('.')); };
  // "node1" matches "node1.cluster" and the other way round.
  return host == mine || short_name(host) == short_name(mine);
}

bool add_host_list(std::string_view list, std::vector<HostEntry>* hosts, std::string* error) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view entry = list.substr(0, comma);
    if (!entry.empty() && !add_host_entry(entry, hosts, error)) return false;
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return true;
}

bool read_hostfile(const char* path, std::vector<HostEntry>* hosts, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    error->assign("cannot read hostfile '").append(path).append("': ").append(std::strerror(errno));
    return false;
  }
  const std::size_t before = hosts->size();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line.resize(std::min(line.size(), line.find('#')));
    std::vector<std::string> words;
    for (std::size_t pos = 0;;) {
      pos = line.find_first_not_of(" \t\r", pos);
      if (pos == std::string::npos) break;
      const std::size_t end = line.find_first_of(" \t\r", pos);
      words.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    if (words.empty()) continue;
    const std::string where = std::string(path).append(":").append(std::to_string(number)).append(": ");
    std::string entry = words[0];
    for (std::size_t w = 1; w < words.size(); ++w) {
      const std::string word = lower(words[w]);
      int value = 0;
      const std::size_t eq = word.find('=');
      const std::string key = word.substr(0, eq);
      if (eq == std::string::npos || !parse_slots(std::string_view(word).substr(eq + 1), &value) ||
          (key != "slots" && key != "max_slots" && key != "max-slots" && key != "count")) {
        error->assign(where)
            .append("cannot parse '")
            .append(words[w])
            .append("' (want slots=N or max_slots=N)");
        return false;
      }
      if (key == "slots" || key == "count") {
        if (entry.find(':') != std::string::npos && entry.find(':') == entry.rfind(':')) {
          error->assign(where).append("'").append(entry).append("' and slots= both give the slots");
          return false;
        }
        if (entry.find(':') != std::string::npos && entry[0] != '[') {  // IPv6: [address]:slots
          std::string wrapped(1, '[');
          wrapped.append(entry).push_back(']');
          entry.swap(wrapped);
        }
        entry.append(":").append(std::to_string(value));
      }
    }
    if (!add_host_entry(entry, hosts, error)) {
      error->insert(0, where);
      return false;
    }
  }
  if (hosts->size() == before) {
    error->assign("hostfile '").append(path).append("' names no host");
    return false;
  }
  return true;
}

bool assign_ranks(int np, bool oversubscribe, std::vector<HostEntry>* hosts, std::string* error) {
  long slots = 0;
  for (const HostEntry& h : *hosts) slots += h.slots;
  if (np > slots && !oversubscribe) {
    error->assign(std::to_string(np))
        .append(" PEs but only ")
        .append(std::to_string(slots))
        .append(slots == 1 ? " slot" : " slots")
        .append(" on ")
        .append(std::to_string(hosts->size()))
        .append(hosts->size() == 1 ? " host" : " hosts")
        .append(" (give more slots, or --oversubscribe)");
    return false;
  }
  int left = np;
  for (HostEntry& h : *hosts) {
    h.count = std::min(left, h.slots);
    left -= h.count;
  }
  for (std::size_t i = 0; left > 0; i = (i + 1) % hosts->size(), --left) ++(*hosts)[i].count;
  std::erase_if(*hosts, [](const HostEntry& h) { return h.count == 0; });
  int next = 0;
  for (HostEntry& h : *hosts) {
    h.first_rank = next;
    next += h.count;
  }
  return true;
}

}  // namespace causeway::launcher
