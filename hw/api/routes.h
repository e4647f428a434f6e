/* Routes of the platform's network as a C library without SystemC (hw/noc/topology.cpp
 * behind hw/api/route_entry.cpp): the analytical model's view of the network.
 */
#ifndef TESS_HW_ROUTES_H
#define TESS_HW_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "config/platform.h"

/* The same Topology, routing and channels as a simulated network. */
typedef struct tess_hw_routes tess_hw_routes;
typedef struct tess_hw_route_info {
    double latency_s;         /* channel latencies and router pipelines, no serialisation */
    double bandwidth_bytes_s; /* the narrowest channel's, or where a link-type on the route
                                 has a transport window, at most window / (2 latency_s) */
    double energy_per_byte;   /* channels and routers crossed */
    uint32_t channels;        /* channels crossed (all of them, even past cap) */
    /* a collective's ring step along it: the lowest collective-efficiency and the longest
     * collective-step of the link-types crossed */
    double collective_efficiency, collective_step_s;
} tess_hw_route_info;
/* NULL with msg when the network cannot be built. Free with tess_hw_routes_close. */
tess_hw_routes *tess_hw_routes_open(const tess_platform *p, char *msg, size_t msglen);
void tess_hw_routes_close(tess_hw_routes *h);
uint32_t tess_hw_routes_channels(const tess_hw_routes *h);
/* The route a message takes from one die instance to another (or between a die and a
 * memory linked to a router): 0, or -1 when either is not an endpoint or no route exists.
 * channels[0..cap) gets the channel indices. One thread at a time per handle: routing
 * fills the handle's table of candidate ports (hw/noc/topology.h). */
int tess_hw_route(const tess_hw_routes *h, uint32_t from_instance, uint32_t to_instance,
                  tess_hw_route_info *out, uint32_t *channels, uint32_t cap);
double tess_hw_channel_bandwidth(const tess_hw_routes *h, uint32_t channel);

#ifdef __cplusplus
}
#endif

#endif
