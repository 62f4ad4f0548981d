// Secret param values never reach a screen, a log or the history: every
// occurrence is replaced by a mask, and so is whatever looks like a
// credential (kb::redact_credentials: a URL's password, `password=...`, a
// GitHub token). The streaming form passes a step's output on line by line,
// since a credential's shape can only be judged on a whole line; so a secret
// or a `password=` split across two reads of the output is still caught.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/text.hpp"

namespace run {

inline constexpr std::string_view mask_text = base::text::secret_mask;

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
    // Returns the lines completed so far (ended by \n or \r), masked; keeps
    // back the line still being written (up to max_line bytes).
    std::string feed(std::string_view chunk);
    // Everything still held back (at end of stream).
    std::string flush();
    // The line still being written, when the output has gone quiet (a
    // prompt, "waiting..."): all of it but a possible secret's first part.
    std::string flush_quiet();
    bool holding() const { return !pending_.empty(); }

    static constexpr std::size_t max_line = 64 * 1024;

private:
    const Masker& masker_;
    std::string pending_;
};

}  // namespace run
