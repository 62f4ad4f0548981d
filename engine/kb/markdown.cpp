#include "kb/markdown.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include "base/text.hpp"

namespace kb::markdown {

namespace {

constexpr const char* extension_names[] = {"table", "strikethrough", "autolink", "tasklist", "tagfilter"};

// Looked up once: registering and finding extensions walks global lists.
const std::vector<cmark_syntax_extension*>& extensions() {
    static const std::vector<cmark_syntax_extension*> list = [] {
        cmark_gfm_core_extensions_ensure_registered();
        std::vector<cmark_syntax_extension*> found;
        for (const char* name : extension_names)
            if (auto* ext = cmark_find_syntax_extension(name)) found.push_back(ext);
        return found;
    }();
    return list;
}

// Inline HTML that is markup (`<b>`, `</span>`, `<br/>`, a comment) and not
// text that merely looks like a tag, such as `<none>` or `<pod-name>` in
// prose: markup has no place in plain text, a summary or a meta description.
bool is_markup(std::string_view html) {
    if (html.starts_with("<!--") || html.starts_with("<?") || html.starts_with("<!")) return true;
    std::size_t at = html.starts_with("</") ? 2 : 1;
    std::size_t end = at;
    while (end < html.size() && std::isalnum(static_cast<unsigned char>(html[end]))) ++end;
    if (end == at || end >= html.size() || !(html[end] == '>' || html[end] == '/' || std::isspace(static_cast<unsigned char>(html[end]))))
        return false;
    static constexpr std::string_view elements[] = {
        "a",      "abbr",    "b",      "bdi",     "bdo",    "big",      "blockquote", "br",     "button", "center",
        "cite",   "code",    "dd",     "del",     "details", "dfn",     "div",        "dl",     "dt",     "em",
        "font",   "form",    "h1",     "h2",      "h3",     "h4",       "h5",         "h6",     "hr",     "i",
        "iframe", "img",     "input",  "ins",     "kbd",    "li",       "link",       "mark",   "meta",   "noscript",
        "object", "ol",      "p",      "picture", "pre",    "q",        "s",          "samp",   "script", "small",
        "source", "span",    "strike", "strong",  "style",  "sub",      "summary",    "sup",    "svg",    "table",
        "tbody",  "td",      "textarea", "tfoot", "th",     "thead",    "time",       "tr",     "tt",     "u",
        "ul",     "var",     "video",  "wbr"};
    std::string name = base::text::lower(html.substr(at, end - at));
    return std::find(std::begin(elements), std::end(elements), name) != std::end(elements);
}

struct Walker {
    Document& doc;
    int offset;  // file line of input line 1, minus one
    std::vector<std::string_view> source_lines;

    int file_line(cmark_node* node) const { return offset + cmark_node_get_start_line(node); }

    std::string_view raw_line(int line) const {
        int index = line - offset - 1;
        if (index < 0 || index >= static_cast<int>(source_lines.size())) return {};
        return source_lines[static_cast<std::size_t>(index)];
    }

    // Appends the plain text of inline children; records links on the way.
    // Iterative, as is blocks(): a report nested fifty thousand deep
    // (quotes, emphasis, brackets) must not run the stack out.
    void inline_text(cmark_node* node, std::string& out, int& line) {
        struct OpenLink {
            cmark_node* node;
            std::size_t text_start;
            int line;
        };
        std::vector<OpenLink> links;
        IterPtr iter(cmark_iter_new(node));
        for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
            cmark_node* child = cmark_iter_get_node(iter.get());
            if (child == node) continue;
            switch (cmark_node_get_type(child)) {
                case CMARK_NODE_TEXT:
                case CMARK_NODE_CODE:
                    if (const char* literal = cmark_node_get_literal(child)) out += literal;
                    break;
                case CMARK_NODE_HTML_INLINE:
                    if (const char* literal = cmark_node_get_literal(child); literal && !is_markup(literal))
                        out += literal;
                    break;
                case CMARK_NODE_SOFTBREAK:
                case CMARK_NODE_LINEBREAK:
                    out += '\n';
                    ++line;
                    break;
                case CMARK_NODE_LINK:
                    if (ev == CMARK_EVENT_ENTER) {
                        links.push_back({child, out.size(), line});
                    } else if (!links.empty() && links.back().node == child) {
                        const char* url = cmark_node_get_url(child);
                        doc.links.push_back({url ? url : "", out.substr(links.back().text_start), links.back().line});
                        links.pop_back();
                    }
                    break;
                default:
                    break;
            }
        }
    }

    void add_lines(const std::string& block_text, int first, LineKind kind) {
        int line = first;
        for (auto part : base::text::split(block_text, '\n')) {
            auto trimmed = base::text::trim(part);
            if (!trimmed.empty()) {
                doc.lines.push_back({std::string(trimmed), line, kind, raw_line(line)});
                doc.plain_text.append(trimmed);
                doc.plain_text += '\n';
            }
            ++line;
        }
    }

