/* Field tables of the typed templates: see fields.h. */
#include "config/fields.h"
#include "config/spelling.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char *const routing_names[] = {"xy", "yx", "west-first", "table", "shortest", NULL};
static const char *const multipath_names[] = {"hash", "dest-mod-k", "source-mod-k", "adaptive",
                                              NULL};
static const char *const transit_names[] = {"no", "yes", "store-and-forward", NULL};
static const char *const vc_release_names[] = {"tail", "tail-credit", NULL};
static const char *const allocator_names[] = {"separable-input-first", "islip", "wavefront", NULL};
static const char *const compute_names[] = {"systolic", "gpu", NULL};
static const char *const transport_names[] = {"lossless", "lossy", NULL};
const char *const tess_die_efficiency_names[] = {
    "gemm-ceiling",         "cta-tiles",      "align",
    "unaligned-efficiency", "kernel-launch",  "stream-rate",
    "gemm-ceiling-fp8",     "collective-sms", NULL};
const char *const tess_link_efficiency_names[] = {"collective-efficiency", "collective-step", NULL};
static const char *const standard_names[] = {"HBM2", "HBM2E",  "HBM3",  "DDR4",
                                             "DDR5", "LPDDR5", "ideal", NULL};

const char *tess_routing_name(tess_routing r)
{
    return routing_names[r];
}
const char *tess_multipath_name(tess_multipath m)
{
    return multipath_names[m];
}
const char *tess_memory_standard_name(tess_memory_standard s)
{
    return standard_names[s];
}

/* A size given in bytes, stored in bits (bus widths are quoted in bits). */
static double bytes_to_bits(tess_quantity q)
{
    return q.value * 8.0;
}

/* A per-pin data rate: `6400MT/s`, or `6.4Gb/s` (one bit per transfer per pin). */
static double pin_rate(tess_quantity q)
{
    return q.dim == TESS_DIM_BANDWIDTH ? q.value * 8.0 : q.value;
}

#define U32_MAX_D 4294967295.0
#define CYCLE_DIMS (TESS_DIM_COUNT | TESS_DIM_CYCLES)

#define DIE(f) offsetof(tess_die_type, f)
static const tess_field_spec die_fields[] = {
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, DIE(clock_hz), NULL, 1e3, 1e12, NULL, NULL,
     "core clock"},
    {"compute", 0, TESS_FIELD_ENUM, DIE(compute), "systolic", 0, 0, NULL, compute_names,
     "GEMM timing rule: systolic arrays fed from SRAM tiles, or an SM-based GPU (sms, "
     "sm-flops, cta-tiles, gemm-ceiling)"},
    {"sms", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(sms), "0", 0, 1 << 20, NULL, NULL,
     "compute=gpu: streaming multiprocessors"},
    {"sm-flops", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, DIE(sm_flops), "0", 0, 1e9, NULL, NULL,
     "compute=gpu: dense tensor FLOP per clock per SM (peak = sms x sm-flops x clock)"},
    {"cta-tiles", 0, TESS_FIELD_TILES, DIE(cta_tiles), "", 0, 0, NULL, NULL,
     "compute=gpu: output tile shapes its GEMM library picks among, as 256x128,128x128,..."},
    {"gemm-ceiling", TESS_DIM_FLOP_RATE, TESS_FIELD_DOUBLE, DIE(gemm_ceiling), "0FLOP/s", 0, 1e21,
     NULL, NULL, "compute=gpu: best-case GEMM rate measured on the device (cite it)"},
    {"gemm-ceiling-shape", 0, TESS_FIELD_TEXT, DIE(gemm_ceiling_shape), "", 0, 0, NULL, NULL,
     "compute=gpu: the GEMM (MxNxK) the ceiling was measured on: the rule reproduces the ceiling "
     "there, its tile and wave losses included (none: the ceiling is the SMs' rate)"},
    {"gemm-ceiling-fp8", TESS_DIM_FLOP_RATE, TESS_FIELD_DOUBLE, DIE(gemm_ceiling_fp8), "0FLOP/s", 0,
     1e21, NULL, NULL,
     "compute=gpu: best-case GEMM rate on fp8 operands measured on the device (cite it; 0: no "
     "fp8 tensor rate, a workload with fp8 on is refused)"},
    {"gemm-ceiling-fp8-shape", 0, TESS_FIELD_TEXT, DIE(gemm_ceiling_fp8_shape), "", 0, 0, NULL,
     NULL, "compute=gpu: the GEMM (MxNxK) the fp8 ceiling was measured on"},
    {"align", TESS_DIM_SIZE, TESS_FIELD_U32, DIE(align_bytes), "0B", 0, 4096, NULL, NULL,
     "compute=gpu: a GEMM whose K or N is not a multiple of this many bytes runs at "
     "unaligned-efficiency (0: no rule)"},
    {"unaligned-efficiency", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, DIE(unaligned_efficiency), "1",
     0.01, 1, NULL, NULL, "compute=gpu: fraction of the GEMM rate an unaligned GEMM keeps"},
    {"kernel-launch", TESS_DIM_TIME, TESS_FIELD_DOUBLE, DIE(kernel_launch_s), "0s", 0, 1, NULL,
     NULL, "time each kernel costs back to back, before its work"},
    {"stream-rate", TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, DIE(stream_rate), "0B/s", 0, 1e18, NULL,
     NULL, "rate its kernels reach streaming DRAM (0: the platform's DMA rate)"},
    {"collective-sms", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(collective_sms), "0", 0, 1 << 20, NULL,
     NULL,
     "compute=gpu: SMs a collective kernel holds while it runs beside the die's compute (its "
     "channels, a CTA each): GEMMs then run in waves over the rest (0: none taken)"},
    {"assumed", 0, TESS_FIELD_FLAGS, DIE(assumed), "", 0, 0, NULL, tess_die_efficiency_names,
     "which of its efficiency figures (gemm-ceiling, cta-tiles, align, unaligned-efficiency, "
     "kernel-launch, stream-rate, gemm-ceiling-fp8, collective-sms) are assumptions rather than "
     "cited measurements"},
    {"tensor-arrays", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(tensor_arrays), "1", 1, 1 << 20, NULL,
     NULL, "systolic arrays (peak = 2 x arrays x rows x cols x clock FLOP/s)"},
    {"tensor-rows", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(tensor_rows), "0", 0, 65536, NULL, NULL,
     "systolic array rows (0: no tensor engine)"},
    {"tensor-cols", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(tensor_cols), "0", 0, 65536, NULL, NULL,
     "systolic array columns"},
    {"vector-lanes", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(vector_lanes), "0", 0, 1 << 20, NULL, NULL,
     "vector unit lanes"},
    {"sram", TESS_DIM_SIZE, TESS_FIELD_U64, DIE(sram_bytes), "0B", 0, 1e15, NULL, NULL,
     "on-die SRAM capacity"},
    {"sram-bandwidth", TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, DIE(sram_bandwidth), "0B/s", 0, 1e18,
     NULL, NULL, "SRAM bandwidth"},
    {"sram-banks", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(sram_banks), "16", 1, 4096, NULL, NULL,
     "SRAM banks, interleaved by sram-bank-bytes"},
    {"sram-bank-bytes", TESS_DIM_SIZE, TESS_FIELD_U32, DIE(sram_bank_bytes), "64B", 1, 1 << 20,
     NULL, NULL, "SRAM interleaving granule"},
    {"sram-ports", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(sram_ports), "2", 1, 64, NULL, NULL,
     "SRAM requests served at once"},
    {"sram-latency", CYCLE_DIMS, TESS_FIELD_U32, DIE(sram_latency), "2", 0, 1 << 16, NULL, NULL,
     "SRAM access latency, cycles of the die clock"},
    {"sram-read-energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, DIE(sram_read_energy),
     "0pJ/bit", 0, 1e-9, NULL, NULL, "SRAM energy per bit read"},
    {"sram-write-energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, DIE(sram_write_energy),
     "0pJ/bit", 0, 1e-9, NULL, NULL, "SRAM energy per bit written"},
    {"sram-leakage", TESS_DIM_POWER, TESS_FIELD_DOUBLE, DIE(sram_leakage), "0W", 0, 1e4, NULL, NULL,
     "SRAM leakage power"},
    {"dma-engines", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(dma_engines), "1", 0, 1024, NULL, NULL,
     "DMA engines"},
    {"flop-energy", TESS_DIM_ENERGY, TESS_FIELD_DOUBLE, DIE(flop_energy), "0J", 0, 1e-6, NULL, NULL,
     "energy per FLOP"},
    {"static-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, DIE(static_power), "0W", 0, 1e5, NULL, NULL,
     "static (leakage and idle) power of the die"},
    {"technology", 0, TESS_FIELD_TEXT, DIE(technology), "", 0, 0, NULL, NULL,
     "technology-type the die is made in (none: no area, yield or cost account)"},
    {"area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, DIE(area_m2), "0mm2", 0, 1, NULL, NULL,
     "die area as built (0: computed from its blocks and the technology's densities)"},
    {"tdp", TESS_DIM_POWER, TESS_FIELD_DOUBLE, DIE(tdp_w), "0W", 0, 1e6, NULL, NULL,
     "power limit of one die (0: none)"},
    {"core-rows", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(core_rows), "0", 0, 1 << 20, NULL, NULL,
     "core-level redundancy: the die's compute as this many rows of cores (0: none)"},
    {"core-cols", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(core_cols), "0", 0, 1 << 20, NULL, NULL,
     "core-level redundancy: working cores a row"},
    {"spare-cores", TESS_DIM_COUNT, TESS_FIELD_U32, DIE(spare_cores), "0", 0, 1 << 20, NULL, NULL,
     "core-level redundancy: spare cores a row (area, no compute)"},
};

