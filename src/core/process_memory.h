// The resident memory of this process as Linux reports it in /proc/self/status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace r1 {

struct ProcessMemory {
  int64_t rss_bytes = 0;       // VmRSS: resident now
  int64_t rss_peak_bytes = 0;  // VmHWM: the most ever resident
  int64_t rss_anon_bytes = 0;  // RssAnon: heap, stacks, KV caches, activations
  int64_t rss_file_bytes = 0;  // RssFile: mapped files (weights, the binary, libraries)
};

// Parses the text of /proc/<pid>/status; nullopt when VmRSS or VmHWM is missing.
std::optional<ProcessMemory> parse_proc_status(const std::string& status);
// This process now; nullopt where /proc/self/status is unreadable (not Linux).
std::optional<ProcessMemory> read_process_memory();

}  // namespace r1
