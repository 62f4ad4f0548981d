// The Markdown renderer of `deja show` on its own: prose wrapped at the width
// given, lists with hanging indents, quotes, tables, links, code with the
// caller's captions, and text that must never reach a terminal as a control.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/terminal_markdown.hpp"
#include "support.hpp"

using test::lines_of;

namespace {

std::string render(std::string_view markdown, std::size_t width = 80, const std::string& title = {},
                   std::function<std::string(const cli::MarkdownCodeBlock&)> caption = {}) {
    const cli::Style plain(false);
    return cli::render_terminal_markdown(markdown, plain, {width, title, std::move(caption), {}});
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text))
        if (l == line) return true;
    return false;
}

}  // namespace

TEST_CASE("terminal markdown: a long paragraph wraps at the width, words whole", "[cli][terminal_markdown]") {
    std::string paragraph;
    for (int i = 0; i < 60; ++i) paragraph += (i ? " " : "") + std::string("word") + std::to_string(i);
    for (std::size_t width : {30u, 40u, 72u}) {
        INFO("width " << width);
        auto out = render(paragraph, width);
        auto lines = lines_of(out);
        REQUIRE(lines.size() > 3);
        std::string joined;
        for (const auto& l : lines) {
            CHECK(cli::display_width(l) <= width);
            CHECK(l.rfind("  word", 0) == 0);  // under the margin, never cut inside a word
            joined += (joined.empty() ? "" : " ") + l.substr(2);
        }
        CHECK(joined == paragraph);
        // Filled: the next word would not have fit on the line before.
        for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
            auto next = lines[i + 1].substr(2, lines[i + 1].find(' ', 2) - 2);
            CHECK(cli::display_width(lines[i]) + 1 + cli::display_width(next) > width);
        }
    }
    // A word longer than the line keeps a line of its own.
    std::string url = "https://example.com/" + std::string(100, 'x');
    auto out = render("see " + url + " now", 40);
    CHECK(has_line(out, "  " + url));
    // However deep a block sits, prose keeps at least 20 columns.
    CHECK(lines_of(render("> > > > > > > > > > > > " + paragraph, 30)).size() > 3);
}

TEST_CASE("terminal markdown: headings, emphasis and inline code without their marks", "[cli][terminal_markdown]") {
    auto out = render("# Fix the thing\n\nIntro.\n\n## When this applies\n\nText with **bold**, *emphasis*, "
                      "`code_span` and ~~old~~ words.\n\n### Details\n\nMore.\n",
                      80, "Fix the thing");
    // The title is the caller's: its heading is left out.
    CHECK(out.find("Fix the thing") == std::string::npos);
    CHECK(has_line(out, "When this applies"));
    CHECK(has_line(out, "  Text with bold, emphasis, code_span and old words."));
    // Every heading of the document at the left edge, whatever its level.
    CHECK(has_line(out, "Details"));
    for (const char* mark : {"*", "`", "~~", "#"}) CHECK(out.find(mark) == std::string::npos);
    // The text follows its heading directly; a blank line comes before the next one.
    auto lines = lines_of(out);
    auto at = std::find(lines.begin(), lines.end(), "When this applies");
    REQUIRE(at != lines.end());
    CHECK(at[-1].empty());
    CHECK(at[1].rfind("  Text with", 0) == 0);

    const cli::Style colour(true);
    auto styled = cli::render_terminal_markdown("## Heading\n\nSome **bold** and `code`.\n", colour, {80, "", {}, {}});
    CHECK(styled.find(colour.bold("Heading")) != std::string::npos);
    CHECK(styled.find(colour.bold("bold")) != std::string::npos);
    CHECK(styled.find(colour.cyan("code")) != std::string::npos);
    CHECK(styled.find("**") == std::string::npos);
}

TEST_CASE("terminal markdown: lists with hanging indents, quotes with a bar", "[cli][terminal_markdown]") {
    auto out = render("- first item\n- a second item that is long enough to wrap onto another line here\n"
                      "  - nested\n- [x] done\n- [ ] to do\n",
                      40);
    CHECK(has_line(out, "  • first item"));
    CHECK(has_line(out, "  • a second item that is long enough to"));
    CHECK(has_line(out, "    wrap onto another line here"));
    CHECK(has_line(out, "    ◦ nested"));
    CHECK(has_line(out, "  • [x] done"));
    CHECK(has_line(out, "  • [ ] to do"));
    CHECK(out.find("\n\n") == std::string::npos);  // a tight list: no blank lines

    std::string ordered;
    for (int i = 1; i <= 10; ++i) ordered += std::to_string(i) + ". item " + std::to_string(i) + "\n";
    auto numbered = render(ordered);
    CHECK(has_line(numbered, "  1.  item 1"));
    CHECK(has_line(numbered, "  10. item 10"));

    auto loose = render("1. one\n\n2. two\n");
    CHECK(has_line(loose, "  1. one"));
    CHECK(has_line(loose, "  2. two"));
    CHECK(loose.find("one\n\n") != std::string::npos);

    auto quote = render("> Quoted advice that goes on for a while, long enough to wrap.\n>\n> Second paragraph.\n", 40);
    CHECK(has_line(quote, "  │ Quoted advice that goes on for a"));
    CHECK(has_line(quote, "  │ while, long enough to wrap."));
    CHECK(has_line(quote, "  │"));
    CHECK(has_line(quote, "  │ Second paragraph."));
}