#define RT(f) offsetof(tess_router_type, f)
static const tess_field_spec router_fields[] = {
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, RT(clock_hz), NULL, 1e3, 1e12, NULL, NULL,
     "router clock"},
    {"ports", TESS_DIM_COUNT, TESS_FIELD_U32, RT(ports), "0", 0, 4096, NULL, NULL,
     "ports (0: as many as links attached)"},
    {"vcs", TESS_DIM_COUNT, TESS_FIELD_U32, RT(vcs), "2", 1, 256, NULL, NULL,
     "virtual channels per port"},
    {"buffer-flits", TESS_DIM_COUNT, TESS_FIELD_U32, RT(buffer_flits), "8", 1, 1 << 20, NULL, NULL,
     "buffer depth per virtual channel, flits"},
    {"flit-width", TESS_DIM_SIZE, TESS_FIELD_U32, RT(flit_bytes), "16B", 1, 1 << 20, NULL, NULL,
     "flit width"},
    {"pipeline", CYCLE_DIMS, TESS_FIELD_U32, RT(pipeline_cycles), "1", 1, 1024, NULL, NULL,
     "router pipeline depth, cycles"},
    {"input-speedup", TESS_DIM_COUNT, TESS_FIELD_U32, RT(input_speedup), "1", 1, 16, NULL, NULL,
     "crossbar inputs per input port: flits one port may send in a cycle"},
    {"credit-delay", CYCLE_DIMS, TESS_FIELD_U32, RT(credit_delay), "0", 0, 1024, NULL, NULL,
     "cycles a credit takes back upstream (0: the link's latency)"},
    {"routing", 0, TESS_FIELD_ENUM, RT(routing), "xy", 0, 0, NULL, routing_names,
     "routing algorithm"},
    {"multipath", 0, TESS_FIELD_ENUM, RT(multipath), "hash", 0, 0, NULL, multipath_names,
     "shortest routing: equally fast next hops chosen by a hash of source and destination, "
     "by the destination's (source's) number modulo the choices (D-mod-K, S-mod-K), or "
     "adaptively, per message, by the load on them"},
    {"transit", 0, TESS_FIELD_ENUM, RT(transit), "yes", 0, 0, NULL, transit_names,
     "shortest routing: whether routes between other routers' endpoints may pass through it "
     "(store-and-forward: they may, each message received whole before it goes on, as a GPU "
     "relays through its memory)"},
    {"vc-release", 0, TESS_FIELD_ENUM, RT(vc_release), "tail", 0, 0, NULL, vc_release_names,
     "an output VC takes a new packet after the tail leaves, or after its credit returns"},
    {"allocator", 0, TESS_FIELD_ENUM, RT(allocator), "separable-input-first", 0, 0, NULL,
     allocator_names,
     "switch allocator: separable input-first (each input port nominates one VC, each output "
     "grants one input, round-robin), iSLIP (outputs grant, inputs accept, pointers move on "
     "acceptance) or wavefront (a rotating diagonal of priority over inputs x outputs)"},
    {"allocator-iterations", TESS_DIM_COUNT, TESS_FIELD_U32, RT(allocator_iterations), "1", 1, 16,
     NULL, NULL, "iSLIP: request-grant-accept iterations per cycle"},
    {"energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, RT(energy_per_bit), "0pJ/bit", 0, 1e-6,
     NULL, NULL, "energy per bit switched"},
    {"port-cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, RT(port_cost_usd), "0USD", 0, 1e9, NULL, NULL,
     "price per port when the router is a stand-alone switch"},
    {"switch-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, RT(switch_power_w), "0W", 0, 1e6, NULL,
     NULL,
     "power one stand-alone switch draws all the time (ASIC, fans, management; not the "
     "pluggable modules, which their links count)"},
};

