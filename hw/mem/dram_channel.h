// One DRAM channel's controller: a request queue, bank state machines, JEDEC timing
// checks, FR-FCFS or FCFS scheduling, open- or closed-page policy, all-bank or
// per-bank refresh, and the counters energy is computed from. The three policies are
// chosen once, when the channel is built (as DRAMSys and Ramulator 2 plug theirs in), not
// tested on every command. Plain C++, advanced by
// the DramMemory module (dram_memory.h) at the cycles it asks for: nothing happens on
// a cycle where no command can issue.
//
// Commands modelled: ACT, PRE (and auto-precharge under the closed-page policy), RD,
// WR, REF (all-bank) and REFpb.
// Command buses, as the standards state them: DDR4, DDR5 and LPDDR5 send every command
// over one bus; HBM2, HBM2E and HBM3 have a row bus (ACT, PRE, REF) beside a column bus
// (RD, WR), both shared by the two pseudo-channels of a channel (JESD235/JESD238; so
// do DRAMSys's CheckerHBM2, one RAS and one CAS bus per channel, and Ramulator 2's HBM2 and
// HBM3 specs, row and column buses at the Channel level). A command holds its bus for the
// memory type's act-, row-command- or column-command-cycles (HBM2 ACT 2 CK; DDR5 ACT, RD,
// WR 2 CK; HBM3 ACT 1.5 CK and PRE/REF 0.5 CK; see the presets for their sources), so a
// bus carries at most one command starting in each cycle. Timings count from a command's
// last clock (as JEDEC measures them, and as DRAMSys and Ramulator 2 adjust multi-cycle
// commands): a rule "B >= tX after A" lets B start tX + (cycles of A - 1) - (cycles of B
// - 1) after A starts, the cycles rounded up. Timing rules:
//   ACT  >= bank: tRC after its last ACT, tRP after its PRE; rank: tRRD_S after any ACT,
//           tRRD_L after an ACT in the same bank group, 4 ACTs per tFAW window
//   RD   >= tRCD after ACT; tCCD_S after any RD (tCCD_L same group);
//           tCWL + burst + tWTR_S after any WR (tWTR_L same group)
//   WR   >= tRCD after ACT; tCCD_S / tCCD_L after any WR; tRTW after any RD
//   PRE  >= tRAS after ACT; tRTP after RD; tCWL + burst + tWR after WR
//   REF  all banks precharged and past tRP; then no ACT for tRFC (tRFCpb for REFpb)
// Not modelled: rank-to-rank switching (tRTRS), power-down states, tRREFD.
#ifndef TESS_DRAM_CHANNEL_H
#define TESS_DRAM_CHANNEL_H

#include <algorithm>
#include <cstdint>
#include <vector>

extern "C" {
#include "config/platform.h"
}

