/* The platform as plain C structs: what src/config produces from XML and what every
 * later stage (routes, schedule, hw/ elaboration, reports) reads. Nothing downstream
 * of the loader sees XML.
 *
 * A platform owns every array and string in it; tess_platform_free releases all.
 * Indices (uint32_t) refer into the platform's arrays; UINT32_MAX means "none".
 */
#ifndef TESS_PLATFORM_H
#define TESS_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#define TESS_NONE UINT32_MAX

typedef enum tess_kind {
    TESS_KIND_DIE,
    TESS_KIND_ROUTER,
    TESS_KIND_LINK,
    TESS_KIND_MEMORY,
    TESS_KIND_TECHNOLOGY, /* a process node's densities, defects and prices; never instanced */
    TESS_KIND_XCVR,       /* an optical transceiver module a link-type names; never instanced */
    TESS_KIND_COUNT_
} tess_kind;

/* "die-type", "router-type", ... as written in XML. */
const char *tess_kind_type_element(tess_kind kind);
/* "die", "router", "link", "memory", "technology", "transceiver". */
const char *tess_kind_name(tess_kind kind);

typedef enum tess_routing {
    TESS_ROUTING_XY,         /* dimension order, X (columns) first */
    TESS_ROUTING_YX,         /* dimension order, Y (rows) first */
    TESS_ROUTING_WEST_FIRST, /* minimal adaptive turn model (Glass & Ni 1992) */
    TESS_ROUTING_TABLE,      /* per-router up-down tables computed from the netlist */
    TESS_ROUTING_SHORTEST    /* minimal paths, equal-cost ones chosen by a hash of source and
                              * destination (ECMP); may deadlock at flit fidelity */
} tess_routing;

/* When an output VC may take a new packet: once the tail has left (tail), or once
 * the downstream buffer has returned the tail's credit, i.e. is empty of the packet
 * (tail-credit, BookSim2's wait_for_tail_credit). */
typedef enum tess_vc_release { TESS_VC_RELEASE_TAIL, TESS_VC_RELEASE_TAIL_CREDIT } tess_vc_release;
/* the flit router's switch allocator (Dally and Towles, ch. 19) */
typedef enum tess_allocator {
    TESS_ALLOCATOR_SEPARABLE_INPUT_FIRST,
    TESS_ALLOCATOR_ISLIP,
    TESS_ALLOCATOR_WAVEFRONT
} tess_allocator;

/* Shortest routing: how a message picks among equally fast next hops. hash: a hash of
 * source and destination (Ethernet ECMP); dest-mod-k / source-mod-k: the destination's
 * (source's) number, its residue modulo the choices at the first such router, the
 * quotient's at the next (D-mod-K and S-mod-K, Zahavi et al. 2010). On a Clos the number
 * is the NIC's place in the order the leaves hold them, so with source-mod-k the NICs of
 * one leaf go up by different spines and never share an uplink (what adaptive routing
 * achieves on a non-blocking fat-tree); destination-based tables, as InfiniBand subnet
 * managers build, may still collide on ring patterns. Where every choice is a parallel
 * link to one router, the pick is turned by the last link's place among its parallel
 * links (hw/noc/topology.cpp), so a spine's links down to a leaf keep apart what the
 * leaf's uplinks kept apart. */
typedef enum tess_multipath {
    TESS_MULTIPATH_HASH,
    TESS_MULTIPATH_DEST_MOD_K,
    TESS_MULTIPATH_SOURCE_MOD_K,
    TESS_MULTIPATH_ADAPTIVE /* per message, the least loaded (packet: the one free first; flow:
                             * the one with the fewest flows), as InfiniBand adaptive routing */
} tess_multipath;

typedef enum tess_memory_standard {
    TESS_MEM_HBM2,
    TESS_MEM_HBM2E,
    TESS_MEM_HBM3,
    TESS_MEM_DDR4,
    TESS_MEM_DDR5,
    TESS_MEM_LPDDR5,
    TESS_MEM_IDEAL /* fixed latency and bandwidth, no DRAM timing */
} tess_memory_standard;

/* A latency given either in cycles of the owning block's clock or in seconds;
 * exactly one of the two is non-zero unless the latency is zero. */
typedef struct tess_latency {
    double cycles;
    double seconds;
} tess_latency;

