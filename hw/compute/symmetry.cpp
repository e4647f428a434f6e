// Symmetry of data-parallel replicas: see symmetry.h.
#include "compute/symmetry.h"

#include <cstring>

namespace tess::hw
{

namespace
{

uint64_t mix(uint64_t h, uint64_t v)
{
    uint64_t x = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)); // splitmix64 finaliser
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

uint32_t class_peer(const tess_schedule *s, int cls, uint32_t r)
{
    if (cls <= TESS_AXIS_PIPELINE) return tess_ring_next(s, static_cast<tess_coll_axis>(cls), r);
    return tess_pipeline_prev(s, r);
}

std::vector<bool> used_classes(const tess_schedule *s)
{
    std::vector<bool> used(TESS_AXES + 1, false);
    for (uint32_t i = 0; i < s->n_colls; i++)
        used[s->colls[i].axis] = used[s->colls[i].axis] || s->colls[i].group > 1;
    used[TESS_AXIS_PIPELINE] = used[TESS_AXES] = s->pp > 1;
    return used;
}

Symmetry build_symmetry(const tess_platform *p, const tess_schedule *s, const noc::Topology &topo,
                        const RankMap &map, const double *dma_bandwidth)
{
    Symmetry sy;
    const uint32_t R = s->tp * s->pp, n = s->dies;
    const std::vector<bool> used = used_classes(s);
    const auto &ch = topo.channels();
    auto path_of = [&](uint32_t a, uint32_t b) {
        return topo.path(map.endpoint[a], map.endpoint[b]);
    };
    // each replica's signature: its dies' types and DMA rates, and the types along every
    // route its ranks send on and receive on (a ring step waits for the incoming message).
    // out[class x n + r]: the types along r's route in that class (each route hashed once);
    // from[class x n + r]: who sends to r in that class (r itself for no one)
    std::vector<uint64_t> out(size_t(Mirrors::kClasses) * n, 0);
    std::vector<uint32_t> from(size_t(Mirrors::kClasses) * n);
    for (int cls = 0; cls < Mirrors::kClasses; cls++) {
        for (uint32_t r = 0; r < n; r++)
            from[size_t(cls) * n + r] = r;
        for (uint32_t r = 0; used[cls] && r < n; r++) {
            const uint32_t to = class_peer(s, cls, r);
            if (to == r) continue;
            from[size_t(cls) * n + to] = r;
            uint64_t h = 1;
            for (uint32_t c : path_of(r, to)) {
                h = mix(h, p->links[ch[c].link].type);
                h = mix(h,
                        ch[c].to_router >= 0
                            ? 1 + p->instances[topo.routers()[static_cast<size_t>(ch[c].to_router)]
                                                   .instance]
                                      .type
                            : 0);
            }
            out[size_t(cls) * n + r] = h;
        }
    }
    std::vector<uint64_t> sig(s->dp, 0);
    for (uint32_t d = 0; d < s->dp; d++) {
        for (uint32_t r0 = 0; r0 < R; r0++) {
            uint64_t bits;
            std::memcpy(&bits, &dma_bandwidth[r0 + R * d], sizeof bits);
            sig[d] = mix(mix(sig[d], p->instances[s->die_of_rank[r0 + R * d]].type), bits);
        }
        for (int cls = 0; cls < Mirrors::kClasses; cls++)
            for (uint32_t r0 = 0; used[cls] && r0 < R; r0++) {
                const size_t g = size_t(cls) * n + r0 + R * d;
                sig[d] = mix(mix(sig[d], out[g]), out[size_t(cls) * n + from[g]]); // out, then in
            }
    }
    std::vector<uint32_t> rep_replica(s->dp);
    for (uint32_t d = 0; d < s->dp; d++) {
        rep_replica[d] = d;
        for (uint32_t e = 0; e < d; e++)
            if (rep_replica[e] == e && sig[e] == sig[d]) {
                rep_replica[d] = e;
                break;
            }
        sy.simulated_replicas += rep_replica[d] == d;
    }
    sy.rep.resize(n);
    sy.weight.assign(n, 0);
    for (uint32_t r = 0; r < n; r++) {
        sy.rep[r] = r % R + R * rep_replica[r / R];
        sy.weight[sy.rep[r]] += 1;
    }
    auto real = [&](uint32_t r) { return sy.rep[r] == r; };

    Mirrors &m = sy.mirrors;
    m.ranks = n;
    m.copies.resize(size_t(Mirrors::kClasses) * n);
    m.skipped_joules_per_byte.assign(size_t(Mirrors::kClasses) * n, 0);
    m.skipped.assign(size_t(Mirrors::kClasses) * n, 0);
    std::vector<bool> real_channel(ch.size(), false);
    for (int cls = 0; cls < Mirrors::kClasses;
         cls++) // the simulated ranks' own, and copies into them
        for (uint32_t r = 0; used[cls] && r < n; r++) {
            const uint32_t to = class_peer(s, cls, r);
            if (to != r && (real(r) || real(to)))
                for (uint32_t c : path_of(r, to))
                    real_channel[c] = true;
        }
    for (int cls = 0; cls < Mirrors::kClasses; cls++)
        for (uint32_t g = 0; used[cls] && g < n; g++) {
            const uint32_t to = class_peer(s, cls, g);
            if (real(g) || to == g) continue;
            const std::vector<uint32_t> path = path_of(g, to);
            bool shares = real(to);
            for (size_t k = 0; !shares && k < path.size(); k++)
                shares = real_channel[path[k]];
            const size_t at = size_t(cls) * n + sy.rep[g]; // the simulated rank sends it
            if (shares) {
                m.copies[at].push_back({map.endpoint[g], map.endpoint[to]});
            } else {
                m.skipped[at]++;
                m.skipped_joules_per_byte[at] += topo.path_energy_per_byte(path);
            }
        }
    return sy;
}

} // namespace tess::hw
