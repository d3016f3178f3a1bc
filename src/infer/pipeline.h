// Pipeline-parallel inference across the ranks of `mpirun`: each rank maps only its decoder
// layers, rank 0 also the embedding, final norm, head and MTP layers, and per pass only the
// hidden states [tokens, D] cross a stage boundary (to the next rank, and from the last back to
// rank 0). Sampling, sessions and everything else of infer/ run on rank 0 over its Model as in
// one process.
#pragma once

#include <memory>
#include <string>

#include "checkpoint/model_dir.h"
#include "comm/comm.h"
#include "model/model.h"

namespace r1 {

// The model a command runs on `world`. One rank: dir.load_model(), exactly as without MPI.
// Several: the layers split by plan_pipeline (layer_counts: the --pipeline-layers flag, empty =
// balanced by bytes), after every rank checked that all opened the same model and the same
// split (CommError naming the rank that differs); each rank states its part on stderr in one
// line and maps only its tensors. Rank 0 returns its model, whose forward passes run the later
// layers on the other ranks; ranks 1.. serve their layers until rank 0's model is gone, then
// return nullptr (the command's part on them is done).
std::unique_ptr<Model> load_inference_model(const ModelDir& dir, Comm& world,
                                            const std::string& layer_counts);

// What ranks compare to know they opened the same model: the config, RoPE factors and every
// tensor's name, dtype and shape (no tensor data is read).
std::string model_fingerprint(const ModelDir& dir);

}  // namespace r1
