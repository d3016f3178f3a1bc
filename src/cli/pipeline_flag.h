// --pipeline-layers, shared by the commands that run a model across the ranks of `mpirun`
// (generate, logits, bench, chat, serve): how many decoder layers each rank holds.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace r1::cli {

void add_pipeline_flag(CLI::App* cmd, std::string& layer_counts);

}  // namespace r1::cli
