/* The statistics interface: what a simulated iteration (hw/api/run_entry.cpp) and the
 * analytical model (src/model/estimate.c) report, as plain C structs. Header only: the
 * model and the report read these without linking SystemC.
 */
#ifndef TESS_HW_STATS_H
#define TESS_HW_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "config/fidelity.h"
#include "config/platform.h"

#define TESS_NOC_TOP_LINKS 10

typedef struct tess_noc_link_use {
    char name[200];     /* "from->to" instance paths */
    double utilisation; /* busy cycles / simulated cycles */
    uint32_t link;      /* the platform link the channel is a direction of */
    uint32_t from;      /* the instance it leaves */
} tess_noc_link_use;

/* A link whose transport window held flows below their fair share (flow and mixed
 * fidelity): the direction they took, and how many it held. */
typedef struct tess_window_link {
    char name[200]; /* "from->to" instance paths */
    uint32_t link;  /* the platform link the channel is a direction of */
    uint64_t flows;
} tess_window_link;

/* A memory's figures at burst or cycle memory fidelity (config/fidelity.h): the transfers
 * its controller served over the iteration, or for a die's own memory (no controller) the
 * die's DRAM traffic, its share of it. */
#define TESS_MEMORY_DIES 16
typedef struct tess_memory_stat {
    uint32_t instance;                  /* the memory */
    uint64_t reads, writes;             /* transfers served (DMA chunks) */
    uint64_t bytes_read, bytes_written; /* their bytes */
    double bandwidth_bytes_per_s;       /* the rate it serves at (sustained; a die link's cap) */
    double latency_s;                   /* a read's first-access latency */
    double row_hit_rate; /* of the DRAM model's stream that measured bandwidth_bytes_per_s */
    double busy_s;       /* time serving: bytes / bandwidth */
    double queue_s;      /* summed waits of transfers for the controller */
    uint32_t n_dies;     /* dies it served */
    uint32_t dies[TESS_MEMORY_DIES]; /* the first of them by instance index */
} tess_memory_stat;

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
    double optimizer_s;             /* of memory_s: the optimizer step */
    double exposed_communication_s; /* collectives' time not hidden behind compute */
    uint32_t slowest_rank;
    double energy_compute_j, energy_dram_j, energy_sram_j, energy_network_j, energy_static_j;
    /* dies' dynamic energy (FLOPs, SRAM and DRAM bytes) as the ops spent it over time: its
     * total, and its largest mean power over any 1 ms window (the whole run if shorter) */
    double timeline_dynamic_j, peak_dynamic_w;
    uint64_t messages, flit_hops;
    /* flow and mixed fidelity: flows run, and those a link-type's transport window held
     * below their fair share; bytes lossy link-types dropped and the flows that waited a
     * retransmit timeout for it; links a lossless buffer (credits) holds below their rate */
    uint64_t flows, window_limited_flows;
    /* the channels whose windows held those flows, most flows first (ties: channel order) */
    uint32_t n_window_links;
    tess_window_link window_links[TESS_NOC_TOP_LINKS];
    double lost_bytes;
    uint64_t retransmit_timeouts;
    /* flows whose burst into a marking (ECN) port their congestion control cut short */
    uint64_t congestion_cut_flows;
    uint32_t credit_limited_links;
    uint32_t n_top_links;
    tess_noc_link_use top_links[TESS_NOC_TOP_LINKS];
    tess_critical_path critical_path;
    /* collectives by the span of their groups, mean seconds per die (tess_eval_finish), and
     * the slowest die's scale-out and all-to-all collectives */
    double level_collective_s[TESS_SCOPE_LEVELS + 1];
    double scale_out_s;
    double all_to_all_s; /* the slowest die's all-to-all collectives */
    double contention_s; /* of its compute: what its GEMMs lost to collectives' SMs */
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
    /* wall-clock figures, and what the kernel did: activations of the simulated modules'
     * processes (the network's, the dies' resumptions) and the kernel's delta cycles */
    double wall_seconds;
    uint64_t events, delta_cycles;
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
    TESS_TRACK_LINKS = TESS_TRACKS_,
    /* a sample of a memory's controller (burst memory fidelity) over [t0, t1): `rank` the
     * memory's instance index, `value` its busy share of the time */
    TESS_TRACK_MEMORY
} tess_track;
typedef struct tess_span {
    uint32_t rank, track;
    double t0, t1; /* seconds */
    double value;  /* TESS_TRACK_LINKS and _MEMORY samples: the utilisation; else 0 */
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
    double all_to_all_s; /* of network_s: all-to-all collectives (expert parallelism's) */
    double contention_s; /* of compute_s: what its GEMMs lost to collectives' SMs (gpu) */
} tess_die_stat;

#ifdef __cplusplus
}
#endif

#endif
