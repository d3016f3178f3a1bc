// `r1 eval`: pass@1 (mean over k samples), maj@k, mean response tokens and format-error rate of
// a model on a task's problems (a JSONL file, or generated from the held-out eval split).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "checkpoint/model_dir.h"
#include "cli/commands.h"
#include "cli/sampling_flags.h"
#include "cli/task_flags.h"
#include "core/error.h"
#include "io/json_file.h"
#include "model/model.h"
#include "rl/evaluate.h"

namespace r1::cli {

namespace {

struct EvalArgs {
  std::string model, data, out;
  TaskFlags task;
  ToolFlags tools;
  rl::EvalOptions opts;
  int64_t problems = 200;
  uint64_t problem_seed = 1;
  int threads = 0;
  bool json = false, quiet = false;
};

// "0.412" for a metric, "-" when no sample had it.
std::string share_or_dash(const Json& m, const std::string& name) {
  if (!m.contains(name)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", m[name].get<double>());
  return buf;
}

void run(EvalArgs& a, Comm& world) {
  apply_threads(a.threads);
  a.opts.tools = make_tools_from_flags(a.tools);
  const std::unique_ptr<rl::Task> task = make_task_from_flags(a.task);
  a.opts.prompt_template = rl::parse_template_kind(a.task.template_name);
  const std::vector<rl::Problem> problems =
      a.data.empty() ? rl::generate_problems(*task, a.problems, a.problem_seed, rl::Split::Eval)
                     : rl::load_problems(*task, a.data);
  const ModelDir dir = ModelDir::open(a.model);
  const auto model = dir.load_model();
  const Tokenizer& tok = dir.require_tokenizer("evaluation reads and writes text");
  const ChatTemplate* chat =
      a.opts.prompt_template == rl::TemplateKind::R1 ? &dir.require_chat_template() : nullptr;
  const Generator gen(*model, &tok, dir.stop_ids());
  a.opts.progress = !a.quiet && !a.json;
  const rl::EvalResult r = rl::evaluate(world, gen, tok, chat, *task, problems, a.opts);
  if (!world.is_root()) return;
  if (!a.out.empty()) {
    std::string lines;
    for (const rl::EvalSample& s : r.records) {
      Json j = {{"id", problems[s.problem].id},
                {"question", problems[s.problem].question},
                {"completion", s.completion},
                {"tokens", s.tokens}};
      if (r.tools) {
        j["transcript"] = s.transcript;
        j.update({{"tool_calls", s.tools.calls},
                  {"tool_turns", s.tools.turns},
                  {"tool_errors", s.tools.errors}});
      }
      j.update(rl::reward_to_json(s.score));
      lines += j.dump() + "\n";
    }
    write_text_file_atomic(a.out, lines);
  }
  if (a.json) {
    std::printf("%s\n", rl::eval_result_to_json(r).dump().c_str());
    return;
  }
  std::printf("%s on %lld %s problems, %lld samples each (%s template)\n", a.model.c_str(),
              static_cast<long long>(r.n), task->name().c_str(), static_cast<long long>(r.samples),
              a.task.template_name.c_str());
  std::printf("  pass@1               %.3f\n", r.pass_at_1);
  std::printf("  maj@%-3lld             %.3f\n", static_cast<long long>(r.samples), r.maj_at_k);
  std::printf("  mean response tokens %.1f\n", r.mean_response_tokens);
  std::printf("  format error rate    %.3f\n", r.format_error_rate);
  if (r.tools)
    std::printf("  tool calls           %.3f of samples call, %.2f calls, %.2f errors per sample\n",
                r.tool_call_rate, r.tool_calls_per_sample, r.tool_errors_per_sample);
  if (!r.self_checks.is_null()) {
    const Json& m = r.self_checks;
    std::printf(
        "  self-checks          %.2f attempts per sample; %.3f of samples check, %.3f of "
        "failed checks retried, %.3f of checks false, %.3f off target\n",
        m["attempts_per_rollout"].get<double>(), m["check_rate"].get<double>(),
        m["retry_rate"].get<double>(), m["false_check_rate"].get<double>(),
        m["off_target_check_rate"].get<double>());
    std::printf("  pass@1 by attempts   1: %s  2: %s  3+: %s  with a retry: %s\n",
                share_or_dash(m, "accuracy_1_attempt").c_str(),
                share_or_dash(m, "accuracy_2_attempts").c_str(),
                share_or_dash(m, "accuracy_3plus_attempts").c_str(),
                share_or_dash(m, "accuracy_with_retry").c_str());
  }
  std::printf("  %lld tokens in %.1f s (%.0f tokens/s)\n",
              static_cast<long long>(r.generated_tokens), r.seconds,
              r.seconds > 0 ? double(r.generated_tokens) / r.seconds : 0.0);
}

}  // namespace

void add_eval(CLI::App& app, Comm& world) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd =
      app.add_subcommand("eval", "pass@1, maj@k, response length and format errors on a task");
  cmd->add_option("--model", a->model, "checkpoint directory or .gguf file")->required();
  add_task_flags(cmd, a->task);
  add_template_flag(cmd, a->task);
  cmd->add_option("--data", a->data,
                  "problems JSONL in the task's format (default: generated eval split)");
  cmd->add_option("--problems", a->problems,
                  "generated eval-split problems when no --data (default 200)");
  cmd->add_option("--problem-seed", a->problem_seed, "seed of the generated problems (default 1)");
  cmd->add_option("--samples,-k", a->opts.samples, "samples per problem k (default 1)");
  cmd->add_option("--max-tokens,-n", a->opts.max_tokens, "tokens per completion (default 256)");
  cmd->add_option("--batch-prompts", a->opts.prompts_per_batch,
                  "problems decoded together (default 16)");
  cmd->add_option("--out", a->out,
                  "per-sample JSONL: question, completion, answer, accuracy, format, reason");
  add_sampling_flags(cmd, a->opts.sampling);
  add_tool_flags(cmd, a->tools);
  add_threads_flag(cmd, a->threads);
  cmd->add_flag("--json", a->json,
                "print one JSON object: pass@1, maj@k, mean_response_tokens, format_error_rate, n");
  cmd->add_flag("--quiet", a->quiet, "no progress bar");
  cmd->callback([a, &world] { run(*a, world); });
}

}  // namespace r1::cli
