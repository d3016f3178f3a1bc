// MTP layers in GGUF: written as llama.cpp names nextn blocks, read back with the MTP module (the
// checkpoint's MTP logits and speculative tokens), --no-mtp, shared embedding and head left out,
// and each inconsistent, missing or truncated nextn tensor one clear error naming it.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "checkpoint/gguf_config.h"
#include "checkpoint/model_dir.h"
#include "core/error.h"
#include "gguf_fixture.h"
#include "io/safetensors.h"
#include "io_test_util.h"
#include "model/model.h"
#include "test_util.h"

namespace r1 {
namespace {

using test::gguf_test_file;
using test::gguf_test_model;
using test::run_r1;

const std::vector<int32_t> kTokens = {1, 17, 300, 5, 42, 599, 8, 250, 1000, 3, 77, 512};

// The main logits [T, V] and the MTP logits [T-1, V] over kTokens.
struct Outputs {
  Tensor logits, mtp;
};

Outputs outputs(const std::string& model) {
  const auto m = ModelDir::open(model).load_model();
  Outputs o;
  Tensor hidden;
  o.logits = m->forward(kTokens, 0, nullptr, &hidden);
  o.mtp = m->mtp_logits(kTokens, hidden);
  return o;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape == b.shape && std::memcmp(a.data, b.data, a.nbytes()) == 0;
}

std::string tensor_bytes(const GgufFile& f, const std::string& name) {
  const GgufTensor t = f.tensor(name);
  return std::string(static_cast<const char*>(t.data), t.nbytes);
}

// The tiny preset in `dtype` (its tokenizer as the fixture's), exported as `type`.
std::string export_tiny(const std::string& dir, const std::string& dtype, GgufOutType type) {
  const test::RunResult r =
      run_r1("init --preset tiny --seed 3 --dtype " + dtype + " --out " + dir + " --tokenizer " +
             test::gguf_test_tokenizer("deepseek-v3"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  GgufExportOptions o;
  o.model = dir;
  o.out = dir + ".gguf";
  o.type = type;
  o.progress = false;
  export_gguf(o);
  return o.out;
}

TEST(GgufMtp, NextnBlockAsLlamaCppNamesIt) {
  const ModelConfig c = ModelDir::open(gguf_test_model("tiny")).config();
  ASSERT_EQ(c.num_hidden_layers, 3);
  ASSERT_EQ(c.num_nextn_predict_layers, 1);
  const int64_t D = c.hidden_size, V = c.vocab_size;
  const GgufFile f = GgufFile::open(gguf_test_file("tiny", GgufOutType::F32));
  EXPECT_EQ(f.get_int("deepseek2.block_count"), 4);  // the MTP block counted, as llama.cpp does
  EXPECT_EQ(f.get_int("deepseek2.nextn_predict_layers"), 1);
  const std::pair<const char*, Shape> nextn[] = {{"blk.3.nextn.eh_proj.weight", {D, 2 * D}},
                                                 {"blk.3.nextn.enorm.weight", {D}},
                                                 {"blk.3.nextn.hnorm.weight", {D}},
                                                 {"blk.3.nextn.embed_tokens.weight", {V, D}},
                                                 {"blk.3.nextn.shared_head_norm.weight", {D}},
                                                 {"blk.3.nextn.shared_head_head.weight", {V, D}}};
  for (const auto& [name, shape] : nextn) {
    const GgufTensorInfo* t = f.find_tensor(name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_EQ(t->shape, shape) << name;
  }
  // The decoder block under the block's own names (MoE, as every layer after the dense ones).
  for (const char* name :
       {"blk.3.attn_norm.weight", "blk.3.attn_kv_b.weight", "blk.3.ffn_gate_exps.weight",
        "blk.3.ffn_up_shexp.weight", "blk.3.exp_probs_b.bias"})
    EXPECT_NE(f.find_tensor(name), nullptr) << name;
  const WeightStore st = WeightStore::open_dir(gguf_test_model("tiny"));
  const Tensor eh = st.get("model.layers.3.eh_proj.weight");
  EXPECT_EQ(tensor_bytes(f, "blk.3.nextn.eh_proj.weight"),
            std::string(static_cast<const char*>(eh.data), eh.nbytes()));
  // Types as for the main model: norms F32, projections quantised, the MTP head as the output.
  const GgufFile q4 = GgufFile::open(gguf_test_file("tiny", GgufOutType::Q4_0));
  EXPECT_EQ(q4.find_tensor("blk.3.nextn.eh_proj.weight")->type, GgmlType::Q4_0);
  EXPECT_EQ(q4.find_tensor("blk.3.nextn.enorm.weight")->type, GgmlType::F32);
  EXPECT_EQ(q4.find_tensor("blk.3.nextn.shared_head_head.weight")->type, GgmlType::Q8_0);
  // The split MLA layout splits the MTP block's kv_b too.
  const GgufFile split = GgufFile::open(gguf_test_file("tiny", GgufOutType::F32, MlaLayout::KbVb));
  EXPECT_EQ(split.find_tensor("blk.3.attn_kv_b.weight"), nullptr);
  EXPECT_NE(split.find_tensor("blk.3.attn_k_b.weight"), nullptr);
  EXPECT_NE(split.find_tensor("blk.3.attn_v_b.weight"), nullptr);
}

TEST(GgufMtp, MtpLogitsEqualTheCheckpoint) {
  const Outputs want = outputs(gguf_test_model("tiny"));
  for (MlaLayout layout : {MlaLayout::KvB, MlaLayout::KbVb}) {
    const std::string f = gguf_test_file("tiny", GgufOutType::F32, layout);
    EXPECT_EQ(ModelDir::open(f).config().num_nextn_predict_layers, 1);
    const Outputs got = outputs(f);
    const double main = test::max_relative_error(got.logits, want.logits),
                 mtp = test::max_relative_error(got.mtp, want.mtp);
    std::cout << "f32 GGUF" << (layout == MlaLayout::KbVb ? " (k_b/v_b)" : "")
              << " vs safetensors: max rel error " << main << " (main), " << mtp << " (MTP)\n";
    if (layout == MlaLayout::KvB) {
      EXPECT_TRUE(same_bits(got.logits, want.logits));
      EXPECT_TRUE(same_bits(got.mtp, want.mtp));
    }
    EXPECT_LE(main, 1e-5);
    EXPECT_LE(mtp, 1e-5);
  }
  // A bf16 or f16 checkpoint in a GGUF of its own type: the same weights, the same bits.
  const std::string dir = test::make_temp_dir("gguf_mtp_types");
  for (const auto& [dtype, type] :
       {std::pair{"bf16", GgufOutType::BF16}, std::pair{"f16", GgufOutType::F16}}) {
    const std::string model = dir + "/" + dtype;
    const std::string f = export_tiny(model, dtype, type);
    const Outputs a = outputs(model), b = outputs(f);
    EXPECT_TRUE(same_bits(a.logits, b.logits)) << dtype;
    EXPECT_TRUE(same_bits(a.mtp, b.mtp)) << dtype;
  }
  // Q8_0: as close to the f32 checkpoint as the main logits are (GgufModel's bounds).
  const Outputs q8 = outputs(gguf_test_file("tiny", GgufOutType::Q8_0));
  const test::Closeness main = test::closeness(want.logits, q8.logits),
                        mtp = test::closeness(want.mtp, q8.mtp);
  std::cout << "q8_0 GGUF: top-1 agreement " << main.agree << " / " << mtp.agree << ", KL "
            << main.kl << " / " << mtp.kl << " (main / MTP)\n";
  EXPECT_GE(mtp.agree, 0.9);
  EXPECT_LE(mtp.kl, 3e-5);
}

// The first line of `generate`'s output (the ids) and its acceptance line.
std::pair<std::string, std::string> speculative(const std::string& model) {
  const test::RunResult r = run_r1("generate --model " + model +
                                   " --tokens 1,17,300,5 -n 24 --temperature 0 " + "--speculative");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const size_t at = r.out.find("MTP drafts accepted");
  return {r.out.substr(0, r.out.find('\n')),
          at == std::string::npos ? "" : r.out.substr(at, r.out.find('\n', at) - at)};
}

TEST(GgufMtp, SpeculativeAndMtpLogitsFromTheFile) {
  const auto dir = speculative(gguf_test_model("tiny"));
  ASSERT_NE(dir.second, "");
  EXPECT_EQ(speculative(gguf_test_file("tiny", GgufOutType::F32)), dir);
  EXPECT_EQ(speculative(gguf_test_file("tiny", GgufOutType::F32, MlaLayout::KbVb)).first,
            dir.first);
  // From Q8_0: exactly that file's plain greedy tokens.
  const std::string q8 = gguf_test_file("tiny", GgufOutType::Q8_0);
  const test::RunResult plain =
      run_r1("generate --model " + q8 + " --tokens 1,17,300,5 -n 24 --temperature 0");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_EQ(speculative(q8).first, plain.out.substr(0, plain.out.find('\n')));
  testing::TempDir tmp;
  const test::RunResult r =
      run_r1("logits --mtp --model " + q8 + " --tokens 1,17,300,5 --out " + tmp.file("mtp.npy"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("float32 [3, 1024]"), std::string::npos) << r.out;
}

TEST(GgufMtp, NoMtpLeavesTheBlockOut) {
  testing::TempDir tmp;
  const std::string f = tmp.file("no-mtp.gguf");
  test::RunResult r = run_r1("convert --model " + gguf_test_model("tiny") + " --out " + f +
                             " --type q8_0 --no-mtp --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("the MTP layer is left out (--no-mtp)"), std::string::npos) << r.out;
  const GgufFile g = GgufFile::open(f);
  EXPECT_EQ(g.get_int("deepseek2.block_count"), 3);
  EXPECT_FALSE(g.find_int("deepseek2.nextn_predict_layers").has_value());
  for (const GgufTensorInfo& t : g.tensors()) EXPECT_NE(t.name.rfind("blk.3.", 0), 0u) << t.name;
  EXPECT_EQ(ModelDir::open(f).config().num_nextn_predict_layers, 0);
  r = run_r1("generate --model " + f + " --tokens 1,2 -n 4 --temperature 0 --speculative");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("needs a checkpoint with an MTP layer"), std::string::npos) << r.out;
  r = run_r1("convert --model " + gguf_test_model("tiny") + " --out " + tmp.file("dir") +
             " --type f32 --no-mtp");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--no-mtp applies to a .gguf --out only"), std::string::npos) << r.out;
}

// A checkpoint whose MTP embedding and head are the main model's (as DeepSeek-V3 shares them):
// the file leaves nextn.embed_tokens and nextn.shared_head_head out, and reading takes
// token_embd and output in their place, as llama.cpp does.
TEST(GgufMtp, SharedEmbeddingAndHeadAreLeftOut) {
  const std::string dir = test::make_temp_dir("gguf_mtp_shared");
  const std::string model = dir + "/shared";
  ASSERT_EQ(run_r1("init --preset tiny --seed 3 --dtype f32 --out " + model).exit_code, 0);
  std::vector<std::pair<std::string, Tensor>> tensors;
  {
    const SafetensorsFile st = SafetensorsFile::open(model + "/model.safetensors");
    for (const auto& [name, entry] : st.entries()) {
      const std::string from = name == "model.layers.3.embed_tokens.weight"
                                   ? "model.embed_tokens.weight"
                               : name == "model.layers.3.shared_head.head.weight" ? "lm_head.weight"
                                                                                  : name;
      tensors.emplace_back(name, to_f32(st.get(from)));
    }
  }
  write_safetensors(model + "/model.safetensors", tensors);
  for (GgufOutType type : {GgufOutType::F32, GgufOutType::Q4_0}) {
    GgufExportOptions o;
    o.model = model;
    o.out = dir + "/shared-" + std::to_string(int(type)) + ".gguf";
    o.type = type;
    o.progress = false;
    export_gguf(o);
    const GgufFile f = GgufFile::open(o.out);
    EXPECT_EQ(f.find_tensor("blk.3.nextn.embed_tokens.weight"), nullptr);
    EXPECT_EQ(f.find_tensor("blk.3.nextn.shared_head_head.weight"), nullptr);
    EXPECT_NE(f.find_tensor("blk.3.nextn.eh_proj.weight"), nullptr);
    if (type == GgufOutType::F32) {
      const Outputs want = outputs(model), got = outputs(o.out);
      EXPECT_TRUE(same_bits(got.logits, want.logits));
      EXPECT_TRUE(same_bits(got.mtp, want.mtp));
    }
  }
  // The trained tiny checkpoint's own embedding and head differ: both are written.
  const GgufFile own = GgufFile::open(gguf_test_file("tiny", GgufOutType::F32));
  EXPECT_NE(own.find_tensor("blk.3.nextn.embed_tokens.weight"), nullptr);
}

std::string bad_mtp_gguf(
    const testing::TempDir& tmp, const std::string& name,
    const std::function<void(GgufMetadata&, std::vector<test::GgufTensorCopy>&)>& edit) {
  const std::string out = tmp.file(name + ".gguf");
  test::rewrite_gguf(gguf_test_file("tiny", GgufOutType::F32), out, edit);
  return out;
}

TEST(GgufMtpBadFile, MissingOrMisshapenNextnTensor) {
  testing::TempDir tmp;
  const std::string missing = bad_mtp_gguf(tmp, "missing", [](auto&, auto& ts) {
    std::erase_if(ts, [](const auto& t) { return t.name == "blk.3.nextn.eh_proj.weight"; });
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(missing).load_model(); },
      {missing, "tensor 'blk.3.nextn.eh_proj.weight' (model.layers.3.eh_proj.weight) is missing"});
  const std::string block = bad_mtp_gguf(tmp, "block", [](auto&, auto& ts) {
    std::erase_if(ts, [](const auto& t) { return t.name == "blk.3.attn_q_b.weight"; });
  });
  testing::expect_error<FormatError>([&] { ModelDir::open(block).load_model(); },
                                     {block, "tensor 'blk.3.attn_q_b.weight'", "is missing"});
  const std::string shape = bad_mtp_gguf(tmp, "shape", [](auto&, auto& ts) {
    for (auto& t : ts)
      if (t.name == "blk.3.nextn.hnorm.weight") t.shape = {32}, t.bytes.resize(32 * 4);
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(shape).load_model(); },
      {shape, "tensor 'blk.3.nextn.hnorm.weight'", "has shape [32], expected [64]"});
}

TEST(GgufMtpBadFile, KeysAndTensorsDisagree) {
  testing::TempDir tmp;
  // nextn_predict_layers 0: block 3 would be a decoder layer, yet it holds nextn tensors.
  const std::string key = bad_mtp_gguf(tmp, "key", [](GgufMetadata& md, auto&) {
    md.set("deepseek2.nextn_predict_layers", GgufValue(uint32_t(0)));
  });
  testing::expect_error<FormatError>(
      [&] { ModelDir::open(key).load_model(); },
      {key, "deepseek2.nextn_predict_layers", "leaves MTP tensor 'blk.3.nextn.", "block_count 4"});
  // The key without any tensor of the MTP block (a re-published file): loaded without MTP.
  const std::string none = bad_mtp_gguf(tmp, "none", [](auto&, auto& ts) {
    std::erase_if(ts, [](const auto& t) { return t.name.rfind("blk.3.", 0) == 0; });
  });
  const ModelDir m = ModelDir::open(none);
  EXPECT_EQ(m.config().num_hidden_layers, 3);
  EXPECT_EQ(m.config().num_nextn_predict_layers, 0);
  const test::RunResult r =
      run_r1("generate --model " + none + " --tokens 1,2 -n 2 --temperature 0");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("deepseek2.nextn_predict_layers is 1 but the file has no tensors of the MTP "
                       "block(s) 3..3; loading without MTP"),
            std::string::npos)
      << r.out;
}

TEST(GgufMtpBadFile, TruncatedInTheNextnBlock) {
  testing::TempDir tmp;
  const std::string src = gguf_test_file("tiny", GgufOutType::F32);
  const GgufFile f = GgufFile::open(src);
  const GgufTensorInfo* eh = f.find_tensor("blk.3.nextn.eh_proj.weight");
  ASSERT_NE(eh, nullptr);
  const std::string bytes = testing::read_bytes(src);
  const size_t cut = size_t(f.data_offset() + eh->offset + eh->nbytes / 2);
  ASSERT_LT(cut, bytes.size());
  testing::write_bytes(tmp.file("cut.gguf"), bytes.substr(0, cut));
  testing::expect_error<FormatError>([&] { ModelDir::open(tmp.file("cut.gguf")).load_model(); },
                                     {tmp.file("cut.gguf"), "'blk.3.nextn.eh_proj.weight'",
                                      "extends past the end of the file", "truncated"});
}

}  // namespace
}  // namespace r1
