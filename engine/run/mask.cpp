#include "run/mask.hpp"

#include <algorithm>

#include "kb/secrets.hpp"

namespace run {

Masker::Masker(std::vector<std::string> secrets) {
    for (auto& s : secrets) add(s);
}

void Masker::add(const std::string& secret) {
    if (secret.size() < min_secret_length) return;
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    secrets_.push_back(secret);
    std::stable_sort(secrets_.begin(), secrets_.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

namespace {

enum class AtEnd { final, more_may_follow };

// Masks `text`; with more_may_follow, stops at the first position where the
// rest of the text is a proper prefix of a secret and returns that position
// in `held` (text.size() when nothing is held back).
std::string mask_prefix(const std::vector<std::string>& secrets, std::string_view text, AtEnd at_end,
                        std::size_t& held) {
    std::string out;
    out.reserve(text.size());
    held = text.size();
    std::size_t i = 0;
    while (i < text.size()) {
        bool replaced = false;
        for (const auto& s : secrets) {
            if (text[i] != s[0]) continue;
            std::string_view rest = text.substr(i);
            if (rest.size() >= s.size()) {
                if (rest.compare(0, s.size(), s) == 0) {
                    out += mask_text;
                    i += s.size();
                    replaced = true;
                    break;
                }
            } else if (at_end == AtEnd::more_may_follow && s.compare(0, rest.size(), rest) == 0) {
                held = i;
                return out;
            }
        }
        if (!replaced) out += text[i++];
    }
    return out;
}

}  // namespace

std::string Masker::mask(std::string_view text) const {
    if (secrets_.empty()) return kb::redact_credentials(std::string(text));
    std::size_t held = 0;
    return kb::redact_credentials(mask_prefix(secrets_, text, AtEnd::final, held));
}

std::string StreamMasker::feed(std::string_view chunk) {
    pending_.append(chunk);
    std::size_t end = pending_.find_last_of("\n\r");
    if (end == std::string::npos) {
        // One endless line: shown in pieces rather than held without bound.
        return pending_.size() > max_line ? flush_quiet() : std::string();
    }
    std::string out = masker_.mask(std::string_view(pending_).substr(0, end + 1));
    pending_.erase(0, end + 1);
    return out;
}

std::string StreamMasker::flush() {
    std::string out = masker_.mask(pending_);
    pending_.clear();
    return out;
}

std::string StreamMasker::flush_quiet() {
    std::size_t held = 0;
    std::string out = kb::redact_credentials(mask_prefix(masker_.secrets_, pending_, AtEnd::more_may_follow, held));
    pending_.erase(0, held);
    return out;
}

}  // namespace run
