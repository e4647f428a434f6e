// Destination patterns and packet sizes of synthetic traffic: see traffic_pattern.h.
#include "noc/traffic_pattern.h"

#include <stdexcept>
#include <string>

namespace tess::noc
{

namespace
{
uint32_t address_bits(const char *name, uint32_t rows, uint32_t cols)
{
    const uint64_t n = static_cast<uint64_t>(rows) * cols;
    if (n < 2 || (n & (n - 1)) != 0)
        throw std::invalid_argument(std::string("traffic '") + name + "' needs a power-of-two " +
                                    "number of grid positions, and this grid has " +
                                    std::to_string(rows) + " x " + std::to_string(cols));
    uint32_t b = 0;
    while ((1ull << b) < n)
        b++;
    return b;
}
} // namespace

bool is_permutation(tess_traffic t)
{
    return t != TESS_TRAFFIC_UNIFORM && t != TESS_TRAFFIC_HOTSPOT;
}

std::vector<uint32_t> permutation_map(tess_traffic t, uint32_t rows, uint32_t cols)
{
    const uint32_t n = rows * cols;
    std::vector<uint32_t> dst(n);
    uint32_t b = 0;
    if (t == TESS_TRAFFIC_BITREV) b = address_bits("bitrev", rows, cols);
    if (t == TESS_TRAFFIC_SHUFFLE) b = address_bits("shuffle", rows, cols);
    if (t == TESS_TRAFFIC_TRANSPOSE && rows != cols)
        throw std::invalid_argument("traffic 'transpose' needs a square grid, and this one is " +
                                    std::to_string(rows) + " x " + std::to_string(cols));
    for (uint32_t s = 0; s < n; s++) {
        const uint32_t r = s / cols, c = s % cols;
        uint32_t tr = r, tc = c, d = s;
        switch (t) {
        case TESS_TRAFFIC_TRANSPOSE:
            tr = c;
            tc = r;
            break;
        case TESS_TRAFFIC_BITCOMP:
            tr = rows - 1 - r;
            tc = cols - 1 - c;
            break;
        case TESS_TRAFFIC_TORNADO:
            tr = (r + (rows + 1) / 2 - 1) % rows;
            tc = (c + (cols + 1) / 2 - 1) % cols;
            break;
        case TESS_TRAFFIC_NEIGHBOR:
            tr = (r + 1) % rows;
            tc = (c + 1) % cols;
            break;
        case TESS_TRAFFIC_BITREV:
            d = 0;
            for (uint32_t i = 0; i < b; i++)
                if (s & (1u << i)) d |= 1u << (b - 1 - i);
            break;
        case TESS_TRAFFIC_SHUFFLE:
            d = ((s << 1) | (s >> (b - 1))) & (n - 1);
            break;
        default:
            throw std::invalid_argument("traffic pattern is not a permutation");
        }
        dst[s] = (t == TESS_TRAFFIC_BITREV || t == TESS_TRAFFIC_SHUFFLE) ? d : tr * cols + tc;
    }
    return dst;
}

Hotspots hotspots_of(const tess_noc_options &o, uint32_t rows, uint32_t cols)
{
    Hotspots h;
    if (o.n_hotspots > TESS_NOC_MAX_HOTSPOTS)
        throw std::invalid_argument("more than " + std::to_string(TESS_NOC_MAX_HOTSPOTS) +
                                    " hotspot dies");
    if (o.n_hotspots == 0) { // the grid's centre
        h.nodes.push_back((rows / 2) * cols + cols / 2);
        h.cumulative.push_back(o.hotspot_fraction);
    }
    bool given = false;
    for (uint32_t i = 0; i < o.n_hotspots; i++)
        given = given || o.hotspot_fractions[i] != 0;
    double sum = 0;
    for (uint32_t i = 0; i < o.n_hotspots; i++) {
        const uint32_t node = o.hotspot_nodes[i];
        const double f = given ? o.hotspot_fractions[i] : o.hotspot_fraction / o.n_hotspots;
        if (node >= rows * cols)
            throw std::invalid_argument("hotspot node " + std::to_string(node) +
                                        " is outside the " + std::to_string(rows) + " x " +
                                        std::to_string(cols) + " grid (nodes 0 to " +
                                        std::to_string(rows * cols - 1) + ")");
        for (uint32_t k : h.nodes)
            if (k == node)
                throw std::invalid_argument("hotspot node " + std::to_string(node) +
                                            " is listed twice");
        if (!(f >= 0 && f <= 1))
            throw std::invalid_argument("hotspot node " + std::to_string(node) + ": fraction " +
                                        std::to_string(f) + " is outside [0, 1]");
        sum += f;
        h.nodes.push_back(node);
        h.cumulative.push_back(sum);
    }
    if (!(o.hotspot_fraction >= 0 && o.hotspot_fraction <= 1))
        throw std::invalid_argument("hotspot fraction " + std::to_string(o.hotspot_fraction) +
                                    " is outside [0, 1]");
    if (h.cumulative.back() > 1 + 1e-9)
        throw std::invalid_argument("hotspot fractions sum to " +
                                    std::to_string(h.cumulative.back()) + ", more than 1");
    return h;
}

size_t pick(const std::vector<double> &cumulative, double u)
{
    size_t i = 0;
    while (i < cumulative.size() && !(u < cumulative[i]))
        i++;
    return i;
}

PacketSizes packet_sizes_of(const tess_noc_options &o)
{
    PacketSizes s;
    if (o.n_packet_sizes > TESS_NOC_MAX_PACKET_SIZES)
        throw std::invalid_argument("more than " + std::to_string(TESS_NOC_MAX_PACKET_SIZES) +
                                    " packet sizes");
    if (o.n_packet_sizes == 0) {
        s.flits.push_back(o.packet_flits);
        s.cumulative.push_back(1);
        s.mean = o.packet_flits;
        return s;
    }
    double total = 0, flits = 0;
    for (uint32_t i = 0; i < o.n_packet_sizes; i++) {
        if (o.packet_sizes[i] < 1 || !(o.packet_size_weights[i] >= 0))
            throw std::invalid_argument("packet size " + std::to_string(i + 1) +
                                        ": a size of at least 1 flit and a weight >= 0 needed");
        total += o.packet_size_weights[i];
    }
    // every weight 0: the sizes equally likely (as hotspot fractions all 0 split evenly)
    const bool even = total == 0;
    if (even) total = o.n_packet_sizes;
    double run = 0;
    for (uint32_t i = 0; i < o.n_packet_sizes; i++) {
        const double w = even ? 1.0 : o.packet_size_weights[i];
        run += w / total;
        flits += o.packet_sizes[i] * w / total;
        s.flits.push_back(o.packet_sizes[i]);
        s.cumulative.push_back(i + 1 == o.n_packet_sizes ? 1.0 : run);
    }
    s.mean = flits;
    return s;
}

} // namespace tess::noc