TEST_CASE("terminal markdown: tables aligned, links with their URL", "[cli][terminal_markdown]") {
    auto out = render("| Step | What it does |\n|---|---|\n| `enable` | creates the **extension** |\n"
                      "| check | verifies it |\n");
    auto lines = lines_of(out);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "  Step    What it does");
    CHECK(lines[1] == "  enable  creates the extension");
    CHECK(lines[2] == "  check   verifies it");

    auto links = render("Read [the guide](https://example.com/guide), <https://example.com/raw>, "
                        "[below](#details) and ![a diagram](img/d.png).\n",
                        200);
    CHECK_THAT(links, Catch::Contains("the guide (https://example.com/guide),"));
    CHECK_THAT(links, Catch::Contains("https://example.com/raw,"));
    CHECK(links.find("(https://example.com/raw)") == std::string::npos);
    CHECK_THAT(links, Catch::Contains("below and a diagram (img/d.png)."));

    // Footnotes by number, their notes at the end with a hanging indent.
    auto notes = render("A claim[^why] and another[^how].\n\n[^how]: How, which goes on long enough to wrap.\n\n"
                        "[^why]: Why.\n",
                        40);
    CHECK(has_line(notes, "  A claim[1] and another[2]."));
    CHECK(has_line(notes, "  [1] Why."));
    CHECK(has_line(notes, "  [2] How, which goes on long enough to"));
    CHECK(has_line(notes, "      wrap."));

    // The caller may say what a link shows instead of its URL.
    const cli::Style plain(false);
    cli::TerminalMarkdownOptions options;
    options.link_note = [](std::string_view url, std::string_view text) -> std::optional<std::string> {
        if (url == "../runbooks/fix.md") return text == "fix" ? "" : "fix";
        return std::nullopt;
    };
    auto noted = cli::render_terminal_markdown("See [fix](../runbooks/fix.md), [the runbook](../runbooks/fix.md) and "
                                               "[a page](https://example.com).\n",
                                               plain, options);
    CHECK_THAT(noted, Catch::Contains("See fix, the runbook (fix) and a page (https://example.com)."));
}

TEST_CASE("terminal markdown: code indented as written, with the caller's caption", "[cli][terminal_markdown]") {
    std::string long_line = "echo " + std::string(120, 'x');
    std::vector<cli::MarkdownCodeBlock> seen;
    auto out = render("Before.\n\n```sh {\"name\":\"look\"}\n" + long_line + "\n\nls -l\n```\n\n```\nplain\n```\n", 40, "",
                      [&](const cli::MarkdownCodeBlock& block) {
                          seen.push_back(block);
                          return block.line == 3 ? std::string("look (diagnose, sh)") : std::string();
                      });
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].line == 3);
    CHECK(seen[0].info == "sh {\"name\":\"look\"}");
    CHECK(seen[0].code == long_line + "\n\nls -l\n");
    CHECK(seen[1].line == 9);
    auto lines = lines_of(out);
    auto caption = std::find(lines.begin(), lines.end(), "  look (diagnose, sh)");
    REQUIRE(caption != lines.end());
    CHECK(caption[1] == "      " + long_line);  // never wrapped
    CHECK(caption[2].empty());
    CHECK(caption[3] == "      ls -l");
    CHECK(has_line(out, "      plain"));
}

TEST_CASE("terminal markdown: HTML and control characters print as text", "[cli][terminal_markdown]") {
    auto out = render("<script>alert('x')</script>\n\nInline <b>tag</b> and an \x1b[31mescape\x1b[0m.\n");
    CHECK(has_line(out, "  <script>alert('x')</script>"));
    CHECK_THAT(out, Catch::Contains("Inline <b>tag</b> and an ␛[31mescape␛[0m."));
    CHECK(out.find('\x1b') == std::string::npos);
    auto code = render("```\nprintf '\x1b]0;title\x07'\n```\n");
    CHECK(code.find('\x1b') == std::string::npos);
    CHECK(code.find('\x07') == std::string::npos);
    CHECK_THAT(code, Catch::Contains("␛]0;title␇"));
    // A lone 0x9B is CSI to a terminal in 8-bit mode; as UTF-8 it is invalid.
    CHECK(cli::terminal_text("a\x9b" "b") == "a\xEF\xBF\xBD" "b");
    CHECK(cli::terminal_text("a\xc2\x9b" "b") == "a\xEF\xBF\xBD" "b");  // C1 CSI
}

TEST_CASE("terminal markdown: deep nesting stays bounded", "[cli][terminal_markdown]") {
    std::string quotes(20000, '>');
    auto out = render(quotes + " deep\n", 80);
    CHECK_THAT(out, Catch::Contains("deep"));
    for (const auto& l : lines_of(out)) CHECK(cli::display_width(l) < 200);
    std::string items;
    for (int i = 0; i < 2000; ++i) items += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- x\n";
    CHECK_FALSE(render(items).empty());
}

TEST_CASE("terminal markdown: the width comes from COLUMNS, else 80 off a terminal", "[cli][terminal_markdown]") {
    const char* saved = std::getenv("COLUMNS");
    std::optional<std::string> before = saved ? std::optional<std::string>(saved) : std::nullopt;
    ::setenv("COLUMNS", "57", 1);
    CHECK(cli::document_width() == 57);
    ::setenv("COLUMNS", "wide", 1);
    const std::size_t fallback = cli::terminal_width() ? cli::terminal_width() : 80;
    CHECK(cli::document_width() == fallback);
    ::unsetenv("COLUMNS");
    CHECK(cli::document_width() == fallback);
    if (before) ::setenv("COLUMNS", before->c_str(), 1);
}
