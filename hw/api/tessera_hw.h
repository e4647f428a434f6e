/* The one C-callable entry into hw/ (C++17, SystemC). C code includes this header and
 * never a SystemC header. Functions here elaborate and run a SystemC kernel, which
 * can happen once per process: call them in a child made by the runner (src/driver/runner.h).
 * Nothing but a status crosses this boundary; C++ exceptions are caught inside.
 */
#ifndef TESS_HW_H
#define TESS_HW_H

#include <stddef.h>
#include <stdint.h>

#include "api/stats.h"
#include "config/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SystemC version string, from the headers hw/ was compiled against. */
const char *tess_hw_systemc_version(void);

/* Result of the kernel probe. */
typedef struct tess_hw_probe_result {
    uint64_t end_ps;    /* simulated time when the last tick fired, picoseconds */
    uint64_t ticks;     /* ticks the module counted */
    uint64_t period_ps; /* clock period on the picosecond time base */
} tess_hw_probe_result;

/* Elaborates a one-module design that ticks `cycles` times at clock_hz (one timed
 * event per tick, nothing polled), runs it to completion and reports the end time.
 * Checks that the kernel, the picosecond time base and process isolation work.
 * Returns 0, or a negative TESS_E* status with a reason in msg. */
int tess_hw_clock_probe(double clock_hz, uint64_t cycles, tess_hw_probe_result *out, char *msg,
                        size_t msglen);

/* ---- network-on-package runs (tessera noc) ------------------------------ */

enum { TESS_NOC_MAX_HOTSPOTS = 64, TESS_NOC_MAX_PACKET_SIZES = 8 };

typedef enum tess_traffic {
    /* the definitions, each tested against its destination map: hw/noc/traffic_pattern.h */
    TESS_TRAFFIC_UNIFORM,   /* destination uniformly random over all dies (self included) */
    TESS_TRAFFIC_TRANSPOSE, /* (row, col) -> (col, row) on a square grid */
    TESS_TRAFFIC_BITCOMP,   /* (row, col) -> (rows-1-row, cols-1-col) */
    TESS_TRAFFIC_HOTSPOT,   /* listed dies with given shares (default: the grid centre,
                               hotspot_fraction), the rest uniform */
    TESS_TRAFFIC_NEIGHBOR,  /* (row, col) -> (row+1 mod rows, col+1 mod cols) */
    TESS_TRAFFIC_BITREV,    /* node address bits reversed (rows x cols a power of two) */
    TESS_TRAFFIC_SHUFFLE,   /* node address rotated left by one bit (likewise) */
    TESS_TRAFFIC_TORNADO    /* each coordinate x -> x + ceil(k/2) - 1 mod k */
} tess_traffic;

typedef struct tess_noc_options {
    tess_noc_fidelity fidelity;
    tess_traffic traffic;
    double rate;             /* offered load, flits per die per cycle, in (0, 1] */
    uint32_t packet_flits;   /* flits per packet */
    uint64_t warmup_cycles;  /* before measuring */
    uint64_t measure_cycles; /* packets created in this window are measured */
    uint64_t drain_cycles;   /* after the window, the longest wait for measured packets */
    uint64_t seed;
    int request_response;     /* each delivered request is answered by a response */
    uint32_t response_slots;  /* responses a die may have in flight before refusing requests */
    int drain_all;            /* stop offering after the window; run until every packet arrived */
    int datelines;            /* 1: datelines on tori; 0: none (only to show a deadlock) */
    uint64_t deadlock_cycles; /* no flit moved this long with flits in flight: deadlock */
    double hotspot_fraction;  /* share of packets to the hotspot dies, when no node has its
                                 own fraction: split evenly among them */
    uint32_t max_outstanding; /* packets a die may have in flight; past it, it stops offering */
    /* hotspot dies as grid node numbers, row * cols + col (BookSim2's numbering); none: the
     * grid's centre die. A fraction per node is its share of all packets (0 for every one:
     * hotspot_fraction split evenly). */
    uint32_t n_hotspots;
    uint32_t hotspot_nodes[TESS_NOC_MAX_HOTSPOTS];
    double hotspot_fractions[TESS_NOC_MAX_HOTSPOTS];
    /* a packet-size distribution: size in flits and relative weight (0 for every one: the
     * sizes equally likely); none: every packet packet_flits. The offered rate stays in
     * flits: packets are created at rate / mean size. */
    uint32_t n_packet_sizes;
    uint32_t packet_sizes[TESS_NOC_MAX_PACKET_SIZES];
    double packet_size_weights[TESS_NOC_MAX_PACKET_SIZES];
} tess_noc_options;

