// Switch allocators: see allocator.h.
#include "noc/allocator.h"

#include <algorithm>

namespace tess::noc
{

namespace
{
// round-robin distance of x from ptr, both below n
inline uint32_t ahead(uint32_t x, uint32_t ptr, uint32_t n)
{
    return x >= ptr ? x - ptr : x + n - ptr;
}
} // namespace

void allocate_input_first(const SwitchRequests &req, uint32_t vcs, const uint32_t *in_ptr,
                          uint32_t *out_ptr, int32_t *grant, int32_t *pick)
{
    const uint32_t I = req.inputs, O = req.outputs;
    for (uint32_t o = 0; o < O; o++)
        grant[o] = -1;
    // each input's arbiter picks the request whose VC is nearest its pointer; each
    // output's arbiter then grants, of the inputs that picked it, the one nearest its own
    // (pick[o] holds that input's distance)
    for (uint32_t q = 0; q < I; q++) {
        const int32_t *row = req.vc + static_cast<size_t>(q) * O;
        int32_t best_o = -1;
        uint32_t best = 0;
        for (uint32_t o = 0; o < O; o++) {
            if (row[o] < 0) continue;
            const uint32_t d = ahead(static_cast<uint32_t>(row[o]), in_ptr[q], vcs);
            if (best_o < 0 || d < best) {
                best_o = static_cast<int32_t>(o);
                best = d;
            }
        }
        if (best_o < 0) continue;
        const uint32_t o = static_cast<uint32_t>(best_o);
        const int32_t d = static_cast<int32_t>(ahead(q, out_ptr[o], I));
        if (grant[o] < 0 || d < pick[o]) {
            grant[o] = static_cast<int32_t>(q);
            pick[o] = d;
        }
    }
    for (uint32_t o = 0; o < O; o++)
        if (grant[o] >= 0)
            out_ptr[o] =
                static_cast<uint32_t>(grant[o]) + 1 == I ? 0 : static_cast<uint32_t>(grant[o]) + 1;
}

void allocate_islip(const SwitchRequests &req, uint32_t iterations, uint32_t *grant_ptr,
                    uint32_t *accept_ptr, int32_t *grant, char *matched, int32_t *offer)
{
    const uint32_t I = req.inputs, O = req.outputs;
    for (uint32_t o = 0; o < O; o++)
        grant[o] = -1;
    std::fill(matched, matched + I, 0);
    for (uint32_t it = 0; it < iterations; it++) {
        bool any = false;
        for (uint32_t o = 0; o < O; o++) { // grant
            offer[o] = -1;
            if (grant[o] >= 0) continue;
            for (uint32_t k = 0; k < I; k++) {
                const uint32_t q = (grant_ptr[o] + k) % I;
                if (!matched[q] && req.vc[q * O + o] >= 0) {
                    offer[o] = static_cast<int32_t>(q);
                    any = true;
                    break;
                }
            }
        }
        if (!any) break;
        for (uint32_t q = 0; q < I; q++) { // accept
            if (matched[q]) continue;
            for (uint32_t k = 0; k < O; k++) {
                const uint32_t o = (accept_ptr[q] + k) % O;
                if (offer[o] != static_cast<int32_t>(q)) continue;
                grant[o] = static_cast<int32_t>(q);
                matched[q] = 1;
                if (it == 0) {
                    grant_ptr[o] = (q + 1) % I;
                    accept_ptr[q] = (o + 1) % O;
                }
                break;
            }
        }
    }
}

void allocate_wavefront(const SwitchRequests &req, uint32_t *diagonal, int32_t *grant,
                        char *matched)
{
    const uint32_t I = req.inputs, O = req.outputs, N = std::max(I, O);
    for (uint32_t o = 0; o < O; o++)
        grant[o] = -1;
    std::fill(matched, matched + I, 0);
    const uint32_t first = *diagonal % N;
    *diagonal = (first + 1) % N;
    for (uint32_t d = 0; d < N; d++) {
        const uint32_t diag = (first + d) % N; // cells (q, o) with (q + o) mod N == diag
        for (uint32_t q = 0; q < I; q++) {
            const uint32_t o = (diag + N - q) % N;
            if (o >= O || matched[q] || grant[o] >= 0 || req.vc[q * O + o] < 0) continue;
            grant[o] = static_cast<int32_t>(q);
            matched[q] = 1;
        }
    }
}

} // namespace tess::noc