/* How a die-type's GEMMs are timed (src/model/die_timing.h): systolic arrays fed from SRAM
 * tiles, or an SM-based GPU whose GEMM library tiles each GEMM into CTAs over its SMs. */
typedef enum tess_compute_rule { TESS_COMPUTE_SYSTOLIC, TESS_COMPUTE_GPU } tess_compute_rule;

/* A short list of whole numbers given as "7,8,8,7" (a workload's layers per stage). */
#define TESS_MAX_COUNTS 256
typedef struct tess_counts {
    uint32_t n;
    uint32_t v[TESS_MAX_COUNTS];
} tess_counts;

#define TESS_MAX_CTA_TILES 8
/* The CTA tile shapes (rows x columns of the output) a GPU's GEMM library picks among. */
typedef struct tess_cta_tiles {
    uint32_t n;
    uint32_t m[TESS_MAX_CTA_TILES], cols[TESS_MAX_CTA_TILES];
} tess_cta_tiles;

typedef struct tess_die_type {
    double clock_hz;
    tess_compute_rule compute; /* which timing rule its GEMMs follow */
    /* compute="gpu": streaming multiprocessors, each with sm_flops dense tensor FLOP per
     * clock; the tiles its GEMM library picks among; the best-case GEMM rate measured on it
     * (below peak: clocks, scheduling); the alignment (bytes) below which a GEMM's
     * dimension falls off the tensor cores' fast path, and the rate kept then */
    uint32_t sms;
    double sm_flops;
    tess_cta_tiles cta_tiles;
    double gemm_ceiling;         /* FLOP/s */
    char gemm_ceiling_shape[32]; /* "MxNxK" it was measured on ("": unknown) */
    /* the same for GEMMs of fp8 operands (0: no fp8 tensor rate) */
    double gemm_ceiling_fp8;
    char gemm_ceiling_fp8_shape[32];
    uint32_t align_bytes;        /* 0: no alignment rule */
    double unaligned_efficiency; /* fraction of the rate an unaligned GEMM keeps */
    double kernel_launch_s;      /* cost of each kernel launch, back to back */
    double stream_rate;          /* bytes/s its kernels reach streaming DRAM (0: the DMA rate) */
    uint32_t collective_sms;     /* SMs a running collective kernel holds (0: none taken) */
    uint32_t assumed;       /* bit i: tess_die_efficiency_names[i] is an assumption, not measured */
    uint32_t tensor_arrays; /* systolic arrays */
    uint32_t tensor_rows;   /* systolic array rows (0: no tensor engine) */
    uint32_t tensor_cols;   /* systolic array columns */
    uint32_t vector_lanes;  /* vector unit lanes */
    uint64_t sram_bytes;    /* on-die SRAM capacity */
    double sram_bandwidth;  /* bytes per second, all banks together */
    uint32_t sram_banks;    /* interleaved banks, each a 1/banks share of the bandwidth */
    uint32_t sram_ports;    /* requests served at once */
    uint32_t sram_latency;  /* cycles from a request to its first data */
    uint32_t sram_bank_bytes; /* interleaving granule */
    double sram_read_energy;  /* joules per bit */
    double sram_write_energy; /* joules per bit */
    double sram_leakage;      /* watts */
    uint32_t dma_engines;
    double flop_energy;  /* joules per FLOP on the tensor engine and vector unit */
    double static_power; /* watts while the die is powered */
    char technology[32]; /* name of a technology-type as written ("": no area/cost account) */
    double area_m2;      /* given die area (0: computed from the blocks, src/model/cost.c) */
    double tdp_w;        /* power limit of one die (0: none) */
    /* core-level redundancy (src/model/cost.c): the die's compute (its arrays, lanes and
     * SRAM) as core_rows rows of core_cols cores, each row with spare_cores more that cost
     * area and do not compute (0 rows: none) */
    uint32_t core_rows, core_cols, spare_cores;
    uint32_t technology_type; /* resolved by the loader: index into types, or TESS_NONE */
} tess_die_type;

