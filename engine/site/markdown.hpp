// Markdown to HTML for the site: cmark-gfm with GitHub's extensions, raw HTML
// never passed through (cmark's safe mode replaces it with a comment), links
// limited to http(s), mailto, in-page anchors and documents the site has,
// remote images turned into links (no network at view time), headings given
// ids for anchors. Code blocks can be replaced by the caller's own HTML.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace site {

struct Heading {
    int level = 0;
    std::string id;
    std::string text;
};

struct CodeBlock {
    std::string info;  // the fence's info string
    std::string code;  // its content
};

struct MarkdownOptions {
    // A relative link's target (as written) to an href the site serves;
    // nullopt unlinks it, keeping the text.
    std::function<std::optional<std::string>(std::string_view url)> resolve_link;
    // Replacement HTML for a fenced code block; nullopt keeps cmark's rendering.
    std::function<std::optional<std::string>(const CodeBlock&)> render_code_block;
    // A first heading with this text is dropped (the page shows the title).
    std::string title;
    // Ids the page's template uses itself; headings never take them.
    std::vector<std::string> reserved_ids;
};

struct RenderedMarkdown {
    std::string html;
    std::vector<Heading> headings;  // in document order, ids unique in the page
};

RenderedMarkdown render_markdown(std::string_view markdown, const MarkdownOptions& options);

// Whether a URL taken from a document may be linked as is: http(s) and mailto.
bool is_safe_external_url(std::string_view url);

// Escapes text for HTML element content and attribute values.
std::string escape_html(std::string_view text);

}  // namespace site
