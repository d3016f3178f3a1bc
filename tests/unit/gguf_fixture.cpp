// The GGUF tests' shared checkpoints (trained with the r1 binary, exported with the library) and
// the closeness measure of quantised logits.
#include "gguf_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <tuple>

#include "test_util.h"

namespace r1::test {

namespace {

const std::string& root() {
  static const std::string dir = make_temp_dir("gguf_model");
  return dir;
}

}  // namespace

const std::string& gguf_test_tokenizer(const std::string& family) {
  static std::map<std::string, std::string> dirs;
  auto it = dirs.find(family);
  if (it != dirs.end()) return it->second;
  const std::string corpus = std::string(R1_TRAINED_TOKENIZER_DIR) + "/corpus.txt";
  EXPECT_TRUE(std::filesystem::exists(corpus))
      << corpus << " (run the trained_tokenizer_corpus fixture)";
  const std::string dir = root() + "/tok-" + family;
  const RunResult r = run_r1("tokenizer train --corpus " + corpus + " --vocab-size 600 --quiet " +
                             "--pre-tokenizer " + family + " --out " + dir);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dirs.emplace(family, dir).first->second;
}

std::string gguf_test_family(const std::string& preset) {
  if (preset == "tiny-qwen2") return "qwen2";
  if (preset == "tiny-llama") return "llama3";
  return "deepseek-v3";
}

const std::string& gguf_test_model(const std::string& preset) {
  static std::map<std::string, std::string> dirs;
  auto it = dirs.find(preset);
  if (it != dirs.end()) return it->second;
  const std::string dir = root() + "/" + preset;
  const RunResult r = run_r1("init --preset " + preset + " --out " + dir + " --dtype f32 --seed 3" +
                             " --tokenizer " + gguf_test_tokenizer(gguf_test_family(preset)));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dirs.emplace(preset, dir).first->second;
}

const std::string& gguf_test_file(const std::string& preset, GgufOutType type, MlaLayout layout) {
  static std::map<std::tuple<std::string, int, int>, std::string> files;
  const auto key = std::make_tuple(preset, int(type), int(layout));
  auto it = files.find(key);
  if (it != files.end()) return it->second;
  GgufExportOptions o;
  o.model = gguf_test_model(preset);
  o.out = root() + "/" + preset + "-" + std::to_string(int(type)) + "-" +
          (layout == MlaLayout::KvB ? "kv_b" : "k_b_v_b") + ".gguf";
  o.type = type;
  o.layout = layout;
  o.progress = false;
  export_gguf(o);
  return files.emplace(key, o.out).first->second;
}

Closeness closeness(const Tensor& ref, const Tensor& got) {
  const int64_t T = ref.dim(0), V = ref.dim(1);
  Closeness c;
  c.rel = max_relative_error(got, ref);
  for (int64_t t = 0; t < T; ++t) {
    const float* a = ref.f32() + t * V;
    const float* b = got.f32() + t * V;
    c.agree += double(std::max_element(a, a + V) - a == std::max_element(b, b + V) - b) / double(T);
    const double ma = *std::max_element(a, a + V), mb = *std::max_element(b, b + V);
    double za = 0, zb = 0;
    for (int64_t v = 0; v < V; ++v) za += std::exp(a[v] - ma), zb += std::exp(b[v] - mb);
    for (int64_t v = 0; v < V; ++v) {
      const double pa = std::exp(a[v] - ma) / za;
      c.kl += pa * ((a[v] - ma - std::log(za)) - (b[v] - mb - std::log(zb))) / double(T);
    }
  }
  return c;
}

void rewrite_gguf(const std::string& src, const std::string& dst,
                  const std::function<void(GgufMetadata&, std::vector<GgufTensorCopy>&)>& edit) {
  const GgufFile in = GgufFile::open(src);
  GgufMetadata md = in.metadata();
  std::vector<GgufTensorCopy> tensors;
  for (const GgufTensorInfo& t : in.tensors()) {
    const char* p = static_cast<const char*>(in.tensor(t.name).data);
    tensors.push_back({t.name, t.type, t.shape, std::string(p, p + t.nbytes)});
  }
  edit(md, tensors);
  GgufWriter w(dst);
  w.metadata() = md;
  for (const GgufTensorCopy& t : tensors) w.add_tensor(t.name, t.type, t.shape, t.bytes.data());
  w.write();
}

}  // namespace r1::test