typedef struct tess_router_type {
    double clock_hz;
    uint32_t ports;           /* 0: as many as links attached */
    uint32_t vcs;             /* virtual channels per port */
    uint32_t buffer_flits;    /* buffer depth per virtual channel */
    uint32_t flit_bytes;      /* flit width */
    uint32_t pipeline_cycles; /* router pipeline depth */
    uint32_t credit_delay;    /* cycles a credit takes upstream (0: the link's latency) */
    uint32_t input_speedup;   /* crossbar inputs per input port (flits it may send a cycle) */
    tess_routing routing;
    tess_multipath multipath; /* shortest: the choice among equally fast next hops */
    int transit;              /* shortest: 0 when it carries only traffic from or to its own
                               * endpoints (a host's NIC port: never a hop between others);
                               * 2 (store-and-forward) when it carries others' traffic only
                               * once each message has arrived whole (a GPU relaying through
                               * its memory, as rail-only networks forward between rails) */
    tess_vc_release vc_release;
    tess_allocator allocator;      /* switch allocation policy */
    uint32_t allocator_iterations; /* islip: request-grant-accept rounds per cycle */
    double energy_per_bit;         /* joules per bit switched */
    double port_cost_usd;          /* price per port of a stand-alone switch (not a die's router) */
    double switch_power_w;         /* watts a stand-alone switch draws, its modules aside */
} tess_router_type;

typedef struct tess_link_type {
    uint32_t width_bytes; /* bytes per cycle of the link's clock */
    double clock_hz;      /* 0: the clock of the router or die it leaves */
    tess_latency latency;
    double energy_per_bit; /* joules per bit moved */
    double cost_usd;       /* price of one link's cable or fibre */
    uint32_t transceivers; /* optical modules on one link (0: electrical, or 2 with an xcvr) */
    double transceiver_cost_usd; /* price of one module (0: the xcvr-type's cost) */
    double transceiver_power_w;  /* watts one module draws (0: the xcvr-type's laser + tuning) */
    char xcvr[32];               /* name of an xcvr-type ("": an electrical link) */
    double length_m;             /* fibre length, for its delay and the transceiver's reach */
    uint32_t xcvr_type;          /* resolved by the loader: index into types, or TESS_NONE */
    /* collectives over this link class (their ring steps): the fraction of its rate they
     * move payload at (protocol headers, flags, chunk handshakes), and the time each ring
     * step spends synchronising with its neighbours before its data moves */
    double collective_efficiency;
    double collective_step_s;
    uint32_t assumed; /* bit i: tess_link_efficiency_names[i] is an assumption */
    /* the transport's window over this link class: a flow crossing it has at most this
     * many bytes in flight, so it moves at most window / its round trip (0: no limit) */
    uint64_t window_bytes;
    /* the largest packet the link's protocol carries (InfiniBand's MTU, NVLink's largest
     * payload): at packet fidelity a longer message crosses it as a train of packets,
     * which holds the receiving router's input for its first packet only (0: a message
     * is one packet) */
    uint32_t max_packet_bytes;
    /* how the link class keeps or loses bytes (tess_transport) and the buffer of its
     * receiving port: lossless, the credits it advertises (the link moves at most buffer
     * per credit round trip, twice its latency; 0: not limited); lossy, the drop-tail queue
     * a flow's first window overflows, the lost bytes resent after retransmit_timeout_s */
    uint32_t transport;
    uint64_t buffer_bytes;
    double retransmit_timeout_s;
    /* lossy: the queue at which the port starts marking packets (ECN's Kmin; 0: it does
     * not mark), and how its senders' congestion control (DCQCN) answers a mark: a cut
     * every cc_period_s, each keeping cc_decrease of the rate, until the sender is at its
     * share of the port */
    uint64_t ecn_threshold_bytes;
    double cc_period_s;
    double cc_decrease;
} tess_link_type;

/* A link class's transport: lossless (InfiniBand's credit-based flow control, Ethernet
 * with priority flow control) or lossy (a drop-tail port: RoCE without PFC, TCP). */
typedef enum tess_transport { TESS_TRANSPORT_LOSSLESS, TESS_TRANSPORT_LOSSY } tess_transport;

/* The attributes of a die-type and of a link-type that say how far real hardware falls
 * short of its peak (NULL-terminated); a type's `assumed` attribute lists those of its
 * figures that stand on an assumption rather than a cited measurement. */
extern const char *const tess_die_efficiency_names[];
extern const char *const tess_link_efficiency_names[];

