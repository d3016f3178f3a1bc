// LocalComm: a run of one process.
#include "comm/local_comm.h"

#include <unistd.h>

namespace r1 {

namespace {

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

LocalComm::LocalComm() : host_(this_host()) {}

void LocalComm::send(const void*, size_t, int to, int) {
  R1_ASSERT_MSG(false, "send to rank " + std::to_string(to) + " in a world of one");
}

std::unique_ptr<SendRequest> LocalComm::isend(const void*, size_t, int to, int) {
  R1_ASSERT_MSG(false, "isend to rank " + std::to_string(to) + " in a world of one");
  return nullptr;
}

void LocalComm::recv(void*, size_t, int from, int) {
  R1_ASSERT_MSG(false, "recv from rank " + std::to_string(from) + " in a world of one");
}

}  // namespace r1