/* Defaults: flit fidelity off (packet), uniform, rate 0.1, 1 flit, warmup 2000, measure
 * 10000, drain 50000, seed 1, datelines on, deadlock after 20000 idle cycles. */
void tess_noc_options_default(tess_noc_options *o);

/* Mean flits per packet of o: packet_flits, or its size distribution's mean (0 when the
 * distribution is not valid; tess_hw_noc_run says why). */
double tess_noc_mean_packet_flits(const tess_noc_options *o);

typedef struct tess_noc_result {
    uint32_t endpoints, routers, channels;
    double clock_hz;
    double zero_load_latency_cycles; /* mean over the traffic pattern's pairs */
    double mean_latency_cycles, p99_latency_cycles, max_latency_cycles;
    double offered_flits_per_node_cycle, accepted_flits_per_node_cycle;
    uint64_t packets_measured;
    uint64_t packets_sent, packets_delivered, flits_sent, flits_delivered;
    uint64_t misrouted;  /* packets that arrived at a die other than their destination */
    uint64_t duplicates; /* packets delivered more than once */
    uint64_t flit_hops;  /* flits switched by routers */
    uint64_t simulated_cycles;
    uint64_t kernel_activations;
    double energy_j;
    double mean_link_utilisation, max_link_utilisation;
    uint32_t n_top_links;
    tess_noc_link_use top_links[TESS_NOC_TOP_LINKS];
    int drained;   /* every measured packet arrived */
    int throttled; /* some die reached max_outstanding */
    int deadlocked;
    char message[1024]; /* the deadlock report, naming blocked routers */
    /* wall-clock figures: not reproducible */
    double wall_seconds, cycles_per_second, flit_hops_per_second;
    long peak_rss_kb;
} tess_noc_result;

/* Elaborates the platform's NoC at the chosen fidelity with a traffic generator on
 * every live die, runs it, and fills out. Call in a child process (src/driver/runner.h).
 * Returns 0, or TESS_EINVAL (the platform or options cannot be simulated; msg says
 * why) or TESS_EINTERNAL. A deadlock is a result (out->deadlocked), not an error. */
int tess_hw_noc_run(const tess_platform *p, const tess_noc_options *o, tess_noc_result *out,
                    char *msg, size_t msglen);

/* ---- memory runs (tessera mem) ------------------------------------------- */

typedef enum tess_mem_pattern {
    TESS_PATTERN_STREAM, /* sequential addresses */
    TESS_PATTERN_RANDOM, /* uniformly random, request-aligned */
    TESS_PATTERN_STRIDED /* i x stride */
} tess_mem_pattern;

typedef struct tess_mem_options {
    tess_mem_pattern pattern;
    double read_ratio; /* share of reads, [0, 1]; reads and writes interleave evenly */
    uint32_t request_bytes;
    uint32_t outstanding; /* requests in flight */
    uint64_t requests;    /* how many to complete */
    int refresh;          /* -1: the memory type's; else a tess_refresh_mode */
    int scheduler;        /* -1: the memory type's; else a tess_mem_scheduler */
    uint64_t stride_bytes;
    uint64_t seed;
} tess_mem_options;

/* Defaults: stream, reads only, 64 B, 64 outstanding, 200000 requests, seed 1, stride 4 KiB. */
/* The most requests one run takes: each keeps its latencies for the percentiles (16 B). */
#define TESS_MEM_MAX_REQUESTS 10000000ull
void tess_mem_options_default(tess_mem_options *o);