#define LT(f) offsetof(tess_link_type, f)
static const tess_field_spec link_fields[] = {
    {"width", TESS_DIM_SIZE, TESS_FIELD_U32, LT(width_bytes), "0B", 0, 1 << 20, NULL, NULL,
     "bytes moved per cycle (0: as fast as its xcvr; required without one)"},
    {"latency", TESS_DIM_TIME | TESS_DIM_CYCLES, TESS_FIELD_LATENCY, LT(latency), NULL, 0, 1e9,
     NULL, NULL,
     "wire latency (cycles of the link clock, or a time; up to 1 s: a long-haul circuit)"},
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, LT(clock_hz), "0Hz", 0, 1e12, NULL, NULL,
     "link clock (0: the clock of the block it leaves)"},
    {"energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, LT(energy_per_bit), NULL, 0, 1e-6, NULL,
     NULL, "energy per bit moved"},
    {"cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, LT(cost_usd), "0USD", 0, 1e9, NULL, NULL,
     "price of one link's cable or fibre"},
    {"transceivers", TESS_DIM_COUNT, TESS_FIELD_U32, LT(transceivers), "0", 0, 64, NULL, NULL,
     "optical modules on one link (0: electrical, 2: one per end)"},
    {"transceiver-cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, LT(transceiver_cost_usd), "0USD", 0, 1e9,
     NULL, NULL, "price of one optical module (0: the xcvr-type's cost)"},
    {"transceiver-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, LT(transceiver_power_w), "0W", 0, 1e3,
     NULL, NULL,
     "power one optical module draws all the time (0: the xcvr-type's laser and tuning power)"},
    {"xcvr", 0, TESS_FIELD_TEXT, LT(xcvr), "", 0, 0, NULL, NULL,
     "xcvr-type of the link's optical modules (none: electrical)"},
    {"length", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, LT(length_m), "0m", 0, 4e7, NULL, NULL,
     "fibre length (delay 4.897 ns/m; at most the transceiver's reach)"},
    {"collective-efficiency", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, LT(collective_efficiency), "1",
     0.01, 1, NULL, NULL,
     "fraction of the link's rate a collective's ring steps move payload at (protocol, flags, "
     "chunk handshakes; cite the measurement)"},
    {"collective-step", TESS_DIM_TIME, TESS_FIELD_DOUBLE, LT(collective_step_s), "0s", 0, 1, NULL,
     NULL,
     "time each ring step of a collective over this link spends synchronising before its "
     "data moves"},
    {"assumed", 0, TESS_FIELD_FLAGS, LT(assumed), "", 0, 0, NULL, tess_link_efficiency_names,
     "which of collective-efficiency and collective-step are assumptions rather than cited "
     "measurements"},
    {"max-packet", TESS_DIM_SIZE, TESS_FIELD_U32, LT(max_packet_bytes), "0B", 0, 1 << 30, NULL,
     NULL,
     "the largest packet the link's protocol carries: a longer message crosses as a train of "
     "packets, holding the receiving router's input for its first packet only (packet and "
     "mixed fidelity; the flit fidelity sends it as packets of its die's link's max-packet; "
     "0: a message is one packet)"},
    {"window", TESS_DIM_SIZE, TESS_FIELD_U64, LT(window_bytes), "0B", 0, 1e12, NULL, NULL,
     "the transport's window: a flow crossing this link has at most this many bytes in "
     "flight and moves at most window / its round trip (twice its path's latency; flow and "
     "mixed fidelity; 0: no limit)"},
    {"transport", 0, TESS_FIELD_ENUM, LT(transport), "lossless", 0, 0, NULL, transport_names,
     "lossless: no byte is lost (credit-based flow control, InfiniBand; Ethernet with PFC); "
     "lossy: a drop-tail port (RoCE without PFC) whose overflow is resent after "
     "retransmit-timeout"},
    {"buffer", TESS_DIM_SIZE, TESS_FIELD_U64, LT(buffer_bytes), "0B", 0, 1e12, NULL, NULL,
     "the receiving port's buffer: lossless, the credits it advertises, so the link moves at "
     "most buffer per round trip (twice its latency; every fidelity; 0: not limited); lossy, "
     "its drop-tail queue (required)"},
    {"retransmit-timeout", TESS_DIM_TIME, TESS_FIELD_DOUBLE, LT(retransmit_timeout_s), "0s", 0, 100,
     NULL, NULL,
     "lossy: how long a sender whose bytes were dropped waits before resending them "
     "(required)"},
    {"ecn-threshold", TESS_DIM_SIZE, TESS_FIELD_U64, LT(ecn_threshold_bytes), "0B", 0, 1e12, NULL,
     NULL,
     "lossy: the queue at which the port starts marking packets (ECN, Kmin): its senders' "
     "congestion control then cuts their rates a round trip later (DCQCN; below buffer; 0: "
     "no marking)"},
    {"cc-period", TESS_DIM_TIME, TESS_FIELD_DOUBLE, LT(cc_period_s), "4us", 1e-9, 1, NULL, NULL,
     "with ecn-threshold: how often a sender cuts its rate while marks come back (DCQCN's "
     "rate_reduce_monitor_period: 4 us on NVIDIA ConnectX NICs by default)"},
    {"cc-decrease", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, LT(cc_decrease), "0.5", 0.01, 0.99, NULL,
     NULL,
     "with ecn-threshold: the share of its rate a sender keeps at each cut (DCQCN's 1 - "
     "alpha / 2 with alpha near 1, no lower than rpg_min_dec_fac: 50% on ConnectX by "
     "default)"},
};

#define MT(f) offsetof(tess_memory_type, f)
#define TIMING(name, def, doc)                                                                     \
    {                                                                                              \
#name, TESS_DIM_TIME | TESS_DIM_CYCLES, TESS_FIELD_LATENCY,                                \
            offsetof(tess_memory_type, t) + offsetof(tess_dram_timing, name), def, 0, 1e9, NULL,   \
            NULL, doc                                                                              \
    }
