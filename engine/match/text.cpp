#include "match/text.hpp"

#include "kb/secrets.hpp"
#include "base/text.hpp"

namespace match {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

}  // namespace

std::string sanitize_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t start = pos;
        char32_t cp = base::text::decode_utf8(s, pos);
        if (cp == base::text::invalid_code_point || (cp < 0x20 && cp != '\t') || cp == 0x7F) out += replacement;
        else out.append(s.substr(start, pos - start));
    }
    return out;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

std::string shown_line(std::string_view raw, std::size_t max_bytes) {
    return truncate_utf8(kb::redact_credentials(sanitize_utf8(raw)), max_bytes);
}

}  // namespace match