namespace tess::dram
{

// Timings in cycles of the command clock, rounded up from the platform's values.
struct Timing {
    uint32_t RCD, CL, CWL, RP, RAS, RC, CCD_S, CCD_L, RRD_S, RRD_L, FAW;
    uint32_t WR, WTR_S, WTR_L, RTW, RTP, REFI, RFC, REFIpb, RFCpb;
    uint32_t burst; // data-bus cycles of one burst: burst length / transfers per clock
    // command-bus occupancy (CK; HBM3 has half cycles) and, rounded up, cycles from a
    // command's first clock to its last, from where its timings count
    double act_bus, row_bus, col_bus;
    uint32_t act_end, row_end, col_end;
};

// One command bus (or a row and a column bus), possibly shared by several channels: the
// time, in cycles, from which each is free. A command may start in cycle c when its bus
// is free before c + 1; it starts at max(c, free) and holds the bus for its length.
struct CommandBus {
    double row_free = 0, col_free = 0;
};

// ck_hz: the command clock (tess_memory_clock)
Timing timing_of(const tess_memory_type &m, double ck_hz);

// Where a burst goes inside its channel (DramMemory::decode gives it).
struct Address {
    uint32_t rank, bg, bank, row, col;
};

// A queued burst, kept small (a channel scans its queue on most steps): its address as
// one number, column | bank index << 16 | row << 32, the bank index counting the
// channel's banks rank-major. Both fit 16 bits: the loader refuses a row of more than
// 65,536 bursts (and DramMemory's constructor), Channel's constructor more than 65,536
// banks (the loader's limits on ranks, bank groups and banks allow at most that).
struct Burst {
    uint64_t address;
    uint32_t request; // the owner's request index
    uint16_t rank, bg;
    uint8_t write;
    uint8_t refresh_stalled; // counted once
    uint8_t classified;      // its first command told hit, empty or conflict
    uint8_t ordered;         // an older queued burst to its address involves a write
    uint8_t hit;             // its bank has its row open (kept by Channel)
    uint32_t row() const { return static_cast<uint32_t>(address >> 32); }
    uint32_t bank_index() const { return static_cast<uint32_t>(address >> 16) & 0xffff; }
    bool same_address(const Burst &o) const { return address == o.address; }
};

struct Completion {
    uint64_t cycle; // last data beat done
    uint32_t request;
};

struct ChannelStats {
    uint64_t acts = 0, pres = 0, reads = 0, writes = 0, refreshes = 0, refreshes_pb = 0;
    uint64_t row_hits = 0, row_empty = 0, row_conflicts = 0; // per burst, by the bank it met
    uint64_t refresh_stalls = 0;                             // bursts that waited for a refresh
    uint64_t refresh_cycles = 0; // cycles banks were unavailable to refresh (rank x tRFC ...)
    // the share of bursts that found their row open (0 before any)
    double row_hit_rate() const
    {
        const uint64_t bursts = row_hits + row_empty + row_conflicts;
        return bursts ? static_cast<double>(row_hits) / static_cast<double>(bursts) : 0;
    }
};

class Channel
{
  public:
    // bus: the channel's command bus, shared with the other channels of its group; it must
    // outlive the channel.
    Channel(const tess_memory_type &m, const Timing &t, CommandBus &bus);

    bool full() const { return queue_.size() >= depth_; }
    size_t queued() const { return queue_.size(); }
    void enqueue(uint32_t request, bool write, const Address &a);
    // Whether the channel, asleep until cycle `until`, must be stepped at `now` for the
    // burst just enqueued: not where it stays quiet (quiet_until) from now past `until`.
    bool needs_step(uint64_t now, uint64_t until) const
    {
        const uint64_t quiet = quiet_until(now);
        return !(quiet > now && until >= now && until <= quiet);
    }
    // Issues at most one command at cycle now; appends data completions to done.
    // Returns the next cycle at which a command may issue (UINT64_MAX: nothing pending).
    uint64_t step(uint64_t now, std::vector<Completion> &done);
    // An idle channel (nothing queued) about to be stepped up to `now` for the refresh
    // work due meanwhile: whole refresh intervals of each rank whose banks are all closed
    // and past their last refresh (where each refresh issues exactly when due and leaves
    // the state as it found it) counted at once, the last ones before now (a rotation of
    // banks, for per-bank refresh) left to step() so the banks' next ACTs come out as
    // stepping sets them. The same state and counters as stepping all the way, but for
    // the command-bus cycles those refreshes would have taken from channels sharing it.
    void skip_refreshes(uint64_t now);
    const ChannelStats &stats() const { return stats_; }

  private:
    struct Bank {
        int64_t open_row = -1;
        uint64_t act_at = 0;
        uint64_t next_act = 0, next_pre = 0, next_col = 0;
    };
    struct Rank {
        uint64_t next_act = 0;             // tRRD_S
        std::vector<uint64_t> next_act_bg; // tRRD_L
        uint64_t faw[4] = {0, 0, 0, 0};    // the last four ACTs
        unsigned faw_head = 0;
        uint64_t act_count = 0;
        uint64_t refresh_due = 0; // all-bank
        uint64_t refresh_due_pb = 0;
        uint32_t pb_target = 0; // next bank for per-bank refresh
    };
    enum Cmd { kAct, kPre, kCol };

