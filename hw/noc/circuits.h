// The optical circuit switch's controller (a platform's <circuit-switch>): it stands
// between the blocks and the network, the Transport they send on. The network routes
// every message in the switch's current configuration (Network::set_configuration).
// A message the current configuration joins goes at once; a message it does not join is
// held, and asks for the first configuration that joins it. Circuit traffic already in
// flight drains first (messages on the circuits are not cut); then the switch is
// reconfiguring for its reconfiguration time, during which messages that need circuits
// are held (not lost) while messages that stay off the circuits (inside a package) go
// on as usual; then the new configuration is set and the held messages are sent again
// in the order they came (those it does not join ask for the next configuration).
// A schedule whose phases need different configurations (a pipeline ring, then a data
// parallel ring) thereby pays the reconfiguration time at each switch.
#ifndef TESS_NOC_CIRCUITS_H
#define TESS_NOC_CIRCUITS_H

#include <deque>
#include <string>
#include <unordered_map>

#include "noc/network.h"

namespace tess::noc
{

struct CircuitStats {
    uint64_t reconfigurations = 0;
    double reconfiguring_s = 0; // time the circuits were down
    uint64_t held = 0;          // messages held for a configuration
    double held_s = 0;          // their time held, summed
};

class CircuitSwitching : public sc_core::sc_module, public Transport, public TransportClient
{
  public:
    SC_HAS_PROCESS(CircuitSwitching);
    CircuitSwitching(sc_core::sc_module_name name, Network &net, double reconfiguration_s,
                     std::string switch_name);

    void send(const Message &m) override;
    void set_client(TransportClient *client) override { client_ = client; }
    uint32_t endpoint_count() const override { return net_.endpoint_count(); }
    uint32_t endpoint_instance(uint32_t e) const override { return net_.endpoint_instance(e); }
    sc_core::sc_time clock_period() const override { return net_.clock_period(); }

    void on_delivered(const Message &m) override;
    bool accepts(const Message &m) override;

    const CircuitStats &stats() const { return stats_; }

  private:
    struct Sent {
        uint64_t tag;     // the sender's
        bool on_circuits; // its route uses circuits
    };
    struct Held {
        Message msg;
        sc_core::sc_time since;
    };
    Network &net_;
    const Topology &topo_;
    TransportClient *client_ = nullptr;
    sc_core::sc_time reconfiguration_;
    std::string name_;
    bool pending_ = false;       // a configuration is asked for: circuit traffic drains
    bool reconfiguring_ = false; // the circuits are down
    uint32_t target_ = 0;
    uint64_t on_circuits_ = 0; // messages in flight on circuits
    std::deque<Held> held_;
    std::unordered_map<uint64_t, Sent> sent_; // by the tag the network carries
    uint64_t next_tag_ = 0;
    CircuitStats stats_;
    sc_core::sc_event done_;

    void admit(const Message &m, sc_core::sc_time since, bool again);
    void begin();
    void on_done();
    Message restore(const Message &m, bool erase);
};

} // namespace tess::noc

#endif
