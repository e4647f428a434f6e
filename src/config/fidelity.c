/* The network and memory fidelities: see fidelity.h. */
#include "config/fidelity.h"

#include <string.h>

const char *const tess_noc_fidelity_names[] = {"flit", "packet", "flow", "mixed", NULL};
const char *const tess_mem_fidelity_names[] = {"rate", "burst", "cycle", NULL};

/* The public API's values (include/tessera/tessera.h), indexed by tess_fidelity. */
static const tess_noc_fidelity of_api[] = {
    [TESS_FIDELITY_PACKET] = TESS_NOC_PACKET,
    [TESS_FIDELITY_FLOW] = TESS_NOC_FLOW,
    [TESS_FIDELITY_FLIT] = TESS_NOC_FLIT,
    [TESS_FIDELITY_MIXED] = TESS_NOC_MIXED,
};

int tess_noc_fidelity_parse(const char *name, tess_noc_fidelity *out)
{
    for (int f = 0; name && f < TESS_NOC_FIDELITIES; f++)
        if (strcmp(name, tess_noc_fidelity_names[f]) == 0) {
            *out = (tess_noc_fidelity)f;
            return 0;
        }
    return -1;
}

tess_mem_fidelity tess_mem_fidelity_of_api(tess_memory_fidelity f)
{
    return f == TESS_MEMORY_CYCLE   ? TESS_MEM_CYCLE
           : f == TESS_MEMORY_BURST ? TESS_MEM_BURST
                                    : TESS_MEM_RATE;
}

tess_memory_fidelity tess_mem_fidelity_api(tess_mem_fidelity f)
{
    return f == TESS_MEM_CYCLE   ? TESS_MEMORY_CYCLE
           : f == TESS_MEM_BURST ? TESS_MEMORY_BURST
                                 : TESS_MEMORY_RATE;
}

int tess_noc_fidelity_of_api(tess_fidelity f, tess_noc_fidelity *out)
{
    if ((int)f < 0 || (size_t)f >= sizeof of_api / sizeof of_api[0]) return -1;
    *out = of_api[f];
    return 0;
}