    // The policies, chosen in the constructor from the memory type:
    // refresh: issues the refresh work due at now (a PRE closing a bank, or the REF): true
    // when it took the command bus, else lowers *next to when it may; and whether a due
    // refresh takes b's rank or bank away from the scheduler.
    bool (Channel::*refresh_)(uint64_t now, uint64_t *next);
    bool (Channel::*refresh_blocks_)(const Burst &b, uint64_t now) const;
    // scheduling: how many of the oldest queued bursts may move (FCFS: one; FR-FCFS: all),
    // and whether a row stays open while queued bursts still hit it (FR-FCFS)
    bool oldest_only_, keep_hit_rows_open_;
    // page policy: after a column command to a row (closed page: auto-precharge)
    void (Channel::*after_column_)(Bank &k, uint32_t row);

    const tess_memory_type &m_;
    Timing t_;
    double *row_bus_, *col_bus_; // the same cycle for a single command bus
    uint32_t depth_;
    uint32_t banks_per_rank_;
    std::vector<Bank> banks_; // rank-major, then bank group, then bank
    std::vector<Rank> ranks_;
    uint64_t next_rd_ = 0, next_wr_ = 0;
    std::vector<uint64_t> next_rd_bg_, next_wr_bg_; // per (rank, bank group)
    std::vector<Burst> queue_;
    size_t queued_writes_ = 0;     // writes among queue_
    std::vector<uint32_t> hits_;   // per bank: queued bursts that hit its open row, kept current
    size_t hits_total_ = 0;        // sum of hits_
    bool refresh_pending_ = false; // a refresh is due and not yet issued
    void count_hits(Bank &k);      // recounts hits_ and the bursts' hit for one bank's open row
    void set_hits(size_t bank, uint32_t n)
    {
        hits_total_ = hits_total_ - hits_[bank] + n;
        hits_[bank] = n;
    }
    ChannelStats stats_;

    Bank &bank_of(const Burst &b) { return banks_[b.bank_index()]; }
    // the earliest cycle at which a rank's refresh falls due (UINT64_MAX: no refresh);
    // before it refresh_ has nothing to do and refresh_blocks_ holds back no burst; kept
    // by set_refresh_due wherever a rank's due cycle moves
    uint64_t due_ = UINT64_MAX;
    // The first cycle from c on at which the channel may issue, where every step before it
    // would take step's fast path and issue nothing: every queued burst hits an open row,
    // no refresh is due and the column gate is shut (until the gate or the refresh); c
    // where not so. Only arrivals change that, and they wake the channel (needs_step).
    uint64_t quiet_until(uint64_t c) const
    {
        const uint64_t shut = std::min(next_rd_, next_wr_);
        return !queue_.empty() && hits_total_ == queue_.size() && !refresh_pending_ && c < due_ &&
                       shut > c
                   ? std::min(shut, due_)
                   : c;
    }
    void set_refresh_due();
    uint64_t earliest_act(const Burst &b) const;
    uint64_t earliest_col(const Burst &b) const;
    bool no_refresh(uint64_t now, uint64_t *next);
    bool refresh_all_bank(uint64_t now, uint64_t *next);
    bool refresh_per_bank(uint64_t now, uint64_t *next);
    bool never_blocks(const Burst &b, uint64_t now) const;
    bool all_bank_blocks(const Burst &b, uint64_t now) const;
    bool per_bank_blocks(const Burst &b, uint64_t now) const;
    void open_page(Bank &k, uint32_t row);
    void closed_page(Bank &k, uint32_t row);
    void close_row(Bank &k, uint64_t now); // a PRE issued at now
    // a rule that counts from the last clock of a command ending `from` cycles after its
    // start, to one ending `to` cycles after its start: the earliest start of the second
    static uint64_t after(uint64_t at, uint32_t from, uint32_t to)
    {
        return at + from > to ? at + from - to : 0;
    }
    void issue(Cmd c, size_t i, uint64_t now, std::vector<Completion> &done);
};

} // namespace tess::dram

#endif
