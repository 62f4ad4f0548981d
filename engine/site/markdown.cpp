#include "site/markdown.hpp"

#include <cmark-gfm.h>

#include <cstdlib>
#include <memory>
#include <map>
#include <set>

#include "kb/markdown.hpp"
#include "base/text.hpp"
#include "site/search_index.hpp"

namespace site {

namespace {

struct CharDeleter {
    void operator()(char* text) const { std::free(text); }
};

// Calls visit(node) for `root` and each node under it, parents first. The
// tree must not change during the walk.
template <class Visit>
void for_each_node(cmark_node* root, Visit&& visit) {
    kb::markdown::IterPtr iter(cmark_iter_new(root));
    cmark_event_type event;
    while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE)
        if (event == CMARK_EVENT_ENTER) visit(cmark_iter_get_node(iter.get()));
}

std::string plain_text(cmark_node* node) {
    std::string text;
    for_each_node(node, [&text](cmark_node* current) {
        switch (cmark_node_get_type(current)) {
            case CMARK_NODE_TEXT:
            case CMARK_NODE_CODE:
                if (const char* literal = cmark_node_get_literal(current)) text += literal;
                break;
            case CMARK_NODE_SOFTBREAK:
            case CMARK_NODE_LINEBREAK: text += ' '; break;
            default: break;
        }
    });
    return base::text::collapse_whitespace(text);
}

// Browsers ignore ASCII whitespace and controls inside a scheme, so they are
// removed before the scheme is judged.
std::string without_controls(std::string_view url) {
    std::string out;
    for (char c : url)
        if (static_cast<unsigned char>(c) > 0x20 && c != 0x7F) out += c;
    return out;
}

// "scheme:" before any '/', '?' or '#' means an absolute URL.
bool has_scheme(std::string_view url) {
    std::size_t colon = url.find(':');
    return colon != std::string_view::npos && url.find_first_of("/?#") > colon;
}

// Moves a node's children before it, then removes it (an unlinked link).
void unwrap(cmark_node* node) {
    while (cmark_node* child = cmark_node_first_child(node)) cmark_node_insert_before(node, child);
    cmark_node_unlink(node);
    cmark_node_free(node);
}

void replace_with_text(cmark_node* node, const std::string& text) {
    cmark_node* replacement = cmark_node_new(CMARK_NODE_TEXT);
    cmark_node_set_literal(replacement, text.c_str());
    cmark_node_replace(node, replacement);
    cmark_node_free(node);
}

// The nodes the page changes, collected in one walk of the tree (there was
// a walk for each kind) and changed after it, so the walk never meets a
// freed node.
struct Collected {
    std::vector<cmark_node*> links;  // links and images, parents before children
    std::vector<cmark_node*> code_blocks;
    std::vector<cmark_node*> headings;
};

Collected collect(cmark_node* document) {
    Collected found;
    for_each_node(document, [&found](cmark_node* node) {
        switch (cmark_node_get_type(node)) {
            case CMARK_NODE_LINK:
            case CMARK_NODE_IMAGE: found.links.push_back(node); break;
            case CMARK_NODE_CODE_BLOCK: found.code_blocks.push_back(node); break;
            case CMARK_NODE_HEADING: found.headings.push_back(node); break;
            default: break;
        }
    });
    return found;
}

// Returns the links kept that point within the page ("#..."). A heading is
// never inside a link or an image, so the headings collected stay valid.
std::vector<cmark_node*> sanitise_links(const std::vector<cmark_node*>& nodes, const MarkdownOptions& options) {
    std::vector<cmark_node*> in_page;
    // Children come after parents in `nodes`; handling them in reverse keeps
    // every pointer valid (a link inside an image's alt text is a child).
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        cmark_node* node = *it;
        bool image = cmark_node_get_type(node) == CMARK_NODE_IMAGE;
        const char* raw = cmark_node_get_url(node);
        std::string url = raw ? raw : "";
        std::string bare = without_controls(url);
        if (image) {
            // Remote pictures would be fetched at view time; link them instead.
            std::string alt = plain_text(node);
            if (is_safe_external_url(bare)) {
                cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
                cmark_node_set_url(link, url.c_str());
                cmark_node* text = cmark_node_new(CMARK_NODE_TEXT);
                cmark_node_set_literal(text, (alt.empty() ? std::string("image") : alt).c_str());
                cmark_node_append_child(link, text);
                cmark_node_replace(node, link);
                cmark_node_free(node);
            } else {
                replace_with_text(node, alt);
            }
            continue;
        }
        if (bare.empty()) {
            unwrap(node);
        } else if (bare[0] == '#') {
            // One in an image's alt text goes with the image, below.
            bool in_image = false;
            for (cmark_node* up = cmark_node_parent(node); up && !in_image; up = cmark_node_parent(up))
                in_image = cmark_node_get_type(up) == CMARK_NODE_IMAGE;
            if (!in_image) in_page.push_back(node);
        } else if (has_scheme(bare) || bare.rfind("//", 0) == 0) {
            if (!is_safe_external_url(bare)) unwrap(node);
        } else if (auto target = options.resolve_link ? options.resolve_link(url) : std::nullopt) {
            cmark_node_set_url(node, target->c_str());
        } else {
            unwrap(node);
        }
    }
    return in_page;
}