static const char *const scheduler_names[] = {"fr-fcfs", "fcfs", NULL};
static const char *const page_names[] = {"open", "closed", NULL};
static const char *const refresh_names[] = {"all-bank", "per-bank", "off", NULL};
static const char *const command_bus_names[] = {"single", "row-column", NULL};
static const tess_field_spec memory_fields[] = {
    {"standard", 0, TESS_FIELD_ENUM, MT(standard), NULL, 0, 0, NULL, standard_names,
     "DRAM standard"},
    {"capacity", TESS_DIM_SIZE, TESS_FIELD_U64, MT(capacity_bytes), NULL, 1, 1e18, NULL, NULL,
     "capacity"},
    {"channels", TESS_DIM_COUNT, TESS_FIELD_U32, MT(channels), NULL, 1, 4096, NULL, NULL,
     "channels (pseudo-channels for HBM)"},
    {"bus-width", TESS_DIM_SIZE, TESS_FIELD_U32, MT(bus_width_bits), NULL, 1, 65536, bytes_to_bits,
     NULL, "data bus width per channel"},
    {"data-rate", TESS_DIM_TRANSFER_RATE | TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, MT(data_rate),
     NULL, 1e3, 1e12, pin_rate, NULL, "per-pin data rate"},
    {"clock", TESS_DIM_FREQUENCY, TESS_FIELD_DOUBLE, MT(clock_hz), "0Hz", 0, 1e12, NULL, NULL,
     "command clock CK (0: half the data rate, double data rate)"},
    {"burst-length", TESS_DIM_COUNT, TESS_FIELD_U32, MT(burst_length), "8", 1, 64, NULL, NULL,
     "transfers per column command"},
    {"ranks", TESS_DIM_COUNT, TESS_FIELD_U32, MT(ranks), "1", 1, 16, NULL, NULL,
     "ranks per channel"},
    {"bank-groups", TESS_DIM_COUNT, TESS_FIELD_U32, MT(bank_groups), "4", 1, 64, NULL, NULL,
     "bank groups per rank"},
    {"banks", TESS_DIM_COUNT, TESS_FIELD_U32, MT(banks), "4", 1, 64, NULL, NULL,
     "banks per bank group"},
    {"rows", TESS_DIM_COUNT, TESS_FIELD_U32, MT(rows), "32768", 1, 1 << 24, NULL, NULL,
     "rows per bank"},
    {"mapping", 0, TESS_FIELD_TEXT, MT(mapping), "RoBaRaCoBgCh", 0, 0, NULL, NULL,
     "address fields, most significant first: Ro Ba Bg Ra Co Ch, each once"},
    {"scheduler", 0, TESS_FIELD_ENUM, MT(scheduler), "fr-fcfs", 0, 0, NULL, scheduler_names,
     "request scheduling"},
    {"page-policy", 0, TESS_FIELD_ENUM, MT(page_policy), "open", 0, 0, NULL, page_names,
     "keep rows open, or close them after the last queued hit"},
    {"refresh", 0, TESS_FIELD_ENUM, MT(refresh), "all-bank", 0, 0, NULL, refresh_names,
     "refresh mode"},
    {"queue-depth", TESS_DIM_COUNT, TESS_FIELD_U32, MT(queue_depth), "32", 1, 4096, NULL, NULL,
     "bursts a channel controller queues"},
    {"frontend-latency", TESS_DIM_COUNT | TESS_DIM_CYCLES, TESS_FIELD_U32, MT(frontend_cycles), "0",
     0, 1 << 20, NULL, NULL, "fixed controller latency per request, cycles of CK"},
    {"command-bus", 0, TESS_FIELD_ENUM, MT(command_bus), "single", 0, 0, NULL, command_bus_names,
     "one command bus, or a row bus (ACT, PRE, REF) beside a column bus (RD, WR)"},
    {"command-bus-channels", TESS_DIM_COUNT, TESS_FIELD_U32, MT(bus_channels), "1", 1, 64, NULL,
     NULL, "consecutive channels that share one command bus (HBM: a channel's 2 pseudo-channels)"},
    {"act-cycles", CYCLE_DIMS, TESS_FIELD_DOUBLE, MT(act_cycles), "1", 0.5, 16, NULL, NULL,
     "CK an ACT holds its command bus"},
    {"row-command-cycles", CYCLE_DIMS, TESS_FIELD_DOUBLE, MT(row_cycles), "1", 0.5, 16, NULL, NULL,
     "CK a PRE or REF holds its command bus"},
    {"column-command-cycles", CYCLE_DIMS, TESS_FIELD_DOUBLE, MT(column_cycles), "1", 0.5, 16, NULL,
     NULL, "CK a RD or WR holds its command bus"},
    TIMING(tRCD, NULL, "ACT to column command"),
    TIMING(tCL, NULL, "read command to first data"),
    TIMING(tCWL, NULL, "write command to first data"),
    TIMING(tRP, NULL, "PRE to ACT"),
    TIMING(tRAS, NULL, "ACT to PRE"),
    TIMING(tRC, NULL, "ACT to ACT, same bank"),
    TIMING(tCCD_S, NULL, "column to column, different bank group"),
    TIMING(tCCD_L, NULL, "column to column, same bank group"),
    TIMING(tRRD_S, NULL, "ACT to ACT, different bank group"),
    TIMING(tRRD_L, NULL, "ACT to ACT, same bank group"),
    TIMING(tFAW, NULL, "window holding at most four ACTs"),
    TIMING(tWR, NULL, "end of write data to PRE"),
    TIMING(tWTR_S, NULL, "end of write data to read, different bank group"),
    TIMING(tWTR_L, NULL, "end of write data to read, same bank group"),
    TIMING(tRTW, NULL, "read to write command"),
    TIMING(tRTP, NULL, "read to PRE"),
    TIMING(tREFI, NULL, "all-bank refresh interval"),
    TIMING(tRFC, NULL, "all-bank refresh cycle time"),
    TIMING(tREFIpb, "0cycles", "per-bank refresh interval (0: per-bank refresh not supported)"),
    TIMING(tRFCpb, "0cycles", "per-bank refresh cycle time"),
    {"act-energy", TESS_DIM_ENERGY, TESS_FIELD_DOUBLE, MT(act_energy), "0J", 0, 1e-3, NULL, NULL,
     "energy of one activate-precharge pair"},
    {"read-energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, MT(read_energy), "0pJ/bit", 0, 1e-6,
     NULL, NULL, "energy per bit read (burst and I/O)"},
    {"write-energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, MT(write_energy), "0pJ/bit", 0,
     1e-6, NULL, NULL, "energy per bit written"},
    {"refresh-energy", TESS_DIM_ENERGY, TESS_FIELD_DOUBLE, MT(refresh_energy), "0J", 0, 1e-3, NULL,
     NULL, "energy of one all-bank refresh of a channel (per-bank: divided by its banks)"},
    {"background-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, MT(background_power), "0W", 0, 1e3,
     NULL, NULL, "background power per channel"},
    {"cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, MT(cost_usd), "0USD", 0, 1e9, NULL, NULL,
     "price of one device"},
};

#define XT(f) offsetof(tess_xcvr_type, f)
static const tess_field_spec xcvr_fields[] = {
    {"lanes", TESS_DIM_COUNT, TESS_FIELD_U32, XT(lanes), "1", 1, 1024, NULL, NULL,
     "electrical lanes (fibres or fibre pairs)"},
    {"wavelengths", TESS_DIM_COUNT, TESS_FIELD_U32, XT(wavelengths), "1", 1, 1024, NULL, NULL,
     "wavelengths per lane (WDM)"},
    {"lane-rate", TESS_DIM_BANDWIDTH, TESS_FIELD_DOUBLE, XT(lane_rate), NULL, 1, 1e14, NULL, NULL,
     "data rate of one wavelength of one lane"},
    {"eo-latency", TESS_DIM_TIME, TESS_FIELD_DOUBLE, XT(eo_s), "0s", 0, 1e-3, NULL, NULL,
     "electrical-to-optical conversion latency"},
    {"oe-latency", TESS_DIM_TIME, TESS_FIELD_DOUBLE, XT(oe_s), "0s", 0, 1e-3, NULL, NULL,
     "optical-to-electrical conversion latency"},
    {"fec-latency", TESS_DIM_TIME, TESS_FIELD_DOUBLE, XT(fec_s), "0s", 0, 1e-3, NULL, NULL,
     "forward error correction encode plus decode latency"},
    {"energy", TESS_DIM_ENERGY_PER_BIT, TESS_FIELD_DOUBLE, XT(energy_per_bit), "0pJ/bit", 0, 1e-9,
     NULL, NULL, "energy per bit, transmitter and receiver together"},
    {"laser-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, XT(laser_power_w), "0W", 0, 1e3, NULL, NULL,
     "laser power of one module, drawn while powered"},
    {"tuning-power", TESS_DIM_POWER, TESS_FIELD_DOUBLE, XT(tuning_power_w), "0W", 0, 1e3, NULL,
     NULL, "ring-tuning (thermal) power of one module"},
    {"reach", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, XT(reach_m), "2km", 0, 4e7, NULL, NULL,
     "longest fibre the module drives"},
    {"cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, XT(cost_usd), "0USD", 0, 1e9, NULL, NULL,
     "price of one module"},
};

