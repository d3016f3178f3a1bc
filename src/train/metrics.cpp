// The metrics JSONL writer and reader.
#include "train/metrics.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "core/error.h"
#include "io/file_io.h"

namespace r1 {

namespace {
std::FILE* open_or_throw(const std::string& path, const char* mode) {
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (!f) throw IoError(path + ": cannot open metrics file: " + std::strerror(errno));
  return f;
}
}  // namespace

MetricsWriter MetricsWriter::create(const std::string& path) {
  return MetricsWriter(path, open_or_throw(path, "wb"));
}

MetricsWriter MetricsWriter::resume(const std::string& path, int64_t last_step) {
  if (std::filesystem::exists(path)) {
    std::string kept;
    for (const Json& r : read_metrics(path)) {
      if (r.contains("step") && r["step"].is_number() &&
          r["step"].get<double>() > double(last_step))
        continue;
      kept += r.dump() + "\n";
    }
    write_text_file_atomic(path, kept);
  }
  return MetricsWriter(path, open_or_throw(path, "ab"));
}

MetricsWriter::~MetricsWriter() {
  if (f_) std::fclose(f_);
}

MetricsWriter::MetricsWriter(MetricsWriter&& o) noexcept : path_(std::move(o.path_)), f_(o.f_) {
  o.f_ = nullptr;
}

void MetricsWriter::write(const Json& record) {
  R1_ASSERT(record.is_object());
  // Non-finite numbers (a diverged loss) become null, which stays valid JSON.
  const std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0)
    throw IoError(path_ + ": cannot write metrics: " + std::strerror(errno));
}

std::vector<Json> read_metrics(const std::string& path, bool skip_torn_tail) {
  const std::string text = read_file(path);
  std::vector<Json> out;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool last = end == std::string::npos;
    if (last) end = text.size();
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    const char* b = text.data() + pos;
    const char* e = text.data() + end;
    pos = end + 1;
    if (std::string_view(b, size_t(e - b)).find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    try {
      Json r = parse_json(where, b, e);
      if (!r.is_object()) throw FormatError(where + ": expected a JSON object per line");
      out.push_back(std::move(r));
    } catch (const FormatError&) {
      if (skip_torn_tail && (last || pos >= text.size())) break;
      throw;
    }
  }
  return out;
}

std::string prepare_metrics_path(const std::string& out, const std::string& requested) {
  namespace fs = std::filesystem;
  const std::string path = requested.empty() ? out + ".metrics.jsonl" : requested;
  const fs::path out_dir = fs::weakly_canonical(fs::absolute(out));
  const fs::path file = fs::weakly_canonical(fs::absolute(path));
  const auto [out_end, file_at] = std::mismatch(out_dir.begin(), out_dir.end(), file.begin(), file.end());
  if (out_end == out_dir.end() && file_at != file.end())
    throw UsageError("--metrics " + path + " is inside the checkpoint directory " + out +
                     ", which every save replaces; put it beside it (default " + out +
                     ".metrics.jsonl)");
  for (const std::string& p : {out, path}) {
    const fs::path parent = fs::absolute(p).parent_path();
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw IoError(parent.string() + ": cannot create directory: " + ec.message());
  }
  return path;
}

}  // namespace r1
