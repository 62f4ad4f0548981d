// Terminal output shared by the read commands: styles that disappear when
// colour is off, columns aligned by display width, search-hit markup, and
// paths shown relative to the working directory when they are inside it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kb/model.hpp"

namespace cli {

class Style {
public:
    explicit Style(bool colour) : colour_(colour) {}
    bool colour() const { return colour_; }
    std::string bold(std::string_view s) const { return wrap("1", s); }
    std::string dim(std::string_view s) const { return wrap("2", s); }
    std::string cyan(std::string_view s) const { return wrap("36", s); }
    std::string green(std::string_view s) const { return wrap("32", s); }
    std::string yellow(std::string_view s) const { return wrap("33", s); }
    std::string red(std::string_view s) const { return wrap("31", s); }

private:
    std::string wrap(const char* code, std::string_view s) const;
    bool colour_;
};

// Width of UTF-8 text in terminal columns (one per code point; good enough
// for the text deja prints).
std::size_t display_width(std::string_view s);
// Cut to at most `width` columns, ending in "…" when cut.
std::string truncate(std::string_view s, std::size_t width);
// Columns of stdout when it is a terminal, else 0 (no limit).
std::size_t terminal_width();

// Rows of plain cells; every column but the last is padded. The header is
// bold on a terminal. With `max_width`, the last column is cut to fit.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string render(const Style& style, std::size_t max_width = 0) const;
};

// Search-hit markers (\x01 ... \x02) as bold on a terminal, dropped otherwise.
std::string render_hits(std::string_view marked, const Style& style);
// The snippet without markers, and each hit as [start, end) in code points.
struct PlainSnippet {
    std::string text;
    std::vector<std::pair<std::size_t, std::size_t>> highlights;
};
PlainSnippet plain_snippet(std::string_view marked);

// Every non-empty line prefixed.
std::string indent(std::string_view text, std::string_view prefix);

std::string display_path(const std::string& path);
// "file:line: message" (warnings say so), with display_path.
std::string describe(const kb::Diagnostic& diagnostic);

}  // namespace cli
