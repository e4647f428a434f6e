// The transport interface: how every block in the simulator moves a message over a
// network, whatever the network's fidelity. A block hands the network a Message and
// is called back when the message's last byte has arrived at its destination.
//
// Message classes travel on disjoint virtual-channel classes (request VCs, response
// VCs), so a response never waits behind a request for a buffer: request-response
// traffic cannot deadlock the network (no protocol deadlock), whatever the routing.
#ifndef TESS_NOC_TRANSPORT_H
#define TESS_NOC_TRANSPORT_H

#include <cstdint>

#include <systemc>

namespace tess::noc
{

enum class MessageClass : uint8_t { Request = 0, Response = 1 };
constexpr unsigned kMaxMessageClasses = 2;

struct Message {
    uint32_t src = 0;   // endpoint index (see Transport::endpoint_instance)
    uint32_t dst = 0;   // endpoint index
    uint64_t bytes = 0; // payload; the network rounds up to whole flits
    MessageClass cls = MessageClass::Request;
    uint64_t tag = 0; // the sender's, returned untouched
    // the messages it stands for in a flow network's transport counts (NetworkStats): 1,
    // or with --symmetry 1 + its sender's mirrored copies left off the network, which
    // route alike and so fare as it does
    uint32_t counts_for = 1;
};

class TransportClient
{
  public:
    virtual ~TransportClient() = default;
    // Called at the simulated time the message's tail arrives at m.dst.
    virtual void on_delivered(const Message &m) = 0;
    // Asked before the head of m is consumed at m.dst: false leaves it in the
    // network's buffers (backpressure), and the network asks again next cycle.
    virtual bool accepts(const Message &m)
    {
        (void)m;
        return true;
    }
};

class Transport
{
  public:
    virtual ~Transport() = default;
    // Accepts m now (sc_time_stamp()); the client is called back on delivery. A
    // message sent at a clock edge is injected at that edge.
    virtual void send(const Message &m) = 0;
    virtual void set_client(TransportClient *client) = 0;
    virtual uint32_t endpoint_count() const = 0;
    // The platform instance (die) behind an endpoint index.
    virtual uint32_t endpoint_instance(uint32_t endpoint) const = 0;
    virtual sc_core::sc_time clock_period() const = 0;
};

} // namespace tess::noc

#endif
