/* The one C-callable entry into hw/ (C++17, SystemC). C code includes this header and
 * never a SystemC header. Functions here elaborate and run a SystemC kernel, which
 * can happen once per process: call them in a child made by the runner (src/runner.h).
 * Nothing but a status crosses this boundary; C++ exceptions are caught inside.
 */
#ifndef TESS_HW_H
#define TESS_HW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SystemC version string, from the headers hw/ was compiled against. */
const char *tess_hw_systemc_version(void);

/* Result of the kernel probe. */
typedef struct tess_hw_probe_result {
    uint64_t end_ps;      /* simulated time when the last tick fired, picoseconds */
    uint64_t ticks;       /* ticks the module counted */
    uint64_t period_ps;   /* clock period on the picosecond time base */
} tess_hw_probe_result;

/* Elaborates a one-module design that ticks `cycles` times at clock_hz (one timed
 * event per tick, nothing polled), runs it to completion and reports the end time.
 * Checks that the kernel, the picosecond time base and process isolation work.
 * Returns 0, or a negative TESS_E* status with a reason in msg. */
int tess_hw_clock_probe(double clock_hz, uint64_t cycles, tess_hw_probe_result *out, char *msg,
                        size_t msglen);

#ifdef __cplusplus
}
#endif

#endif
