// Secret param values never reach a screen, a log or the history: every
// occurrence is replaced by a mask. The streaming form holds back a tail that
// could be the start of a secret, so a secret split across two reads of a
// step's output is still caught.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/text.hpp"

namespace run {

inline constexpr std::string_view mask_text = kb::text::secret_mask;

// Values shorter than this are not masked: masking every "a" or "1" in the
// output would hide the output, not the secret.
inline constexpr std::size_t min_secret_length = 3;

class Masker {
public:
    Masker() = default;
    explicit Masker(std::vector<std::string> secrets);
    void add(const std::string& secret);
    bool empty() const { return secrets_.empty(); }

    std::string mask(std::string_view text) const;

private:
    friend class StreamMasker;
    std::vector<std::string> secrets_;  // longest first, so a longer secret wins over its prefix
};

class StreamMasker {
public:
    explicit StreamMasker(const Masker& masker) : masker_(masker) {}
    // Returns what is safe to show now; keeps back a possible secret prefix.
    std::string feed(std::string_view chunk);
    // Everything still held back (at end of stream).
    std::string flush();

private:
    const Masker& masker_;
    std::string pending_;
};

}  // namespace run