/* Fibre delay, s per metre: 4.897 us/km at 1550 nm (group index ~1.468; REFERENCE.md 4). */
#define TESS_FIBRE_DELAY_S_PER_M 4.897e-9

/* An optical transceiver module: lanes x wavelengths x lane rate, E/O, FEC and O/E
 * latencies, energy per bit, laser and ring-tuning static power, reach, price. */
typedef struct tess_xcvr_type {
    uint32_t lanes, wavelengths;
    double lane_rate; /* bytes per second per wavelength per lane */
    double eo_s, oe_s, fec_s;
    double energy_per_bit;                /* joules per bit, transmit and receive together */
    double laser_power_w, tuning_power_w; /* per module */
    double reach_m;
    double cost_usd;
} tess_xcvr_type;

/* Bytes per second one module carries: lanes x wavelengths x lane rate. */
double tess_xcvr_bandwidth(const tess_xcvr_type *x);
/* One-way latency through a link's optics: E/O + FEC + fibre + O/E. */
double tess_xcvr_latency(const tess_xcvr_type *x, double length_m);
/* Modules on a link: its `transceivers`, else 2 (one per end) when it names an xcvr. */
uint32_t tess_link_modules(const tess_link_type *l);

typedef enum tess_mem_scheduler { TESS_SCHED_FRFCFS, TESS_SCHED_FCFS } tess_mem_scheduler;
typedef enum tess_page_policy { TESS_PAGE_OPEN, TESS_PAGE_CLOSED } tess_page_policy;
/* One command bus for every command (DDR4, DDR5, LPDDR5), or a row bus for ACT, PRE and
 * REF beside a column bus for RD and WR (HBM2, HBM2E, HBM3). */
typedef enum tess_command_bus { TESS_CMD_BUS_SINGLE, TESS_CMD_BUS_ROW_COLUMN } tess_command_bus;
typedef enum tess_refresh_mode {
    TESS_REFRESH_ALL_BANK,
    TESS_REFRESH_PER_BANK,
    TESS_REFRESH_OFF
} tess_refresh_mode;

/* JEDEC timings of a DRAM device, each in cycles of its command clock or as a time
 * (rounded up to whole cycles when the controller is built). */
typedef struct tess_dram_timing {
    tess_latency tRCD, tCL, tCWL, tRP, tRAS, tRC;
    tess_latency tCCD_S, tCCD_L, tRRD_S, tRRD_L, tFAW;
    tess_latency tWR, tWTR_S, tWTR_L, tRTW, tRTP;
    tess_latency tREFI, tRFC, tREFIpb, tRFCpb;
} tess_dram_timing;

typedef struct tess_memory_type {
    tess_memory_standard standard;
    uint64_t capacity_bytes;
    uint32_t channels;                  /* independent channels (pseudo-channels for HBM) */
    uint32_t bus_width_bits;            /* per channel */
    double data_rate;                   /* transfers per second per pin */
    double clock_hz;                    /* command clock (CK) */
    uint32_t burst_length;              /* transfers per column command */
    uint32_t ranks, bank_groups, banks; /* banks per bank group */
    uint32_t rows;                      /* per bank */
    char mapping[32]; /* address fields from most to least significant: "RoBaRaCoBgCh" */
    tess_mem_scheduler scheduler;
    tess_page_policy page_policy;
    tess_refresh_mode refresh;
    uint32_t queue_depth;     /* requests (bursts) a channel controller holds */
    uint32_t frontend_cycles; /* fixed controller latency, added once per request */
    tess_command_bus command_bus;
    uint32_t bus_channels; /* consecutive channels sharing one command bus (HBM: 2 pseudo-ch.) */
    double act_cycles;     /* CK an ACT holds its bus (multiples of 0.5) */
    double row_cycles;     /* CK a PRE or REF holds its bus */
    double column_cycles;  /* CK a RD or WR holds its bus */
    tess_dram_timing t;
    double act_energy;       /* joules per activate-precharge pair */
    double read_energy;      /* joules per bit read */
    double write_energy;     /* joules per bit written */
    double refresh_energy;   /* joules per all-bank refresh of one channel */
    double background_power; /* watts per channel */
    double cost_usd;         /* price of one device (an HBM stack, a DIMM) */
} tess_memory_type;

