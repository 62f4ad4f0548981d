#include "run/capture.hpp"

namespace run {

void Capture::append(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() > 2 * limit_) {
        std::size_t cut = buffer_.size() - limit_;
        buffer_.erase(0, cut);
        dropped_ += cut;
    }
}

std::string Capture::text() const {
    if (buffer_.size() <= limit_ && dropped_ == 0) return buffer_;
    std::size_t start = buffer_.size() > limit_ ? buffer_.size() - limit_ : 0;
    // Prefer starting at a line; a single huge line starts at a character.
    std::size_t newline = buffer_.find('\n', start);
    if (newline != std::string::npos && newline - start < 4096) {
        start = newline + 1;
    } else {
        while (start < buffer_.size() && (static_cast<unsigned char>(buffer_[start]) & 0xC0) == 0x80) ++start;
    }
    return buffer_.substr(start);
}

}  // namespace run
