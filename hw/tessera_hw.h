/* The one C-callable entry into hw/ (C++17, SystemC). C code includes this header and
 * never a SystemC header. Functions here elaborate and run a SystemC kernel, which
 * can happen once per process: call them in a child made by the runner (src/runner.h).
 * Nothing but a status crosses this boundary; C++ exceptions are caught inside.
 */
#ifndef TESS_HW_H
#define TESS_HW_H

#include <stddef.h>
#include <stdint.h>

#include "config/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SystemC version string, from the headers hw/ was compiled against. */
const char *tess_hw_systemc_version(void);

/* Result of the kernel probe. */
typedef struct tess_hw_probe_result {
    uint64_t end_ps;      /* simulated time when the last tick fired, picoseconds */
    uint64_t ticks;       /* ticks the module counted */
    uint64_t period_ps;   /* clock period on the picosecond time base */
} tess_hw_probe_result;

/* Elaborates a one-module design that ticks `cycles` times at clock_hz (one timed
 * event per tick, nothing polled), runs it to completion and reports the end time.
 * Checks that the kernel, the picosecond time base and process isolation work.
 * Returns 0, or a negative TESS_E* status with a reason in msg. */
int tess_hw_clock_probe(double clock_hz, uint64_t cycles, tess_hw_probe_result *out, char *msg,
                        size_t msglen);

/* ---- network-on-package runs (tessera noc) ------------------------------ */

/* mixed: packet inside packages, wafers and nodes, flow on the links that leave them */
typedef enum tess_noc_fidelity { TESS_NOC_FLIT, TESS_NOC_PACKET, TESS_NOC_FLOW, TESS_NOC_MIXED } tess_noc_fidelity;
/* "flit", "packet", "flow", "mixed": the fidelities' names in enum order, NULL-terminated. */
extern const char *const tess_noc_fidelity_names[];

typedef enum tess_traffic {
    TESS_TRAFFIC_UNIFORM,   /* destination uniformly random over all dies (self included) */
    TESS_TRAFFIC_TRANSPOSE, /* (row, col) -> (col, row) on a square grid */
    TESS_TRAFFIC_BITCOMP,   /* (row, col) -> (rows-1-row, cols-1-col) */
    TESS_TRAFFIC_HOTSPOT,   /* a fraction to one die (the grid centre), the rest uniform */
    TESS_TRAFFIC_NEIGHBOR   /* (row, col) -> (row, col+1 mod cols) */
} tess_traffic;

typedef struct tess_noc_options {
    tess_noc_fidelity fidelity;
    tess_traffic traffic;
    double rate;              /* offered load, flits per die per cycle, in (0, 1] */
    uint32_t packet_flits;    /* flits per packet */
    uint64_t warmup_cycles;   /* before measuring */
    uint64_t measure_cycles;  /* packets created in this window are measured */
    uint64_t drain_cycles;    /* after the window, the longest wait for measured packets */
    uint64_t seed;
    int request_response;     /* each delivered request is answered by a response */
    uint32_t response_slots;  /* responses a die may have in flight before refusing requests */
    int drain_all;            /* stop offering after the window; run until every packet arrived */
    int datelines;            /* 1: datelines on tori; 0: none (only to show a deadlock) */
    uint64_t deadlock_cycles; /* no flit moved this long with flits in flight: deadlock */
    double hotspot_fraction;  /* share of packets to the hotspot die */
    uint32_t max_outstanding; /* packets a die may have in flight; past it, it stops offering */
} tess_noc_options;

/* Defaults: flit fidelity off (packet), uniform, rate 0.1, 1 flit, warmup 2000, measure
 * 10000, drain 50000, seed 1, datelines on, deadlock after 20000 idle cycles. */
void tess_noc_options_default(tess_noc_options *o);

#define TESS_NOC_TOP_LINKS 10

typedef struct tess_noc_link_use {
    char name[200];     /* "from->to" instance paths */
    double utilisation; /* busy cycles / simulated cycles */
    uint32_t link;      /* the platform link the channel is a direction of */
    uint32_t from;      /* the instance it leaves */
} tess_noc_link_use;