typedef enum tess_yield_model {
    TESS_YIELD_NEGATIVE_BINOMIAL, /* (1 + A D0 / alpha)^-alpha (Stapper) */
    TESS_YIELD_MURPHY,            /* ((1 - exp(-A D0)) / (A D0))^2 */
    TESS_YIELD_POISSON            /* exp(-A D0) */
} tess_yield_model;

/* A process node and the packaging offered with it: area densities of the blocks a die
 * is built from, the wafer and its defects, the reticle, packaging prices and bonding
 * yields (src/model/cost.c uses them all). */
typedef struct tess_technology_type {
    double wafer_diameter_m, edge_exclusion_m;
    double reticle_width_m, reticle_height_m;
    double wafer_cost_usd;
    double defect_density; /* defects per square metre */
    double clustering;     /* negative-binomial alpha */
    tess_yield_model yield_model;
    double mac_area_m2; /* per MAC of a systolic array */
    double vector_lane_area_m2;
    double sram_bit_area_m2; /* one bit cell */
    double sram_efficiency;  /* share of an SRAM macro that is bit cells */
    double router_port_area_m2;
    double phy_area_m2;        /* per byte of link width, per link end on a die */
    double memory_phy_area_m2; /* per DRAM device attached to a die */
    double uncore_area_m2;     /* per die: control, clocks, I/O ring */
    double organic_cost, interposer_cost, wafer_scale_cost; /* USD per m2 of silicon placed */
    /* per die or DRAM device bonded into a multi-die package, by packaging */
    double organic_bonding_yield, interposer_bonding_yield;
} tess_technology_type;

typedef struct tess_type {
    char *name; /* scoped name: "core", "pkg0.core" */
    tess_kind kind;
    long line;
    uint32_t file; /* index into the platform's includes, or TESS_NONE: the platform file */
    union {
        tess_die_type die;
        tess_router_type router;
        tess_link_type link;
        tess_memory_type memory;
        tess_technology_type technology;
        tess_xcvr_type xcvr;
    } u;
} tess_type;

typedef enum tess_topology {
    TESS_TOPO_MESH,
    TESS_TOPO_TORUS,
    TESS_TOPO_SWITCH,
    TESS_TOPO_FAT_TREE,  /* high-bandwidth domains joined by a folded Clos (src/config/generators.h)
                          */
    TESS_TOPO_RAIL_ONLY, /* high-bandwidth domains joined by one network per rail, no spine */
    TESS_TOPO_RING,      /* dies, each with its router, the routers in a ring */
    TESS_TOPO_DRAGONFLY  /* groups of routers joined all to all, groups by global links */
} tess_topology;

/* Mesh and torus give their instances grid coordinates that routing may use. */
int tess_topology_has_coordinates(tess_topology t);

/* One generator's output: a block of instances with grid coordinates. */
typedef struct tess_grid {
    char *name; /* path prefix of its instances: "wafer0" */
    tess_topology topology;
    uint32_t rows, cols; /* a switch has rows = 1, cols = its die count; a fat-tree or
                          * rail-only network rows = domains, cols = dies per domain */
    uint32_t first_instance, instance_count;
    uint32_t first_link, link_count;
    long line;
} tess_grid;

typedef enum tess_packaging {
    TESS_PACKAGING_ORGANIC,    /* dies on an organic substrate */
    TESS_PACKAGING_INTERPOSER, /* 2.5-D: dies and DRAM on a silicon interposer */
    TESS_PACKAGING_WAFER_SCALE /* the dies never leave the wafer */
} tess_packaging;

/* A manufactured unit: a <package> or <wafer> scope and the instances inside it. */
typedef struct tess_group {
    char *path;   /* the scope's path: "pkg0", "c0.w1" */
    int is_wafer; /* <wafer>, else <package> */
    tess_packaging packaging;
    uint32_t spare_dies; /* dies that may be defective with the unit still good */
    double tdp_w;        /* power limit of the unit (0: none) */
    long line;
} tess_group;

/* A file read with <include>: its path as opened and the SHA-256 of its text. */
typedef struct tess_include {
    char *path;
    char sha256[65];
} tess_include;