void replace_code_blocks(const std::vector<cmark_node*>& blocks, const MarkdownOptions& options) {
    if (!options.render_code_block) return;
    for (cmark_node* node : blocks) {
        const char* info = cmark_node_get_fence_info(node);
        const char* literal = cmark_node_get_literal(node);
        CodeBlock block{info ? info : "", literal ? literal : ""};
        auto html = options.render_code_block(block);
        if (!html) continue;
        // A custom block's HTML is emitted as given: it is ours, built escaped.
        cmark_node* custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        cmark_node_set_on_enter(custom, html->c_str());
        cmark_node_replace(node, custom);
        cmark_node_free(node);
    }
}

// A heading's id as GitHub makes it, so that links written against a
// report on GitHub keep working here: lower case, letters (any script),
// digits, '-' and '_' kept, spaces made '-', everything else dropped.
std::string heading_slug(std::string_view text) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t start = pos;
        char32_t cp = base::text::decode_utf8(text, pos);
        if (cp == ' ' || cp == '-') out += '-';
        else if (cp < 0x80 && is_word_code_point(cp)) out += base::text::lower_char(static_cast<char>(cp));
        else if (cp >= 0x80 && is_word_code_point(cp)) out.append(text.substr(start, pos - start));
    }
    return out;
}

struct PreparedHeadings {
    std::vector<Heading> headings;
    // The id GitHub would give a heading, where the page had to give another
    // (the template uses it): links to it are pointed at the one given.
    std::map<std::string, std::string> moved;
};

// Collects headings (dropping the one repeating the title) and shifts levels
// so the page's own <h1> stays the only one.
PreparedHeadings prepare_headings(cmark_node* document, std::vector<cmark_node*> nodes, const MarkdownOptions& options) {
    const std::string& title = options.title;
    if (!nodes.empty() && !title.empty() && cmark_node_parent(nodes.front()) == document &&
        cmark_node_get_heading_level(nodes.front()) <= 2 &&
        base::text::collapse_whitespace(base::text::trim_decoration(plain_text(nodes.front()))) ==
            base::text::collapse_whitespace(base::text::trim_decoration(title))) {
        cmark_node_unlink(nodes.front());
        cmark_node_free(nodes.front());
        nodes.erase(nodes.begin());
    }
    int top = 6;
    for (cmark_node* node : nodes) top = std::min(top, cmark_node_get_heading_level(node));
    int shift = top < 2 ? 2 - top : 0;
    PreparedHeadings prepared;
    std::set<std::string> natural;  // as GitHub numbers them: x, x-1, x-2...
    std::set<std::string> used(options.reserved_ids.begin(), options.reserved_ids.end());
    for (cmark_node* node : nodes) {
        int level = std::min(6, cmark_node_get_heading_level(node) + shift);
        cmark_node_set_heading_level(node, level);
        std::string text = plain_text(node);
        std::string base = heading_slug(base::text::trim_decoration(text));
        if (base.empty()) base = "section";
        std::string github = base;
        for (int n = 1; !natural.insert(github).second; ++n) github = base + "-" + std::to_string(n);
        std::string id = github;
        for (int n = 1; !used.insert(id).second; ++n) id = github + "-" + std::to_string(n);
        if (id != github) prepared.moved[github] = id;
        prepared.headings.push_back({level, id, text});
    }
    return prepared;
}

