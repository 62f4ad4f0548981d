#include "kb/encoding.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "kb/load.hpp"
#include "base/text.hpp"

namespace kb::encoding {

namespace {

constexpr char32_t replacement = 0xFFFD;

// Windows-1252 0x80..0x9F; 0 marks the five undefined bytes.
constexpr std::array<char32_t, 32> cp1252_high = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Bytes of a valid UTF-8 sequence starting at bytes[i], or 0.
std::size_t utf8_sequence_length(const std::vector<unsigned char>& bytes, std::size_t i) {
    std::string_view view(reinterpret_cast<const char*>(bytes.data()) + i, bytes.size() - i);
    std::size_t pos = 0;
    char32_t cp = base::text::decode_utf8(view, pos);
    return (cp == base::text::invalid_code_point || cp < 0x80) ? 0 : pos;
}

// Expected length of a UTF-8 sequence from its lead byte, 0 for a non-lead.
std::size_t lead_length(unsigned char b) {
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

bool is_common_symbol(char32_t cp) {
    return (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x1F300 && cp <= 0x1FAFF);
}

// A double-encoded symbol whose sequence lost one byte: decoders drop the
// five bytes cp1252 leaves undefined, so "❌" (E2 9D 8C) arrives as "âŒ"
// and "🔍" (F0 9F 94 8D) as "ðŸ”". When putting one of those bytes back
// at some position gives a common emoji or symbol, that is what was meant.
// Returns the repaired sequence and how many run bytes it consumed.
std::optional<std::pair<std::string, std::size_t>> restore_lost_byte(const std::vector<unsigned char>& bytes,
                                                                     std::size_t i) {
    std::size_t need = lead_length(bytes[i]);
    if (need < 3) return std::nullopt;
    std::size_t have = 0;
    while (have + 1 < need && i + 1 + have < bytes.size() && (bytes[i + 1 + have] & 0xC0) == 0x80) ++have;
    if (have + 2 != need) return std::nullopt;
    static constexpr unsigned char lost_bytes[] = {0x8D, 0x9D, 0x8F, 0x81, 0x90};
    // The last position first: "ðŸ”" + space is U+1F50D 🔍 (lost final
    // byte), not U+1F354 (lost third byte).
    for (std::size_t at = need - 1; at >= 1; --at) {
        for (unsigned char lost : lost_bytes) {
            std::string candidate;
            candidate += static_cast<char>(bytes[i]);
            for (std::size_t k = 0; k < have; ++k) {
                if (k + 1 == at) candidate += static_cast<char>(lost);
                candidate += static_cast<char>(bytes[i + 1 + k]);
            }
            if (at == need - 1) candidate += static_cast<char>(lost);
            std::size_t pos = 0;
            char32_t cp = base::text::decode_utf8(candidate, pos);
            if (cp != base::text::invalid_code_point && pos == candidate.size() && is_common_symbol(cp))
                return std::make_pair(candidate, have + 1);
        }
    }
    return std::nullopt;
}

struct MappedChar {
    std::string_view original;  // the character as it appears in the text
    unsigned char byte;         // its Windows-1252 byte
};

}  // namespace

int cp1252_byte(char32_t cp) {
    if (cp >= 0x80 && cp <= 0xFF) return static_cast<int>(cp);
    for (std::size_t i = 0; i < cp1252_high.size(); ++i)
        if (cp1252_high[i] != 0 && cp1252_high[i] == cp) return static_cast<int>(0x80 + i);
    return -1;
}

namespace {

char32_t cp1252_code_point(unsigned char b) {
    if (b < 0x80 || b >= 0xA0) return b;
    char32_t cp = cp1252_high[b - 0x80];
    return cp != 0 ? cp : replacement;
}

// Line ends normalised; each byte >= 0x80 is one character, from `decode`.
template <class Decode>
std::string normalize(std::string_view bytes, Decode decode) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        unsigned char c = static_cast<unsigned char>(bytes[pos]);
        if (c < 0x80 && c != '\r') {
            // Plain ASCII is copied in runs, not byte by byte.
            std::size_t end = pos + 1;
            while (end < bytes.size()) {
                auto b = static_cast<unsigned char>(bytes[end]);
                if (b >= 0x80 || b == '\r') break;
                ++end;
            }
            out.append(bytes.substr(pos, end - pos));
            pos = end;
        } else if (c == '\r') {
            out += '\n';
            ++pos;
            if (pos < bytes.size() && bytes[pos] == '\n') ++pos;
        } else {
            decode(bytes, pos, out);
        }
    }
    return out;
}

}  // namespace

