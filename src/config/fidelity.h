/* The network and memory fidelities a run may choose: one table of names each, in enum order, for
 * the CLI, the public API, report.json and hw/ (which builds one network per fidelity).
 */
#ifndef TESS_FIDELITY_H
#define TESS_FIDELITY_H

#include "tessera/tessera.h"

#ifdef __cplusplus
extern "C" {
#endif

/* flit: per-cycle router pipeline (the accuracy reference); packet: cut-through with link
 * reservations; flow: max-min fair sharing; mixed: packet inside packages, wafers and
 * nodes, flow on the links that leave them. */
typedef enum tess_noc_fidelity {
    TESS_NOC_FLIT,
    TESS_NOC_PACKET,
    TESS_NOC_FLOW,
    TESS_NOC_MIXED,
    TESS_NOC_FIDELITIES /* how many */
} tess_noc_fidelity;

/* "flit", "packet", "flow", "mixed": the names in enum order, NULL-terminated. */
extern const char *const tess_noc_fidelity_names[];

/* The fidelity named `name`: 0, or -1 (nothing written) when no fidelity has that name. */
int tess_noc_fidelity_parse(const char *name, tess_noc_fidelity *out);

/* The memory fidelities: rate: each die's DMA at a constant rate (its memories' sustained
 * bandwidth, measured once with the DRAM model; a shared memory split evenly), nothing
 * simulated between die and memory; burst: a die's loads, stores and optimizer traffic
 * travel as messages over the network to the memory that holds its data and are served
 * by that memory's controller in arrival order, at the sustained rate and first-access
 * latency the DRAM model measures for the memory (hw/mem/memory_server.h); cycle: the
 * same messages, each served by the memory's own DRAM model (JEDEC timing, banks, row
 * buffers, refresh; TLM-2.0) as a request of its bytes (hw/compute/memory_port.h): the
 * reference, for small jobs. */
typedef enum tess_mem_fidelity {
    TESS_MEM_RATE,
    TESS_MEM_BURST,
    TESS_MEM_CYCLE,
    TESS_MEM_FIDELITIES /* how many */
} tess_mem_fidelity;

/* "rate", "burst", "cycle": the names in enum order, NULL-terminated. */
extern const char *const tess_mem_fidelity_names[];

/* The network fidelity of a public-API tess_fidelity: 0, or -1 for a value that names
 * none. */
int tess_noc_fidelity_of_api(tess_fidelity f, tess_noc_fidelity *out);

/* A memory fidelity between its public-API name (tess_memory_fidelity) and its own. */
tess_mem_fidelity tess_mem_fidelity_of_api(tess_memory_fidelity f);
tess_memory_fidelity tess_mem_fidelity_api(tess_mem_fidelity f);

#ifdef __cplusplus
}
#endif

#endif