#define TT(f) offsetof(tess_technology_type, f)
static const char *const yield_model_names[] = {"negative-binomial", "murphy", "poisson", NULL};
static const tess_field_spec technology_fields[] = {
    {"wafer-diameter", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, TT(wafer_diameter_m), "300mm", 0.01, 1,
     NULL, NULL, "wafer diameter"},
    {"edge-exclusion", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, TT(edge_exclusion_m), "3mm", 0, 0.1,
     NULL, NULL, "unusable rim of the wafer"},
    {"reticle-width", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, TT(reticle_width_m), "26mm", 1e-3, 0.1,
     NULL, NULL, "largest die width the scanner exposes"},
    {"reticle-height", TESS_DIM_LENGTH, TESS_FIELD_DOUBLE, TT(reticle_height_m), "33mm", 1e-3, 0.1,
     NULL, NULL, "largest die height the scanner exposes"},
    {"wafer-cost", TESS_DIM_COST, TESS_FIELD_DOUBLE, TT(wafer_cost_usd), NULL, 0, 1e7, NULL, NULL,
     "price of one processed wafer"},
    {"defect-density", TESS_DIM_DEFECT_DENSITY, TESS_FIELD_DOUBLE, TT(defect_density), NULL, 0, 1e7,
     NULL, NULL, "killer defects per area (D0)"},
    {"clustering", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, TT(clustering), "3", 0.01, 1000, NULL, NULL,
     "negative-binomial clustering parameter alpha"},
    {"yield-model", 0, TESS_FIELD_ENUM, TT(yield_model), "negative-binomial", 0, 0, NULL,
     yield_model_names, "die yield formula"},
    {"mac-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(mac_area_m2), "0um2", 0, 1e-6, NULL, NULL,
     "area per MAC of a systolic array"},
    {"vector-lane-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(vector_lane_area_m2), "0um2", 0, 1e-6,
     NULL, NULL, "area per vector-unit lane"},
    {"sram-bit-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(sram_bit_area_m2), "0um2", 0, 1e-9, NULL,
     NULL, "SRAM bit-cell area"},
    {"sram-efficiency", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, TT(sram_efficiency), "1", 0.01, 1, NULL,
     NULL, "share of an SRAM macro that is bit cells"},
    {"router-port-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(router_port_area_m2), "0mm2", 0, 1e-3,
     NULL, NULL, "area per port of a die's router"},
    {"phy-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(phy_area_m2), "0mm2", 0, 1e-3, NULL, NULL,
     "die-to-die PHY area per byte of link width, per link end on a die"},
    {"memory-phy-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(memory_phy_area_m2), "0mm2", 0, 1e-3,
     NULL, NULL, "DRAM PHY area per memory device attached to a die"},
    {"uncore-area", TESS_DIM_AREA, TESS_FIELD_DOUBLE, TT(uncore_area_m2), "0mm2", 0, 1e-3, NULL,
     NULL, "per-die area of control, clocking and I/O"},
    {"organic-cost", TESS_DIM_COST_PER_AREA, TESS_FIELD_DOUBLE, TT(organic_cost), "0USD/mm2", 0,
     1e9, NULL, NULL, "organic-substrate packaging, per area of silicon placed"},
    {"interposer-cost", TESS_DIM_COST_PER_AREA, TESS_FIELD_DOUBLE, TT(interposer_cost), "0USD/mm2",
     0, 1e9, NULL, NULL, "2.5-D interposer packaging, per area of silicon placed"},
    {"wafer-scale-cost", TESS_DIM_COST_PER_AREA, TESS_FIELD_DOUBLE, TT(wafer_scale_cost),
     "0USD/mm2", 0, 1e9, NULL, NULL, "wafer-scale integration (cooling, power delivery), per area"},
    {"organic-bonding-yield", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, TT(organic_bonding_yield), "1",
     0.01, 1, NULL, NULL,
     "probability that one die or DRAM device bonds onto an organic substrate"},
    {"interposer-bonding-yield", TESS_DIM_COUNT, TESS_FIELD_DOUBLE, TT(interposer_bonding_yield),
     "1", 0.01, 1, NULL, NULL, "probability that one die or DRAM device bonds onto an interposer"},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const tess_field_spec *tess_fields_of(tess_kind kind, size_t *count)
{
    switch (kind) {
    case TESS_KIND_DIE:
        *count = COUNT_OF(die_fields);
        return die_fields;
    case TESS_KIND_ROUTER:
        *count = COUNT_OF(router_fields);
        return router_fields;
    case TESS_KIND_LINK:
        *count = COUNT_OF(link_fields);
        return link_fields;
    case TESS_KIND_MEMORY:
        *count = COUNT_OF(memory_fields);
        return memory_fields;
    case TESS_KIND_TECHNOLOGY:
        *count = COUNT_OF(technology_fields);
        return technology_fields;
    case TESS_KIND_XCVR:
        *count = COUNT_OF(xcvr_fields);
        return xcvr_fields;
    default:
        *count = 0;
        return NULL;
    }
}

const tess_field_spec *tess_field_find(tess_kind kind, const char *attr)
{
    size_t n;
    const tess_field_spec *f = tess_fields_of(kind, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].attr, attr) == 0) return &f[i];
    return NULL;
}

void *tess_type_struct(tess_type *t)
{
    return &t->u;
}
const void *tess_type_struct_const(const tess_type *t)
{
    return &t->u;
}

/* "a, b, c": the names of a NULL-terminated list, for messages. */
static void names_list(const char *const *names, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; names[i]; i++) {
        strncat(buf, i ? ", " : "", len - strlen(buf) - 1);
        strncat(buf, names[i], len - strlen(buf) - 1);
    }
}

/* "256x128,128x128": at most TESS_MAX_CTA_TILES shapes of whole numbers 1..65536. */
static int parse_tiles(const char *text, tess_cta_tiles *out, char *err, size_t errlen)
{
    tess_cta_tiles t;
    memset(&t, 0, sizeof t);
    const char *p = text;
    while (*p) {
        char *end;
        const unsigned long m = strtoul(p, &end, 10);
        unsigned long n = 0;
        int ok = end != p && (*end == 'x' || *end == 'X');
        if (ok) {
            const char *q = end + 1;
            n = strtoul(q, &end, 10);
            ok = end != q && (*end == ',' || *end == '\0') && m >= 1 && m <= 65536 && n >= 1 &&
                 n <= 65536;
        }
        if (!ok) {
            snprintf(err, errlen, "'%s' is not a list of tile shapes such as 256x128,128x128",
                     text);
            return -1;
        }
        if (t.n == TESS_MAX_CTA_TILES) {
            snprintf(err, errlen, "'%s' has more than %d tile shapes", text, TESS_MAX_CTA_TILES);
            return -1;
        }
        t.m[t.n] = (uint32_t)m;
        t.cols[t.n++] = (uint32_t)n;
        p = *end == ',' ? end + 1 : end;
    }
    *out = t;
    return 0;
}

