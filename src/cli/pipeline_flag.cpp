// The --pipeline-layers flag (parsed and checked by infer/pipeline_plan).
#include "cli/pipeline_flag.h"

namespace r1::cli {

void add_pipeline_flag(CLI::App* cmd, std::string& layer_counts) {
  cmd->add_option("--pipeline-layers", layer_counts,
                  "under mpirun: decoder layers per rank, e.g. 10,14 (default: balanced by "
                  "bytes; rank 0 also holds the embedding and head)");
}

}  // namespace r1::cli