typedef struct tess_mem_result {
    double bandwidth_bytes_per_s;      /* bytes completed / (last response - first request) */
    double peak_bandwidth_bytes_per_s; /* channels x bus width x data rate */
    double mean_latency_ns, p99_latency_ns, min_latency_ns,
        max_latency_ns;              /* request to response */
    double mean_accepted_latency_ns; /* from acceptance into the controller's queue (END_REQ) */
    double row_hit_rate;             /* bursts that found their row open */
    uint64_t requests, reads, writes;
    uint64_t bursts_hit, bursts_empty, bursts_conflict; /* bank conflicts: a row to close first */
    uint64_t acts, pres, refreshes, refreshes_pb, refresh_stalls;
    double refresh_busy_fraction; /* bank time spent refreshing */
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

/* Simulates one training iteration: every rank a compute die executing its stage's op
 * stream (tess_op_next), GEMM tiles timed by the systolic arrays' geometry, DMA at
 * dma_bandwidth[rank] bytes/s (memory fidelity rate; at burst, see o->memory_fidelity),
 * vector ops on the vector lanes, collectives and pipeline
 * messages over the platform's network at o->fidelity. per_die (s->dies entries, or
 * NULL) receives each rank's figures; *links (when links is not NULL) a malloc'd array
 * of every channel's utilisation, *n_links long; *memories (when memories is not NULL) a
 * malloc'd array of the figures of every memory a controller served at burst or cycle
 * memory fidelity and of every simulated die's own memories (no controller: its DRAM
 * traffic spread evenly over them), *n_memories long (none at rate); *spans (when spans is not
 * NULL) a malloc'd array of every die's busy intervals per engine and of link utilisation samples
 * by channel class (TESS_TRACK_LINKS), *n_spans long (recorded only then: they cost time and memory
 * on large jobs). o->symmetry (with dp > 1): data-parallel replicas whose dies, DMA rates and
 * routes are alike form classes; one replica of each class is simulated, the others' messages are
 * mirrored onto the network where they meet simulated traffic, and their per_die figures are their
 * class's simulated replica's. Call in a child process. 0, or TESS_EINVAL / TESS_EINTERNAL with
 * msg. */
typedef struct tess_hw_run_options {
    tess_noc_fidelity fidelity;
    int symmetry; /* simulate one data-parallel replica per class, mirror the others */
    /* progress lines on stderr: simulated time, share of ops retired, events per second,
     * ETA. 0: none; 1: once the run has taken about two seconds of wall time; 2: from the
     * start. They change no result. */
    int progress;
    /* memory fidelity (config/fidelity.h). At burst: memory_bandwidth and memory_latency_s
     * (one entry per platform instance; memories' only) the sustained bandwidth and first-
     * access latency the DRAM model measures for each memory (src/driver/memory_probe.h),
     * memory_row_hit_rate (NULL, or as many entries) its stream's share of row hits;
     * home_memory (one per rank, the schedule's) the memory a die's DMA goes to over
     * the network, or -1 for a die with its own memories (its DMA rate is then
     * dma_bandwidth[rank], at most the links to them carry). Zero: rate. */
    tess_mem_fidelity memory_fidelity;
    const double *memory_bandwidth, *memory_latency_s, *memory_row_hit_rate;
    const int64_t *home_memory;
    /* flow and mixed fidelity: a flow ends at the first event where no more than this
     * share of its bytes is left, [0, 1) (noc/flow.h; 0: exact) */
    double flow_tolerance;
} tess_hw_run_options;
int tess_hw_run(const tess_platform *p, const struct tess_schedule *s, unsigned dtype_bytes,
                const double *dma_bandwidth, const tess_hw_run_options *o,
                tess_iteration_result *out, tess_die_stat *per_die, tess_noc_link_use **links,
                uint32_t *n_links, tess_memory_stat **memories, uint32_t *n_memories,
                tess_span **spans, uint64_t *n_spans, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif
