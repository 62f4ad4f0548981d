// Runbooks: typed front matter (params, signatures, examples, links) and
// steps from fenced code blocks with Runme-style attributes.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "kb/document.hpp"
#include "base/hash.hpp"
#include "kb/info_string.hpp"
#include "kb/links.hpp"
#include "kb/load.hpp"
#include "kb/runme.hpp"
#include "base/text.hpp"

namespace kb {

namespace {

using front_matter::Reader;
using front_matter::Value;

constexpr std::array<std::string_view, 5> deja_step_keys = {"kind", "skip_if", "timeout", "confirm",
                                                             "continue_on_error"};

// Keys Runme itself writes in front matter: accepted and left alone.
const std::set<std::string, std::less<>> known_runbook_keys = {
    "id", "title", "summary", "description", "tags", "params", "signatures", "cleared_by", "examples",
    "incidents", "symptom", "runme", "shell", "cwd", "skipPrompts", "terminalRows", "category", "owner", "author", "services"};

bool valid_param_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

void read_param(const Reader& reader, const std::string& name, const Value& key, const Value& value,
                Runbook& runbook) {
    Param param;
    param.name = name;
    param.line = key.line;
    if (!valid_param_name(name))
        reader.error(key, "param name '" + name + "' must be letters, digits and '_' (it becomes an environment variable)");
    if (value.is_scalar()) {
        param.description = value.scalar;
    } else if (value.is_map()) {
        for (const auto& field : value.entries) {
            std::string field_name = field.key.scalar;
            const Value& v = field.value;
            std::string what = "param " + name + ": " + field_name;
            if (field_name == "description") {
                if (auto s = reader.scalar(v, what)) param.description = *s;
            } else if (field_name == "required") {
                if (auto b = reader.boolean(v, what)) param.required = *b;
            } else if (field_name == "secret") {
                if (auto b = reader.boolean(v, what)) param.secret = *b;
            } else if (field_name == "env") {
                if (auto b = reader.boolean(v, what)) param.environment = *b;
            } else if (field_name == "default") {
                if (!v.is_null())
                    if (auto s = reader.scalar(v, what)) param.default_value = *s;
            } else if (field_name == "pattern") {
                if (auto s = reader.scalar(v, what)) param.pattern = *s;
            } else if (field_name == "choices") {
                if (!v.is_sequence() && !v.is_null())
                    reader.error(v, what + " must be a list");
                else
                    param.choices = reader.string_list(v, what);
            } else {
                reader.warning(field.key, "param " + name + ": unknown field '" + field_name +
                                                "' (known: description, required, default, pattern, choices, secret, env)");
            }
        }
    } else if (!value.is_null()) {
        reader.error(value, "param " + name + " must be a map {description: ..., required: ...}");
    }
    runbook.params.push_back(std::move(param));
}

void read_params(const Reader& reader, const Value& node, Runbook& runbook) {
    if (node.is_map()) {
        for (const auto& entry : node.entries) {
            if (!entry.key.is_scalar()) {
                reader.error(entry.key, "param names must be plain words");
                continue;
            }
            read_param(reader, entry.key.scalar, entry.key, entry.value, runbook);
        }
    } else if (node.is_sequence()) {
        // Also accepted: a list of {name: X, description: ...}.
        for (const auto& item : node.items) {
            const Value* name = item.is_map() ? item.get("name") : nullptr;
            if (!name || !name->is_scalar()) {
                reader.error(item, "params must be a map of NAME: {description: ...}");
                continue;
            }
            Value rest = item;
            std::erase_if(rest.entries, [](const auto& entry) { return entry.key.scalar == "name"; });
            read_param(reader, name->scalar, item, rest, runbook);
        }
    } else if (!node.is_null()) {
        reader.error(node, "params must be a map of NAME: {description: ..., required: ...}");
    }
}

enum class PatternList { signatures, cleared_by };

// `signatures:` and `cleared_by:` share one shape; a clearing line sets no
// params and has no order of its own.
void read_patterns(const Reader& reader, const Value& node, PatternList list, std::vector<Signature>& out) {
    const bool evidence = list == PatternList::signatures;
    const std::string what = evidence ? "signature" : "cleared_by entry";
    if (node.is_null()) return;
    if (!node.is_sequence()) {
        reader.error(node, (evidence ? "signatures" : "cleared_by") + std::string(" must be a list of {pattern: ...}"));
        return;
    }
    for (const auto& item : node.items) {
        Signature sig;
        sig.line = item.line;
        if (item.is_scalar()) {
            sig.pattern = item.scalar;
        } else if (item.is_map()) {
            for (const auto& field : item.entries) {
                std::string key = field.key.scalar;
                if (key == "pattern") {
                    if (auto s = reader.scalar(field.value, what + " pattern")) sig.pattern = *s;
                } else if (key == "description") {
                    if (auto s = reader.scalar(field.value, what + " description")) sig.description = *s;
                } else if (evidence && key == "params") {
                    sig.params = reader.string_map(field.value, "signature params");
                } else if (evidence && key == "after") {
                    if (auto s = reader.scalar(field.value, "signature after")) sig.after = *s;
                } else {
                    reader.warning(field.key, what + ": unknown field '" + key + "' (known: pattern, " +
                                                    (evidence ? "params, after, description)" : "description)"));
                }
            }
        } else {
            reader.error(item, "a " + what + " must be a pattern or {pattern: ...}");
            continue;
        }
        if (sig.pattern.empty()) {
            reader.error(item, what + " has no pattern");
            continue;
        }
        out.push_back(std::move(sig));
    }
}

void read_examples(const Reader& reader, const Value& node, Runbook& runbook) {
    if (node.is_null()) return;
    if (!node.is_sequence()) {
        reader.error(node, "examples must be a list of {text: ..., params: ...}");
        return;
    }
    for (const auto& item : node.items) {
        Example example;
        example.line = item.line;
        if (item.is_scalar()) {
            example.text = item.scalar;
        } else if (item.is_map()) {
            for (const auto& field : item.entries) {
                std::string key = field.key.scalar;
                if (key == "text") {
                    if (auto s = reader.scalar(field.value, "example text")) example.text = *s;
                } else if (key == "params") {
                    example.params = reader.string_map(field.value, "example params");
                } else {
                    reader.warning(field.key, "example: unknown field '" + key + "' (known: text, params)");
                }
            }
        } else {
            reader.error(item, "an example must be a log line or {text: ..., params: ...}");
            continue;
        }
        if (example.text.empty()) {
            reader.error(item, "example has no text");
            continue;
        }
        runbook.examples.push_back(std::move(example));
    }
}

std::optional<bool> attribute_bool(const nlohmann::json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_string()) {
        std::string s = base::text::lower(value.get<std::string>());
        if (s == "true" || s == "yes") return true;
        if (s == "false" || s == "no") return false;
    }
    return std::nullopt;
}

std::string attribute_string(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    return value.dump();
}

struct StepContext {
    const std::string& path;
    std::vector<Diagnostic>& diagnostics;
    const std::string& default_cwd;
};

bool has_deja_keys(const InfoString& info) {
    for (const auto& [key, value] : info.attributes.items())
        if (std::find(deja_step_keys.begin(), deja_step_keys.end(), key) != deja_step_keys.end()) return true;
    return false;
}

// A cell's `cwd` is relative to the front matter's, as Runme combines them.
std::string combined_cwd(const std::string& document_cwd, const std::string& cell_cwd) {
    if (cell_cwd.empty()) return document_cwd;
    if (document_cwd.empty() || cell_cwd.front() == '/') return cell_cwd;
    return document_cwd + (document_cwd.back() == '/' ? "" : "/") + cell_cwd;
}

void read_step_attributes(const StepContext& ctx, const InfoString& info, Step& step) {
    auto problem = [&](const std::string& message) {
        ctx.diagnostics.push_back({ctx.path, step.line, Severity::error, message});
    };
    for (const auto& [key, value] : info.attributes.items()) {
        if (key == "name") {
            step.name = attribute_string(value);
        } else if (key == "kind") {
            std::string kind = base::text::lower(attribute_string(value));
            if (auto k = step_kind_from_string(kind))
                step.kind = *k;
            else
                problem("step kind '" + kind + "' is not one of diagnose, apply, verify, rollback");
        } else if (key == "skip_if") {
            step.skip_if = attribute_string(value);
        } else if (key == "timeout") {
            std::optional<std::chrono::seconds> timeout;
            if (value.is_number_integer() && value.get<long long>() >= 0)
                timeout = std::chrono::seconds(value.get<long long>());
            else if (value.is_string())
                timeout = parse_duration(value.get<std::string>());
            if (timeout)
                step.timeout = *timeout;
            else
                problem("step timeout '" + attribute_string(value) + "' is not a duration like 30s, 5m or 1h");
        } else if (key == "confirm" || key == "continue_on_error" || key == "excludeFromRunAll") {
            auto flag = attribute_bool(value);
            if (!flag) {
                problem("step attribute " + key + " must be true or false");
                continue;
            }
            if (key == "confirm") step.confirm = *flag;
            if (key == "continue_on_error") step.continue_on_error = *flag;
            if (key == "excludeFromRunAll") step.exclude_from_run_all = *flag;
        } else if (key == "cwd") {
            step.cwd = attribute_string(value);
        } else if (key == "interpreter") {
            step.interpreter = attribute_string(value);
        } else if (key == "tag" || key == "category") {
            step.tag = attribute_string(value);
        }
    }
    step.cwd = combined_cwd(ctx.default_cwd, step.cwd);
}

// Why Runme would show this block and not run it; empty when it runs.
// Runme's rules (document/block.go): `transform=false` or `ignore=true`
// hide a block, mermaid is a diagram unless its attributes say otherwise.
std::string shown_only_reason(const InfoString& info, const Step& step) {
    const auto& attributes = info.attributes;
    if (auto it = attributes.find("transform"); it != attributes.end())
        if (auto flag = attribute_bool(*it)) return *flag ? "" : "marked transform=false";
    if (auto it = attributes.find("ignore"); it != attributes.end())
        if (auto flag = attribute_bool(*it)) return *flag ? "marked ignore=true" : "";
    if (info.language == "mermaid") return "a mermaid diagram";
    if (!step.interpreter.empty() || info.language.empty() || is_runnable_language(info.language)) return "";
    if (is_display_language(info.language)) return "a " + info.language + " block: text, not a program";
    return "deja does not run " + info.language + " blocks";
}

// Runme's prompts become params: declared in the plan, taken from --param,
// DEJA_PARAM_<NAME> or a prompt. A placeholder is the default; a message
// asks. With prompts off (skipPrompts, promptEnv: no), what is written is
// the value, as in Runme.
void declare_export_params(Step& step, bool prompts_off, Runbook& runbook) {
    if (auto it = step.attributes.find("promptEnv"); it != step.attributes.end()) {
        std::string mode = base::text::lower(attribute_string(*it));
        if (mode == "no" || mode == "false" || mode == "never" || mode == "0") prompts_off = true;
    }
    for (auto& prompt : take_export_prompts(step.code)) {
        if (runbook.param(prompt.name)) continue;
        Param param;
        param.name = prompt.name;
        param.line = step.line + 1 + prompt.line;
        param.declared_by = step.name;
        if (prompts_off || prompt.kind == ExportValue::placeholder) {
            param.default_value = prompt.value;
            param.description = prompts_off ? "set by step " + step.name : "placeholder: " + prompt.value;
        } else {
            param.required = true;
            param.description = prompt.kind == ExportValue::message ? prompt.value : "asked for by step " + step.name;
        }
        runbook.params.push_back(std::move(param));
    }
}

// Third-party runbooks use variables they never declare (`$NODE`,
// `${NAMESPACE}`): each one that no earlier cell sets becomes a required
// param, filled from --param, the environment (the shell would have read
// it there) or a prompt, so a run asks instead of running with it empty.
void declare_undeclared_variables(Runbook& runbook) {
    std::set<std::string, std::less<>> known;
    for (const auto& p : runbook.params) known.insert(p.name);
    const Step* previous = nullptr;
    for (const auto& step : runbook.steps) {
        // A cell named in capitals exports its output under its name.
        if (previous && !previous->name_generated) known.insert(previous->name);
        previous = &step;
        if (!step.shown_only.empty() || !step.interpreter.empty()) continue;
        auto rule = language_rule(step);
        if (!rule || !rule->shell) continue;
        auto variables = shell_variables(step.code);
        for (const auto& name : variables.used) {
            if (known.contains(name)) continue;
            Param param;
            param.name = name;
            param.required = true;
            param.environment = true;
            param.declared_by = step.name;
            param.description = "used by step " + step.name + "; nothing in the runbook sets it";
            param.line = step.line;
            runbook.params.push_back(std::move(param));
            known.insert(name);
        }
        for (const auto& name : variables.set) known.insert(name);
    }
}

void read_steps(const std::string& path, const markdown::Document& doc, const std::string& default_cwd,
                bool prompts_off, Runbook& runbook, std::vector<Diagnostic>& diagnostics) {
    std::vector<InfoString> infos;
    bool any_deja_keys = false;
    for (const auto& block : doc.code_blocks) {
        infos.push_back(parse_info_string(block.info));
        any_deja_keys = any_deja_keys || (block.fenced && has_deja_keys(infos.back()));
    }
    runbook.runme_style = !any_deja_keys;
    StepContext ctx{path, diagnostics, default_cwd};
    std::map<std::string, int> generated;  // Runme numbers repeated names: x, x-2, x-3
    for (std::size_t i = 0; i < doc.code_blocks.size(); ++i) {
        const auto& block = doc.code_blocks[i];
        const InfoString& info = infos[i];
        if (!block.fenced) continue;
        if (!runbook.runme_style) {
            // deja's own runbooks: only blocks in a language it runs, or with attributes, are steps.
            if (info.language.empty() && !info.has_attributes) continue;
            if (!info.has_attributes && !is_runnable_language(info.language)) continue;
            if (is_display_language(info.language) && !info.has_attributes) continue;
        }

        Step step;
        step.language = info.language;
        step.code = block.code;
        step.line = block.line;
        if (!info.error.empty()) diagnostics.push_back({path, block.line, Severity::error, "step attributes: " + info.error});
        step.attributes = info.attributes;
        read_step_attributes(ctx, info, step);
        if (runbook.runme_style) {
            step.shown_only = shown_only_reason(info, step);
            auto rule = language_rule(step);
            if (step.shown_only.empty() && rule && rule->shell) {
                auto script = strip_shell_prompts(step.code);
                step.code = std::move(script.code);
                step.output_lines = script.output_lines;
            }
            if (step.name.empty()) {
                std::string name = runme_cell_name(block.code);
                if (!name.empty()) {
                    int seen = ++generated[name];
                    step.name = seen == 1 ? name : name + "-" + std::to_string(seen);
                    step.name_generated = true;
                }
            }
        }
        if (step.name.empty()) step.name = "step-" + std::to_string(runbook.steps.size() + 1);
        if (runbook.runme_style && step.shown_only.empty()) {
            auto rule = language_rule(step);
            if (rule && rule->shell) declare_export_params(step, prompts_off, runbook);
        }
        runbook.steps.push_back(std::move(step));
    }
    if (runbook.runme_style) declare_undeclared_variables(runbook);
}

void read_incident_links(const markdown::Document& doc, Runbook& runbook) {
    for (const auto& link : doc.links) {
        auto target = parse_link_target(link.url);
        if (!target || target->kind != DocKind::incident) continue;
        runbook.references.push_back(reference_to(*target, runbook.path, link.line, true));
    }
}

}  // namespace

