/* The child's wire format: see wire.h. */
#include "driver/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC 0x49575354u /* "TSWI" in a little-endian dump */

typedef struct header {
    uint32_t magic, version;
    uint32_t size_iteration, size_die, size_link, size_memory, size_span;
    uint64_t n_dies, n_links, n_memories, n_spans;
} header;

static header expected(void)
{
    return (header){MAGIC,
                    TESS_WIRE_VERSION,
                    sizeof(tess_iteration_result),
                    sizeof(tess_die_stat),
                    sizeof(tess_noc_link_use),
                    sizeof(tess_memory_stat),
                    sizeof(tess_span),
                    0,
                    0,
                    0,
                    0};
}

void *tess_wire_pack(const tess_wire_iteration *w, size_t *len)
{
    header h = expected();
    h.n_dies = w->n_dies;
    h.n_links = w->n_links;
    h.n_memories = w->n_memories;
    h.n_spans = w->n_spans;
    const size_t dies = w->n_dies * sizeof *w->dies, links = w->n_links * sizeof *w->links,
                 memories = w->n_memories * sizeof *w->memories,
                 spans = w->n_spans * sizeof *w->spans;
    *len = sizeof h + sizeof w->it + dies + links + memories + spans;
    char *b = malloc(*len), *at = b;
    if (!b) return NULL;
    memcpy(at, &h, sizeof h);
    at += sizeof h;
    memcpy(at, &w->it, sizeof w->it);
    at += sizeof w->it;
    if (dies) memcpy(at, w->dies, dies);
    at += dies;
    if (links) memcpy(at, w->links, links);
    at += links;
    if (memories) memcpy(at, w->memories, memories);
    at += memories;
    if (spans) memcpy(at, w->spans, spans);
    return b;
}

/* n elements of `size` bytes from *at, malloc'd into *out (one byte at least). */
static int take(const char **at, uint64_t n, size_t size, void **out)
{
    *out = malloc(n * size + 1);
    if (!*out) return -1;
    if (n) memcpy(*out, *at, n * size);
    *at += n * size;
    return 0;
}

int tess_wire_unpack(const void *blob, size_t len, uint64_t expect_dies, tess_wire_iteration *w,
                     char *msg, size_t msglen)
{
    memset(w, 0, sizeof *w);
    header h, want = expected();
    if (!blob || len < sizeof h) {
        snprintf(msg, msglen, "the simulation child's reply is %zu bytes, shorter than its header",
                 len);
        return -1;
    }
    memcpy(&h, blob, sizeof h);
    if (h.magic != want.magic || h.version != want.version ||
        h.size_iteration != want.size_iteration || h.size_die != want.size_die ||
        h.size_link != want.size_link || h.size_memory != want.size_memory ||
        h.size_span != want.size_span) {
        snprintf(msg, msglen,
                 "the simulation child's reply is not wire format version %u of this build",
                 TESS_WIRE_VERSION);
        return -1;
    }
    if (h.n_dies != expect_dies) {
        snprintf(msg, msglen, "the simulation child reported %llu dies, %llu were simulated",
                 (unsigned long long)h.n_dies, (unsigned long long)expect_dies);
        return -1;
    }
    /* counts bounded by the length before any product is formed */
    const size_t body = len - sizeof h;
    if (h.n_dies > body / sizeof(tess_die_stat) || h.n_links > body / sizeof(tess_noc_link_use) ||
        h.n_memories > body / sizeof(tess_memory_stat) || h.n_spans > body / sizeof(tess_span) ||
        body != sizeof w->it + h.n_dies * sizeof(tess_die_stat) +
                    h.n_links * sizeof(tess_noc_link_use) +
                    h.n_memories * sizeof(tess_memory_stat) + h.n_spans * sizeof(tess_span)) {
        snprintf(msg, msglen,
                 "the simulation child's reply is %zu bytes, not what its header counts", len);
        return -1;
    }
    const char *at = (const char *)blob + sizeof h;
    memcpy(&w->it, at, sizeof w->it);
    at += sizeof w->it;
    void *dies = NULL, *links = NULL, *memories = NULL, *spans = NULL;
    if (take(&at, h.n_dies, sizeof(tess_die_stat), &dies) != 0 ||
        take(&at, h.n_links, sizeof(tess_noc_link_use), &links) != 0 ||
        take(&at, h.n_memories, sizeof(tess_memory_stat), &memories) != 0 ||
        take(&at, h.n_spans, sizeof(tess_span), &spans) != 0) {
        w->dies = dies;
        w->links = links;
        w->memories = memories;
        tess_wire_free(w);
        snprintf(msg, msglen, "out of memory reading the simulation child's reply");
        return -1;
    }
    w->dies = dies;
    w->links = links;
    w->memories = memories;
    w->spans = spans;
    w->n_dies = h.n_dies;
    w->n_links = h.n_links;
    w->n_memories = h.n_memories;
    w->n_spans = h.n_spans;
    return 0;
}

void tess_wire_free(tess_wire_iteration *w)
{
    free(w->dies);
    free(w->links);
    free(w->memories);
    free(w->spans);
    w->dies = NULL;
    w->links = NULL;
    w->memories = NULL;
    w->spans = NULL;
    w->n_dies = w->n_links = w->n_memories = w->n_spans = 0;
}