/* "7,8,8,7": at most TESS_MAX_COUNTS whole numbers in [lo, hi] ("": none). */
static int parse_counts(const char *text, double lo, double hi, tess_counts *out, char *err,
                        size_t errlen)
{
    tess_counts c;
    c.n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        const unsigned long v = strtoul(p, &end, 10);
        if (end == p || (*end != ',' && *end != '\0') || v < lo || v > hi || *p == '-') {
            snprintf(err, errlen,
                     "'%s' is not a list of whole numbers from %g to %g such as 7,8,8,7", text, lo,
                     hi);
            return -1;
        }
        if (c.n == TESS_MAX_COUNTS) {
            snprintf(err, errlen, "'%s' has more than %d numbers", text, TESS_MAX_COUNTS);
            return -1;
        }
        c.v[c.n++] = (uint32_t)v;
        p = *end == ',' ? end + 1 : end;
    }
    memcpy(out, &c, sizeof c);
    return 0;
}

/* "a b c" (spaces or commas) of names into a bit set. */
static int parse_flags(const char *text, const char *const *names, uint32_t *out, char *err,
                       size_t errlen)
{
    uint32_t bits = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, " ,");
        if (!len) break;
        int found = -1;
        for (int i = 0; names[i]; i++)
            if (strlen(names[i]) == len && strncmp(p, names[i], len) == 0) found = i;
        if (found < 0) {
            char allowed[256];
            names_list(names, allowed, sizeof allowed);
            snprintf(err, errlen, "'%.*s' is not one of: %s", (int)len, p, allowed);
            return -1;
        }
        bits |= 1u << found;
        p += len;
    }
    *out = bits;
    return 0;
}

int tess_field_set(const tess_field_spec *f, void *type_struct, const char *text, char *err,
                   size_t errlen)
{
    char *base = (char *)type_struct + f->offset;
    if (f->storage == TESS_FIELD_ENUM) {
        for (int i = 0; f->enum_names[i]; i++) {
            if (strcmp(text, f->enum_names[i]) == 0) {
                *(int *)base = i;
                return 0;
            }
        }
        char allowed[256];
        names_list(f->enum_names, allowed, sizeof allowed);
        size_t n = 0;
        while (f->enum_names[n])
            n++;
        const char *near = tess_did_you_mean(text, f->enum_names, n);
        if (near)
            snprintf(err, errlen, "'%s' is not one of: %s (did you mean '%s'?)", text, allowed,
                     near);
        else
            snprintf(err, errlen, "'%s' is not one of: %s", text, allowed);
        return -1;
    }
    if (f->storage == TESS_FIELD_TILES)
        return parse_tiles(text, (tess_cta_tiles *)base, err, errlen);
    if (f->storage == TESS_FIELD_FLAGS)
        return parse_flags(text, f->enum_names, (uint32_t *)base, err, errlen);
    if (f->storage == TESS_FIELD_COUNTS)
        return parse_counts(text, f->min, f->max, (tess_counts *)base, err, errlen);
    if (f->storage == TESS_FIELD_TEXT) {
        if (strlen(text) >= 32) {
            snprintf(err, errlen, "'%s' is longer than 31 characters", text);
            return -1;
        }
        snprintf(base, 32, "%s", text);
        return 0;
    }
    tess_quantity q;
    if (tess_parse_quantity(text, f->dims, &q, err, errlen) != 0) return -1;
    double v = f->convert ? f->convert(q) : q.value;
    if (f->storage == TESS_FIELD_LATENCY) {
        /* a latency in seconds is compared against max in cycles-equivalent ns */
        double check = q.dim == TESS_DIM_CYCLES ? v : v * 1e9;
        if (v < 0 || check > f->max) {
            snprintf(err, errlen, "'%s' is out of range (0 to %g cycles or %g ns)", text, f->max,
                     f->max);
            return -1;
        }
        tess_latency *lat = (tess_latency *)base;
        lat->cycles = q.dim == TESS_DIM_CYCLES ? v : 0.0;
        lat->seconds = q.dim == TESS_DIM_TIME ? v : 0.0;
        if (lat->cycles != floor(lat->cycles)) {
            snprintf(err, errlen, "'%s' is not a whole number of cycles", text);
            return -1;
        }
        return 0;
    }
    if (!(v >= f->min && v <= f->max)) {
        char lo[48], hi[48];
        tess_format_quantity(f->min, f->convert ? TESS_DIM_COUNT : q.dim, lo, sizeof lo);
        tess_format_quantity(f->max, f->convert ? TESS_DIM_COUNT : q.dim, hi, sizeof hi);
        snprintf(err, errlen, "'%s' is out of range (%s to %s)", text, lo, hi);
        return -1;
    }
    if (f->storage == TESS_FIELD_U32 || f->storage == TESS_FIELD_U64) {
        if (v != floor(v)) {
            snprintf(err, errlen, "'%s' is not a whole number%s", text,
                     q.dim == TESS_DIM_SIZE ? " of bytes" : "");
            return -1;
        }
        if (f->storage == TESS_FIELD_U32)
            *(uint32_t *)base = (uint32_t)v;
        else
            *(uint64_t *)base = (uint64_t)v;
    } else {
        *(double *)base = v;
    }
    return 0;
}

/* Appends to buf (len bytes, *used of them written), cutting at its end. */
static void appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len) return;
    va_list ap;
    va_start(ap, fmt);
    const int k = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (k > 0) *used += (size_t)k;
}

void tess_field_format(const tess_field_spec *f, const void *type_struct, char *buf, size_t len)
{
    const char *base = (const char *)type_struct + f->offset;
    /* the first accepted dimension that is not a plain count names the display unit */
    tess_dim dim = TESS_DIM_COUNT;
    for (unsigned bit = 2; bit <= TESS_DIM_LAST; bit <<= 1)
        if (f->dims & bit) {
            dim = (tess_dim)bit;
            break;
        }
    if (f->convert) dim = f->convert == pin_rate ? TESS_DIM_TRANSFER_RATE : TESS_DIM_COUNT;
    switch (f->storage) {
    case TESS_FIELD_ENUM:
        snprintf(buf, len, "%s", f->enum_names[*(const int *)base]);
        return;
    case TESS_FIELD_U32:
        if (f->convert == bytes_to_bits)
            snprintf(buf, len, "%u bits", *(const uint32_t *)base);
        else
            tess_format_quantity(*(const uint32_t *)base, dim, buf, len);
        return;
    case TESS_FIELD_U64:
        tess_format_quantity((double)*(const uint64_t *)base, dim, buf, len);
        return;
    case TESS_FIELD_DOUBLE:
        tess_format_quantity(*(const double *)base, dim, buf, len);
        return;
    case TESS_FIELD_LATENCY: {
        const tess_latency *lat = (const tess_latency *)base;
        if (lat->seconds > 0)
            tess_format_quantity(lat->seconds, TESS_DIM_TIME, buf, len);
        else
            snprintf(buf, len, "%g cycles", lat->cycles);
        return;
    }
    case TESS_FIELD_TEXT:
        snprintf(buf, len, "%s", base);
        return;
    case TESS_FIELD_COUNTS: {
        const tess_counts *c = (const tess_counts *)base;
        size_t used = 0;
        buf[0] = '\0';
        for (uint32_t i = 0; i < c->n; i++)
            appendf(buf, len, &used, "%s%u", i ? "," : "", c->v[i]);
        if (!c->n) snprintf(buf, len, "none");
        return;
    }
    case TESS_FIELD_FLAGS: {
        const uint32_t bits = *(const uint32_t *)base;
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; f->enum_names[i]; i++)
            if (bits & (1u << i))
                appendf(buf, len, &used, "%s%s", used ? " " : "", f->enum_names[i]);
        if (!bits) snprintf(buf, len, "none");
        return;
    }
    case TESS_FIELD_TILES: {
        const tess_cta_tiles *t = (const tess_cta_tiles *)base;
        size_t used = 0;
        buf[0] = '\0';
        for (uint32_t i = 0; i < t->n; i++)
            appendf(buf, len, &used, "%s%ux%u", i ? "," : "", t->m[i], t->cols[i]);
        if (t->n == 0) snprintf(buf, len, "none");
        return;
    }
    }
}