std::optional<Runbook> parse_runbook(const std::string& path, std::string_view bytes,
                                     std::vector<Diagnostic>& diagnostics) {
    SourceDocument doc;
    const std::size_t before = diagnostics.size();
    if (!read_document(path, bytes, diagnostics, doc)) return std::nullopt;

    Runbook runbook;
    for (std::size_t i = before; i < diagnostics.size(); ++i)
        if (diagnostics[i].severity == Severity::error && diagnostics[i].message.starts_with("front matter") &&
            runbook.front_matter_error.empty())
            runbook.front_matter_error = diagnostics[i].format();
    runbook.path = path;
    runbook.content_hash = base::hash_hex(bytes);
    runbook.body_markdown = std::string(doc.split.body);
    runbook.body_text = doc.markdown.plain_text;
    std::string default_cwd;
    bool prompts_off = false;

    if (doc.yaml) {
        Reader reader{path, diagnostics};
        for (const auto& entry : doc.yaml->entries) {
            if (!entry.key.is_scalar()) {
                reader.error(entry.key, "front matter keys must be plain words");
                continue;
            }
            std::string key = entry.key.scalar;
            const Value& value = entry.value;
            if (key == "id") {
                if (auto s = reader.scalar(value, "id")) runbook.id = std::string(base::text::trim(*s));
            } else if (key == "title") {
                if (auto s = reader.scalar(value, "title")) runbook.title = std::string(base::text::trim(*s));
            } else if (key == "summary" || key == "description") {
                if (auto s = reader.scalar(value, key)) runbook.summary = base::text::collapse_whitespace(*s);
            } else if (key == "tags") {
                runbook.tags = reader.string_list(value, "tags");
            } else if (key == "params") {
                read_params(reader, value, runbook);
            } else if (key == "signatures") {
                read_patterns(reader, value, PatternList::signatures, runbook.signatures);
            } else if (key == "cleared_by") {
                read_patterns(reader, value, PatternList::cleared_by, runbook.cleared_by);
            } else if (key == "symptom") {
                if (auto b = reader.boolean(value, "symptom")) runbook.symptom = *b;
            } else if (key == "examples") {
                read_examples(reader, value, runbook);
            } else if (key == "incidents") {
                for (auto& [id, line] : reader.string_list_with_lines(value, "incidents"))
                    runbook.references.push_back({id, line, true, ""});
            } else if (key == "cwd") {
                if (auto s = reader.scalar(value, "cwd")) default_cwd = *s;
            } else if (key == "shell") {
                if (auto s = reader.scalar(value, "shell")) runbook.shell = std::string(base::text::trim(*s));
            } else if (key == "skipPrompts") {
                if (auto b = reader.boolean(value, "skipPrompts")) prompts_off = *b;
            } else if (key == "keywords") {
                for (auto& tag : reader.string_list(value, key)) runbook.tags.push_back(std::move(tag));
            } else if (!known_runbook_keys.contains(key) && !front_matter::is_other_tools_key(key)) {
                reader.unknown_key(entry.key);
            }
        }
    }

    if (runbook.id.empty()) runbook.id = file_stem(path);
    if (runbook.title.empty() && !doc.markdown.headings.empty()) runbook.title = doc.markdown.headings.front().text;
    if (runbook.title.empty()) runbook.title = runbook.id;
    if (runbook.summary.empty())
        runbook.summary = first_paragraph(doc.markdown, 280, [](const markdown::TextLine&) { return true; });

    read_steps(path, doc.markdown, default_cwd, prompts_off, runbook, diagnostics);
    read_incident_links(doc.markdown, runbook);
    for (const auto& ref : runbook.references) runbook.incidents.push_back(ref.id);
    return runbook;
}

}  // namespace kb
