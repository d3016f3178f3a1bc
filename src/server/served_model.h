// The model a server answers with (weights, tokenizer, chat template, stop ids, context size)
// and the turning of API requests into checked prompt tokens and GenerationRequests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "checkpoint/model_dir.h"
#include "infer/generator.h"
#include "server/chat_request.h"

namespace r1::server {

constexpr int64_t kDefaultContext = 4096;

struct ServedModel {
  std::string id;  // the directory or file name: what /v1/models lists and requests may name
  std::unique_ptr<Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  ChatTemplate chat;  // may have no template: then only /v1/completions works
  std::vector<int32_t> stop_ids;
  int64_t context = 0;      // prompt + completion tokens of one sequence at most (--ctx)
  SamplingParams defaults;  // for fields a request leaves out (the command's sampling flags)

  // context 0: kDefaultContext, at most the model's max_position_embeddings. UsageError for a
  // bad context or a model without a tokenizer; the loaders' errors otherwise.
  static ServedModel load(const std::string& path, int64_t context);
  // The same with the model already loaded from dir (rank 0's part of a pipeline).
  static ServedModel of(const ModelDir& dir, std::unique_ptr<Model> model, int64_t context);
};

// 404 model_not_found unless `requested` is empty or the served model's id.
void check_model_name(const ServedModel& served, const std::string& requested);

// The conversation rendered with the model's chat template (as `r1 chat` renders it) and
// encoded. 400 when the model has no template or the template rejects the messages.
// tools: the request's function tools (null: none); kwargs: chat_template_kwargs.
std::vector<int32_t> chat_prompt(const ServedModel& served, const std::vector<ChatMessage>& messages,
                                 const OrderedJson& tools = nullptr,
                                 const OrderedJson& kwargs = OrderedJson::object());
// The prompt text encoded with the tokenizer's special tokens (BOS), as `r1 generate` does.
std::vector<int32_t> completion_prompt(const ServedModel& served, const std::string& prompt);

// The engine request for a prompt: sampling fields over the defaults (a random seed when none
// is given), max_tokens defaulting to the rest of the context. 400 context_length_exceeded when
// the prompt leaves no room in the context or max_tokens goes beyond it; prompt_param names the
// request field the prompt came from.
GenerationRequest generation_request(const ServedModel& served, std::vector<int32_t> prompt,
                                     const SamplingRequest& sampling,
                                     const std::string& prompt_param);

}  // namespace r1::server