/* ---- relations between fields ------------------------------------------- */

static int is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* A timing in whole cycles of clock_hz, rounded up as the DRAM model rounds it. */
static double cycles_of(tess_latency l, double clock_hz)
{
    return l.seconds > 0 ? ceil(l.seconds * clock_hz - 1e-6) : l.cycles;
}

static int check_memory(const tess_memory_type *m, char *err, size_t errlen)
{
    const double ck = tess_memory_clock(m);
    const tess_dram_timing *t = &m->t;
    /* channels need not be a power of two (five HBM stacks are 80 pseudo-channels):
     * the channel field is taken modulo the channel count */
    struct {
        const char *name;
        uint64_t v;
    } pow2[] = {
        {"bank-groups", m->bank_groups},
        {"banks", m->banks},
        {"ranks", m->ranks},
        {"rows", m->rows},
    };
    for (size_t i = 0; i < sizeof pow2 / sizeof pow2[0]; i++) {
        if (!is_pow2(pow2[i].v)) {
            snprintf(err, errlen, "'%s' is %llu; it must be a power of two (address mapping)",
                     pow2[i].name, (unsigned long long)pow2[i].v);
            return -1;
        }
    }
    const uint64_t burst_bytes = tess_memory_burst_bytes(m);
    const uint64_t per_row = (uint64_t)m->channels * m->ranks * m->bank_groups * m->banks * m->rows;
    const uint64_t row_bytes = per_row ? m->capacity_bytes / per_row : 0;
    if (m->channels == 0 || burst_bytes == 0 || m->capacity_bytes % per_row != 0 ||
        !is_pow2(row_bytes) || row_bytes < burst_bytes) {
        snprintf(err, errlen,
                 "capacity %llu B over %llu rows (channels x ranks x bank-groups x banks x rows) "
                 "does not give a power-of-two row of at least one burst (%llu B)",
                 (unsigned long long)m->capacity_bytes, (unsigned long long)per_row,
                 (unsigned long long)burst_bytes);
        return -1;
    }
    /* the DRAM model keeps a burst's column in 16 bits (hw/mem/dram_channel.h) */
    if (row_bytes / burst_bytes > 65536) {
        snprintf(err, errlen,
                 "a row of %llu B holds %llu bursts of %llu B; at most 65,536 (address mapping)",
                 (unsigned long long)row_bytes, (unsigned long long)(row_bytes / burst_bytes),
                 (unsigned long long)burst_bytes);
        return -1;
    }
    double transfers_per_ck = m->data_rate / ck;
    double burst_ck = m->burst_length / transfers_per_ck;
    if (burst_ck != floor(burst_ck)) {
        snprintf(err, errlen,
                 "burst-length %u at %g transfers per clock is not a whole number of "
                 "clock cycles",
                 m->burst_length, transfers_per_ck);
        return -1;
    }
    /* The data bus carries at most its peak: back-to-back reads (or writes) to different
     * bank groups are tCCD_S apart, so tCCD_S below one burst would overlap their data
     * (tCCD_L >= tCCD_S is checked below); a write's data must start after the previous
     * read's has ended: tRTW + tCWL >= tCL + burst. Compared in whole cycles, as simulated. */
    const double ccd_s = cycles_of(t->tCCD_S, ck), ccd_l = cycles_of(t->tCCD_L, ck);
    const char *short_ccd = ccd_s < burst_ck ? "tCCD_S" : ccd_l < burst_ck ? "tCCD_L" : NULL;
    if (short_ccd) {
        snprintf(err, errlen,
                 "%s (%g cycles) is shorter than one burst on the data bus (burst-length %u at "
                 "%g transfers per clock = %g cycles): reads or writes would move more than the "
                 "peak bandwidth",
                 short_ccd, short_ccd[5] == 'S' ? ccd_s : ccd_l, m->burst_length, transfers_per_ck,
                 burst_ck);
        return -1;
    }
    const double rtw = cycles_of(t->tRTW, ck), cl = cycles_of(t->tCL, ck),
                 cwl = cycles_of(t->tCWL, ck);
    if (rtw + cwl < cl + burst_ck) {
        snprintf(err, errlen,
                 "tRTW (%g cycles) is shorter than tCL + burst - tCWL (%g cycles): a write's data "
                 "would overlap the previous read's on the data bus",
                 rtw, cl + burst_ck - cwl);
        return -1;
    }
    /* command-bus occupancy: whole or half clock cycles (HBM3's row commands take 0.5 and
     * 1.5 CK), and whole groups of channels sharing a bus */
    const struct {
        const char *name;
        double v;
    } bus[] = {{"act-cycles", m->act_cycles},
               {"row-command-cycles", m->row_cycles},
               {"column-command-cycles", m->column_cycles}};
    for (size_t i = 0; i < sizeof bus / sizeof bus[0]; i++) {
        if (bus[i].v * 2 != floor(bus[i].v * 2)) {
            snprintf(err, errlen, "'%s' is %g; it must be a whole or half number of cycles",
                     bus[i].name, bus[i].v);
            return -1;
        }
    }
    if (m->channels % m->bus_channels != 0) {
        snprintf(err, errlen,
                 "'command-bus-channels' is %u; it must divide 'channels' (%u) into whole "
                 "groups sharing a command bus",
                 m->bus_channels, m->channels);
        return -1;
    }
    /* JEDEC relations: a row cycle holds an activation and a precharge. */
    const double rc = tess_latency_seconds(t->tRC, ck), ras = tess_latency_seconds(t->tRAS, ck),
                 rp = tess_latency_seconds(t->tRP, ck);
    if (rc + 1e-15 < ras + rp) {
        snprintf(err, errlen, "tRC (%g ns) is shorter than tRAS + tRP (%g ns)", rc * 1e9,
                 (ras + rp) * 1e9);
        return -1;
    }
    if (tess_latency_seconds(t->tRAS, ck) + 1e-15 < tess_latency_seconds(t->tRCD, ck)) {
        snprintf(err, errlen, "tRAS is shorter than tRCD");
        return -1;
    }
    if (tess_latency_seconds(t->tCCD_L, ck) + 1e-15 < tess_latency_seconds(t->tCCD_S, ck) ||
        tess_latency_seconds(t->tRRD_L, ck) + 1e-15 < tess_latency_seconds(t->tRRD_S, ck) ||
        tess_latency_seconds(t->tWTR_L, ck) + 1e-15 < tess_latency_seconds(t->tWTR_S, ck)) {
        snprintf(err, errlen,
                 "a same-bank-group timing (tCCD_L, tRRD_L, tWTR_L) is shorter than "
                 "its different-group one (_S)");
        return -1;
    }
    if (tess_latency_seconds(t->tREFI, ck) <= tess_latency_seconds(t->tRFC, ck)) {
        snprintf(err, errlen, "tREFI is not longer than tRFC: the device would only refresh");
        return -1;
    }
    if (m->refresh == TESS_REFRESH_PER_BANK && tess_latency_seconds(t->tREFIpb, ck) <= 0) {
        snprintf(err, errlen, "refresh=\"per-bank\" needs tREFIpb and tRFCpb");
        return -1;
    }
    /* the mapping names each field once */
    static const char *const fields[] = {"Ro", "Ba", "Bg", "Ra", "Co", "Ch"};
    const char *p = m->mapping;
    int seen[6] = {0};
    while (*p) {
        int k = -1;
        for (int i = 0; i < 6; i++)
            if (strncmp(p, fields[i], 2) == 0) k = i;
        if (k < 0 || seen[k]++) {
            snprintf(err, errlen, "mapping '%s' must name each of Ro Ba Bg Ra Co Ch exactly once",
                     m->mapping);
            return -1;
        }
        p += 2;
    }
    for (int i = 0; i < 6; i++) {
        if (!seen[i]) {
            snprintf(err, errlen, "mapping '%s' must name each of Ro Ba Bg Ra Co Ch exactly once",
                     m->mapping);
            return -1;
        }
    }
    return 0;
}

