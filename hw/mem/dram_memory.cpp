// DRAM device behind a TLM-2.0 target socket: see dram_memory.h.
#include "mem/dram_memory.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace tess::dram
{

namespace
{
uint32_t log2u(uint64_t x)
{
    uint32_t b = 0;
    while ((uint64_t(1) << b) < x)
        b++;
    return b;
}
} // namespace

DramMemory::DramMemory(sc_core::sc_module_name name, const tess_memory_type &m)
    : sc_core::sc_module(name), socket("socket"), m_(m)
{
    ck_ = tess_memory_clock(&m);
    period_ps_ = static_cast<uint64_t>(std::llround(1e12 / ck_));
    t_ = timing_of(m, ck_);
    if (t_.burst == 0) throw std::invalid_argument("memory: a burst shorter than one clock cycle");
    if (m.bus_channels == 0 || m.channels % m.bus_channels != 0 || !(m.act_cycles >= 0.5) ||
        !(m.row_cycles >= 0.5) || !(m.column_cycles >= 0.5))
        throw std::invalid_argument("memory: command-bus channels or command cycles out of range");
    burst_bytes_ = tess_memory_burst_bytes(&m);
    row_bytes_ = m.capacity_bytes /
                 (static_cast<uint64_t>(m.channels) * m.ranks * m.bank_groups * m.banks * m.rows);
    if (row_bytes_ / burst_bytes_ > 65536) // a burst's address keeps its column in 16 bits
        throw std::invalid_argument("memory: more than 65,536 bursts in a row");
    // mapping string, most significant first: "RoBaRaCoBgCh"
    for (int i = static_cast<int>(std::strlen(m.mapping)) - 2; i >= 0; i -= 2) {
        const char f0 = m.mapping[i], f1 = m.mapping[i + 1];
        Field f{};
        if (f0 == 'C' && f1 == 'h')
            f = {'h', log2u(m.channels)};
        else if (f0 == 'R' && f1 == 'a')
            f = {'a', log2u(m.ranks)};
        else if (f0 == 'B' && f1 == 'g')
            f = {'g', log2u(m.bank_groups)};
        else if (f0 == 'B' && f1 == 'a')
            f = {'b', log2u(m.banks)};
        else if (f0 == 'R' && f1 == 'o')
            f = {'r', log2u(m.rows)};
        else
            f = {'c', log2u(row_bytes_ / burst_bytes_)};
        fields_.push_back(f);
    }
    // consecutive channels share a command bus (HBM: the two pseudo-channels of a channel;
    // the mapping's Ch field is a channel's index); sized once: channels keep pointers
    buses_.resize(m.channels / m.bus_channels);
    for (uint32_t c = 0; c < m.channels; c++)
        channels_.emplace_back(m, t_, buses_[c / m.bus_channels]);
    // every channel asks for a step at once: a memory first used after some refresh
    // intervals catches them up like any idle stretch (catch_up)
    ch_next_.assign(m.channels, 0);
    socket.register_nb_transport_fw(this, &DramMemory::nb_transport_fw);
    socket.register_b_transport(this, &DramMemory::b_transport);
    SC_METHOD(tick);
    sensitive << wake_;
    dont_initialize();
}

Location DramMemory::decode(uint64_t addr) const
{
    Location l{};
    // the burst's index, not a shift: a burst need not be a power of two bytes (48-bit
    // channels make 48 B), and consecutive bursts must not share a column
    uint64_t a = addr / burst_bytes_;
    for (const Field &f : fields_) {
        if (f.name == 'h') { // any channel count: the field is a digit in base `channels`
            l.channel = static_cast<uint32_t>(a % m_.channels);
            a /= m_.channels;
            continue;
        }
        const uint32_t v = static_cast<uint32_t>(a & ((uint64_t(1) << f.bits) - 1));
        a >>= f.bits;
        switch (f.name) {
        case 'a':
            l.in.rank = v;
            break;
        case 'g':
            l.in.bg = v;
            break;
        case 'b':
            l.in.bank = v;
            break;
        case 'r':
            l.in.row = v;
            break;
        default:
            l.in.col = v;
            break;
        }
    }
    return l;
}

double DramMemory::peak_bandwidth() const
{
    return tess_memory_peak_bandwidth(&m_);
}

ChannelStats DramMemory::totals() const
{
    ChannelStats s;
    for (const Channel &c : channels_) {
        const ChannelStats &x = c.stats();
        s.acts += x.acts;
        s.pres += x.pres;
        s.reads += x.reads;
        s.writes += x.writes;
        s.refreshes += x.refreshes;
        s.refreshes_pb += x.refreshes_pb;
        s.row_hits += x.row_hits;
        s.row_empty += x.row_empty;
        s.row_conflicts += x.row_conflicts;
        s.refresh_stalls += x.refresh_stalls;
        s.refresh_cycles += x.refresh_cycles;
    }
    return s;
}

double DramMemory::energy_joules(double seconds) const
{
    const ChannelStats s = totals();
    const double bits = 8.0 * static_cast<double>(burst_bytes_);
    const double per_bank_refresh = m_.refresh_energy / (m_.bank_groups * m_.banks);
    return static_cast<double>(s.acts) * m_.act_energy + s.reads * bits * m_.read_energy +
           s.writes * bits * m_.write_energy + s.refreshes * m_.refresh_energy +
           s.refreshes_pb * per_bank_refresh + m_.background_power * m_.channels * seconds;
}

uint64_t DramMemory::now_cycle() const
{
    return (sc_core::sc_time_stamp().value() + period_ps_ - 1) / period_ps_;
}

void DramMemory::wake_at(uint64_t cycle)
{
    if (scheduled_ && cycle >= scheduled_cycle_) return;
    scheduled_ = true;
    scheduled_cycle_ = cycle;
    wake_.notify(sc_core::sc_time(static_cast<double>(cycle * period_ps_), sc_core::SC_PS) -
                 sc_core::sc_time_stamp());
}

uint32_t DramMemory::admit(tlm::tlm_generic_payload &gp, sc_core::sc_event *blocking)
{
    const uint64_t addr = gp.get_address(), len = gp.get_data_length() ? gp.get_data_length() : 1;
    const uint64_t first = addr / burst_bytes_, last = (addr + len - 1) / burst_bytes_;
    uint32_t id;
    if (!free_req_.empty()) {
        id = free_req_.back();
        free_req_.pop_back();
    } else {
        id = static_cast<uint32_t>(req_.size());
        req_.emplace_back();
    }
    Request &r = req_[id];
    r = Request{};
    r.gp = &gp;
    r.bursts_left = static_cast<uint32_t>(last - first + 1);
    r.blocking = blocking;
    if (gp.has_mm()) gp.acquire();
    const uint64_t now = now_cycle();
    if (idle_) catch_up(now);
    idle_ = false;
    splitting_.push_back({id, first, last});
    feed(now);
    return id;
}

void DramMemory::catch_up(uint64_t now)
{
    const size_t n = channels_.size();
    for (;;) {
        uint64_t t = UINT64_MAX;
        for (size_t c = 0; c < n; c++)
            t = std::min(t, ch_next_[c]);
        if (t == UINT64_MAX) break;
        t = std::max(t, last_tick_ + 1);
        if (t >= now) break;
        last_tick_ = t;
        const size_t first = static_cast<size_t>(t % n);
        for (size_t i = 0, c = first; i < n; i++, c = c + 1 < n ? c + 1 : 0)
            if (ch_next_[c] <= t) {
                channels_[c].skip_refreshes(now);
                ch_next_[c] = channels_[c].step(t, done_);
            }
    }
}

void DramMemory::feed(uint64_t now)
{
    bool entered_any = false;
    while (!splitting_.empty()) {
        Split &s = splitting_.front();
        Request &r = req_[s.id];
        for (; s.next <= s.last; s.next++) {
            const Location l = decode(s.next * burst_bytes_);
            Channel &ch = channels_[l.channel];
            if (ch.full()) break;
            ch.enqueue(s.id, r.gp->is_write(), l.in);
            if (ch.needs_step(now, ch_next_[l.channel])) {
                ch_next_[l.channel] = now; // let it decide at once
                entered_any = true;
            } else {
                wake_at(ch_next_[l.channel]); // it sleeps on: nothing can issue before then
            }
        }
        if (s.next <= s.last) break; // in order: the rest waits for room
        r.entered = true;
        const uint32_t id = s.id;
        splitting_.pop_front();
        if (req_[id].end_req_owed) {
            req_[id].end_req_owed = false;
            tlm::tlm_phase ph = tlm::END_REQ;
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            socket->nb_transport_bw(*req_[id].gp, ph, delay);
        }
    }
    if (entered_any) wake_at(now);
}

tlm::tlm_sync_enum DramMemory::nb_transport_fw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                               sc_core::sc_time &delay)
{
    (void)delay;
    if (ph == tlm::BEGIN_REQ) {
        if (gp.get_address() + gp.get_data_length() > m_.capacity_bytes) {
            gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            ph = tlm::END_REQ; // refused at once; the initiator reads the status
            return tlm::TLM_COMPLETED;
        }
        const uint32_t id = admit(gp, nullptr);
        if (req_[id].entered) {
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        req_[id].end_req_owed = true; // END_REQ when its last burst enters
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::END_RESP) {
        resp_busy_ = false;
        send_responses();
        return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
}

void DramMemory::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    if (gp.get_address() + gp.get_data_length() > m_.capacity_bytes) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    wait(delay);
    delay = sc_core::SC_ZERO_TIME;
    sc_core::sc_event done;
    admit(gp, &done);
    wait(done);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

void DramMemory::send_responses()
{
    while (!resp_busy_ && !to_send_.empty()) {
        const uint32_t id = to_send_.front();
        to_send_.pop_front();
        Request &r = req_[id];
        tlm::tlm_generic_payload *gp = r.gp;
        free_req_.push_back(id);
        responses_++;
        gp->set_response_status(tlm::TLM_OK_RESPONSE);
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const tlm::tlm_sync_enum s = socket->nb_transport_bw(*gp, ph, delay);
        if (s == tlm::TLM_ACCEPTED) resp_busy_ = true; // END_RESP comes through fw
        if (gp->has_mm()) gp->release();
    }
}

void DramMemory::tick()
{
    scheduled_ = false;
    const uint64_t now = now_cycle();
    last_tick_ = now;
    uint64_t next = UINT64_MAX;
    bool freed = false;
    // channels sharing a command bus take turns at being first to it: a start rotating
    // with the cycle (not with the ticks that happen, so a channel may sleep through
    // cycles where it could issue nothing without changing who goes first)
    const size_t n = channels_.size();
    const size_t first = static_cast<size_t>(now % n);
    for (size_t i = 0, c = first; i < n; i++, c = c + 1 < n ? c + 1 : 0) {
        if (ch_next_[c] <= now) {
            const size_t before = channels_[c].queued();
            ch_next_[c] = channels_[c].step(now, done_);
            freed |= channels_[c].queued() < before;
        }
        next = std::min(next, ch_next_[c]);
    }
    // a burst's completion cycle is known when its column command issues: the request
    // is answered frontend-latency cycles after its last burst's data
    for (const Completion &d : done_) {
        Request &r = req_[d.request];
        r.done = std::max(r.done, d.cycle);
        if (--r.bursts_left == 0) responses_due_.push({r.done + m_.frontend_cycles, d.request});
    }
    done_.clear();
    while (!responses_due_.empty() && responses_due_.top().first <= now) {
        const uint32_t id = responses_due_.top().second;
        responses_due_.pop();
        if (req_[id].blocking) {
            req_[id].blocking->notify(sc_core::SC_ZERO_TIME);
            free_req_.push_back(id);
            responses_++;
        } else {
            to_send_.push_back(id);
        }
    }
    send_responses();
    if (freed && !splitting_.empty()) {
        feed(now);
        for (size_t c = 0; c < channels_.size(); c++)
            next = std::min(next, ch_next_[c]);
    }
    if (!responses_due_.empty()) next = std::min(next, responses_due_.top().first);
    bool queued = !splitting_.empty() || !responses_due_.empty();
    for (size_t c = 0; c < n && !queued; c++)
        queued = channels_[c].queued() > 0;
    idle_ = !queued; // refresh alone waits for the next request (catch_up)
    if (!idle_ && next != UINT64_MAX) wake_at(std::max(next, now + 1));
}

} // namespace tess::dram
