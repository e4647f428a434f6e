// A memory instance on the network: see memory_port.h.
#include "compute/memory_port.h"

#include <algorithm>
#include <cmath>

namespace tess::hw
{

MemoryPort::MemoryPort(sc_core::sc_module_name name, noc::Transport &net, const noc::Topology &topo,
                       uint32_t endpoint, uint32_t memory, double bandwidth, double latency_s,
                       noc::TransportClient *local)
    : sc_core::sc_module(name), net_(net), topo_(topo), endpoint_(endpoint), memory_(memory),
      server_(bandwidth, latency_s), local_(local)
{
    SC_METHOD(send_due);
    sensitive << wake_;
    dont_initialize();
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

void MemoryPort::reply_at(double t, const noc::Message &m)
{
    const double now = sc_core::sc_time_stamp().to_seconds();
    const uint64_t now_ps = static_cast<uint64_t>(std::llround(now * 1e12));
    const uint64_t ps = std::max(now_ps, static_cast<uint64_t>(std::ceil(t * 1e12 - 1e-3)));
    const bool earliest = due_.empty() || ps < due_.top().ps;
    due_.push(Due{ps, seq_++, m});
    if (earliest) wake_.notify(sc_core::sc_time(static_cast<double>(ps - now_ps), sc_core::SC_PS));
}

void MemoryPort::send_due()
{
    const uint64_t now_ps =
        static_cast<uint64_t>(std::llround(sc_core::sc_time_stamp().to_seconds() * 1e12));
    while (!due_.empty() && due_.top().ps <= now_ps) {
        const noc::Message m = due_.top().m;
        due_.pop();
        if (m.dst == endpoint_ && local_)
            local_->on_delivered(m); // the die the memory hangs off
        else
            net_.send(m);
    }
    if (!due_.empty())
        wake_.notify(sc_core::sc_time(static_cast<double>(due_.top().ps - now_ps), sc_core::SC_PS));
}

void MemoryPort::record(double t0, double t1)
{
    if (!record_ || !(t1 > t0)) return;
    const auto ps = [](double t) { return static_cast<uint64_t>(std::llround(t * 1e12)); };
    timeline_.add(0, ps(t0), ps(t1) - ps(t0));
}

void MemoryPort::deliver(const noc::Message &m, bool local)
{
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
