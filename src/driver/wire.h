/* The simulation child's answer, as bytes: what one iteration's child (src/driver/
 * evaluate.c) sends its parent through the runner (src/driver/runner.h).
 *
 * Layout (host byte order and struct layout: parent and child are the same binary):
 *   header   uint32 magic "TSWI", uint32 version (TESS_WIRE_VERSION), uint32 sizes of
 *            tess_iteration_result, tess_die_stat, tess_noc_link_use, tess_memory_stat
 *            and tess_span, uint64 counts of dies, links, memories and spans
 *   body     the iteration result, then the dies, the links, the memories and the spans
 * A change to any of these structs changes the sizes in the header, and a reader refuses
 * a header that is not its own; a change of layout at equal sizes bumps the version.
 */
#ifndef TESS_WIRE_H
#define TESS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "api/stats.h"

#define TESS_WIRE_VERSION 3u

/* One iteration's figures as the child has them. */
typedef struct tess_wire_iteration {
    tess_iteration_result it;
    tess_die_stat *dies;
    uint64_t n_dies;
    tess_noc_link_use *links;
    uint64_t n_links;
    tess_memory_stat *memories;
    uint64_t n_memories;
    tess_span *spans;
    uint64_t n_spans;
} tess_wire_iteration;

/* The message for w: malloc'd, *len bytes long; NULL when out of memory. */
void *tess_wire_pack(const tess_wire_iteration *w, size_t *len);

/* Reads a message into *w (its arrays malloc'd: free with tess_wire_free). expect_dies:
 * the number of dies the parent asked for. 0, or -1 with the reason in msg for a message
 * that is truncated, too long, of another version or layout, or for other dies (nothing
 * left allocated). */
int tess_wire_unpack(const void *blob, size_t len, uint64_t expect_dies, tess_wire_iteration *w,
                     char *msg, size_t msglen);

void tess_wire_free(tess_wire_iteration *w);

#endif
