// The knowledge base model shared by every module: runbooks (params,
// signatures, examples, steps) and incidents (inferred sections and error
// lines). kb builds it from Markdown; store keeps it as JSON in the index.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kb {

enum class StepKind { diagnose, apply, verify, rollback };
enum class Severity { error, warning };
// The roles of a report's sections, as the common post-mortem templates name them.
enum class SectionKind { summary, impact, timeline, symptoms, root_cause, resolution, verification, lessons, action_items, other };
enum class DocKind { runbook, incident };
// Whether an incident's id was chosen by its author (front matter, file name)
// or made up from its title: only a made-up id may change to stay unique.
enum class IdSource { written, inferred };

std::string to_string(StepKind kind);
std::optional<StepKind> step_kind_from_string(const std::string& text);
std::string to_string(SectionKind kind);
std::string to_string(DocKind kind);

using ParamValues = std::map<std::string, std::string>;

// A link to another document as written (a front-matter entry or a Markdown
// link), kept with its line so that a broken one is reported where it is.
struct Reference {
    std::string id;  // the id or file stem named
    int line = 0;
    bool certain = true;  // false for a bare "x.md" link that may name something else
    std::string path;     // the file a relative link reaches, normalised; empty for ids and deja:// links
};

struct Param {
    std::string name;
    std::string description;
    bool required = false;
    bool secret = false;
    // `env: true`: an environment variable of the param's own name fills it
    // (DATABASE_URL). Otherwise only DEJA_PARAM_<NAME> does, so a PORT or a
    // HOST set for something else never reaches a runbook.
    bool environment = false;
    std::optional<std::string> default_value;
    std::string pattern;               // RE2, must match the whole value; empty = any
    std::vector<std::string> choices;  // empty = any
    int line = 0;
    // Empty for a param of the front matter; else the cell whose
    // `export NAME=...` declared it (a Runme prompt).
    std::string declared_by;
};

struct Signature {
    std::string pattern;     // RE2 syntax; named groups fill params
    ParamValues params;      // fixed values set when this signature matches
    std::string description;
    // Evidence only after a line matching this (RE2) earlier in the same log:
    // "Did not find any relations." says something only after an upgrade ran.
    std::string after;
    int line = 0;            // line in the runbook file
};

struct Example {
    std::string text;        // a log excerpt, one or more lines
    ParamValues params;      // the params the matcher must extract
    int line = 0;
};

// A step that neither finishes nor says how long it may take is stopped after this.
inline constexpr std::chrono::seconds default_step_timeout{600};

struct Step {
    std::string name;         // from the attributes, or "step-N"
    StepKind kind = StepKind::apply;
    std::string language;     // first word of the info string: sh, bash, sql, python, ...
    std::string code;
    std::string interpreter;  // overrides the language's interpreter
    std::string cwd;
    std::string skip_if;      // name of a diagnose step
    std::string tag;
    std::chrono::seconds timeout = default_step_timeout;
    bool confirm = false;           // ask before this step even in a confirmed run
    bool continue_on_error = false; // a failing apply does not stop the run
    bool exclude_from_run_all = false;
    // Why this block is shown and never run (a yaml block, `ignore=true`, a
    // language deja does not run); empty for a block that runs.
    std::string shown_only;
    bool name_generated = false;  // named by Runme's rule from its first command
    int output_lines = 0;         // pasted output after `$ ` commands, left out of `code`
    nlohmann::json attributes = nlohmann::json::object();  // every attribute as written
    int line = 0;             // line of the opening fence
};

struct Runbook {
    std::string id;
    std::string title;
    std::string summary;
    std::vector<std::string> tags;
    std::vector<Param> params;         // in declaration order
    std::vector<Signature> signatures;
    // Lines that show the failure went away (a wait loop that got through):
    // evidence followed by one of these in the same log is not a match.
    std::vector<Signature> cleared_by;  // pattern, description and line only
    std::vector<Example> examples;
    std::vector<std::string> incidents;  // ids of incidents it fixed
    std::vector<Reference> references;   // incidents named in the file, with lines
    std::vector<Step> steps;             // in document order
    bool runme_style = false;  // no deja keys anywhere: Runme semantics
    std::string shell;         // front matter `shell`: the program for shell cells (Runme)
    // "file:line: message" when the front matter does not parse: such a
    // runbook is never run (it would run without the params it declares).
    std::string front_matter_error;
    // Front matter `symptom: true`: its failure is the visible consequence of
    // another one (a Job's backoff limit, Helm's atomic rollback), so a match
    // ranks after any cause found in the same log.
    bool symptom = false;
    std::string body_markdown;  // Markdown after the front matter
    std::string body_text;      // plain text of the body, for search
    std::string path;           // source file
    std::string content_hash;   // of the source bytes