    // The blocks under `root`, in order, each with the kind of line its text
    // makes: the innermost list item or quote around it, else `context`.
    void blocks(cmark_node* root, LineKind context) {
        std::vector<std::pair<cmark_node*, LineKind>> around;  // open items and quotes
        IterPtr iter(cmark_iter_new(root));
        for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
            cmark_node* node = cmark_iter_get_node(iter.get());
            cmark_node_type type = cmark_node_get_type(node);
            if (type == CMARK_NODE_ITEM || type == CMARK_NODE_BLOCK_QUOTE) {
                if (ev == CMARK_EVENT_ENTER)
                    around.emplace_back(node, type == CMARK_NODE_ITEM ? LineKind::list_item : LineKind::quote);
                else if (!around.empty() && around.back().first == node)
                    around.pop_back();
                continue;
            }
            if (ev != CMARK_EVENT_ENTER) continue;
            if (leaf_block(node, type, around.empty() ? context : around.back().second))
                cmark_iter_reset(iter.get(), node, CMARK_EVENT_EXIT);  // its inlines are read
        }
    }

    // Takes the text of a block that holds no other blocks; false for a
    // container, whose children come next.
    bool leaf_block(cmark_node* node, cmark_node_type type, LineKind context) {
        switch (type) {
            case CMARK_NODE_PARAGRAPH: {
                std::string out;
                int line = file_line(node);
                inline_text(node, out, line);
                add_lines(out, file_line(node), context);
                return true;
            }
            case CMARK_NODE_HEADING: {
                std::string out;
                int line = file_line(node);
                inline_text(node, out, line);
                std::string heading = base::text::collapse_whitespace(out);
                doc.headings.push_back({cmark_node_get_heading_level(node), heading, file_line(node),
                                        offset + cmark_node_get_end_line(node)});
                add_lines(heading, file_line(node), LineKind::heading);
                return true;
            }
            case CMARK_NODE_CODE_BLOCK: {
                CodeBlock code;
                const char* info = cmark_node_get_fence_info(node);
                const char* literal = cmark_node_get_literal(node);
                code.info = info ? info : "";
                code.code = literal ? literal : "";
                code.line = file_line(node);
                code.end_line = offset + cmark_node_get_end_line(node);
                int length = 0, fence_offset = 0;
                char fence_char = 0;
                code.fenced = cmark_node_get_fenced(node, &length, &fence_offset, &fence_char) != 0;
                doc.code_blocks.push_back(std::move(code));
                return true;
            }
            case CMARK_NODE_HTML_BLOCK:
            case CMARK_NODE_THEMATIC_BREAK:
                return true;
            default:
                break;
        }
        const char* type_name = cmark_node_get_type_string(node);
        if (type_name && std::strcmp(type_name, "table_row") == 0) {
            std::string row;
            int line = file_line(node);
            for (cmark_node* cell = cmark_node_first_child(node); cell; cell = cmark_node_next(cell)) {
                std::string cell_text;
                int cell_line = line;
                inline_text(cell, cell_text, cell_line);
                if (!row.empty()) row += " | ";
                row += base::text::trim(cell_text);
            }
            add_lines(row, line, LineKind::table_row);
            return true;
        }
        return false;
    }
};

}  // namespace

void ParserDeleter::operator()(cmark_parser* parser) const { cmark_parser_free(parser); }
void NodeDeleter::operator()(cmark_node* node) const { cmark_node_free(node); }
void IterDeleter::operator()(cmark_iter* iter) const { cmark_iter_free(iter); }

ParserPtr make_parser(int options) {
    ParserPtr parser(cmark_parser_new(options));
    for (auto* ext : extensions()) cmark_parser_attach_syntax_extension(parser.get(), ext);
    return parser;
}

NodePtr finish(cmark_parser* parser) {
    // cmark-gfm 0.29.0.gfm.6 (Debian 12's) adds the extensions' characters
    // (~ for strikethrough, | for tables, : and @ for autolinks) to tables
    // shared by the whole process when it starts on a document's inlines, and
    // removes them when it is done: a document finished on one thread while
    // another finished one lost its strikethrough, tables and autolinks now
    // and then. Feeding (the block structure) still runs on every core.
    static std::mutex shared_tables;
    std::lock_guard lock(shared_tables);
    return NodePtr(cmark_parser_finish(parser));
}

cmark_llist* gfm_extensions() {
    static cmark_llist* list = [] {
        cmark_llist* result = nullptr;
        for (auto* ext : extensions()) result = cmark_llist_append(cmark_get_default_mem_allocator(), result, ext);
        return result;
    }();
    return list;
}

Document parse(std::string_view markdown, int first_line) {
    // One parser per thread, reused: cmark_parser_finish resets it but keeps
    // the attached extensions, which saves the set-up on every document.
    thread_local ParserPtr parser = make_parser(CMARK_OPT_DEFAULT);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    NodePtr root = finish(parser.get());

    Document doc;
    Walker walker{doc, first_line - 1, base::text::split_lines(markdown)};
    if (root) walker.blocks(root.get(), LineKind::paragraph);
    return doc;
}

}  // namespace kb::markdown