typedef struct tess_noc_result {
    uint32_t endpoints, routers, channels;
    double clock_hz;
    double zero_load_latency_cycles; /* mean over the traffic pattern's pairs */
    double mean_latency_cycles, p99_latency_cycles, max_latency_cycles;
    double offered_flits_per_node_cycle, accepted_flits_per_node_cycle;
    uint64_t packets_measured;
    uint64_t packets_sent, packets_delivered, flits_sent, flits_delivered;
    uint64_t misrouted; /* packets that arrived at a die other than their destination */
    uint64_t duplicates; /* packets delivered more than once */
    uint64_t flit_hops; /* flits switched by routers */
    uint64_t simulated_cycles;
    uint64_t kernel_activations;
    double energy_j;
    double mean_link_utilisation, max_link_utilisation;
    uint32_t n_top_links;
    tess_noc_link_use top_links[TESS_NOC_TOP_LINKS];
    int drained;    /* every measured packet arrived */
    int throttled;  /* some die reached max_outstanding */
    int deadlocked;
    char message[1024]; /* the deadlock report, naming blocked routers */
    /* wall-clock figures: not reproducible */
    double wall_seconds, cycles_per_second, flit_hops_per_second;
    long peak_rss_kb;
} tess_noc_result;

/* Elaborates the platform's NoC at the chosen fidelity with a traffic generator on
 * every live die, runs it, and fills out. Call in a child process (src/runner.h).
 * Returns 0, or TESS_EINVAL (the platform or options cannot be simulated; msg says
 * why) or TESS_EINTERNAL. A deadlock is a result (out->deadlocked), not an error. */
int tess_hw_noc_run(const tess_platform *p, const tess_noc_options *o, tess_noc_result *out,
                    char *msg, size_t msglen);

/* ---- memory runs (tessera mem) ------------------------------------------- */

typedef enum tess_mem_pattern {
    TESS_PATTERN_STREAM,  /* sequential addresses */
    TESS_PATTERN_RANDOM,  /* uniformly random, request-aligned */
    TESS_PATTERN_STRIDED  /* i x stride */
} tess_mem_pattern;

typedef struct tess_mem_options {
    tess_mem_pattern pattern;
    double read_ratio;      /* share of reads, [0, 1]; reads and writes interleave evenly */
    uint32_t request_bytes;
    uint32_t outstanding;   /* requests in flight */
    uint64_t requests;      /* how many to complete */
    int refresh;            /* -1: the memory type's; else a tess_refresh_mode */
    int scheduler;          /* -1: the memory type's; else a tess_mem_scheduler */
    uint64_t stride_bytes;
    uint64_t seed;
} tess_mem_options;

/* Defaults: stream, reads only, 64 B, 64 outstanding, 200000 requests, seed 1, stride 4 KiB. */
void tess_mem_options_default(tess_mem_options *o);

typedef struct tess_mem_result {
    double bandwidth_bytes_per_s;      /* bytes completed / (last response - first request) */
    double peak_bandwidth_bytes_per_s; /* channels x bus width x data rate */
    double mean_latency_ns, p99_latency_ns, min_latency_ns, max_latency_ns; /* request to response */
    double mean_accepted_latency_ns; /* from acceptance into the controller's queue (END_REQ) */
    double row_hit_rate;               /* bursts that found their row open */
    uint64_t requests, reads, writes;
    uint64_t bursts_hit, bursts_empty, bursts_conflict; /* bank conflicts: a row to close first */
    uint64_t acts, pres, refreshes, refreshes_pb, refresh_stalls;
    double refresh_busy_fraction;      /* bank time spent refreshing */
    double energy_j, energy_per_bit_j, background_energy_j;
    double simulated_seconds;
    double clock_hz;
    uint32_t channels;
    uint64_t burst_bytes, row_bytes;
    /* wall-clock figures */
    double wall_seconds, requests_per_second;
    long peak_rss_kb;
} tess_mem_result;

