// Harnesses for what kb reads from a knowledge base's files: whole runbooks
// and incidents (and their trip through the index codec), front matter,
// code-block info strings and the encoding repair every file goes through.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "fuzz/harness.hpp"
#include "kb/encoding.hpp"
#include "kb/front_matter.hpp"
#include "kb/info_string.hpp"
#include "kb/load.hpp"
#include "store/codec.hpp"

namespace fuzz {
namespace {

bool within(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_diagnostics(const std::vector<kb::Diagnostic>& diagnostics) {
    for (const auto& d : diagnostics) {
        expect(!d.message.empty(), "a diagnostic says what is wrong");
        expect(d.line >= 0, "a diagnostic's line is a file line");
    }
}

// What the index stores must read back as the same document, outline or not.
template <class Document>
void check_round_trip(const Document& original) {
    auto row = store::codec::encode(original);
    store::codec::Stored stored{row.json, row.detail, *row.markdown, *row.summary, row.code_text(), *row.body};
    std::optional<Document> back, outline;
    if constexpr (std::is_same_v<Document, kb::Runbook>) {
        back = store::codec::decode_runbook(stored);
        outline = store::codec::decode_runbook(stored, store::codec::Detail::outline);
    } else {
        back = store::codec::decode_incident(stored);
        outline = store::codec::decode_incident(stored, store::codec::Detail::outline);
    }
    expect(back.has_value(), "the index reads back a document it wrote");
    expect(outline.has_value(), "the index reads back a document's outline");
    expect(nlohmann::json(original) == nlohmann::json(*back), "the index reads back exactly the document it wrote");
    expect(outline->id == original.id && outline->title == original.title, "an outline keeps id and title");
}

}  // namespace

void runbook(std::string_view bytes) {
    std::vector<kb::Diagnostic> diagnostics;
    auto parsed = kb::parse_runbook("runbooks/fuzz.md", bytes, diagnostics);
    check_diagnostics(diagnostics);
    if (!parsed) return;
    expect(base::text::is_valid_utf8(parsed->body_markdown), "a runbook's body is UTF-8");
    for (const auto& step : parsed->steps) expect(step.timeout.count() >= 0, "a step's timeout is not negative");
    check_round_trip(*parsed);
    kb::KnowledgeBase knowledge_base;
    knowledge_base.runbooks.push_back(std::move(*parsed));
    check_diagnostics(kb::lint(knowledge_base));
}

void incident(std::string_view bytes) {
    std::vector<kb::Diagnostic> diagnostics;
    auto parsed = kb::parse_incident("incidents/2025-01-02-fuzz.md", bytes, diagnostics);
    check_diagnostics(diagnostics);
    if (!parsed) return;
    expect(base::text::is_valid_utf8(parsed->body_markdown), "an incident's body is UTF-8");
    for (const auto& section : parsed->sections) {
        expect(section.at + section.size <= parsed->body_markdown.size(), "a section lies within the body");
        expect(within(kb::markdown_of(*parsed, section), parsed->body_markdown), "a section's Markdown views the body");
    }
    for (const auto& line : parsed->error_lines) expect(!line.text.empty(), "an error line has text");
    check_round_trip(*parsed);
}

void front_matter(std::string_view bytes) {
    const std::string path = "runbooks/fuzz.md";
    const std::string text = kb::repair_text(bytes);
    std::vector<kb::Diagnostic> diagnostics;
    auto split = kb::front_matter::split(text, path, diagnostics);
    expect(within(split.yaml, text) && within(split.body, text), "the split views the text");
    expect(split.present || split.body.size() == text.size(), "without front matter the body is the whole text");
    auto value = kb::front_matter::parse(split, path, diagnostics);
    check_diagnostics(diagnostics);
    if (!value) return;
    expect(value->is_map(), "front matter that parses is a map");
    // Every typed reader on every value: a mismatch is a diagnostic, never a throw.
    kb::front_matter::Reader reader{path, diagnostics};
    std::vector<const kb::front_matter::Value*> pending{&*value};
    std::size_t visited = 0;
    while (!pending.empty() && visited++ < 10000) {
        const auto* v = pending.back();
        pending.pop_back();
        (void)reader.scalar(*v, "value");
        (void)reader.boolean(*v, "value");
        (void)reader.string_list(*v, "value");
        (void)reader.string_list_with_lines(*v, "value");
        (void)reader.string_map(*v, "value");
        for (const auto& item : v->items) pending.push_back(&item);
        for (const auto& entry : v->entries) {
            pending.push_back(&entry.key);
            pending.push_back(&entry.value);
            if (entry.key.is_scalar()) expect(v->get(entry.key.scalar) != nullptr, "a map finds its own keys");
        }
    }
    check_diagnostics(diagnostics);
}

void info_string(std::string_view bytes) {
    auto info = kb::parse_info_string(bytes);
    expect(info.attributes.is_object(), "attributes are an object");
    for (char c : info.language) expect(!(c >= 'A' && c <= 'Z'), "the language is lower case");
    if (!info.has_attributes) expect(info.attributes.empty(), "no attribute block, no attributes");
    (void)info.attributes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (auto duration = kb::parse_duration(bytes)) expect(duration->count() >= 0, "a duration is not negative");
    (void)kb::is_runnable_language(info.language);
    (void)kb::is_display_language(info.language);
}

void encoding(std::string_view bytes) {
    kb::encoding::Decoding decoding;
    const std::string text = kb::encoding::normalize_utf8(bytes, &decoding);
    expect(base::text::is_valid_utf8(text), "normalised text is UTF-8");
    expect(text.find('\r') == std::string::npos, "normalised text has LF line ends only");
    // Line numbers are preserved: one line end out for each CRLF, CR or LF in.
    std::size_t ends_in = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.size() || bytes[i + 1] != '\n'))) ++ends_in;
    std::size_t ends_out = 0;
    for (char c : text) ends_out += c == '\n';
    expect(ends_in == ends_out, "normalising keeps the number of lines");
    expect((decoding.invalid == 0) == (decoding.first_line == 0), "the first invalid line is given when there is one");
    if (base::text::is_valid_utf8(bytes) && bytes.find('\r') == std::string_view::npos &&
        !base::text::starts_with(bytes, "\xEF\xBB\xBF"))
        expect(text == bytes, "clean UTF-8 is left as it is");

    std::size_t repaired = 0;
    const std::string fixed = kb::encoding::repair_double_encoding(text, &repaired);
    expect(base::text::is_valid_utf8(fixed), "repaired text is UTF-8");
    if (repaired == 0) expect(fixed == text, "nothing repaired, nothing changed");
    expect(base::text::is_valid_utf8(kb::repair_text(bytes)), "repaired file text is UTF-8");
    (void)kb::encoding::looks_binary(bytes);
}

}  // namespace fuzz
