// Kernel set-up shared by every hw/ entry point (hw/api/kernel.cpp).
#ifndef TESS_KERNEL_SETUP_H
#define TESS_KERNEL_SETUP_H

namespace tess::hw
{
// Sets the picosecond time resolution and silences the banner; call before any
// module or sc_time is built in this process.
void prepare_kernel();
} // namespace tess::hw

#endif
