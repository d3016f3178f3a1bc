// Command-line flags shared by the commands that use RL tasks and rewards (task check, grpo,
// eval, reject, distill): the task with its knobs, the prompt template, the reward weights, the
// tools rollouts may call.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "rl/reward.h"
#include "rl/rollout_tools.h"
#include "rl/task.h"

namespace r1::cli {

struct TaskFlags {
  std::string task;
  std::vector<std::string> knobs;  // NAME=VALUE
  std::string template_name = "r1-zero";
};

// --task (required) and --knob NAME=VALUE (repeatable).
void add_task_flags(CLI::App* cmd, TaskFlags& f);
// --template r1-zero|r1.
void add_template_flag(CLI::App* cmd, TaskFlags& f);
// The task the flags name (UsageError for unknown names, knobs or values).
std::unique_ptr<rl::Task> make_task_from_flags(const TaskFlags& f);

struct ToolFlags {
  std::string names;  // --tools
  int64_t turns = 4;  // --tool-turns
};
// --tools NAME[,NAME] and --tool-turns N.
void add_tool_flags(CLI::App* cmd, ToolFlags& f);
// The tools the flags name (UsageError for an unknown tool or turns < 1).
rl::RolloutTools make_tools_from_flags(const ToolFlags& f);

// --accuracy-weight --format-weight --overlong-max --overlong-cache --overlong-weight
// --consistency-weight.
void add_reward_flags(CLI::App* cmd, rl::RewardConfig& c);

}  // namespace r1::cli