    const Param* param(const std::string& name) const;
    const Step* step(const std::string& name) const;
    // `symptom: true`, or the tag `symptom`: a match ranks after any cause
    // (in `deja match` and in the site's log matcher alike).
    bool is_symptom() const;
};

// A part of an incident under one kind of heading. Its Markdown is a range
// of the incident's body_markdown (markdown_of), not a copy: sections are
// most of a report, and with copies `deja index` of 100,000 documents
// peaked at 2.3 GiB instead of 1.7 GiB (bench/index_search.sh).
struct Section {
    SectionKind kind = SectionKind::other;
    std::string heading;
    std::size_t at = 0, size = 0;  // bytes of body_markdown
    int line = 0;
};

struct ErrorLine {
    std::string text;
    int line = 0;  // line in the incident file
};

struct Incident {
    std::string id;
    IdSource id_source = IdSource::written;  // set by the parser; not stored in the index
    std::string title;
    std::string date;      // YYYY-MM-DD, empty when unknown
    std::string status;    // resolved, open, mitigated, monitoring, unknown
    std::string severity;  // free text as written (critical, high, sev1, ...), may be empty
    std::vector<std::string> services;
    std::vector<std::string> tags;
    std::vector<std::string> runbooks;  // linked runbook ids
    std::vector<Reference> references;  // runbooks named in the file, with lines
    std::vector<Section> sections;
    std::vector<ErrorLine> error_lines;
    std::string code;           // text of all code blocks, for search
    std::string summary;        // first paragraph or the summary section, plain text
    std::string body_markdown;
    std::string body_text;
    std::string path;
    std::string content_hash;
};

// A section's Markdown; empty when its bytes are not all in the body.
std::string_view markdown_of(const Incident& incident, const Section& section);

struct Diagnostic {
    std::string file;
    int line = 0;
    Severity severity = Severity::error;
    std::string message;

    std::string format() const;  // "file:line: message"
};

struct SourceFile {
    std::string path;
    std::string content_hash;
    long long size = 0;
    // When the file last changed (its status-change time, ctime): unlike the
    // modification time, no tool can set it back, so an edit that `cp -p`,
    // `rsync -t` or `touch -r` dressed in the old mtime still shows.
    long long changed_ns = 0;
};

// A file under a knowledge-base folder that is not read as a document, and why.
struct LeftOut {
    std::string path;
    std::string reason;  // "not Markdown or text", "a report template", ...
};

struct KnowledgeBase {
    std::vector<Runbook> runbooks;
    std::vector<Incident> incidents;
    std::vector<SourceFile> sources;       // every file read, in load order
    std::vector<Diagnostic> diagnostics;   // problems found while loading
    std::vector<LeftOut> left_out;         // files not taken, in path order

    const Runbook* runbook(const std::string& id) const;
    const Incident* incident(const std::string& id) const;
};

void to_json(nlohmann::json& j, const Reference& v);
void from_json(const nlohmann::json& j, Reference& v);
void to_json(nlohmann::json& j, const Param& v);
void from_json(const nlohmann::json& j, Param& v);
void to_json(nlohmann::json& j, const Signature& v);
void from_json(const nlohmann::json& j, Signature& v);
void to_json(nlohmann::json& j, const Example& v);
void from_json(const nlohmann::json& j, Example& v);
void to_json(nlohmann::json& j, const Step& v);
void from_json(const nlohmann::json& j, Step& v);
void to_json(nlohmann::json& j, const Runbook& v);
void from_json(const nlohmann::json& j, Runbook& v);
// A section is written out with its incident (its Markdown is in the body).
void from_json(const nlohmann::json& j, Section& v);
void to_json(nlohmann::json& j, const ErrorLine& v);
void from_json(const nlohmann::json& j, ErrorLine& v);
void to_json(nlohmann::json& j, const Incident& v);
void from_json(const nlohmann::json& j, Incident& v);
void to_json(nlohmann::json& j, const Diagnostic& v);

}  // namespace kb