/* Runs synthetic traffic against memory instance `instance` of the platform (through
 * its TLM-2.0 socket). Call in a child process. 0, TESS_EINVAL with msg, or
 * TESS_EINTERNAL. */
int tess_hw_mem_run(const tess_platform *p, uint32_t instance, const tess_mem_options *o,
                    tess_mem_result *out, char *msg, size_t msglen);

/* ---- training iterations (tessera run) ------------------------------------ */

struct tess_schedule;

/* The critical path of an iteration: the chain of work and transfers its end waits on,
 * walked back from the die that ends last. On a die, the path takes the die's own work;
 * where the die waited for a pipeline message, the path crosses to the sender at the time
 * it sent (the transfer counted apart). Seconds by kind; they add up to the iteration. */
typedef struct tess_critical_path {
    double compute_s, memory_s, network_s; /* dies' work on the path (network: collectives) */
    double transfer_s;                     /* pipeline messages in flight on the path */
    double other_s;                        /* the rest (a die catching up with the kernel) */
    uint32_t handoffs;                     /* crossings from one die to another */
    uint32_t end_rank;                     /* where the path ends (the last die to finish) */
    uint32_t start_rank;                   /* where it starts */
} tess_critical_path;

typedef struct tess_iteration_result {
    double iteration_time_s;
    /* where the slowest die's time went (seconds; they add up to the iteration time) */
    double compute_s, memory_s, network_s, bubble_s;
    double optimizer_s; /* of memory_s: the optimizer step */
    double exposed_communication_s; /* collectives' time not hidden behind compute */
    uint32_t slowest_rank;
    double energy_compute_j, energy_dram_j, energy_sram_j, energy_network_j, energy_static_j;
    /* dies' dynamic energy (FLOPs, SRAM and DRAM bytes) as the ops spent it over time: its
     * total, and its largest mean power over any 1 ms window (the whole run if shorter) */
    double timeline_dynamic_j, peak_dynamic_w;
    uint64_t messages, flit_hops;
    uint32_t n_top_links;
    tess_noc_link_use top_links[TESS_NOC_TOP_LINKS];
    tess_critical_path critical_path;
    /* collectives by the span of their groups, mean seconds per die (tess_eval_finish), and
     * the slowest die's scale-out collectives */
    double level_collective_s[TESS_SCOPE_LEVELS + 1];
    double scale_out_s;
    /* symmetry: data-parallel replicas simulated (with symmetry one per class of replicas
     * that route alike, the others mirroring it; all of them otherwise), the mirrored
     * replicas' messages put on the network and those left out (their routes reach no
     * simulated die and share no channel with simulated traffic) */
    uint32_t simulated_replicas;
    uint64_t mirrored_messages, mirror_skipped;
    /* the circuit switch (platform <circuit-switch>): reconfigurations, the time its
     * circuits were down, the messages held for a configuration and their time held */
    uint64_t circuit_reconfigurations, circuit_held_messages;
    double circuit_reconfiguring_s, circuit_held_s;
    /* wall-clock figures */
    double wall_seconds;
    uint64_t events;
} tess_iteration_result;

/* A busy interval of one engine of one die, for trace.json: consecutive intervals of an
 * engine that touch are merged into one. */
typedef enum tess_track {
    TESS_TRACK_TENSOR,  /* GEMM tiles and vector ops (they hold the tensor engine) */
    TESS_TRACK_DMA,     /* loads, stores and the optimizer step */
    TESS_TRACK_NETWORK, /* collectives, from the call to the last message */
    TESS_TRACK_WAIT,    /* waiting for a pipeline message (the bubble) */
    TESS_TRACKS_,
    /* not a die's track: a sample of link utilisation over [t0, t1), `rank` the channel
     * class (0 injection, die to router; 1 ejection, router to die; 2 router to router),
     * `value` the class's busy share of its channels' time */
    TESS_TRACK_LINKS = TESS_TRACKS_
} tess_track;
typedef struct tess_span {
    uint32_t rank, track;
    double t0, t1; /* seconds */
    double value;  /* TESS_TRACK_LINKS samples: the utilisation; else 0 */
} tess_span;

