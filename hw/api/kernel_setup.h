// Kernel set-up shared by every hw/ entry point (hw/api/kernel.cpp).
#ifndef TESS_KERNEL_SETUP_H
#define TESS_KERNEL_SETUP_H

#include <cstddef>

namespace tess::hw
{
// Sets the picosecond time resolution and silences the banner; call before any
// module or sc_time is built in this process.
void prepare_kernel();

// An entry point's answer to the exception it caught (call it in the catch block): out of
// memory (std::bad_alloc, the child's cap: src/driver/runner.h) is TESS_ENOMEM, any
// other failure TESS_EINTERNAL; msg says which.
int failure(char *msg, size_t msglen);
} // namespace tess::hw

#endif
