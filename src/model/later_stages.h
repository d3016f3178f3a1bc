// The decoder layers that a pipeline's later stages hold (other processes; infer/pipeline.h
// connects them): rank 0's model runs its own layers, hands the hidden states on and gets them
// back after the last layer, and its KV caches are mirrored there.
#pragma once

#include <cstdint>

#include "model/batch.h"
#include "model/kv_cache.h"

namespace r1 {

class LaterStages : public CacheMirror {
 public:
  // The first layer they hold; they hold every layer from it to the last.
  virtual int64_t first_layer() const = 0;
  // How many stages (processes) hold them.
  virtual int stage_count() const = 0;
  // x [N, D]: the hidden states after layer first_layer() - 1, replaced by those after the last
  // layer. The spans' caches (each with an id from new_cache_id) advance there as here.
  virtual void forward(float* x, int64_t N, const SeqSpans& spans) = 0;
  // forward in two halves, so that several passes are in flight (each stage busy with one):
  // send hands x on and returns at once (x must stay unchanged until its receive); receive
  // writes the result of the OLDEST pass sent and not yet received into x [N, D], its buffer.
  // One thread drives them.
  virtual void send(const float* x, int64_t N, const SeqSpans& spans) = 0;
  virtual void receive(float* x, int64_t N) = 0;
  // The id of a new cache; its part there is made when a forward pass or a fork first uses it.
  virtual int64_t new_cache_id() = 0;
};

}  // namespace r1
