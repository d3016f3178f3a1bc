// open_world: MPI under mpirun, a world of one otherwise; helpers over any Comm.
#include "comm/comm.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "comm/local_comm.h"
#include "comm/mpi_comm.h"
#include "core/hash.h"

namespace r1 {

std::string Comm::name_of(int r) const {
  return "rank " + std::to_string(r) + "/" + std::to_string(size()) + " on " + host_of(r);
}

double comm_timeout_from_env() {
  const char* v = std::getenv("R1_COMM_TIMEOUT");
  if (!v || !*v) return 600.0;
  char* end = nullptr;
  const double s = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(s > 0.0))
    throw UsageError("R1_COMM_TIMEOUT '" + std::string(v) +
                     "' is not a positive number of seconds");
  return s;
}

namespace {

// FNV-1a of this process's executable, read back from /proc/self/exe.
std::string program_fingerprint() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::to_string(bytes.size()) + " bytes, fnv1a " +
         std::to_string(fnv1a_words(bytes.data(), bytes.size()));
}

}  // namespace

std::unique_ptr<Comm> open_world(double timeout_s) {
  if (!std::getenv("OMPI_COMM_WORLD_SIZE")) return std::make_unique<LocalComm>();
  std::unique_ptr<Comm> world = open_mpi_world(timeout_s);
  check_ranks_agree(*world, "r1 binary", program_fingerprint());
  return world;
}

RankShare share_of(int64_t n, const Comm& comm) {
  return {n * comm.rank() / comm.size(), n * (comm.rank() + 1) / comm.size()};
}

void check_ranks_agree(Comm& comm, const std::string& what, const std::string& value) {
  const std::vector<std::string> all = comm.all_gather(value);
  for (int r = 1; r < comm.size(); ++r)
    if (all[size_t(r)] != all[0])
      throw CommError(comm.name_of(r) + " has a different " + what + " than " + comm.name_of(0) +
                      " (" + all[size_t(r)] + " vs " + all[0] + ")");
}

void broadcast_string(Comm& comm, std::string& s, int root) {
  uint64_t length = s.size();
  comm.broadcast(&length, sizeof(length), root);
  s.resize(size_t(length));
  comm.broadcast(s.data(), s.size(), root);
}

}  // namespace r1
