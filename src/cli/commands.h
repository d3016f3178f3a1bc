// Registration of the `r1` subcommands; each adds itself to the app and sets its callback.
#pragma once

#include <CLI/CLI.hpp>

#include "comm/comm.h"

namespace r1::cli {

// The subcommands that run across the ranks of `mpirun` (each takes the world); every other
// command is refused under more than one rank.
bool runs_across_ranks(const std::string& subcommand);

void add_init(CLI::App& app);
void add_info(CLI::App& app);
void add_logits(CLI::App& app, Comm& world);    // pipeline parallel under mpirun
void add_generate(CLI::App& app, Comm& world);  // pipeline parallel under mpirun
void add_tokenize(CLI::App& app);
void add_detokenize(CLI::App& app);
void add_bench(CLI::App& app, Comm& world);  // pipeline parallel under mpirun
void add_tokenizer(CLI::App& app);
void add_template(CLI::App& app);
void add_parse(CLI::App& app);
void add_chat(CLI::App& app, Comm& world);  // pipeline parallel under mpirun
void add_convert(CLI::App& app);
void add_data(CLI::App& app);
void add_plot(CLI::App& app);
void add_training(CLI::App& app, Comm& world);  // pretrain, sft
void add_task(CLI::App& app);                   // task list, generate, check
void add_grpo(CLI::App& app, Comm& world);      // grpo
void add_eval(CLI::App& app, Comm& world);      // eval
void add_reject(CLI::App& app, Comm& world);    // reject
void add_distill(CLI::App& app, Comm& world);   // distill
void add_report(CLI::App& app);                 // report
void add_serve(CLI::App& app, Comm& world);    // pipeline parallel under mpirun

}  // namespace r1::cli
