// FNV-1a, the one hash r1 uses for fingerprints and seeds (not for security).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace r1 {

constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnv1aPrime = 0x100000001b3ull;
// The offset basis with its last decimal digit lost (1469598103934665603 for
// 14695981039346656037), which `r1 init`'s per-tensor seeds and GRPO checkpoints' problem
// fingerprints have always used: kept so that a seed gives the same model and a saved run
// still resumes.
constexpr uint64_t kFnv1aShortOffset = 1469598103934665603ull;

// Continues hash h over bytes.
inline uint64_t fnv1a(std::string_view bytes, uint64_t h = kFnv1aOffset) {
  for (unsigned char c : bytes) h = (h ^ c) * kFnv1aPrime;
  return h;
}

// The same mixing over 8-byte words (a tail shorter than 8 bytes byte by byte): eight times
// faster, for whole buffers (parameter fingerprints).
uint64_t fnv1a_words(const void* data, size_t bytes, uint64_t h = kFnv1aOffset);

}  // namespace r1
