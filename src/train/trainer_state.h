// The trainer's resumable state (trainer_state.json in a checkpoint): step, data order, learning
// rate schedule, optimizer hyper-parameters, the matmul compute type and the command's flags.
#pragma once

#include <cstdint>
#include <string>

#include "io/json_file.h"
#include "kernels/cpu/matmul.h"
#include "train/adamw.h"
#include "train/batch_order.h"
#include "train/lr_schedule.h"

namespace r1 {

// trainer_state.json. The data position is the global row count (batch_order.h): both orders
// are pure functions of (seed, row), so step, the BatchSpec and the seed are the whole state of
// the data stream and of the "random number generator".
struct TrainerState {
  int64_t step = 0;  // optimizer steps completed (the next step to run)
  BatchSpec data;    // batch, seq_len, grad_accum, order, seed
  LrSchedule schedule;
  AdamWConfig adamw;
  double clip = 1.0;            // max gradient norm (0: off)
  ComputeType compute = ComputeType::F32;  // the dense matmuls' operand type (--compute)
  Json flags = Json::object();  // the command's other flags, echoed back on --resume
  int64_t rows_consumed() const { return step * data.grad_accum * data.batch; }
};

Json trainer_state_to_json(const TrainerState& s);
// ConfigError "<source>: field 'x': ..." for a missing or mistyped field.
TrainerState trainer_state_from_json(const Json& j, const std::string& source);

}  // namespace r1
