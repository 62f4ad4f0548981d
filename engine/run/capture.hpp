// The output kept for a step: the last `limit` bytes (1 MiB by default), the
// part a user needs to see why it failed, with a note of what was dropped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace run {

inline constexpr std::size_t default_capture_limit = 1 << 20;

class Capture {
public:
    explicit Capture(std::size_t limit = default_capture_limit) : limit_(limit) {}
    void append(std::string_view text);
    // The kept text, starting at a line (or at least a UTF-8 character) boundary.
    std::string text() const;
    bool truncated() const { return dropped_ > 0; }
    std::size_t dropped() const { return dropped_; }

private:
    std::size_t limit_;
    std::size_t dropped_ = 0;
    std::string buffer_;  // holds up to 2 * limit_ so trimming is amortised
};

}  // namespace run
