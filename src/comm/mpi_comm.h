// The world `mpirun` launched: MPI_COMM_WORLD, every wait bounded by a timeout.
#pragma once

#include "comm/comm.h"

namespace r1 {

// Initialises MPI (MPI_THREAD_SERIALIZED: one thread at a time calls it) and finalises it when
// destroyed. Every operation is non-blocking underneath, polled (yielding the core between polls
// to ranks still computing) until it completes or, after timeout_s, a CommError.
std::unique_ptr<Comm> open_mpi_world(double timeout_s);

}  // namespace r1
