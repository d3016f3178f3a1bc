// Task, template, reward and tool flags shared by the RL commands.
#include "cli/task_flags.h"

namespace r1::cli {

void add_task_flags(CLI::App* cmd, TaskFlags& f) {
  cmd->add_option("--task", f.task, "task name (r1 task list)")->required();
  cmd->add_option("--knob", f.knobs, "task knob NAME=VALUE (repeatable; r1 task list)");
}

void add_template_flag(CLI::App* cmd, TaskFlags& f) {
  cmd->add_option("--template", f.template_name,
                  "r1-zero (<think>/<answer> tags) | r1 (chat template, \\boxed{}); default r1-zero");
}

std::unique_ptr<rl::Task> make_task_from_flags(const TaskFlags& f) {
  return rl::make_task(f.task, rl::parse_task_options(f.knobs));
}

void add_tool_flags(CLI::App* cmd, ToolFlags& f) {
  cmd->add_option("--tools", f.names,
                  "tools the model may call during generation: calculator (default: none)");
  cmd->add_option("--tool-turns", f.turns, "tool rounds per completion at most (default 4)");
}

rl::RolloutTools make_tools_from_flags(const ToolFlags& f) {
  rl::RolloutTools tools;
  tools.names = rl::parse_tool_names(f.names);
  tools.max_turns = f.turns;
  rl::validate(tools);
  return tools;
}

void add_reward_flags(CLI::App* cmd, rl::RewardConfig& c) {
  cmd->add_option("--accuracy-weight", c.accuracy_weight, "reward for a verified answer (default 1)");
  cmd->add_option("--format-weight", c.format_weight, "reward for the exact format (default 0.1)");
  cmd->add_option("--overlong-max", c.max_tokens,
                  "DAPO overlong shaping L_max in tokens (default 0 = off)");
  cmd->add_option("--overlong-cache", c.cache_tokens,
                  "DAPO L_cache: the penalty falls from 0 at L_max - L_cache to -1 at L_max");
  cmd->add_option("--overlong-weight", c.overlong_weight, "weight of the overlong penalty (default 1)");
  cmd->add_option("--consistency-weight", c.consistency_weight,
                  "R1's language-consistency reward: weight of the share of the reasoning in the "
                  "task's notation (countdown; default 0)");
}

}  // namespace r1::cli
