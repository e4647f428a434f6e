// Kernel set-up shared by every hw/ entry point (hw/api/kernel.cpp).
#ifndef TESS_KERNEL_SETUP_H
#define TESS_KERNEL_SETUP_H

#include <cstddef>

namespace tess::hw
{
// Sets the picosecond time resolution and silences the banner; call before any
// module or sc_time is built in this process.
void prepare_kernel();

// An entry point's answer to std::bad_alloc: the simulation ran out of the memory its
// child may use (src/driver/runner.h). Fills msg; returns TESS_ENOMEM.
int out_of_memory(char *msg, size_t msglen);
} // namespace tess::hw

#endif
