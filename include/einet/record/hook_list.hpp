#pragma once
// Several spike hooks run as one, in the order they were added. The engine takes one hook per run;
// a study usually wants more (its own hook, recorders, guards, progress). Add them in the step
// order of docs/design/spiking-engine.md — study hooks, recorders, guards, progress — so that a
// guard that throws finds every recorder already holding the step that tripped it.
#include <initializer_list>
#include <vector>

#include "einet/engine/spiking_engine.hpp"

namespace einet::record {

class hook_list final : public engine::spike_hook {
public:
    hook_list() = default;
    hook_list(std::initializer_list<engine::spike_hook*> hooks) {
        for (auto* h : hooks) add(h);
    }
    // The hook is not owned; nullptr is ignored (optional recorders can be passed unconditionally).
    void add(engine::spike_hook* hook) {
        if (hook) hooks_.push_back(hook);
    }
    std::size_t size() const { return hooks_.size(); }

    void on_step(engine::spiking_engine& eng) override {
        for (auto* h : hooks_) h->on_step(eng);
    }
    bool reads_state(std::uint64_t step) const override {
        for (auto* h : hooks_) {
            if (h->reads_state(step)) return true;
        }
        return false;
    }

private:
    std::vector<engine::spike_hook*> hooks_;
};

}  // namespace einet::record
