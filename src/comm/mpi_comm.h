// The world `mpirun` launched: MPI_COMM_WORLD, every wait bounded by a timeout.
#pragma once

#include "comm/comm.h"

namespace r1 {

// Initialises MPI (MPI_THREAD_SERIALIZED: one thread at a time calls it) and finalises it when
// destroyed. Every operation blocks; one that waits longer than timeout_s ends this process with
// a message naming it (Watchdog), and mpirun then ends the other ranks.
std::unique_ptr<Comm> open_mpi_world(double timeout_s);

}  // namespace r1
