// Markdown bodies as the site renders them: raw HTML never survives, links
// are limited to safe schemes and pages the site has, headings get ids.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "kb/markdown.hpp"
#include "site/markdown.hpp"

namespace {

site::RenderedMarkdown render(const std::string& markdown, site::MarkdownOptions options = {}) {
    return site::render_markdown(markdown, options);
}

}  // namespace

TEST_CASE("raw HTML in a report is never passed through", "[site][markdown]") {
    auto html = render("<script>window.pwned = 1</script>\n\n"
                       "text <img src=x onerror=\"window.pwned = 2\"> more\n\n"
                       "<div onmouseover=\"x()\">hover</div>\n\n"
                       "<iframe src=\"https://example.com\"></iframe>\n")
                    .html;
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("onerror") == std::string::npos);
    CHECK(html.find("onmouseover") == std::string::npos);
    CHECK(html.find("<iframe") == std::string::npos);
    CHECK(html.find("<div") == std::string::npos);
    CHECK(html.find("text") != std::string::npos);
}

TEST_CASE("HTML inside code is shown as text", "[site][markdown]") {
    auto html = render("```\n<script>alert(1)</script>\n```\n\nand `<b>inline</b>`\n").html;
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("<code>&lt;b&gt;inline&lt;/b&gt;</code>") != std::string::npos);
}

TEST_CASE("links keep only safe schemes", "[site][markdown]") {
    auto html = render("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) [d](data:text/html,x) "
                       "[e](https://example.com/x) [f](mailto:ops@example.com) [g](#steps) [h](java%0ascript:x)\n")
                    .html;
    CHECK(html.find("javascript") == std::string::npos);
    CHECK(html.find("JaVaScRiPt") == std::string::npos);
    CHECK(html.find("vbscript") == std::string::npos);
    CHECK(html.find("data:") == std::string::npos);
    CHECK(html.find("<a href=\"https://example.com/x\">e</a>") != std::string::npos);
    CHECK(html.find("<a href=\"mailto:ops@example.com\">f</a>") != std::string::npos);
    CHECK(html.find("<a href=\"#steps\">g</a>") != std::string::npos);
    // Unsafe links lose the link, keep the words.
    CHECK(html.find(">a<") == std::string::npos);
    CHECK(html.find("a b c d") != std::string::npos);
}

TEST_CASE("relative links point at pages the site has, or are dropped", "[site][markdown]") {
    site::MarkdownOptions options;
    options.resolve_link = [](std::string_view url) -> std::optional<std::string> {
        if (url == "../runbooks/disk.md") return std::string("../runbooks/disk.html");
        return std::nullopt;
    };
    auto html = render("[runbook](../runbooks/disk.md) and [script](scripts/fix.sh)\n", options).html;
    CHECK(html.find("<a href=\"../runbooks/disk.html\">runbook</a>") != std::string::npos);
    CHECK(html.find("fix.sh") == std::string::npos);
    CHECK(html.find("and script") != std::string::npos);
}

TEST_CASE("images never load from the network", "[site][markdown]") {
    auto html = render("![graph](https://example.com/graph.png) ![local](img/x.png) ![bad](javascript:x)\n").html;
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("<a href=\"https://example.com/graph.png\">graph</a>") != std::string::npos);
    CHECK(html.find("local") != std::string::npos);
}

TEST_CASE("a link to a moved heading inside an image's alt text goes with the image", "[site][markdown]") {
    site::MarkdownOptions options;
    options.reserved_ids = {"steps"};
    auto out = render("## Steps\n\n![see [the steps](#steps) here](diagram.png) and [the steps](#steps).\n", options);
    INFO(out.html);
    REQUIRE(out.headings.size() == 1);
    CHECK(out.headings[0].id == "steps-1");
    // The picture becomes its alt text; the link outside it follows the heading.
    CHECK(out.html.find("see the steps here") != std::string::npos);
    CHECK(out.html.find("<a href=\"#steps-1\">the steps</a>") != std::string::npos);
    CHECK(out.html.find("<img") == std::string::npos);
}