/* compute="gpu" needs the figures its rule reads, and a ceiling at most its peak. */
static int check_die(const tess_die_type *d, char *err, size_t errlen)
{
    if ((d->core_rows > 0) != (d->core_cols > 0) || (d->spare_cores > 0 && d->core_rows == 0)) {
        snprintf(err, errlen,
                 "core-level redundancy needs core-rows and core-cols together (spare-cores with "
                 "them), not core-rows %u, core-cols %u, spare-cores %u",
                 d->core_rows, d->core_cols, d->spare_cores);
        return -1;
    }
    if (d->core_rows > 0 && d->area_m2 > 0) {
        snprintf(err, errlen,
                 "core-level redundancy splits the die's computed area into cores; a die-type "
                 "with a given area has no such split (leave area out and give a technology)");
        return -1;
    }
    if (d->compute != TESS_COMPUTE_GPU) {
        if (d->collective_sms) {
            snprintf(err, errlen,
                     "collective-sms applies to compute=\"gpu\" (SMs a collective kernel takes "
                     "from GEMMs); a systolic die's arrays share nothing with its collectives");
            return -1;
        }
        return 0;
    }
    if (d->collective_sms >= d->sms && d->sms) {
        snprintf(err, errlen,
                 "collective-sms %u leaves none of the %u SMs to compute beside a collective",
                 d->collective_sms, d->sms);
        return -1;
    }
    const char *missing = d->sms == 0              ? "sms"
                          : !(d->sm_flops > 0)     ? "sm-flops"
                          : d->cta_tiles.n == 0    ? "cta-tiles"
                          : !(d->gemm_ceiling > 0) ? "gemm-ceiling"
                                                   : NULL;
    if (missing) {
        snprintf(err, errlen,
                 "attribute '%s' is missing: compute=\"gpu\" needs sms, sm-flops, cta-tiles and "
                 "gemm-ceiling",
                 missing);
        return -1;
    }
    const char *const shapes[2] = {d->gemm_ceiling_shape, d->gemm_ceiling_fp8_shape};
    for (int i = 0; i < 2; i++) {
        unsigned long long m, n, k;
        char rest;
        if (shapes[i][0] &&
            (sscanf(shapes[i], "%llux%llux%llu%c", &m, &n, &k, &rest) != 3 || !m || !n || !k)) {
            snprintf(err, errlen, "%s '%s' is not a GEMM shape such as 1024x10240x5120",
                     i ? "gemm-ceiling-fp8-shape" : "gemm-ceiling-shape", shapes[i]);
            return -1;
        }
    }
    const double peak = d->sms * d->sm_flops * d->clock_hz;
    if (d->gemm_ceiling > peak * (1 + 1e-9)) {
        snprintf(err, errlen,
                 "gemm-ceiling %.6g TFLOP/s is above the peak sms x sm-flops x clock = %.6g "
                 "TFLOP/s",
                 d->gemm_ceiling / 1e12, peak / 1e12);
        return -1;
    }
    /* fp8 tensor cores do twice the 16-bit work a clock (Hopper, Ada, Blackwell) */
    if (d->gemm_ceiling_fp8 > 2 * peak * (1 + 1e-9)) {
        snprintf(err, errlen,
                 "gemm-ceiling-fp8 %.6g TFLOP/s is above the fp8 peak 2 x sms x sm-flops x clock "
                 "= %.6g TFLOP/s",
                 d->gemm_ceiling_fp8 / 1e12, 2 * peak / 1e12);
        return -1;
    }
    return 0;
}

int tess_type_check(const tess_type *t, char *err, size_t errlen)
{
    if (t->kind == TESS_KIND_DIE) return check_die(&t->u.die, err, errlen);
    if (t->kind == TESS_KIND_MEMORY) return check_memory(&t->u.memory, err, errlen);
    if (t->kind == TESS_KIND_LINK && t->u.link.width_bytes == 0 && t->u.link.xcvr[0] == '\0') {
        snprintf(err, errlen,
                 "attribute 'width' is missing: an electrical link needs its width (an "
                 "optical one may take its rate from xcvr=\"...\")");
        return -1;
    }
    if (t->kind == TESS_KIND_LINK && t->u.link.transport == TESS_TRANSPORT_LOSSY &&
        (t->u.link.buffer_bytes == 0 || !(t->u.link.retransmit_timeout_s > 0))) {
        snprintf(err, errlen,
                 "transport=\"lossy\" needs 'buffer' (its port's drop-tail queue, bytes) and "
                 "'retransmit-timeout' (how long a sender waits to resend what was dropped)");
        return -1;
    }
    if (t->kind == TESS_KIND_LINK && t->u.link.ecn_threshold_bytes &&
        (t->u.link.transport != TESS_TRANSPORT_LOSSY ||
         t->u.link.ecn_threshold_bytes >= t->u.link.buffer_bytes)) {
        snprintf(err, errlen,
                 "'ecn-threshold' needs transport=\"lossy\" and a 'buffer' above it (the port "
                 "marks packets before its queue is full; a lossless link models no queue for "
                 "a congestion control to react to)");
        return -1;
    }
    return 0;
}