/* Hierarchy levels, innermost first: the scopes <package>, <wafer>, <node>, <cluster>,
 * <datacenter> and <region> (a fat-tree's or rail-only network's high-bandwidth domains are
 * nodes). TESS_SCOPE_LEVELS stands for the whole platform, above every scope. */
typedef enum tess_scope_level {
    TESS_SCOPE_PACKAGE,
    TESS_SCOPE_WAFER,
    TESS_SCOPE_NODE,
    TESS_SCOPE_CLUSTER,
    TESS_SCOPE_DATACENTER,
    TESS_SCOPE_REGION,
    TESS_SCOPE_LEVELS
} tess_scope_level;

/* "package" ... "region", "platform" for TESS_SCOPE_LEVELS. */
const char *tess_scope_level_name(int level);
extern const char *const tess_scope_level_names[]; /* the same, NULL-terminated */

/* Why an instance is dead (config/yield.h): written in <defects>, drawn from the yield
 * (<defects seed>), a memory cut off with what it was attached to, or a spare die a job
 * leaves idle. */
typedef enum tess_dead_reason {
    TESS_DEAD_GIVEN = 1,
    TESS_DEAD_DRAWN,
    TESS_DEAD_CUT_OFF,
    TESS_DEAD_SPARE
} tess_dead_reason;

typedef struct tess_instance {
    char *path;                        /* hierarchical: "wafer0.r3c5.router" */
    tess_kind kind;                    /* never TESS_KIND_LINK */
    uint32_t type;                     /* index into types */
    uint32_t grid;                     /* generator that made it, or TESS_NONE */
    int32_t row, col;                  /* grid coordinates, -1 outside grids */
    uint32_t group;                    /* innermost <package> or <wafer>, or TESS_NONE */
    uint32_t scope[TESS_SCOPE_LEVELS]; /* per level, the scope it is inside (ids from 1), or 0 */
    int dead;                          /* 0: alive; else why not (tess_dead_reason) */
    long line;                         /* element that declared it */
} tess_instance;

/* A bidirectional link between two instances (two channels, one per direction). */
typedef struct tess_link {
    uint32_t a, b;
    uint32_t type;
    int dead;
    int wraparound; /* torus wrap link: where datelines go */
    long line;
    /* a circuit of the platform's circuit switch: configuration circuit - 1 (0: a
     * permanent link); a and b are attached to the switch, the link-type is their fibre */
    uint32_t circuit;
} tess_link;

/* An optical circuit switch (<circuit-switch>): a passive light path between pairs of its
 * ports, set by a configuration; switching configuration takes reconfiguration_s, during
 * which its circuits carry nothing. Each configuration is a set of circuits (links with
 * circuit = k + 1); an instance attached to it uses one port, whatever its circuits. */
typedef struct tess_circuit_switch {
    char *name;
    long line;
    uint32_t ports;
    double insertion_s;       /* added to every circuit's latency */
    double reconfiguration_s; /* from the last bit on the old circuits to the new ones */
    double port_cost_usd;
    uint32_t link_type; /* the fibre from an attached instance to the switch */
    uint32_t attached;  /* instances attached (ports used) */
    uint32_t n_configs;
    char **config_names;
    long *config_lines;
} tess_circuit_switch;

typedef struct tess_param {
    char *name;  /* full path: "k", "pkg0.k" */
    char *value; /* resolved text after overrides and ${} substitution */
    char *default_text;
    int overridden;
    long line;
} tess_param;

typedef struct tess_platform {
    char *name;
    char *file;
    char sha256[65]; /* of the XML text it was read from */
    tess_type *types;
    size_t n_types;
    tess_instance *instances;
    size_t n_instances;
    tess_link *links;
    size_t n_links;
    tess_grid *grids;
    size_t n_grids;
    tess_param *params;
    size_t n_params;
    tess_group *groups;
    size_t n_groups;
    tess_include *includes;
    size_t n_includes;
    uint32_t n_scopes;             /* scope ids handed out (instance.scope) */
    tess_circuit_switch *circuits; /* the optical circuit switch, or NULL: none */
    uint32_t defect_seed;          /* <defects seed>: the defect map drawn (0: none) */
    /* a job is loaded on it (driver/job.c): a wafer-scale unit's spares are then the dies
     * the job leaves to it (dead or idle), at most its spare-dies; else its spare-dies */
    int spares_by_job;
    /* capacities, private to the builder */
    size_t cap_types, cap_instances, cap_links, cap_grids, cap_params, cap_groups, cap_includes;
} tess_platform;

