// A memory instance on the network: see memory_port.h.
#include "compute/memory_port.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tess::hw
{

MemoryPort::MemoryPort(sc_core::sc_module_name name, noc::Transport &net, const noc::Topology &topo,
                       uint32_t endpoint, uint32_t memory, double bandwidth, double latency_s,
                       noc::TransportClient *local, const tess_memory_type *dram,
                       double link_bandwidth)
    : sc_core::sc_module(name), net_(net), topo_(topo), endpoint_(endpoint), memory_(memory),
      server_(bandwidth, latency_s), local_(local), link_bandwidth_(link_bandwidth)
{
    SC_METHOD(send_due);
    sensitive << wake_;
    dont_initialize();
    if (!dram) return;
    dram_ = std::make_unique<dram::DramMemory>("dram", *dram);
    capacity_ = dram->capacity_bytes;
    socket_ = std::make_unique<tlm_utils::simple_initiator_socket<MemoryPort>>("socket");
    socket_->register_nb_transport_bw(this, &MemoryPort::nb_transport_bw);
    socket_->bind(dram_->socket);
    SC_METHOD(send_requests);
    sensitive << next_request_;
    dont_initialize();
}

double MemoryPort::row_hit_rate() const
{
    return dram_ ? dram_->totals().row_hit_rate() : -1;
}

uint64_t MemoryPort::address_of(uint32_t client, bool write, uint64_t bytes)
{
    if (bytes > capacity_)
        throw std::runtime_error("a transfer of " + std::to_string(bytes) +
                                 " B is larger than its memory");
    // 64 regions: a client's reads and its writes each stream through one of their own
    const uint64_t key = uint64_t(client) * 2 + (write ? 1 : 0);
    const uint64_t base = key % 64 * (capacity_ / 64);
    uint64_t &cursor = cursor_[key];
    uint64_t a = (base + cursor) % capacity_;
    if (a + bytes > capacity_) a = 0;
    cursor += bytes;
    return a;
}

namespace
{
// An element from a pool: a freed one, else a new one (a deque keeps addresses stable).
template <class T> T *take(std::deque<T> &pool, std::vector<T *> &freed, bool *fresh = nullptr)
{
    if (fresh) *fresh = freed.empty();
    if (freed.empty()) {
        pool.emplace_back();
        return &pool.back();
    }
    T *t = freed.back();
    freed.pop_back();
    return t;
}
} // namespace

MemoryPort::Chunk *MemoryPort::new_chunk(const noc::Message &m)
{
    Chunk *c = take(chunks_, free_chunks_);
    const uint64_t bytes = m.tag & kBytesMask;
    const bool write = (m.tag & kWriteTag) != 0;
    *c = Chunk{};
    c->arrival = sc_core::sc_time_stamp().to_seconds();
    c->reply.src = endpoint_;
    c->reply.dst = m.src;
    c->reply.tag = m.tag | kReplyTag;
    c->reply.bytes = write ? kHeaderBytes : bytes;
    c->address = address_of(m.src, write, bytes);
    (write ? cycle_st_.writes : cycle_st_.reads)++;
    (write ? cycle_st_.bytes_written : cycle_st_.bytes_read) += bytes;
    cycle_st_.clients.insert(m.src);
    return c;
}

void MemoryPort::ask(Chunk *c, bool write, uint64_t bytes)
{
    bool fresh;
    Transfer *t = take(transfers_, free_, &fresh);
    if (fresh) of_payload_[&t->gp] = t;
    t->chunk = c;
    c->pieces_left++;
    tlm::tlm_generic_payload &gp = t->gp;
    gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(c->address);
    gp.set_data_ptr(nullptr); // timing only: the model reads no data
    gp.set_data_length(static_cast<unsigned>(bytes));
    gp.set_streaming_width(static_cast<unsigned>(bytes));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    c->address += bytes;
    waiting_.push_back(t);
}

void MemoryPort::request(const noc::Message &m)
{
    const uint64_t bytes = m.tag & kBytesMask;
    if (m.tag & kWriteTag) { // a piece of the oldest write from there still arriving
        std::deque<Chunk *> &open = receiving_[m.src];
        if (open.empty()) open.push_back(new_chunk(m));
        Chunk *c = open.front();
        const uint64_t n = std::min<uint64_t>(m.bytes, bytes - c->arrived);
        c->arrived += n;
        c->last_arrival = sc_core::sc_time_stamp().to_seconds();
        c->last_bytes = n;
        if (c->arrived >= bytes) open.pop_front(); // its last piece
        ask(c, true, std::max<uint64_t>(n, 1));
    } else {
        Chunk *c = new_chunk(m);
        c->arrived = bytes;
        for (uint64_t left = bytes; left > 0 || c->pieces_left == 0;) {
            const uint64_t n = std::min(left, kPieceBytes);
            ask(c, false, std::max<uint64_t>(n, 1));
            left -= n;
        }
    }
    send_requests();
}

void MemoryPort::send_requests()
{
    while (!awaiting_end_req_ && !waiting_.empty()) {
        Transfer *t = waiting_.front();
        waiting_.pop_front();
        const double now = sc_core::sc_time_stamp().to_seconds();
        t->sent = now;
        if (in_model_++ == 0) busy_since_ = now;
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        const tlm::tlm_sync_enum s = (*socket_)->nb_transport_fw(t->gp, ph, delay);
        if (s == tlm::TLM_COMPLETED)
            throw std::runtime_error("the DRAM model refused a transfer (address " +
                                     std::to_string(t->gp.get_address()) + ")");
        if (s == tlm::TLM_ACCEPTED) awaiting_end_req_ = true; // END_REQ comes back later
    }
}

tlm::tlm_sync_enum MemoryPort::nb_transport_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph,
                                               sc_core::sc_time &delay)
{
    (void)delay;
    if (ph == tlm::END_REQ) { // the next request goes once the model is out of this call
        awaiting_end_req_ = false;
        next_request_.notify(sc_core::SC_ZERO_TIME);
        return tlm::TLM_ACCEPTED;
    }
    if (ph != tlm::BEGIN_RESP) return tlm::TLM_ACCEPTED;
    Transfer *t = of_payload_.at(&gp);
    Chunk *c = t->chunk;
    const double now = sc_core::sc_time_stamp().to_seconds();
    const double n = static_cast<double>(gp.get_data_length());
    double end = now;
    if (link_bandwidth_ > 0) { // the link takes every transfer's bytes, one after another
        end = std::max(end, std::max(t->sent, link_free_) + n / link_bandwidth_);
        link_free_ = end;
    }
    if (--in_model_ == 0) {
        cycle_st_.busy_s += now - busy_since_;
        record(busy_since_, now);
    }
    free_.push_back(t);
    const bool write = (c->reply.tag & kWriteTag) != 0;
    const uint64_t total = c->reply.tag & kBytesMask;
    if (--c->pieces_left > 0 || c->arrived < total) { // more to come
        if (!write) { // a read's piece: its data leaves now, or as the path takes it
            noc::Message piece = c->reply;
            piece.tag |= kPieceTag;
            piece.bytes = gp.get_data_length();
            reply_at(paced(end, piece), piece);
        }
        return tlm::TLM_COMPLETED;
    }
    // the wait beyond what the memory alone at its sustained rate would have taken: from
    // the first byte's arrival, and no sooner than the last piece's (burst's measure)
    const double bw = server_.bandwidth(),
                 alone = std::max(c->arrival + static_cast<double>(total) / bw,
                                  c->last_arrival + static_cast<double>(c->last_bytes) / bw);
    cycle_st_.queue_s += std::max(0.0, now - server_.latency_s() - alone);
    noc::Message last = c->reply;
    if (!write) { // the earlier pieces went ahead
        last.bytes = gp.get_data_length();
        end = paced(end, last);
    }
    reply_at(end, last);
    free_chunks_.push_back(c);
    return tlm::TLM_COMPLETED;
}