TEST_CASE("headings get unique ids and anchors; the title heading is dropped", "[site][markdown]") {
    site::MarkdownOptions options;
    options.title = "The title";
    options.reserved_ids = {"steps"};
    auto out = render("# The title\n\n## ✅ Root cause\n\ntext\n\n## Root cause\n\n### Steps\n\n## Détails ünïcode\n\n"
                      "See [the steps](#steps), [the cause](#root-cause-1) and [détails](#détails-ünïcode).\n",
                      options);
    REQUIRE(out.headings.size() == 4);
    CHECK(out.headings[0].id == "root-cause");
    CHECK(out.headings[0].level == 2);
    // Numbered and spelled as GitHub does, so links written for GitHub work.
    CHECK(out.headings[1].id == "root-cause-1");
    CHECK(out.headings[3].id == "détails-ünïcode");
    // The template has a "steps" of its own: the heading's id moves, and so
    // does the link to it.
    CHECK(out.headings[2].id == "steps-1");
    CHECK(out.html.find("<a href=\"#steps-1\">the steps</a>") != std::string::npos);
    CHECK(out.html.find("<a href=\"#root-cause-1\">the cause</a>") != std::string::npos);
    // (percent-encoded in the href; a browser decodes it to find the id)
    INFO(out.html);
    CHECK(out.html.find("<a href=\"#d%C3%A9tails-%C3%BCn%C3%AFcode\">détails</a>") != std::string::npos);
    CHECK(out.html.find("The title") == std::string::npos);
    CHECK(out.html.find("<h2 id=\"root-cause\">✅ Root cause<a class=\"anchor\" href=\"#root-cause\"") != std::string::npos);
}

TEST_CASE("a body whose top headings are h1 is shifted below the page title", "[site][markdown]") {
    auto out = render("# First\n\n# Second\n\n## Inner\n");
    REQUIRE(out.headings.size() == 3);
    CHECK(out.headings[0].level == 2);
    CHECK(out.headings[2].level == 3);
    CHECK(out.html.find("<h1") == std::string::npos);
}

TEST_CASE("GitHub extensions render; tables scroll on narrow screens", "[site][markdown]") {
    auto html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~gone~~ www.example.com\n").html;
    CHECK(html.find("<div class=\"table-wrap\"><table>") != std::string::npos);
    CHECK(html.find("</table></div>") != std::string::npos);
    CHECK(html.find("type=\"checkbox\"") != std::string::npos);
    CHECK(html.find("<del>gone</del>") != std::string::npos);
    CHECK(html.find("href=\"http://www.example.com\"") != std::string::npos);
}

TEST_CASE("footnotes link to their note and back", "[site][markdown]") {
    auto html = render("The replica lagged[^lag] after the failover.\n\n"
                       "[^lag]: By about forty seconds, per the monitoring.\n").html;
    CHECK(html.find("href=\"#fn-lag\"") != std::string::npos);
    CHECK(html.find("id=\"fn-lag\"") != std::string::npos);
    CHECK(html.find("href=\"#fnref-lag\"") != std::string::npos);
    CHECK(html.find("[^lag]") == std::string::npos);
    CHECK(html.find("By about forty seconds") != std::string::npos);
}

TEST_CASE("code blocks can be replaced by the caller's HTML", "[site][markdown]") {
    site::MarkdownOptions options;
    options.render_code_block = [](const site::CodeBlock& block) -> std::optional<std::string> {
        if (block.info.rfind("sh", 0) != 0) return std::nullopt;
        return "<div class=\"step\">" + site::escape_html(block.code) + "</div>";
    };
    auto html = render("```sh {\"name\":\"x\"}\necho <hi>\n```\n\n```text\nplain\n```\n", options).html;
    CHECK(html.find("<div class=\"step\">echo &lt;hi&gt;\n</div>") != std::string::npos);
    CHECK(html.find("<pre><code class=\"language-text\">plain") != std::string::npos);
}

TEST_CASE("Markdown parsed on many threads at once keeps its GFM syntax", "[site][markdown][threads]") {
    // The site renders and the knowledge base parses on every core; each
    // document must come out as it does alone (strikethrough, tables and
    // autolinks depend on characters cmark-gfm registers per document).
    const std::string markdown =
        "Bigger ~~disks~~ would only have delayed it, see https://example.com/runbook.\n\n"
        "| step | result |\n|---|---|\n| one | ~~failed~~ |\n";
    const std::string alone = render(markdown).html;
    REQUIRE(alone.find("<del>disks</del>") != std::string::npos);
    REQUIRE(alone.find("<table>") != std::string::npos);
    REQUIRE(alone.find("href=\"https://example.com/runbook\"") != std::string::npos);
    auto summary = [&markdown] {
        auto doc = kb::markdown::parse(markdown);
        return doc.plain_text + "|" + std::to_string(doc.links.size()) + "|" + std::to_string(doc.lines.size());
    };
    const std::string parsed_alone = summary();

    std::atomic<int> differing{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 400; ++i) {
                if (render(markdown).html != alone) ++differing;
                if (summary() != parsed_alone) ++differing;
            }
        });
    for (auto& thread : threads) thread.join();
    CHECK(differing == 0);
}
