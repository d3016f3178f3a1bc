// check_ranks_start_alike: FNV-1a of the config JSON and of the parameter buffer, per rank.
#include "train/data_parallel.h"

#include "checkpoint/config_json.h"
#include "core/hash.h"

namespace r1 {

void check_ranks_start_alike(Comm& comm, const ModelConfig& c, const Tensor& params) {
  if (comm.size() == 1) return;
  check_ranks_agree(comm, "model (config or parameters)",
                    "config fnv1a " + std::to_string(fnv1a(model_config_to_json(c).dump())) +
                        ", parameters fnv1a " +
                        std::to_string(fnv1a_words(params.data, params.nbytes())));
}

}  // namespace r1
