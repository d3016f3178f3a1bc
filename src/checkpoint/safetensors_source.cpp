// The safetensors source's messages: the shard file that holds a tensor.
#include "checkpoint/safetensors_source.h"

namespace r1 {

std::string SafetensorsSource::where(const std::string& name) const {
  return (store_.has(name) ? store_.file_of(name) : store_.dir()) + ": tensor '" + name + "'";
}

}  // namespace r1
