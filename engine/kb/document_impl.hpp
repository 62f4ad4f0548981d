// Template definitions for kb/document.hpp.
#pragma once

#include "base/text.hpp"

namespace kb {

template <class Keep>
std::string first_paragraph(const markdown::Document& doc, std::size_t max_bytes, Keep keep) {
    std::string out;
    int last_line = -1;
    for (const auto& line : doc.lines) {
        if (!out.empty()) {
            if (line.kind != markdown::LineKind::paragraph || line.line != last_line + 1) break;
            out += ' ';
            out += line.text;
            last_line = line.line;
            continue;
        }
        if (line.kind != markdown::LineKind::paragraph || !keep(line)) continue;
        out = line.text;
        last_line = line.line;
    }
    return base::text::truncate_words(out, max_bytes);
}

}  // namespace kb
