#include "cli/terminal_markdown.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <vector>

#include "base/text.hpp"
#include "kb/markdown.hpp"

namespace cli {

namespace {

using kb::markdown::IterPtr;

// Containers deeper than this add nothing to the margin: a file nested fifty
// thousand quotes deep must not print fifty thousand bars on every line.
constexpr std::size_t max_prefix_depth = 32;
constexpr std::size_t min_text_width = 20;
// Body text sits under its heading, as the sections `deja show` prints
// before the document do.
constexpr std::string_view margin = "  ";
constexpr std::string_view code_indent = "    ";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The GFM extensions' nodes (tables, task items, strikethrough) have no type
// of their own in cmark's enum, only a name.
bool is_type(cmark_node* node, const char* name) {
    const char* type = cmark_node_get_type_string(node);
    return type && std::strcmp(type, name) == 0;
}

std::string rstrip(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

enum Attr : unsigned { strong = 1, code = 2, faint = 4 };

struct Piece {
    std::string text;
    unsigned attrs = 0;
};

// Pieces with no space between them ("**bold**," is one word of two pieces).
struct Word {
    std::vector<Piece> pieces;
    std::size_t width = 0;
    bool line_break = false;  // a hard break: the line ends here
};

class Words {
public:
    void text(std::string_view s, unsigned attrs) {
        std::size_t i = 0;
        while (i < s.size()) {
            if (is_space(s[i])) {
                open_ = false;
                ++i;
                continue;
            }
            std::size_t end = i;
            while (end < s.size() && !is_space(s[end])) ++end;
            append(terminal_text(s.substr(i, end - i)), attrs);
            i = end;
        }
    }
    void space() { open_ = false; }
    void line_break() {
        words_.push_back({{}, 0, true});
        open_ = false;
    }
    std::vector<Word>& words() { return words_; }

private:
    void append(std::string chunk, unsigned attrs) {
        if (!open_) words_.emplace_back();
        open_ = true;
        Word& word = words_.back();
        word.width += display_width(chunk);
        if (!word.pieces.empty() && word.pieces.back().attrs == attrs) word.pieces.back().text += chunk;
        else word.pieces.push_back({std::move(chunk), attrs});
    }

    std::vector<Word> words_;
    bool open_ = false;  // the last word goes on with the next text
};

// The inlines under `parent` as words. Iterative: emphasis nested fifty
// thousand deep must not run the stack out.
std::vector<Word> inline_words(cmark_node* parent, const TerminalMarkdownOptions& options) {
    Words words;
    std::string seen;  // the text so far, to tell whether a link's text already is its URL
    struct Open {
        cmark_node* node;
        unsigned attrs;
        std::size_t text_start;
    };
    std::vector<Open> open;
    unsigned attrs = 0;
    IterPtr iter(cmark_iter_new(parent));
    for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
        cmark_node* node = cmark_iter_get_node(iter.get());
        if (node == parent) continue;
        const cmark_node_type type = cmark_node_get_type(node);
        const char* literal = cmark_node_get_literal(node);
        const std::string_view text = literal ? literal : "";
        switch (type) {
            case CMARK_NODE_TEXT:
            case CMARK_NODE_HTML_INLINE:  // shown as written, never interpreted
                words.text(text, attrs);
                seen += text;
                continue;
            case CMARK_NODE_CODE:
                words.text(text, attrs | code);
                seen += text;
                continue;
            case CMARK_NODE_SOFTBREAK:
                words.space();
                seen += ' ';
                continue;
            case CMARK_NODE_LINEBREAK:
                words.line_break();
                seen += ' ';
                continue;
            default:
                break;
        }
        if (ev == CMARK_EVENT_ENTER) {
            open.push_back({node, attrs, seen.size()});
            if (type == CMARK_NODE_STRONG) attrs |= strong;
            if (is_type(node, "strikethrough")) attrs |= faint;
            // cmark has numbered references in the order of their notes.
            if (type == CMARK_NODE_FOOTNOTE_REFERENCE) words.text("[" + std::string(text) + "]", attrs | faint);
            continue;
        }
        if (open.empty() || open.back().node != node) continue;
        attrs = open.back().attrs;
        const std::string label = base::text::collapse_whitespace(std::string_view(seen).substr(open.back().text_start));
        open.pop_back();
        if (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE) continue;
        const char* raw_url = cmark_node_get_url(node);
        const std::string url = raw_url ? raw_url : "";
        if (type == CMARK_NODE_IMAGE && label.empty()) words.text("image", attrs);
        std::optional<std::string> note = options.link_note ? options.link_note(url, label) : std::nullopt;
        // In-page anchors say nothing off the page; an autolink's text is its URL.
        if (!note && !(url.empty() || url[0] == '#' || url == label || url == "mailto:" + label)) note = url;
        if (!note || note->empty()) continue;
        words.space();
        words.text("(" + *note + ")", attrs | faint);
    }
    return std::move(words.words());
}

std::string styled(const Piece& piece, const Style& style) {
    std::string s = piece.text;
    if (piece.attrs & code) s = style.cyan(s);
    if (piece.attrs & faint) s = style.dim(s);
    if (piece.attrs & strong) s = style.bold(s);
    return s;
}

// Greedy: as many words on a line as fit; a word longer than a line (a URL)
// gets a line of its own rather than being cut. A run of one style is styled
// once, space included ("When it does not" is one bold run, not four).
std::vector<std::string> wrap(const std::vector<Word>& words, std::size_t width, const Style& style) {
    std::vector<std::string> lines;
    std::vector<Piece> line;
    std::size_t used = 0;
    auto add = [&line](std::string_view text, unsigned attrs) {
        if (!line.empty() && line.back().attrs == attrs) line.back().text += text;
        else line.push_back({std::string(text), attrs});
    };
    auto flush = [&] {
        std::string text;
        for (const auto& piece : line) text += styled(piece, style);
        lines.push_back(std::move(text));
        line.clear();
        used = 0;
    };
    for (const auto& word : words) {
        if (word.line_break) {
            flush();
            continue;
        }
        if (word.pieces.empty()) continue;
        if (!line.empty() && used + 1 + word.width > width) flush();
        if (!line.empty()) {
            add(" ", line.back().attrs == word.pieces.front().attrs ? line.back().attrs : 0);
            ++used;
        }
        for (const auto& piece : word.pieces) add(piece.text, piece.attrs);
        used += word.width;
    }
    if (!line.empty()) flush();
    return lines;
}

std::string plain(const std::vector<Word>& words) {
    std::string out;
    for (const auto& word : words) {
        if (word.pieces.empty()) continue;
        if (!out.empty()) out += ' ';
        for (const auto& piece : word.pieces) out += piece.text;
    }
    return out;
}

std::string comparable_heading(std::string_view text) {
    return base::text::collapse_whitespace(base::text::trim_decoration(text));
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

class Renderer {
public:
    Renderer(const Style& style, const TerminalMarkdownOptions& options) : style_(style), options_(options) {}

    std::string run(cmark_node* document) {
        document_ = document;
        find_title();
        IterPtr iter(cmark_iter_new(document));
        for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
            cmark_node* node = cmark_iter_get_node(iter.get());
            if (node == document) continue;
            if (ev == CMARK_EVENT_EXIT) exit(node);
            else if (enter(node)) cmark_iter_reset(iter.get(), node, CMARK_EVENT_EXIT);  // its inlines are read
        }
        return std::move(out_);
    }

private:
    // A quote, a list item or a footnote: what it puts before each line.
    struct Container {
        cmark_node* node = nullptr;
        bool quote = false;
        std::string marker;      // an item's first line: "• ", "12. ", "[1] "
        std::size_t indent = 0;  // its other lines: this many spaces (the marker's width)
        bool marker_shown = false;
    };
    struct List {
        bool ordered = false;
        int next = 1;
        char delimiter = '.';
        std::size_t number_width = 0;
        std::size_t bullet_depth = 0;
    };

    // The heading that repeats the title, left out: the first one, when it
    // is a top one.
    void find_title() {
        for (cmark_node* child = cmark_node_first_child(document_); child; child = cmark_node_next(child)) {
            if (cmark_node_get_type(child) != CMARK_NODE_HEADING) continue;
            if (cmark_node_get_heading_level(child) <= 2 && !options_.title.empty() &&
                comparable_heading(plain(inline_words(child, options_))) == comparable_heading(options_.title))
                title_heading_ = child;
            return;
        }
    }

    // True when the node was read whole (its children are not visited).
    bool enter(cmark_node* node) {
        switch (cmark_node_get_type(node)) {
            case CMARK_NODE_BLOCK_QUOTE:
                begin_block();
                containers_.push_back({node, true, "", 0, false});
                return false;
            case CMARK_NODE_LIST:
                begin_block();
                lists_.push_back(list_of(node));
                return false;
            case CMARK_NODE_ITEM:
                begin_block();
                containers_.push_back(item_of(node));
                return false;
            case CMARK_NODE_FOOTNOTE_DEFINITION: {
                // cmark puts the notes at the end, in the order of their numbers.
                begin_block();
                std::string marker = "[" + std::to_string(++footnotes_) + "] ";
                containers_.push_back({node, false, marker, display_width(marker), false});
                return false;
            }
            case CMARK_NODE_PARAGRAPH:
                begin_block();
                for (const auto& l : wrap(inline_words(node, options_), text_width(false), style_)) line(l);
                finished(node);
                return true;
            case CMARK_NODE_HEADING:
                heading(node);
                return true;
            case CMARK_NODE_CODE_BLOCK:
                code_block(node);
                finished(node);
                return true;
            case CMARK_NODE_HTML_BLOCK: {
                // As text: a <script> in a report is something to read here.
                begin_block();
                const char* literal = cmark_node_get_literal(node);
                for (auto l : base::text::split_lines(literal ? literal : "")) line(terminal_text(l));
                finished(node);
                return true;
            }
            case CMARK_NODE_THEMATIC_BREAK:
                begin_block();
                line(style_.dim(repeat("─", std::min<std::size_t>(text_width(false), 40))));
                finished(node);
                return true;
            default:
                break;
        }
        if (is_type(node, "table")) {
            table(node);
            finished(node);
            return true;
        }
        return false;
    }

    void exit(cmark_node* node) {
        switch (cmark_node_get_type(node)) {
            case CMARK_NODE_ITEM:
            case CMARK_NODE_FOOTNOTE_DEFINITION:
                // An empty item still shows its bullet.
                if (!containers_.empty() && containers_.back().node == node && !containers_.back().marker_shown)
                    line("");
                [[fallthrough]];
            case CMARK_NODE_BLOCK_QUOTE:
                if (!containers_.empty() && containers_.back().node == node) containers_.pop_back();
                finished(node);
                break;
            case CMARK_NODE_LIST:
                if (!lists_.empty()) lists_.pop_back();
                finished(node);
                break;
            default:
                break;
        }
    }

    List list_of(cmark_node* node) {
        List list;
        list.ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
        list.next = cmark_node_get_list_start(node);
        list.delimiter = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM ? ')' : '.';
        int items = 0;
        for (cmark_node* child = cmark_node_first_child(node); child; child = cmark_node_next(child)) ++items;
        list.number_width = std::to_string(list.next + std::max(items, 1) - 1).size() + 1;
        for (const auto& outer : lists_) list.bullet_depth += outer.ordered ? 0 : 1;
        return list;
    }

    Container item_of(cmark_node* node) {
        static constexpr std::string_view bullets[] = {"•", "◦", "▪"};
        std::string marker;
        if (lists_.empty() || !lists_.back().ordered) {
            marker = std::string(bullets[lists_.empty() ? 0 : lists_.back().bullet_depth % std::size(bullets)]) + " ";
        } else {
            List& list = lists_.back();
            marker = std::to_string(list.next++) + list.delimiter;
            marker += std::string(marker.size() <= list.number_width ? list.number_width + 1 - marker.size() : 1, ' ');
        }
        if (is_type(node, "tasklist")) marker += cmark_gfm_extensions_get_tasklist_item_checked(node) ? "[x] " : "[ ] ";
        return {node, false, marker, display_width(marker), false};
    }

    // Whether the node sits in a tight list, whose items and their blocks
    // follow each other without blank lines.
    static bool tight(cmark_node* node) {
        cmark_node* item = cmark_node_get_type(node) == CMARK_NODE_ITEM ? node : cmark_node_parent(node);
        if (!item || cmark_node_get_type(item) != CMARK_NODE_ITEM) return false;
        cmark_node* list = cmark_node_parent(item);
        return list && cmark_node_get_list_tight(list);
    }

    void finished(cmark_node* node) { pending_blank_ = !tight(node); }

    void begin_block() {
        if (pending_blank_ && !out_.empty()) out_ += prefix(false, true) + '\n';
        pending_blank_ = false;
    }

    std::size_t prefix_width(bool at_edge) const {
        std::size_t width = at_edge ? 0 : margin.size();
        const std::size_t depth = std::min(containers_.size(), max_prefix_depth);
        for (std::size_t i = 0; i < depth; ++i) width += containers_[i].quote ? 2 : containers_[i].indent;
        return width;
    }

    std::size_t text_width(bool at_edge) const {
        const std::size_t used = prefix_width(at_edge);
        return options_.width > used + min_text_width ? options_.width - used : min_text_width;
    }

    // What goes before a line: margins, bars and the markers not shown yet.
    // A blank line shows no markers and ends in no spaces.
    std::string prefix(bool at_edge, bool blank) {
        std::string out = at_edge ? "" : std::string(margin);
        const std::size_t depth = std::min(containers_.size(), max_prefix_depth);
        for (std::size_t i = 0; i < depth; ++i) {
            Container& c = containers_[i];
            if (c.quote) {
                out += style_.dim("│") + " ";
            } else if (!blank && !c.marker_shown) {
                out += c.marker;
                c.marker_shown = true;
            } else {
                out += std::string(c.indent, ' ');
            }
        }
        return blank ? rstrip(std::move(out)) : out;
    }

    void line(std::string_view text, bool at_edge = false) {
        out_ += text.empty() ? rstrip(prefix(at_edge, false)) : prefix(at_edge, false) + std::string(text);
        out_ += '\n';
    }

    void heading(cmark_node* node) {
        if (node == title_heading_) return;
        // At the left edge whatever its level, so that it stands out from the
        // text also where bold does not show (off a terminal).
        const bool at_edge = cmark_node_parent(node) == document_;
        auto words = inline_words(node, options_);
        for (auto& word : words)
            for (auto& piece : word.pieces) piece.attrs |= strong;
        if (!out_.empty()) pending_blank_ = true;
        begin_block();
        for (const auto& l : wrap(words, text_width(at_edge), style_)) line(l, at_edge);
        // Its text follows right under it, as under `deja show`'s own headings.
        pending_blank_ = false;
    }

    void code_block(cmark_node* node) {
        begin_block();
        const char* info = cmark_node_get_fence_info(node);
        const char* literal = cmark_node_get_literal(node);
        int length = 0, offset = 0;
        char fence = 0;
        MarkdownCodeBlock block{info ? info : "", literal ? literal : "", cmark_node_get_start_line(node),
                                cmark_node_get_fenced(node, &length, &offset, &fence) != 0};
        if (options_.caption)
            if (std::string caption = options_.caption(block); !caption.empty()) line(caption);
        // Never wrapped: a command must copy as written.
        for (auto l : base::text::split_lines(block.code))
            line(l.empty() ? std::string() : std::string(code_indent) + terminal_text(l));
    }

    void table(cmark_node* node) {
        begin_block();
        Table t;
        for (cmark_node* row = cmark_node_first_child(node); row; row = cmark_node_next(row)) {
            std::vector<std::string> cells;
            for (cmark_node* cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell))
                cells.push_back(plain(inline_words(cell, options_)));
            if (cmark_gfm_extensions_get_table_row_is_header(row) && t.header.empty()) t.header = std::move(cells);
            else t.rows.push_back(std::move(cells));
        }
        // Not cut to the width: a table is read for all of its cells.
        const std::string rendered = t.render(style_);
        for (auto l : base::text::split_lines(rendered)) line(l);
    }