/* One die's share of an iteration (a row of stats.csv). */
typedef struct tess_die_stat {
    uint32_t rank, stage;
    uint32_t instance; /* the die's instance index in the platform */
    double compute_s, memory_s, optimizer_s, network_s, bubble_s, end_s, flops;
    uint64_t ops, dram_bytes, messages;
    /* of network_s: collectives by the span of their groups (tess_scope_level; the last
     * entry the whole platform), and those that are scale-out (tess_coll_use.scale_out) */
    double level_s[TESS_SCOPE_LEVELS + 1];
    double scale_out_s;
} tess_die_stat;

/* Simulates one training iteration: every rank a compute die executing its stage's op
 * stream (tess_op_next), GEMM tiles timed by the systolic arrays' geometry, DMA at
 * dma_bandwidth[rank] bytes/s, vector ops on the vector lanes, collectives and pipeline
 * messages over the platform's network at the given fidelity. per_die (s->dies entries, or
 * NULL) receives each rank's figures; *links (when links is not NULL) a malloc'd array
 * of every channel's utilisation, *n_links long; *spans (when spans is not NULL) a malloc'd
 * array of every die's busy intervals per engine and of link utilisation samples by
 * channel class (TESS_TRACK_LINKS), *n_spans long (recorded only then: they cost time and
 * memory on large jobs). symmetry (with dp > 1): data-parallel replicas whose dies,
 * DMA rates and routes are alike form classes; one replica of each class is simulated,
 * the others' messages are mirrored onto the network where they meet simulated traffic,
 * and their per_die figures are their class's simulated replica's. Call in a child
 * process.
 * 0, or TESS_EINVAL / TESS_EINTERNAL with msg. */
int tess_hw_run(const tess_platform *p, const struct tess_schedule *s, unsigned dtype_bytes,
                const double *dma_bandwidth, tess_noc_fidelity fidelity, int symmetry,
                tess_iteration_result *out, tess_die_stat *per_die,
                tess_noc_link_use **links, uint32_t *n_links, tess_span **spans, uint64_t *n_spans,
                char *msg, size_t msglen);

/* Progress lines on stderr during tess_hw_run: simulated time, share of ops retired,
 * events per second, ETA. 0 (the default): none; 1: once the run has taken about two
 * seconds of wall time; 2: from the start. Set in the parent before the child is forked. */
void tess_hw_set_progress(int mode);


/* Routes of the platform's network without a simulation (the analytical model's view):
 * the same Topology, routing and channels as a simulated network. */
typedef struct tess_hw_routes tess_hw_routes;
typedef struct tess_hw_route_info {
    double latency_s;         /* channel latencies and router pipelines, no serialisation */
    double bandwidth_bytes_s; /* the narrowest channel's */
    double energy_per_byte;   /* channels and routers crossed */
    uint32_t channels;        /* channels crossed (all of them, even past cap) */
} tess_hw_route_info;
/* NULL with msg when the network cannot be built. Free with tess_hw_routes_close. */
tess_hw_routes *tess_hw_routes_open(const tess_platform *p, char *msg, size_t msglen);
void tess_hw_routes_close(tess_hw_routes *h);
uint32_t tess_hw_routes_channels(const tess_hw_routes *h);
/* The route a message takes from one die instance to another: 0, or -1 when either is not
 * an endpoint or no route exists. channels[0..cap) gets the channel indices. */
int tess_hw_route(const tess_hw_routes *h, uint32_t from_instance, uint32_t to_instance,
                  tess_hw_route_info *out, uint32_t *channels, uint32_t cap);
double tess_hw_channel_bandwidth(const tess_hw_routes *h, uint32_t channel);

#ifdef __cplusplus
}
#endif

#endif
