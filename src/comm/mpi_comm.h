// The world `mpirun` launched: MPI_COMM_WORLD, every wait bounded by a timeout.
#pragma once

#include "comm/comm.h"

namespace r1 {

// Initialises MPI (MPI_THREAD_SERIALIZED: one thread at a time calls it) and finalises it when
// destroyed. Every operation is non-blocking underneath, polled with a short sleep so that a
// waiting rank leaves the cores to ranks still computing, and a CommError after timeout_s.
std::unique_ptr<Comm> open_mpi_world(double timeout_s);

}  // namespace r1
