// Switch allocators: see allocator.h.
#include "noc/allocator.h"

#include <algorithm>

namespace tess::noc
{

void allocate_input_first(const SwitchRequests &req, uint32_t vcs, const uint32_t *in_ptr,
                          uint32_t *out_ptr, int32_t *grant, int32_t *pick)
{
    const uint32_t I = req.inputs, O = req.outputs;
    for (uint32_t q = 0; q < I; q++) { // each input's arbiter: the VC nearest its pointer
        pick[q] = -1;
        uint32_t best = 0;
        for (uint32_t o = 0; o < O; o++) {
            const int32_t v = req.vc[q * O + o];
            if (v < 0) continue;
            const uint32_t d = (static_cast<uint32_t>(v) + vcs - in_ptr[q] % vcs) % vcs;
            if (pick[q] < 0 || d < best) {
                pick[q] = static_cast<int32_t>(o);
                best = d;
            }
        }
    }
    for (uint32_t o = 0; o < O; o++) { // each output's arbiter: the picker nearest its pointer
        grant[o] = -1;
        for (uint32_t k = 0; k < I; k++) {
            const uint32_t q = (out_ptr[o] + k) % I;
            if (pick[q] != static_cast<int32_t>(o)) continue;
            grant[o] = static_cast<int32_t>(q);
            out_ptr[o] = (q + 1) % I;
            break;
        }
    }
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
