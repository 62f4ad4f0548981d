// The table of harnesses and the helpers they share.
#include "fuzz/harness.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace fuzz {

void expect(bool condition, std::string_view what) {
    if (!condition) throw Violation(std::string(what));
}

std::span<const Harness> harnesses() {
    static constexpr std::array table{
        Harness{"runbook", runbook},   Harness{"incident", incident},   Harness{"front_matter", front_matter},
        Harness{"info_string", info_string}, Harness{"encoding", encoding}, Harness{"env_file", env_file},
        Harness{"clean", clean},       Harness{"input", input},         Harness{"pattern", pattern},
        Harness{"prefilter", prefilter}, Harness{"match", match},       Harness{"regex_js", regex_js},
        Harness{"markdown", markdown},
    };
    return table;
}

const Harness* find_harness(std::string_view name) {
    auto all = harnesses();
    auto found = std::find_if(all.begin(), all.end(), [&](const Harness& h) { return h.name == name; });
    return found == all.end() ? nullptr : &*found;
}

std::pair<std::string_view, std::string_view> split_at_nul(std::string_view bytes) {
    auto nul = bytes.find('\0');
    if (nul == std::string_view::npos) return {bytes, {}};
    return {bytes.substr(0, nul), bytes.substr(nul + 1)};
}

}  // namespace fuzz