std::string normalize_utf8(std::string_view bytes, Decoding* decoding) {
    if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
    Decoding found;
    std::size_t multibyte = 0;
    std::string out = normalize(bytes, [&](std::string_view in, std::size_t& pos, std::string& text) {
        std::size_t start = pos;
        char32_t cp = base::text::decode_utf8(in, pos);
        if (cp != base::text::invalid_code_point) {
            text.append(in.substr(start, pos - start));
            ++multibyte;
            return;
        }
        if (found.invalid++ == 0)
            found.first_line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        base::text::append_utf8(text, replacement);
    });
    if (found.invalid > 0 && multibyte == 0) {
        found.legacy = true;
        out = normalize(bytes, [](std::string_view in, std::size_t& pos, std::string& text) {
            base::text::append_utf8(text, cp1252_code_point(static_cast<unsigned char>(in[pos++])));
        });
    }
    if (decoding) *decoding = found;
    return out;
}

std::string repair_double_encoding(std::string_view input, std::size_t* repaired_count) {
    std::size_t repaired = 0;
    // Fast path: double-encoded text always contains a character U+0080..U+00FF
    // (a lead byte C2..F4 read as cp1252), which is two bytes starting C2/C3.
    bool candidate = false;
    for (char c : input) {
        auto b = static_cast<unsigned char>(c);
        if (b == 0xC2 || b == 0xC3) {
            candidate = true;
            break;
        }
    }
    if (!candidate) {
        if (repaired_count) *repaired_count = 0;
        return std::string(input);
    }

    std::string out;
    out.reserve(input.size());
    std::vector<MappedChar> run;
    std::vector<unsigned char> run_bytes;

    auto flush = [&] {
        std::size_t i = 0;
        while (i < run.size()) {
            std::size_t length = utf8_sequence_length(run_bytes, i);
            if (length >= 2) {
                out.append(reinterpret_cast<const char*>(run_bytes.data()) + i, length);
                repaired += length;
                i += length;
            } else if (auto restored = restore_lost_byte(run_bytes, i)) {
                out.append(restored->first);
                repaired += restored->second;
                i += restored->second;
            } else {
                out.append(run[i].original);
                ++i;
            }
        }
        run.clear();
        run_bytes.clear();
    };

    std::size_t pos = 0;
    while (pos < input.size()) {
        if (static_cast<unsigned char>(input[pos]) < 0x80) {
            // ASCII ends a run and is copied in one piece.
            if (!run.empty()) flush();
            std::size_t end = pos + 1;
            while (end < input.size() && static_cast<unsigned char>(input[end]) < 0x80) ++end;
            out.append(input.substr(pos, end - pos));
            pos = end;
            continue;
        }
        std::size_t start = pos;
        char32_t cp = base::text::decode_utf8(input, pos);
        int byte = cp == base::text::invalid_code_point ? -1 : cp1252_byte(cp);
        if (byte < 0) {
            if (!run.empty()) flush();
            out.append(input.substr(start, pos - start));
            continue;
        }
        run.push_back({input.substr(start, pos - start), static_cast<unsigned char>(byte)});
        run_bytes.push_back(static_cast<unsigned char>(byte));
    }
    if (!run.empty()) flush();

    // In text known to be double-encoded, "Ã" directly between two letters
    // cannot be a real "Ã" (that would read "Ãƒ"): its second byte was lost.
    // The byte that tools drop is the invisible soft hyphen 0xAD, so the
    // character meant was "í" (C3 AD); "VÃctor" is "Víctor".
    if (repaired > 0) {
        // Found with find(): comparing at every byte was 3% of the CPU time
        // of indexing bench/site.sh's 10,000 real reports (perf).
        constexpr std::string_view lost = "\xC3\x83";
        std::string fixed;
        fixed.reserve(out.size());
        std::size_t copied = 0;
        for (std::size_t i = out.find(lost); i != std::string::npos; i = out.find(lost, i + lost.size())) {
            bool lost_byte = i > 0 && i + 2 < out.size() && std::isalpha(static_cast<unsigned char>(out[i - 1])) &&
                             out[i + 2] >= 'a' && out[i + 2] <= 'z';
            if (!lost_byte) continue;
            fixed.append(out, copied, i - copied);
            fixed += "\xC3\xAD";
            copied = i + lost.size();
            ++repaired;
        }
        fixed.append(out, copied);
        out = std::move(fixed);
    }
    if (repaired_count) *repaired_count = repaired;
    return out;
}

bool looks_binary(std::string_view bytes) {
    std::string_view head = bytes.substr(0, 8192);
    if (head.find('\0') != std::string_view::npos) return true;
    // Control characters other than tab, newline, form feed, carriage return
    // and escape, counted with comparisons the compiler vectorises: the loop
    // that branched on each byte was 3% of parsing.
    int control = 0;
    for (char c : head) {
        auto b = static_cast<unsigned char>(c);
        control += (b < 0x20) - (b == '\t') - (b == '\n') - (b == '\f') - (b == '\r') - (b == 0x1B);
    }
    return head.size() > 0 && static_cast<std::size_t>(control) * 10 > head.size();
}

}  // namespace kb::encoding

namespace kb {

std::string repair_text(std::string_view bytes, encoding::Decoding* decoding) {
    std::string text = encoding::repair_double_encoding(encoding::normalize_utf8(bytes, decoding));
    // A BOM that was itself double-encoded ("ï»¿") is only a BOM once repaired.
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    return text;
}

}  // namespace kb
