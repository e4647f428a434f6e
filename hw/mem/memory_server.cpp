// A memory's controller at burst fidelity: see memory_server.h.
#include "mem/memory_server.h"

#include <algorithm>
#include <stdexcept>

namespace tess::hw
{

MemoryServer::MemoryServer(double bandwidth, double latency_s)
    : bandwidth_(bandwidth), latency_s_(latency_s)
{
    if (!(bandwidth > 0)) throw std::invalid_argument("a memory without bandwidth");
    if (!(latency_s >= 0)) throw std::invalid_argument("a memory with a negative latency");
}

MemoryServer::Service MemoryServer::read(uint32_t client, double arrival, uint64_t bytes)
{
    const double ready = arrival + latency_s_;
    const double start = std::max(ready, free_);
    const double end = start + static_cast<double>(bytes) / bandwidth_;
    st_.queue_s += start - ready;
    st_.busy_s += end - start;
    st_.reads++;
    st_.bytes_read += bytes;
    st_.clients.insert(client);
    free_ = end;
    return {start, end};
}

MemoryServer::Service MemoryServer::write(uint32_t client, double head, double tail, uint64_t bytes)
{
    const double start = std::max(head, free_);
    const double busy = static_cast<double>(bytes) / bandwidth_;
    const double end = std::max(start + busy, tail);
    st_.queue_s += start - head;
    st_.busy_s += busy;
    st_.writes++;
    st_.bytes_written += bytes;
    st_.clients.insert(client);
    free_ = start + busy; // the server moves on; a slow arrival does not hold it
    return {start, end};
}

} // namespace tess::hw
