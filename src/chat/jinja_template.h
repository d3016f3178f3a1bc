// A parsed Jinja template and its renderer: the subset of Jinja that chat templates use,
// rendered the way transformers' apply_chat_template renders them (see docs in README).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "chat/jinja_budget.h"
#include "chat/jinja_value.h"
#include "tokenizer/prompt_text.h"

namespace r1::jinja {

class Template {
 public:
  // Parses template source; `name` says where it came from in errors ("dir/tokenizer_config.json:
  // chat_template"). FormatError for syntax errors and for constructs outside the subset.
  static Template parse(std::string_view source, std::string name);

  // Renders with the given variables (globals namespace, range, raise_exception, ... are always
  // there). RenderError when Jinja would raise or the template calls raise_exception(), and
  // when the render passes its step or byte budget (jinja_budget.h).
  std::string render(const Dict& variables, uint64_t max_steps = kMaxRenderSteps) const;
  // The same render with where its bytes came from: data_ranges are the output bytes that
  // came from data strings in `variables` (Value::from_json(..., true), Value::all_data),
  // through {{ }}, ~, +, set, slices, strip, split and join exactly, and through any other
  // operation given data as wholly data.
  PromptText render_prompt(const Dict& variables, const RenderLimits& limits = {}) const;

  const std::string& name() const;

  struct Compiled;  // source, name and syntax tree (defined in jinja_template.cpp)

 private:
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace r1::jinja
