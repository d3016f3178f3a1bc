// Continuous batching's model side: the rows of one forward pass are the new prompts (all their
// tokens) and the running sequences (their last token); forks of a prompt copy its cache. A
// pipeline keeps one pass in flight per stage, the sequences split evenly between them.
#include "infer/batch_decoder.h"

#include <algorithm>

namespace r1 {

namespace {

// Caches start small and double, so a long max_tokens costs memory only when it is used.
constexpr int64_t kInitialDecodeRoom = 256;

void ensure_room(KvCache& cache, int64_t tokens, int64_t max_length) {
  if (tokens > cache.capacity)
    cache.reserve(std::min(max_length, std::max(tokens, 2 * cache.capacity)));
}

}  // namespace

BatchDecoder::BatchDecoder(const Model& model, const Tokenizer* tokenizer,
                           std::vector<int32_t> stop_ids, int64_t prefix_cache_bytes)
    : model_(model),
      tokenizer_(tokenizer),
      stop_ids_(std::move(stop_ids)),
      prefix_cache_(prefix_cache_bytes, [&model](int64_t n) { return model.new_cache(n); }) {}

std::vector<int64_t> BatchDecoder::add(const GenerationRequest& r) {
  validate_request(r, tokenizer_);
  const int64_t P = int64_t(r.prompt.size()), max_length = P + r.max_tokens;
  std::vector<int32_t> stop_ids = stop_ids_;
  stop_ids.insert(stop_ids.end(), r.stop_tokens.begin(), r.stop_tokens.end());
  const std::optional<TokenConstraint> constraint =
      request_constraint(r, tokenizer_, trie_, stop_ids);
  std::vector<int64_t> ids;
  for (int i = 0; i < r.n; ++i) {
    SamplingParams p = r.sampling;
    p.seed = r.sampling.seed + uint64_t(i);
    sequences_.push_back({next_id_,
                          SampleStream(p, tokenizer_, r.stop_strings, stop_ids, r.max_tokens,
                                       constraint),
                          model_.new_cache(std::min(max_length, P + kInitialDecodeRoom)),
                          max_length, r.prompt, r.prompt, i == 0 ? -1 : ids.front()});
    sequences_.back().stream.observe_prompt(r.prompt);
    ids.push_back(next_id_++);
  }
  return ids;
}

BatchDecoder::Sequence* BatchDecoder::find(int64_t id) {
  for (Sequence& s : sequences_)
    if (s.id == id) return &s;
  return nullptr;
}

void BatchDecoder::remove(int64_t id) {
  // A fork still waiting for its source's prefill computes its own once the source is gone.
  for (Sequence& s : sequences_)
    if (s.fork_of == id) s.fork_of = -1;
  for (Sequence& s : sequences_) {
    if (s.id != id) continue;
    s.removed = true;
    if (!s.in_flight) retire(s);
  }
  sequences_.remove_if([id](const Sequence& s) { return s.id == id && !s.in_flight; });
}

void BatchDecoder::retire(Sequence& s) {
  if (s.fork_of >= 0 || !s.prefill.empty() || prefix_cache_.stats().budget_bytes == 0) return;
  std::vector<int32_t> tokens = s.prompt;  // the cache holds these and the tokens fed since
  const std::vector<int32_t>& generated = s.stream.completion().tokens;
  tokens.insert(tokens.end(), generated.begin(), generated.end());
  prefix_cache_.keep(tokens, s.cache);
}

void BatchDecoder::clear() {
  for (; !in_flight_.empty(); in_flight_.pop_front()) {
    try {
      model_.finish_batch(in_flight_.front().batch);  // keeps a pipeline's passes in step
    } catch (const std::exception&) {
      break;  // the same failure again: the caches are dropped below either way
    }
  }
  in_flight_.clear();
  sequences_.clear();
}

bool BatchDecoder::waits_for_shared_prefill(const Sequence& s,
                                            const std::vector<const Sequence*>& prefilling) const {
  if (prefix_cache_.stats().budget_bytes == 0) return false;
  const int64_t usable = int64_t(s.prompt.size()) - 1;
  const int64_t cached = prefix_cache_.match(s.prompt, usable);
  for (const Sequence* t : prefilling)
    if (std::min(common_prefix(s.prompt, t->prompt), usable) >= cached + PrefixCache::kBlockTokens)
      return true;
  return false;
}

void BatchDecoder::look_up_prefix(Sequence& s) {
  // The last prompt token is always computed: its logits give the first token.
  const int64_t reused = prefix_cache_.reuse(s.prompt, int64_t(s.prompt.size()) - 1, s.cache);
  s.prefill.erase(s.prefill.begin(), s.prefill.begin() + reused);
  s.looked_up = true;
}

void BatchDecoder::start_passes() {
  const size_t depth = size_t(model_.pipeline_depth());
  if (in_flight_.size() >= depth) return;
  std::vector<const Sequence*> prefilling;  // prompts being prefilled
  for (const Sequence& s : sequences_)
    if (s.looked_up && !s.prefill.empty()) prefilling.push_back(&s);
  std::vector<Sequence*> waiting;  // not in flight, not waiting for a prefill to fork or share
  for (Sequence& s : sequences_) {
    if (s.in_flight || s.removed || s.fork_of >= 0) continue;
    if (!s.looked_up) {
      if (waits_for_shared_prefill(s, prefilling)) continue;
      look_up_prefix(s);
      prefilling.push_back(&s);
    }
    waiting.push_back(&s);
  }
  for (size_t next = 0; next < waiting.size() && in_flight_.size() < depth;) {
    const size_t passes_left = depth - in_flight_.size();
    const size_t take = (waiting.size() - next + passes_left - 1) / passes_left;
    Pass pass;
    std::vector<Model::SequenceStep> steps;
    for (size_t i = next; i < next + take; ++i) {
      Sequence& s = *waiting[i];
      if (!s.prefill.empty()) {
        steps.push_back({s.prefill, &s.cache});
      } else {
        ensure_room(s.cache, s.cache.length + 1, s.max_length);
        steps.push_back({{s.stream.last_token()}, &s.cache});
      }
      s.in_flight = true;
      pass.rows.push_back(&s);
    }
    pass.batch = model_.start_batch(steps, false);
    in_flight_.push_back(std::move(pass));
    next += take;
  }
}

std::vector<DecodeEvent> BatchDecoder::step() {
  start_passes();
  if (in_flight_.empty()) return {};
  Pass pass = std::move(in_flight_.front());
  in_flight_.pop_front();
  const Tensor logits = model_.finish_batch(pass.batch);  // [rows, V]
  for (Sequence* s : pass.rows) s->in_flight = false;
  std::vector<DecodeEvent> events = sample_rows(pass.rows, logits);
  auto leaving = [](const Sequence& s) { return (s.removed || s.stream.done()) && !s.in_flight; };
  for (Sequence& s : sequences_)
    if (leaving(s)) retire(s);
  sequences_.remove_if(leaving);
  return events;
}

std::vector<DecodeEvent> BatchDecoder::sample_rows(const std::vector<Sequence*>& rows,
                                                   const Tensor& logits) {
  const int64_t V = model_.config().vocab_size, sampleable = sampleable_ids(V, tokenizer_);
  std::vector<DecodeEvent> events;
  auto sample = [&](Sequence& s, const float* row) {
    std::vector<float> own(row, row + V);  // penalties modify the logits in place
    std::string text = s.stream.sample(own.data(), sampleable);
    events.push_back({s.id, s.stream.last_token(), std::move(text),
                      s.stream.done() ? s.stream.completion().finish_reason : ""});
  };
  for (size_t r = 0; r < rows.size(); ++r) {
    Sequence& source = *rows[r];
    if (source.removed) continue;  // its forks were freed from waiting for it by remove()
    const float* row = logits.f32() + int64_t(r) * V;
    if (!source.prefill.empty()) {
      for (Sequence& fork : sequences_) {
        if (fork.fork_of != source.id) continue;
        fork.cache.copy_prefix_from(source.cache, int64_t(source.prompt.size()));
        fork.prefill.clear();
        fork.fork_of = -1;
        fork.looked_up = true;
        sample(fork, row);
      }
      source.prefill.clear();
      prefix_cache_.keep(source.prompt, source.cache);  // for requests arriving meanwhile
    }
    sample(source, row);
  }
  return events;
}

}  // namespace r1