// Links within the page to a heading whose id had to change follow it.
void follow_moved_headings(const std::vector<cmark_node*>& in_page, const std::map<std::string, std::string>& moved) {
    if (moved.empty()) return;
    for (cmark_node* node : in_page) {
        const char* url = cmark_node_get_url(node);
        if (!url || url[0] != '#') continue;
        auto it = moved.find(url + 1);
        if (it != moved.end()) cmark_node_set_url(node, ("#" + it->second).c_str());
    }
}

// cmark's own output only: in safe mode no "<hN>" or "<table>" can come
// from the document's text (it would be escaped), so these scans are exact.
std::string decorate(std::string_view html, const std::vector<Heading>& headings) {
    std::string out;
    out.reserve(html.size() + headings.size() * 96);
    std::size_t next_heading = 0;
    std::size_t pos = 0;
    while (pos < html.size()) {
        std::size_t lt = html.find('<', pos);
        if (lt == std::string_view::npos) break;
        out.append(html, pos, lt - pos);
        std::string_view rest = html.substr(lt);
        if (rest.size() >= 4 && rest[1] == 'h' && rest[2] >= '1' && rest[2] <= '6' && rest[3] == '>' &&
            next_heading < headings.size()) {
            const Heading& heading = headings[next_heading++];
            out += "<h";
            out += rest[2];
            out += " id=\"" + heading.id + "\">";
            pos = lt + 4;
            std::size_t close = html.find("</h", pos);
            if (close == std::string_view::npos) close = html.size();
            out.append(html, pos, close - pos);
            out += "<a class=\"anchor\" href=\"#" + heading.id + "\" aria-label=\"Link to this section\">#</a>";
            pos = close;
        } else if (base::text::starts_with(rest, "<table>")) {
            out += "<div class=\"table-wrap\"><table>";
            pos = lt + 7;
        } else if (base::text::starts_with(rest, "</table>")) {
            out += "</table></div>";
            pos = lt + 8;
        } else {
            out += '<';
            pos = lt + 1;
        }
    }
    if (pos < html.size()) out.append(html, pos, std::string_view::npos);
    return out;
}

}  // namespace

RenderedMarkdown render_markdown(std::string_view markdown, const MarkdownOptions& options) {
    // Without CMARK_OPT_UNSAFE raw HTML becomes a comment and javascript:,
    // vbscript:, file: and data: (except images) URLs become empty.
    // Footnotes ([^1]) are common in post-mortems written for GitHub.
    constexpr int cmark_options = CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES;
    auto parser = kb::markdown::make_parser(cmark_options);
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    kb::markdown::NodePtr document = kb::markdown::finish(parser.get());
    Collected nodes = collect(document.get());
    auto in_page = sanitise_links(nodes.links, options);
    replace_code_blocks(nodes.code_blocks, options);
    RenderedMarkdown result;
    auto prepared = prepare_headings(document.get(), std::move(nodes.headings), options);
    follow_moved_headings(in_page, prepared.moved);
    result.headings = std::move(prepared.headings);
    std::unique_ptr<char, CharDeleter> html(
        cmark_render_html(document.get(), cmark_options, kb::markdown::gfm_extensions()));
    result.html = decorate(html.get(), result.headings);
    return result;
}

bool is_safe_external_url(std::string_view url) {
    std::string bare = base::text::lower(without_controls(url));
    return base::text::starts_with(bare, "https://") || base::text::starts_with(bare, "http://") ||
           base::text::starts_with(bare, "mailto:");
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace site