void tess_platform_free(tess_platform *p);

/* Appends an element and returns its index, or TESS_NONE when memory runs out. */
uint32_t tess_platform_add_type(tess_platform *p, const tess_type *t);
uint32_t tess_platform_add_instance(tess_platform *p, const tess_instance *inst);
uint32_t tess_platform_add_link(tess_platform *p, const tess_link *link);
uint32_t tess_platform_add_grid(tess_platform *p, const tess_grid *grid);
uint32_t tess_platform_add_param(tess_platform *p, const tess_param *param);
uint32_t tess_platform_add_group(tess_platform *p, const tess_group *group);
uint32_t tess_platform_add_include(tess_platform *p, const tess_include *inc);

/* The file a type was declared in: an include's path, or the platform's file. */
const char *tess_type_file(const tess_platform *p, uint32_t type);

/* Linear look-ups for tools and tests (the loader keeps hash tables of its own). */
uint32_t tess_platform_find_instance(const tess_platform *p, const char *path);
uint32_t tess_platform_find_type(const tess_platform *p, const char *name);
uint32_t tess_platform_find_param(const tess_platform *p, const char *name);

/* "given", "drawn", "cut-off", "spare" (tess_dead_reason), "" otherwise. */
const char *tess_dead_reason_name(int dead);

/* Marks dead every link with a dead end; with cut_memories, also every live memory left
 * with no live link (TESS_DEAD_CUT_OFF). */
void tess_platform_settle_dead(tess_platform *p, int cut_memories);

/* Number of live links, and of live instances of one kind. */
size_t tess_platform_live_links(const tess_platform *p);
size_t tess_platform_count(const tess_platform *p, tess_kind kind, int include_dead);

/* Mean of (read + write energy) / 2 per bit over the live memories: what a DRAM bit moved
 * by a training schedule costs (0 without memories). */
double tess_dram_energy_per_bit(const tess_platform *p);

/* Multiply-accumulate units of a die's tensor engine (systolic arrays x rows x cols, or
 * sms x sm-flops / 2), and its peak tensor rate, 2 x MACs x clock (FLOP/s). */
double tess_die_macs(const tess_die_type *d);
double tess_die_peak_flops(const tess_die_type *d);

/* Energy of one byte read from or written to a die's SRAM: the mean of its read and write
 * energies (joules per byte; a byte passing through, written and read, costs two). */
double tess_sram_energy_per_byte(const tess_die_type *d);

/* Watts one of a link-type's modules draws: its transceiver-power, else its xcvr-type's
 * laser + tuning power (0 on an electrical link that states none). */
double tess_link_module_power(const tess_platform *p, const tess_link_type *l);
/* Static power of every live link's modules, and the circuit switch's: modules x
 * tess_link_module_power. */
double tess_optics_static_power(const tess_platform *p);
/* The circuit switch's optical modules: one at the attached end of each instance's fibre
 * (half its link-type's modules, rounded up); the switch itself is passive (0 without one). */
uint32_t tess_circuit_modules(const tess_platform *p);

/* The memories a die draws on: the live memories linked to it, else (*shared = 1) every
 * live memory of the platform, a pool all dies share. Writes their instance indices to
 * out (room for n_instances entries) and returns how many; 0 when the platform has none.
 * The schedule's capacity per die, the DMA rates and stats.csv's memory rows all use it. */
size_t tess_die_memories(const tess_platform *p, uint32_t die, uint32_t *out, int *shared);

/* Peak bandwidth of a memory type: channels x bus width x data rate, bytes/s. */
double tess_memory_peak_bandwidth(const tess_memory_type *m);
/* Bytes one burst (column command) moves: bus width x burst length. */
uint64_t tess_memory_burst_bytes(const tess_memory_type *m);
/* The command clock (CK) in Hz: the given clock, else double data rate (data rate / 2). */
double tess_memory_clock(const tess_memory_type *m);
/* A timing in seconds: as given, or its cycles of clock_hz. */
double tess_latency_seconds(tess_latency l, double clock_hz);

#endif