    const Style& style_;
    const TerminalMarkdownOptions& options_;
    cmark_node* document_ = nullptr;
    cmark_node* title_heading_ = nullptr;
    int footnotes_ = 0;
    std::vector<Container> containers_;
    std::vector<List> lists_;
    bool pending_blank_ = false;
    std::string out_;
};

}  // namespace

std::string terminal_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const unsigned char c = static_cast<unsigned char>(text[pos]);
        if ((c >= 0x20 && c < 0x7F) || c == '\t') {
            out += static_cast<char>(c);
            ++pos;
            continue;
        }
        const std::size_t start = pos;
        const char32_t cp = base::text::decode_utf8(text, pos);
        if (cp < 0x20) base::text::append_utf8(out, 0x2400 + cp);  // ␀ ... ␟
        else if (cp == 0x7F) base::text::append_utf8(out, 0x2421);  // ␡
        else if (cp == base::text::invalid_code_point || (cp >= 0x80 && cp <= 0x9F)) base::text::append_utf8(out, 0xFFFD);
        else out.append(text.substr(start, pos - start));
    }
    return out;
}

std::string render_terminal_markdown(std::string_view markdown, const Style& style,
                                     const TerminalMarkdownOptions& options) {
    // Footnotes ([^1]) are common in post-mortems written for GitHub.
    auto parser = kb::markdown::make_parser(CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    kb::markdown::NodePtr document = kb::markdown::finish(parser.get());
    if (!document) return {};
    return Renderer(style, options).run(document.get());
}

std::size_t document_width() {
    if (const char* columns = std::getenv("COLUMNS")) {
        const std::string_view text(columns);
        std::size_t value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size() && value > 0) return value;
    }
    if (std::size_t width = terminal_width()) return width;
    return 80;
}

}  // namespace cli
