// The layer table (DESIGN.md, stated once in CMakeLists.txt's r1_layer calls and written by CMake
// to layers.txt): no file under src/ includes a folder its own folder may not use.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace r1 {
namespace {

namespace fs = std::filesystem;

// folder -> the folders it may include ("*": any).
using LayerTable = std::map<std::string, std::set<std::string>>;

// Lines "folder: used used ..." as CMake writes them.
LayerTable read_layer_table(const std::string& path) {
  std::ifstream in(path);
  LayerTable table;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string folder;
    words >> folder;
    if (folder.empty() || folder.back() != ':') continue;
    folder.pop_back();
    std::set<std::string>& uses = table[folder];
    for (std::string used; words >> used;) uses.insert(used);
  }
  return table;
}

// "file:line: folder/ includes other/" for every include of a src/ folder its folder may not use,
// and "folder/ is not in the layer table" for a folder the table does not name.
std::vector<std::string> stray_includes(const fs::path& src, const LayerTable& table) {
  static const std::regex include(R"(^\s*#\s*include\s*"([A-Za-z0-9_]+)/)");
  std::vector<std::string> strays;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(src)) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
    const std::string rel = fs::relative(e.path(), src).generic_string();
    const size_t slash = rel.find('/');
    if (slash == std::string::npos) continue;
    const std::string folder = rel.substr(0, slash);
    const auto allowed = table.find(folder);
    if (allowed == table.end()) {
      strays.push_back(folder + "/ is not in the layer table");
      continue;
    }
    std::ifstream in(e.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const std::string used = m[1];
      if (used == folder || allowed->second.count("*") || allowed->second.count(used)) continue;
      if (!fs::is_directory(src / used)) continue;  // not one of ours
      strays.push_back(rel + ":" + std::to_string(n) + ": " + folder + "/ includes " + used + "/");
    }
  }
  std::sort(strays.begin(), strays.end());
  return strays;
}

TEST(Layers, NoFileIncludesAFolderItsLayerMayNotUse) {
  const LayerTable table = read_layer_table(R1_LAYERS_FILE);
  ASSERT_GE(table.size(), 10u) << R1_LAYERS_FILE;
  for (const std::string& stray : stray_includes(fs::path(R1_SOURCE_DIR) / "src", table))
    ADD_FAILURE() << stray;
}

TEST(Layers, TheCheckFindsAStrayInclude) {
  const fs::path src = fs::path(test::make_temp_dir("layers")) / "src";
  fs::create_directories(src / "core");
  fs::create_directories(src / "model");
  fs::create_directories(src / "extra");
  std::ofstream(src / "core/a.h") << "#include \"core/b.h\"\n";
  std::ofstream(src / "model/m.cpp") << "#include <vector>\n#include \"core/a.h\"\n"
                                     << "  #include \"model/m.h\"\n#include \"io/json.h\"\n";
  std::ofstream(src / "extra/x.h") << "\n";
  fs::create_directories(src / "io");
  const LayerTable table = {{"core", {}}, {"model", {"core"}}, {"io", {"core"}}};
  EXPECT_EQ(stray_includes(src, table),
            (std::vector<std::string>{"extra/ is not in the layer table",
                                      "model/m.cpp:4: model/ includes io/"}));
}

}  // namespace
}  // namespace r1
