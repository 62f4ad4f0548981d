#include "cli/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "store/index.hpp"

namespace cli {

std::string Style::wrap(const char* code, std::string_view s) const {
    if (!colour_ || s.empty()) return std::string(s);
    return std::string("\x1b[") + code + "m" + std::string(s) + "\x1b[0m";
}

std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++width;
    return width;
}

std::string truncate(std::string_view s, std::size_t width) {
    if (display_width(s) <= width) return std::string(s);
    if (width == 0) return {};
    std::size_t columns = 0, i = 0;
    for (; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
            if (columns == width - 1) break;
            ++columns;
        }
    }
    return std::string(s.substr(0, i)) + "…";
}

std::size_t terminal_width() {
    if (!isatty(STDOUT_FILENO)) return 0;
    winsize ws{};
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 0;
    return ws.ws_col;
}

std::string Table::render(const Style& style, std::size_t max_width) const {
    std::size_t columns = header.size();
    for (const auto& r : rows) columns = std::max(columns, r.size());
    if (columns == 0) return {};
    std::vector<std::size_t> widths(columns, 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c + 1 < row.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
    };
    measure(header);
    for (const auto& r : rows) measure(r);
    std::size_t lead = 0;
    for (std::size_t c = 0; c + 1 < columns; ++c) lead += widths[c] + 2;

    std::string out;
    auto line = [&](const std::vector<std::string>& row, bool is_header) {
        std::string text;
        for (std::size_t c = 0; c < row.size(); ++c) {
            std::string cell = row[c];
            if (c + 1 == columns && max_width > lead) cell = truncate(cell, max_width - lead);
            if (c + 1 < columns && c + 1 < row.size()) cell += std::string(widths[c] - display_width(cell) + 2, ' ');
            text += cell;
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += (is_header ? style.bold(text) : text) + '\n';
    };
    if (!header.empty()) line(header, true);
    for (const auto& r : rows) line(r, false);
    return out;
}

std::string render_hits(std::string_view marked, const Style& style) {
    std::string out;
    std::size_t i = 0;
    while (i < marked.size()) {
        std::size_t open = marked.find(store::hit_begin, i);
        if (open == std::string_view::npos) {
            out += marked.substr(i);
            break;
        }
        std::size_t close = marked.find(store::hit_end, open + 1);
        if (close == std::string_view::npos) close = marked.size();
        out += marked.substr(i, open - i);
        std::string_view hit = marked.substr(open + 1, close - open - 1);
        // Off a terminal, or with NO_COLOR, the text as it is: marks such as
        // Markdown's ** would end up in whatever reads deja's output.
        out += style.colour() ? style.bold(hit) : std::string(hit);
        i = close + 1;
    }
    return out;
}

PlainSnippet plain_snippet(std::string_view marked) {
    PlainSnippet p;
    std::size_t points = 0, start = 0;
    for (char c : marked) {
        if (c == store::hit_begin) {
            start = points;
        } else if (c == store::hit_end) {
            p.highlights.emplace_back(start, points);
        } else {
            p.text += c;
            if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++points;
        }
    }
    return p;
}

std::string indent(std::string_view text, std::string_view prefix) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty()) out += std::string(prefix) + std::string(line);
        out += '\n';
        start = end + 1;
    }
    return out;
}

std::string display_path(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (ec || path.empty()) return path;
    fs::path p(path);
    if (!p.is_absolute()) return path;
    auto rel = p.lexically_relative(cwd);
    if (rel.empty() || *rel.begin() == "..") return path;
    return rel.string();
}

std::string describe(const kb::Diagnostic& d) {
    kb::Diagnostic shown = d;
    shown.file = display_path(d.file);
    return shown.format();
}

}  // namespace cli
