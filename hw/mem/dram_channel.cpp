// DRAM channel controller: see dram_channel.h.
#include "mem/dram_channel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tess::dram
{

Timing timing_of(const tess_memory_type &m, double ck)
{
    auto cyc = [ck](tess_latency l) -> uint32_t {
        if (l.seconds > 0) return static_cast<uint32_t>(std::ceil(l.seconds * ck - 1e-6));
        return static_cast<uint32_t>(l.cycles);
    };
    const tess_dram_timing &t = m.t;
    Timing r{};
    r.RCD = cyc(t.tRCD);
    r.CL = cyc(t.tCL);
    r.CWL = cyc(t.tCWL);
    r.RP = cyc(t.tRP);
    r.RAS = cyc(t.tRAS);
    r.RC = cyc(t.tRC);
    r.CCD_S = cyc(t.tCCD_S);
    r.CCD_L = cyc(t.tCCD_L);
    r.RRD_S = cyc(t.tRRD_S);
    r.RRD_L = cyc(t.tRRD_L);
    r.FAW = cyc(t.tFAW);
    r.WR = cyc(t.tWR);
    r.WTR_S = cyc(t.tWTR_S);
    r.WTR_L = cyc(t.tWTR_L);
    r.RTW = cyc(t.tRTW);
    r.RTP = cyc(t.tRTP);
    r.REFI = cyc(t.tREFI);
    r.RFC = cyc(t.tRFC);
    r.REFIpb = cyc(t.tREFIpb);
    r.RFCpb = cyc(t.tRFCpb);
    r.burst = static_cast<uint32_t>(std::llround(m.burst_length * ck / m.data_rate));
    r.act_bus = m.act_cycles;
    r.row_bus = m.row_cycles;
    r.col_bus = m.column_cycles;
    auto last_clock = [](double len) { return static_cast<uint32_t>(std::ceil(len)) - 1; };
    r.act_end = last_clock(m.act_cycles);
    r.row_end = last_clock(m.row_cycles);
    r.col_end = last_clock(m.column_cycles);
    return r;
}

Channel::Channel(const tess_memory_type &m, const Timing &t, CommandBus &bus)
    : m_(m), t_(t), row_bus_(&bus.row_free),
      col_bus_(m.command_bus == TESS_CMD_BUS_ROW_COLUMN ? &bus.col_free : &bus.row_free),
      depth_(m.queue_depth)
{
    banks_per_rank_ = m.bank_groups * m.banks;
    // a burst's address keeps its bank index in 16 bits (enqueue; the column: DramMemory)
    if (static_cast<uint64_t>(m.ranks) * banks_per_rank_ > 65536)
        throw std::invalid_argument("memory: more than 65,536 banks in a channel");
    banks_.resize(static_cast<size_t>(m.ranks) * banks_per_rank_);
    ranks_.resize(m.ranks);
    for (Rank &r : ranks_) {
        r.next_act_bg.assign(m.bank_groups, 0);
        r.refresh_due = t.REFI;
        r.refresh_due_pb = t.REFIpb;
    }
    next_rd_bg_.assign(static_cast<size_t>(m.ranks) * m.bank_groups, 0);
    hits_.assign(banks_.size(), 0);
    next_wr_bg_.assign(static_cast<size_t>(m.ranks) * m.bank_groups, 0);
    queue_.reserve(depth_);
    switch (m.refresh) {
    case TESS_REFRESH_ALL_BANK:
        refresh_ = &Channel::refresh_all_bank;
        refresh_blocks_ = &Channel::all_bank_blocks;
        break;
    case TESS_REFRESH_PER_BANK:
        refresh_ = &Channel::refresh_per_bank;
        refresh_blocks_ = &Channel::per_bank_blocks;
        break;
    default:
        refresh_ = &Channel::no_refresh;
        refresh_blocks_ = &Channel::never_blocks;
        break;
    }
    oldest_only_ = m.scheduler != TESS_SCHED_FRFCFS;
    keep_hit_rows_open_ = m.scheduler == TESS_SCHED_FRFCFS;
    after_column_ = m.page_policy == TESS_PAGE_CLOSED ? &Channel::closed_page : &Channel::open_page;
    set_refresh_due();
}

void Channel::count_hits(Bank &k)
{
    const size_t i = static_cast<size_t>(&k - &banks_[0]);
    uint32_t n = 0;
    for (Burst &b : queue_)
        if (b.bank_index() == i) {
            b.hit = static_cast<int64_t>(b.row()) == k.open_row;
            n += b.hit;
        }
    set_hits(i, n);
}

void Channel::enqueue(uint32_t request, bool write, const Address &a)
{
    Burst n{};
    const uint64_t bank = (a.rank * m_.bank_groups + a.bg) * m_.banks + a.bank;
    n.address = a.col | bank << 16 | uint64_t(a.row) << 32;
    n.request = request;
    n.rank = static_cast<uint16_t>(a.rank);
    n.bg = static_cast<uint16_t>(a.bg);
    n.write = write;
    n.hit = banks_[bank].open_row == static_cast<int64_t>(a.row);
    if (n.hit) set_hits(bank, hits_[bank] + 1);
    // a read among queued reads only keeps no order (the scan is most of a stream's cost)
    if (n.write || queued_writes_)
        for (size_t i = 0; i < queue_.size() && !n.ordered; i++)
            if (queue_[i].same_address(n) && (queue_[i].write || n.write)) n.ordered = 1;
    queued_writes_ += n.write;
    queue_.push_back(n);
}

uint64_t Channel::earliest_act(const Burst &b) const
{
    const Bank &k = banks_[b.bank_index()];
    const Rank &r = ranks_[b.rank];
    uint64_t e = std::max({k.next_act, r.next_act, r.next_act_bg[b.bg]});
    if (r.act_count >= 4) e = std::max(e, r.faw[r.faw_head] + t_.FAW);
    return e;
}

uint64_t Channel::earliest_col(const Burst &b) const
{
    const Bank &k = banks_[b.bank_index()];
    const size_t g = static_cast<size_t>(b.rank) * m_.bank_groups + b.bg;
    return b.write ? std::max({k.next_col, next_wr_, next_wr_bg_[g]})
                   : std::max({k.next_col, next_rd_, next_rd_bg_[g]});
}

// A due refresh takes its rank (all-bank) or its bank (per-bank) away from the scheduler
// until it has been issued, so hits cannot postpone it forever.
bool Channel::never_blocks(const Burst &, uint64_t) const
{
    return false;
}

bool Channel::all_bank_blocks(const Burst &b, uint64_t now) const
{
    return now >= ranks_[b.rank].refresh_due;
}

bool Channel::per_bank_blocks(const Burst &b, uint64_t now) const
{
    const Rank &r = ranks_[b.rank];
    return now >= r.refresh_due_pb && b.bank_index() % banks_per_rank_ == r.pb_target;
}

void Channel::set_refresh_due()
{
    uint64_t due = UINT64_MAX;
    if (refresh_ == &Channel::refresh_all_bank)
        for (const Rank &r : ranks_)
            due = std::min(due, r.refresh_due);
    else if (refresh_ == &Channel::refresh_per_bank)
        for (const Rank &r : ranks_)
            due = std::min(due, r.refresh_due_pb);
    due_ = due;
}

void Channel::close_row(Bank &k, uint64_t now)
{
    k.open_row = -1;
    if (hits_[static_cast<size_t>(&k - &banks_[0])] > 0) count_hits(k);
    k.next_act = std::max(k.next_act, after(now + t_.RP, t_.row_end, t_.act_end));
    stats_.pres++;
}

bool Channel::no_refresh(uint64_t, uint64_t *)
{
    return false;
}

bool Channel::refresh_all_bank(uint64_t now, uint64_t *next)
{
    refresh_pending_ = false;
    for (uint32_t ri = 0; ri < ranks_.size(); ri++) {
        Rank &r = ranks_[ri];
        Bank *first = &banks_[static_cast<size_t>(ri) * banks_per_rank_];
        if (now < r.refresh_due) {
            *next = std::min(*next, r.refresh_due);
            continue;
        }
        refresh_pending_ = true;
        uint64_t ready = 0;
        for (uint32_t i = 0; i < banks_per_rank_; i++) {
            Bank &k = first[i];
            if (k.open_row >= 0) {
                if (k.next_pre <= now) { // close it: one command this cycle
                    close_row(k, now);
                    return true;
                }
                ready = UINT64_MAX - 1;
                *next = std::min(*next, k.next_pre);
            } else { // a REF is a row command: tRP counts to it as to an ACT
                ready = std::max(ready, after(k.next_act, t_.act_end, t_.row_end));
            }
        }
        if (ready <= now) {
            for (uint32_t i = 0; i < banks_per_rank_; i++)
                first[i].next_act =
                    std::max(first[i].next_act, after(now + t_.RFC, t_.row_end, t_.act_end));
            r.refresh_due += t_.REFI;
            set_refresh_due();
            stats_.refreshes++;
            stats_.refresh_cycles += t_.RFC;
            return true;
        }
        if (ready != UINT64_MAX - 1) *next = std::min(*next, ready);
    }
    return false;
}

bool Channel::refresh_per_bank(uint64_t now, uint64_t *next)
{
    refresh_pending_ = false;
    for (uint32_t ri = 0; ri < ranks_.size(); ri++) {
        Rank &r = ranks_[ri];
        if (now < r.refresh_due_pb) {
            *next = std::min(*next, r.refresh_due_pb);
            continue;
        }
        refresh_pending_ = true;
        Bank &k = banks_[static_cast<size_t>(ri) * banks_per_rank_ + r.pb_target];
        if (k.open_row >= 0) {
            if (k.next_pre <= now) {
                close_row(k, now);
                return true;
            }
            *next = std::min(*next, k.next_pre);
        } else if (after(k.next_act, t_.act_end, t_.row_end) <= now) {
            k.next_act = after(now + t_.RFCpb, t_.row_end, t_.act_end);
            r.refresh_due_pb += t_.REFIpb;
            set_refresh_due();
            r.pb_target = (r.pb_target + 1) % banks_per_rank_;
            stats_.refreshes_pb++;
            stats_.refresh_cycles += t_.RFCpb;
            return true;
        } else {
            *next = std::min(*next, after(k.next_act, t_.act_end, t_.row_end));
        }
    }
    return false;
}

void Channel::skip_refreshes(uint64_t now)
{
    // all closed and ready: refresh_all_bank / refresh_per_bank issue at the due cycle
    for (uint32_t ri = 0; ri < ranks_.size(); ri++) {
        Rank &r = ranks_[ri];
        const Bank *first = &banks_[static_cast<size_t>(ri) * banks_per_rank_];
        uint64_t ready = 0; // when every bank may take a refresh; never with a row open
        for (uint32_t i = 0; i < banks_per_rank_; i++)
            ready = first[i].open_row >= 0
                        ? UINT64_MAX
                        : std::max(ready, after(first[i].next_act, t_.act_end, t_.row_end));
        if (refresh_ == &Channel::refresh_all_bank && t_.REFI > 0 && ready <= r.refresh_due &&
            now > r.refresh_due + 2 * uint64_t(t_.REFI)) {
            const uint64_t m = (now - r.refresh_due) / t_.REFI - 1;
            r.refresh_due += m * t_.REFI;
            stats_.refreshes += m;
            stats_.refresh_cycles += m * t_.RFC;
        } else if (refresh_ == &Channel::refresh_per_bank && t_.REFIpb > 0 &&
                   ready <= r.refresh_due_pb &&
                   now > r.refresh_due_pb + (banks_per_rank_ + 2) * uint64_t(t_.REFIpb)) {
            const uint64_t m = (now - r.refresh_due_pb) / t_.REFIpb - banks_per_rank_ - 1;
            r.refresh_due_pb += m * t_.REFIpb;
            r.pb_target = static_cast<uint32_t>((r.pb_target + m) % banks_per_rank_);
            stats_.refreshes_pb += m;
            stats_.refresh_cycles += m * t_.RFCpb;
        }
    }
    set_refresh_due();
}

namespace
{
// A command may start in cycle now when its bus is free before now + 1 (dram_channel.h).
bool bus_free(double free, uint64_t now)
{
    return free < static_cast<double>(now + 1);
}
// The first cycle in which the bus is free: floor(free).
uint64_t bus_next(double free)
{
    return static_cast<uint64_t>(free);
}
void hold(double *bus, uint64_t now, double len)
{
    *bus = std::max(*bus, static_cast<double>(now)) + len;
}
} // namespace

uint64_t Channel::step(uint64_t now, std::vector<Completion> &done)
{
    uint64_t next = UINT64_MAX;
    const bool single = row_bus_ == col_bus_;
    bool row_ok = bus_free(*row_bus_, now), col_ok = bus_free(*col_bus_, now);
    bool issued = false;
    const uint64_t due = due_;
    if (!row_ok) {
        next = bus_next(*row_bus_);
    } else if (now < due) { // what refresh_ finds when no rank's refresh is due
        refresh_pending_ = false;
        next = due;
    } else if ((this->*refresh_)(now, &next)) { // a PRE or REF took the row bus
        hold(row_bus_, now, t_.row_bus);
        issued = true;
        row_ok = false;
        col_ok = col_ok && !single;
    }
    if (!col_ok) next = std::min(next, bus_next(*col_bus_));
    if (queue_.empty() || (!row_ok && !col_ok)) return issued ? now + 1 : next;

    // Fast path: every queued burst hits an open row, the column bus is not free yet
    // and no refresh is due: nothing can issue before the column gate opens.
    const uint64_t gate = std::min(next_rd_, next_wr_);
    if (hits_total_ == queue_.size() && gate > now && !refresh_pending_)
        return issued ? now + 1 : std::min(next, gate);
    // The oldest ready column command and the oldest ready row command (ACT or PRE); on
    // one shared bus the column command goes first, on two buses both issue. With no
    // refresh due, a kind no queued burst can take (no hit: no column command; only hits:
    // no ACT or PRE) is not looked for: the scan ends once the other's pick is found.
    const bool may_block = now >= due;
    const bool col_wanted = col_ok && (may_block || hits_total_ > 0);
    const bool row_wanted = row_ok && (may_block || hits_total_ < queue_.size());
    if (!col_wanted && !row_wanted) return issued ? now + 1 : next;
    int col_pick = -1, row_pick = -1;
    Cmd row_cmd = kAct;
    const size_t limit = oldest_only_ ? 1 : queue_.size();
    for (size_t i = 0; i < limit; i++) {
        Burst &b = queue_[i];
        if (may_block && (this->*refresh_blocks_)(b, now)) {
            if (!b.refresh_stalled) {
                b.refresh_stalled = 1;
                stats_.refresh_stalls++;
            }
            continue; // the refresh's own progress sets `next`
        }
        if (b.ordered) { // a read and a write to one address keep their order
            bool older = false;
            for (size_t j = 0; j < i && !older; j++)
                older = queue_[j].same_address(b) && (queue_[j].write || b.write);
            if (older) continue;
        }
        Cmd c;
        uint64_t e;
        if (b.hit) {
            if (!col_ok || col_pick >= 0) continue; // the bus's wake-up is in `next`
            c = kCol;
            // the channel-wide column gate first: cheaper than the full check, and a
            // wake-up at the gate re-examines everything anyway
            const uint64_t gate = b.write ? next_wr_ : next_rd_;
            e = gate > now ? gate : earliest_col(b);
        } else if (!row_ok || row_pick >= 0) {
            continue;
        } else if (bank_of(b).open_row < 0) {
            c = kAct;
            e = earliest_act(b);
        } else {
            // FR-FCFS leaves a row open while queued requests still hit it (so a PRE
            // never closes the row of this cycle's column command)
            if (keep_hit_rows_open_ && hits_[b.bank_index()] > 0) continue;
            c = kPre;
            e = bank_of(b).next_pre;
        }
        if (e > now) {
            next = std::min(next, e);
            continue;
        }
        if (c == kCol)
            col_pick = static_cast<int>(i);
        else {
            row_pick = static_cast<int>(i);
            row_cmd = c;
        }
        if ((col_pick >= 0 || !col_wanted) && (row_pick >= 0 || !row_wanted)) break;
        if (single && col_pick >= 0) break;
    }
    if (col_pick >= 0 && single) row_pick = -1;
    if (row_pick >= 0) { // first: the column command below removes its burst
        issue(row_cmd, static_cast<size_t>(row_pick), now, done);
        hold(row_bus_, now, row_cmd == kAct ? t_.act_bus : t_.row_bus);
        issued = true;
    }
    if (col_pick >= 0) {
        issue(kCol, static_cast<size_t>(col_pick), now, done);
        hold(col_bus_, now, t_.col_bus);
        issued = true;
    }
    // after an issue the channel looks again next cycle, or sleeps through the cycles where
    // it could issue nothing
    return issued ? quiet_until(now + 1) : next;
}

void Channel::issue(Cmd c, size_t i, uint64_t now, std::vector<Completion> &done)
{
    Burst &b = queue_[i];
    Bank &k = bank_of(b);
    Rank &r = ranks_[b.rank];
    const size_t g = static_cast<size_t>(b.rank) * m_.bank_groups + b.bg;
    switch (c) {
    case kPre:
        close_row(k, now);
        if (!b.classified) { // its first command is a PRE: a row conflict
            b.classified = 1;
            stats_.row_conflicts++;
        }
        return;
    case kAct:
        k.open_row = b.row();
        k.act_at = now;
        k.next_col = after(now + t_.RCD, t_.act_end, t_.col_end);
        k.next_pre = std::max(k.next_pre, after(now + t_.RAS, t_.act_end, t_.row_end));
        k.next_act = now + t_.RC;
        r.next_act = std::max(r.next_act, now + t_.RRD_S);
        r.next_act_bg[b.bg] = std::max(r.next_act_bg[b.bg], now + t_.RRD_L);
        r.faw[r.faw_head] = now;
        r.faw_head = (r.faw_head + 1) % 4;
        r.act_count++;
        stats_.acts++;
        if (!b.classified) {
            b.classified = 1;
            stats_.row_empty++;
        }
        count_hits(k);
        return;
    case kCol:
        break;
    }
    const bool write = b.write;
    if (!b.classified) stats_.row_hits++;
    if (write) {
        next_wr_ = std::max(next_wr_, now + t_.CCD_S);
        next_wr_bg_[g] = std::max(next_wr_bg_[g], static_cast<uint64_t>(now + t_.CCD_L));
        next_rd_ = std::max(next_rd_, static_cast<uint64_t>(now + t_.CWL + t_.burst + t_.WTR_S));
        next_rd_bg_[g] =
            std::max(next_rd_bg_[g], static_cast<uint64_t>(now + t_.CWL + t_.burst + t_.WTR_L));
        k.next_pre =
            std::max(k.next_pre, after(now + t_.CWL + t_.burst + t_.WR, t_.col_end, t_.row_end));
        done.push_back({now + t_.col_end + t_.CWL + t_.burst, b.request});
        stats_.writes++;
    } else {
        next_rd_ = std::max(next_rd_, now + t_.CCD_S);
        next_rd_bg_[g] = std::max(next_rd_bg_[g], static_cast<uint64_t>(now + t_.CCD_L));
        next_wr_ = std::max(next_wr_, now + t_.RTW);
        next_wr_bg_[g] = std::max(next_wr_bg_[g], now + t_.RTW);
        k.next_pre = std::max(k.next_pre, after(now + t_.RTP, t_.col_end, t_.row_end));
        done.push_back({now + t_.col_end + t_.CL + t_.burst, b.request});
        stats_.reads++;
    }
    const uint32_t row = b.row();
    queued_writes_ -= b.write;
    set_hits(b.bank_index(), hits_[b.bank_index()] - 1); // it was a hit
    queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
    (this->*after_column_)(k, row);
}

void Channel::open_page(Bank &, uint32_t) {}

void Channel::closed_page(Bank &k, uint32_t)
{
    // auto-precharge once no queued request hits the row (the column command's burst
    // was a hit, so the row is the bank's open one): at the earliest legal PRE
    if (hits_[static_cast<size_t>(&k - &banks_[0])] > 0) return;
    k.open_row = -1;
    k.next_act = std::max(k.next_act, after(k.next_pre + t_.RP, t_.row_end, t_.act_end));
    stats_.pres++;
}

} // namespace tess::dram
