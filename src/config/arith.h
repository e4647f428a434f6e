/* Integer arithmetic shared by every layer. */
#ifndef TESS_ARITH_H
#define TESS_ARITH_H

#include <stdint.h>

/* a / b rounded up (b > 0). */
static inline uint64_t tess_ceil_div(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

#endif
