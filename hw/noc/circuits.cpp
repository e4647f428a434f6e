// The optical circuit switch's controller: see circuits.h.
#include "noc/circuits.h"

#include <stdexcept>

namespace tess::noc
{

CircuitSwitching::CircuitSwitching(sc_core::sc_module_name name, Network &net,
                                   double reconfiguration_s, std::string switch_name)
    : sc_core::sc_module(name), net_(net), topo_(net.topology()),
      reconfiguration_(reconfiguration_s, sc_core::SC_SEC), name_(std::move(switch_name))
{
    net_.set_client(this);
    SC_METHOD(on_done);
    sensitive << done_;
    dont_initialize();
}

void CircuitSwitching::send(const Message &m)
{
    admit(m, sc_core::sc_time_stamp(), false);
}

void CircuitSwitching::admit(const Message &m, sc_core::sc_time since, bool again)
{
    const uint32_t k = net_.configuration();
    const bool joined = topo_.joins(m.src, m.dst, k);
    bool circuits = false;
    if (joined)
        for (uint32_t c : topo_.path(m.src, m.dst, static_cast<int>(k)))
            circuits |= topo_.channels()[c].config >= 0;
    if (joined && (!circuits || (!pending_ && !reconfiguring_))) {
        Message tagged = m;
        tagged.tag = next_tag_++;
        sent_.emplace(tagged.tag, Sent{m.tag, circuits});
        on_circuits_ += circuits;
        if (since != sc_core::sc_time_stamp())
            stats_.held_s += (sc_core::sc_time_stamp() - since).to_seconds();
        net_.send(tagged);
        return;
    }
    if (!again) stats_.held++;
    held_.push_back(Held{m, since});
    if (joined || pending_ || reconfiguring_) return; // it waits for the configuration asked for
    const uint32_t want = topo_.first_joining(m.src, m.dst);
    if (want == topo_.configurations())
        throw std::runtime_error(
            "circuit switch '" + name_ + "': no configuration joins '" +
            topo_.platform()->instances[net_.endpoint_instance(m.src)].path + "' and '" +
            topo_.platform()->instances[net_.endpoint_instance(m.dst)].path + "'");
    pending_ = true;
    target_ = want;
    if (on_circuits_ == 0) begin();
}

void CircuitSwitching::begin()
{
    pending_ = false;
    reconfiguring_ = true;
    stats_.reconfigurations++;
    stats_.reconfiguring_s += reconfiguration_.to_seconds();
    done_.notify(reconfiguration_);
}

void CircuitSwitching::on_done()
{
    reconfiguring_ = false;
    const uint32_t k = target_; // the next request changes target_
    net_.set_configuration(k);
    std::deque<Held> again;
    again.swap(held_);
    // first what the new configuration joins, in the order held; then the rest, the first
    // of which asks for its configuration
    for (int pass = 0; pass < 2; pass++)
        for (const Held &h : again)
            if (topo_.joins(h.msg.src, h.msg.dst, k) == (pass == 0)) admit(h.msg, h.since, true);
}

Message CircuitSwitching::restore(const Message &m, bool erase)
{
    auto it = sent_.find(m.tag);
    if (it == sent_.end()) throw std::logic_error("circuit switch: a message it did not send");
    Message out = m;
    out.tag = it->second.tag;
    if (erase) {
        if (it->second.on_circuits && --on_circuits_ == 0 && pending_) begin();
        sent_.erase(it);
    }
    return out;
}

bool CircuitSwitching::accepts(const Message &m)
{
    return client_ ? client_->accepts(restore(m, false)) : true;
}

void CircuitSwitching::on_delivered(const Message &m)
{
    const Message out = restore(m, true);
    if (client_) client_->on_delivered(out);
}

} // namespace tess::noc
