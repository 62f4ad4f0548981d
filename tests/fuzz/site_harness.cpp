// Harnesses for what the site makes of untrusted text: a signature
// translated to a JavaScript RegExp, and Markdown rendered as a page's HTML,
// which must never carry a script (a <script> or <iframe>, an on… event
// attribute, a javascript: or vbscript: URL) whatever the document says.
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <re2/re2.h>

#include "base/text.hpp"
#include "fuzz/harness.hpp"
#include "kb/load.hpp"
#include "site/markdown.hpp"
#include "site/regex_js.hpp"

namespace fuzz {
namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// An attribute value as a browser reads it as a URL: character references
// decoded (with or without their semicolon), then tabs, line ends and
// leading controls and spaces dropped, lower case.
std::string url_as_read(std::string_view value) {
    std::string decoded;
    for (std::size_t i = 0; i < value.size();) {
        if (value[i] != '&') {
            decoded += value[i++];
            continue;
        }
        std::size_t j = i + 1;
        char32_t code = 0;
        bool numeric = j < value.size() && value[j] == '#';
        if (numeric) {
            ++j;
            bool hex = j < value.size() && (value[j] == 'x' || value[j] == 'X');
            if (hex) ++j;
            std::size_t digits = j;
            while (j < value.size() && (hex ? std::isxdigit(static_cast<unsigned char>(value[j]))
                                            : std::isdigit(static_cast<unsigned char>(value[j]))) && code < 0x110000) {
                code = code * (hex ? 16 : 10) +
                       static_cast<char32_t>(std::isdigit(static_cast<unsigned char>(value[j]))
                                                 ? value[j] - '0'
                                                 : (value[j] | 0x20) - 'a' + 10);
                ++j;
            }
            if (j == digits) {
                decoded += value[i++];
                continue;
            }
        } else {
            std::size_t start = j;
            while (j < value.size() && is_letter(value[j])) ++j;
            std::string name = base::text::lower(value.substr(start, j - start));
            if (name == "colon") code = ':';
            else if (name == "tab") code = '\t';
            else if (name == "newline") code = '\n';
            else if (name == "amp") code = '&';
            else {
                decoded += value[i++];
                continue;
            }
        }
        if (j < value.size() && value[j] == ';') ++j;
        if (code < 0x80) decoded += static_cast<char>(code);
        else base::text::append_utf8(decoded, code);
        i = j;
    }
    std::string out;
    for (char c : decoded) {
        if (c == '\t' || c == '\n' || c == '\r') continue;
        if (out.empty() && static_cast<unsigned char>(c) <= 0x20) continue;
        out += base::text::lower_char(c);
    }
    return out;
}

// Walks the tags of `html` as a browser's tokenizer would (names, then
// attributes with quoted or bare values) and checks each.
void check_no_script(std::string_view html) {
    for (std::size_t i = 0; i < html.size(); ++i) {
        if (html[i] != '<') continue;
        if (html.substr(i, 4) == "<!--") {
            std::size_t end = html.find("-->", i + 4);
            if (end == std::string_view::npos) return;
            i = end + 2;
            continue;
        }
        std::size_t p = i + 1;
        if (p < html.size() && html[p] == '/') ++p;
        if (p >= html.size() || !is_letter(html[p])) continue;
        std::size_t name_start = p;
        while (p < html.size() && !is_space(html[p]) && html[p] != '/' && html[p] != '>') ++p;
        const std::string tag = base::text::lower(html.substr(name_start, p - name_start));
        for (const char* banned : {"script", "iframe", "object", "embed", "frame", "base", "meta"})
            expect(tag != banned, "no <" + std::string(banned) + "> tag in rendered Markdown");
        // Attributes, up to the tag's end.
        while (p < html.size() && html[p] != '>') {
            if (is_space(html[p]) || html[p] == '/') {
                ++p;
                continue;
            }
            std::size_t attr_start = p;
            while (p < html.size() && !is_space(html[p]) && html[p] != '/' && html[p] != '>' && html[p] != '=') ++p;
            const std::string attribute = base::text::lower(html.substr(attr_start, p - attr_start));
            if (attr_start == p) ++p;  // a lone '=' starts no name
            expect(!base::text::starts_with(attribute, "on"), "no event attribute (" + attribute + ") in rendered Markdown");
            while (p < html.size() && is_space(html[p])) ++p;
            if (p >= html.size() || html[p] != '=') continue;
            ++p;
            while (p < html.size() && is_space(html[p])) ++p;
            std::string_view value;
            if (p < html.size() && (html[p] == '"' || html[p] == '\'')) {
                std::size_t end = html.find(html[p], p + 1);
                if (end == std::string_view::npos) end = html.size();
                value = html.substr(p + 1, end - p - 1);
                p = std::min(end + 1, html.size());
            } else {
                std::size_t start = p;
                while (p < html.size() && !is_space(html[p]) && html[p] != '>') ++p;
                value = html.substr(start, p - start);
            }
            const std::string url = url_as_read(value);
            expect(!base::text::starts_with(url, "javascript:") && !base::text::starts_with(url, "vbscript:"),
                   "no script URL in rendered Markdown (" + attribute + "=" + std::string(value) + ")");
        }
        i = p == html.size() ? p - 1 : p;
    }
}

}  // namespace

void regex_js(std::string_view bytes) {
    auto translated = site::to_js_regex(bytes);
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(re2::StringPiece(bytes.data(), bytes.size()), options);
    if (!re.ok()) expect(!translated, "what RE2 refuses is never translated");
    if (!translated) {
        expect(!translated.error().message.empty(), "a refusal says why");
        return;
    }
    const auto& js = translated.value();
    expect(js.flags.find('u') != std::string::npos, "a translation always has the u flag");
    expect(js.flags == "u" || js.flags == "iu", "a translation's flags are u or iu");
    expect(base::text::is_valid_utf8(js.source), "a translation is UTF-8 (it goes into the page's JSON)");
}

void markdown(std::string_view bytes) {
    // The site renders bodies that kb has already repaired.
    const std::string text = kb::repair_text(bytes);
    site::MarkdownOptions options;
    options.title = "Fuzz";
    options.reserved_ids = {"steps", "params"};
    options.resolve_link = [](std::string_view url) -> std::optional<std::string> {
        if (base::text::ends_with(url, ".md")) return "doc.html";
        return std::nullopt;
    };
    options.render_code_block = [](const site::CodeBlock& block) -> std::optional<std::string> {
        if (block.info != "sh") return std::nullopt;
        return "<pre class=\"step\"><code>" + site::escape_html(block.code) + "</code></pre>";
    };
    auto rendered = site::render_markdown(text, options);
    check_no_script(rendered.html);
    std::set<std::string> ids;
    for (const auto& heading : rendered.headings) {
        expect(ids.insert(heading.id).second, "heading ids are unique in a page");
        expect(heading.id != "steps" && heading.id != "params", "headings never take a reserved id");
    }
    const std::string escaped = site::escape_html(text);
    expect(escaped.find('<') == std::string::npos && escaped.find('"') == std::string::npos,
           "escaped text has no markup");
    if (site::is_safe_external_url(text))
        expect(!base::text::starts_with(url_as_read(text), "javascript:"), "a safe URL is not a script");
}

}  // namespace fuzz
