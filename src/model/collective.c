/* The collective plan: see collective.h. */
#include "model/collective.h"

const char *tess_coll_name(tess_coll c)
{
    return c == TESS_ALL_REDUCE       ? "all-reduce"
           : c == TESS_REDUCE_SCATTER ? "reduce-scatter"
           : c == TESS_ALL_GATHER     ? "all-gather"
           : c == TESS_ALL_TO_ALL     ? "all-to-all"
                                      : "send-receive";
}

uint64_t tess_ring_steps(tess_coll c, uint32_t n)
{
    if (n < 2) return 0;
    return c == TESS_ALL_REDUCE ? 2ull * (n - 1) : c == TESS_SEND_RECV ? 1 : (uint64_t)(n - 1);
}

uint64_t tess_ring_message_bytes(tess_coll c, uint64_t bytes, uint32_t n)
{
    const uint64_t share = n && c != TESS_SEND_RECV ? bytes / n : bytes;
    return share > 0 ? share : 1;
}

void tess_collective_cost(tess_coll c, tess_coll_algo a, uint32_t n, uint32_t rows, uint64_t bytes,
                          uint64_t *messages, uint64_t *bytes_sent)
{
    *messages = 0;
    *bytes_sent = 0;
    if (n <= 1) return;
    if (a == TESS_ALGO_2D && rows > 1 && n % rows == 0 && n / rows > 1) {
        /* reduce-scatter along a row (cols dies), all-reduce the 1/cols share along a
         * column (rows dies), all-gather along the row */
        const uint64_t cols = n / rows;
        uint64_t m1, b1, m2, b2;
        if (c == TESS_ALL_REDUCE) {
            tess_collective_cost(TESS_REDUCE_SCATTER, TESS_ALGO_RING, (uint32_t)cols, 1, bytes, &m1,
                                 &b1);
            tess_collective_cost(TESS_ALL_REDUCE, TESS_ALGO_RING, rows, 1, bytes / cols, &m2, &b2);
            *messages = 2 * m1 + m2;
            *bytes_sent = 2 * b1 + b2;
            return;
        }
        /* reduce-scatter / all-gather: along rows, then columns on the 1/cols share */
        tess_collective_cost(c, TESS_ALGO_RING, (uint32_t)cols, 1, bytes, &m1, &b1);
        tess_collective_cost(c, TESS_ALGO_RING, rows, 1, bytes / cols, &m2, &b2);
        *messages = m1 + m2;
        *bytes_sent = b1 + b2;
        return;
    }
    *messages = tess_ring_steps(c, n);
    *bytes_sent = *messages * tess_ring_message_bytes(c, bytes, n);
}

double tess_pipeline_time(const double *sync_s, const double *data_s, const int *ring,
                          uint32_t phases, uint32_t chunks)
{
    const double k = chunks ? (double)chunks : 1;
    double fill = 0, tick = 0;
    for (uint32_t p = 0; p < phases; p++) {
        fill += sync_s[p] + data_s[p] / k;
        double shared = 0; /* this phase's ring: every phase on it, counted at its first */
        int first = 1;
        for (uint32_t q = 0; q < phases; q++)
            if (ring[q] == ring[p]) {
                first &= q >= p;
                shared += sync_s[q] + data_s[q] / k;
            }
        if (first && shared > tick) tick = shared;
    }
    return fill + (k - 1) * tick;
}

uint32_t tess_pipeline_chunks(const double *sync_s, const double *data_s, const int *ring,
                              uint32_t phases)
{
    uint32_t best = 1;
    double best_t = tess_pipeline_time(sync_s, data_s, ring, phases, 1);
    for (uint32_t k = 2; k <= TESS_PIPELINE_MAX_CHUNKS; k++) {
        const double t = tess_pipeline_time(sync_s, data_s, ring, phases, k);
        if (t < best_t * (1 - 1e-12)) {
            best = k;
            best_t = t;
        }
    }
    return best;
}
