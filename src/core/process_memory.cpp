// /proc/self/status parsing: "VmRSS:\t   12345 kB" lines.
#include "core/process_memory.h"

#include <fstream>
#include <sstream>

namespace r1 {

std::optional<ProcessMemory> parse_proc_status(const std::string& status) {
  ProcessMemory m;
  bool rss = false, peak = false;
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    int64_t* field = key == "VmRSS"     ? &m.rss_bytes
                     : key == "VmHWM"   ? &m.rss_peak_bytes
                     : key == "RssAnon" ? &m.rss_anon_bytes
                     : key == "RssFile" ? &m.rss_file_bytes
                                        : nullptr;
    if (!field) continue;
    std::istringstream value(line.substr(colon + 1));
    int64_t kb = 0;
    std::string unit;
    if (!(value >> kb >> unit) || unit != "kB") continue;
    *field = kb * 1024;
    rss |= key == "VmRSS";
    peak |= key == "VmHWM";
  }
  if (!rss || !peak) return std::nullopt;
  return m;
}

std::optional<ProcessMemory> read_process_memory() {
  std::ifstream f("/proc/self/status");
  if (!f) return std::nullopt;
  std::stringstream text;
  text << f.rdbuf();
  return parse_proc_status(text.str());
}

}  // namespace r1