double MemoryPort::path_rate(uint32_t from, uint32_t to)
{
    const uint64_t key = (uint64_t(from) << 32) | to;
    auto it = path_rate_.find(key);
    if (it != path_rate_.end()) return it->second;
    const double rate = topo_.path_bandwidth(topo_.path(from, to));
    path_rate_.emplace(key, rate);
    return rate;
}

double MemoryPort::paced(double t, const noc::Message &m)
{
    if (to_own_die(m)) return t;
    double &next = next_piece_[m.dst];
    const double at = std::max(t, next);
    next = at + static_cast<double>(m.bytes) / path_rate(endpoint_, m.dst);
    return at;
}

void MemoryPort::reply_at(double t, const noc::Message &m)
{
    const double now = sc_core::sc_time_stamp().to_seconds();
    const uint64_t now_ps = noc::picoseconds(now);
    const uint64_t ps = std::max(now_ps, static_cast<uint64_t>(std::ceil(t * 1e12 - 1e-3)));
    const bool earliest = due_.empty() || ps < due_.top().ps;
    due_.push(Due{ps, seq_++, m});
    if (earliest) wake_.notify(sc_core::sc_time(static_cast<double>(ps - now_ps), sc_core::SC_PS));
}

void MemoryPort::send_due()
{
    const uint64_t now_ps = noc::picoseconds(sc_core::sc_time_stamp().to_seconds());
    while (!due_.empty() && due_.top().ps <= now_ps) {
        const noc::Message m = due_.top().m;
        due_.pop();
        if (to_own_die(m))
            local_->on_delivered(m);
        else
            net_.send(m);
    }
    if (!due_.empty())
        wake_.notify(sc_core::sc_time(static_cast<double>(due_.top().ps - now_ps), sc_core::SC_PS));
}

void MemoryPort::record(double t0, double t1)
{
    if (!record_ || !(t1 > t0)) return;
    timeline_.add(0, noc::picoseconds(t0), noc::picoseconds(t1) - noc::picoseconds(t0));
}

void MemoryPort::deliver(const noc::Message &m, bool local)
{
    if (dram_) {
        request(m);
        return;
    }
    const double now = sc_core::sc_time_stamp().to_seconds();
    const uint64_t bytes = m.tag & kBytesMask;
    const double n = static_cast<double>(bytes);
    noc::Message reply;
    reply.src = endpoint_;
    reply.dst = m.src;
    reply.tag = m.tag | kReplyTag;
    if (m.tag & kWriteTag) { // served from its head's arrival; a local one arrives now
        const double head = local ? now : std::max(0.0, now - n / path_rate(m.src, endpoint_));
        const MemoryServer::Service s = server_.write(m.src, head, now, bytes);
        record(s.start, s.start + n / server_.bandwidth());
        reply.bytes = kHeaderBytes;
        reply_at(s.end, reply);
    } else { // its data leaves as the memory produces it, no sooner than the path takes it
        const MemoryServer::Service s = server_.read(m.src, now, bytes);
        record(s.start, s.end);
        reply.bytes = bytes;
        reply_at(local ? s.end : std::max(s.start, s.end - n / path_rate(endpoint_, m.src)), reply);
    }
}

} // namespace tess::hw
