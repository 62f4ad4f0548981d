// Markdown through cmark-gfm with GitHub's extensions (tables,
// strikethrough, autolinks, task lists, tag filter), reduced to what the
// knowledge base needs: headings, fenced code blocks, links and the prose
// lines, each with its line in the file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct cmark_parser;
struct cmark_node;
struct cmark_iter;
struct _cmark_llist;

namespace kb::markdown {

struct Heading {
    int level = 1;
    std::string text;  // plain text, inline markup removed
    int line = 0;
    int end_line = 0;  // differs from `line` for a setext heading (text, then ===)
};

struct CodeBlock {
    std::string info;  // info string after the fence, as written
    std::string code;
    int line = 0;      // line of the opening fence
    int end_line = 0;  // line of the closing fence (or last line)
    bool fenced = true;
};

struct Link {
    std::string url;
    std::string text;
    int line = 0;
};

enum class LineKind { paragraph, heading, list_item, table_row, quote };

// One line of prose as plain text ("**Date**: x" reads "Date: x").
struct TextLine {
    std::string text;
    int line = 0;
    LineKind kind = LineKind::paragraph;
    std::string_view raw;  // the source line as written (markup kept); views the parsed text
};

struct Document {
    std::vector<Heading> headings;
    std::vector<CodeBlock> code_blocks;
    std::vector<Link> links;
    std::vector<TextLine> lines;
    std::string plain_text;  // prose without code blocks, for search
};

// `first_line` is the file line of the first line of `markdown`, so every
// line reported is a file line. TextLine::raw views `markdown`, which must
// outlive the Document.
Document parse(std::string_view markdown, int first_line = 1);

// For renderers: a parser with the GFM extensions attached, the list of
// those extensions (for cmark_render_html), and owners for cmark's objects.
// The extension list lives as long as the process.
struct ParserDeleter {
    void operator()(cmark_parser* parser) const;
};
struct NodeDeleter {
    void operator()(cmark_node* node) const;
};
struct IterDeleter {
    void operator()(cmark_iter* iter) const;
};
using ParserPtr = std::unique_ptr<cmark_parser, ParserDeleter>;
using NodePtr = std::unique_ptr<cmark_node, NodeDeleter>;
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

ParserPtr make_parser(int options);
// cmark_parser_finish, safe to call on several threads at once (see there).
NodePtr finish(cmark_parser* parser);
_cmark_llist* gfm_extensions();

}  // namespace kb::markdown
