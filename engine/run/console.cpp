#include "run/console.hpp"

#include <algorithm>
#include <cstdio>

#include "kb/secrets.hpp"
#include "base/text.hpp"
#include "run/mask.hpp"

namespace run {

namespace {

constexpr const char* bold = "1";
constexpr const char* dim = "2";
constexpr const char* red = "31";
constexpr const char* green = "32";

std::string pad(std::string_view s, std::size_t width) {
    std::string out(s);
    // Width in characters, not bytes: UTF-8 continuation bytes take no column.
    std::size_t columns = std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
    if (columns < width) out.append(width - columns, ' ');
    return out;
}

const char* status_colour(store::StepStatus status) {
    switch (status) {
        case store::StepStatus::ok: return green;
        case store::StepStatus::failed:
        case store::StepStatus::timed_out:
        case store::StepStatus::interrupted:
        case store::StepStatus::abandoned: return red;
        default: return dim;
    }
}

std::string when_clause(const PlannedStep& step) {
    if (!step.shown_only.empty()) return "shown, not run: " + step.shown_only;
    if (step.excluded) return "excluded from runs (excludeFromRunAll)";
    std::string out;
    if (!step.step->skip_if.empty()) out = "skipped if " + step.step->skip_if + " succeeds";
    if (step.step->kind == kb::StepKind::rollback) out = "only if an apply or verify step fails";
    if (step.step->confirm) out += std::string(out.empty() ? "" : "; ") + "asks before running";
    if (step.step->continue_on_error) out += std::string(out.empty() ? "" : "; ") + "a failure does not stop the run";
    return out;
}

}  // namespace

std::string display_value(std::string_view value, std::size_t max) {
    std::string out;
    std::size_t pos = 0;
    std::size_t shown = 0;
    while (pos < value.size()) {
        if (shown >= max) {
            out += "…";
            break;
        }
        unsigned char c = static_cast<unsigned char>(value[pos]);
        if (c == '\n') out += "\\n", ++pos;
        else if (c == '\t') out += "\\t", ++pos;
        else if (c == '\r') out += "\\r", ++pos;
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
            ++pos;
        } else {
            std::size_t start = pos;
            base::text::decode_utf8(value, pos);
            out.append(value.substr(start, pos - start));
        }
        ++shown;
    }
    return out;
}

std::string format_duration(long long ms) {
    char buf[32];
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ms) / 1000.0);
    else if (ms < 60'000) std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
    else std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60'000, (ms / 1000) % 60);
    return buf;
}

std::string status_symbol(store::StepStatus status) {
    switch (status) {
        case store::StepStatus::ok: return "✓";
        case store::StepStatus::skipped:
        case store::StepStatus::not_run: return "·";
        case store::StepStatus::running: return "▶";
        default: return "✗";
    }
}

std::string Console::paint(std::string_view text, const char* sgr) const {
    if (colour_ == Colour::off) return std::string(text);
    return std::string("\x1b[") + sgr + "m" + std::string(text) + "\x1b[0m";
}

void Console::plan(const Plan& plan, const std::vector<ResolvedParam>& params) {
    const kb::Runbook& rb = *plan.runbook;
    out_ << paint("Runbook " + rb.id, bold) << (rb.title.empty() ? "" : " — " + rb.title) << '\n';
    if (!rb.path.empty()) out_ << "  from " << rb.path << '\n';
    if (!params.empty()) {
        out_ << "  params:\n";
        std::size_t width = 0;
        for (const auto& p : params) width = std::max(width, p.name.size());
        for (const auto& p : params) {
            std::string value;
            if (p.source == ParamSource::none) value = paint("(not set)", dim);
            else value = p.value.empty() ? "''" : display_value(kb::shown_value(p.value, p.secret));
            std::string origin = p.source == ParamSource::none ? "" : to_string(p.source);
            if (!p.variable.empty()) origin += " " + p.variable;
            if (p.secret) origin += origin.empty() ? "secret" : ", secret";
            out_ << "    " << pad(p.name, width) << "  " << value;
            if (!origin.empty()) out_ << "  " << paint("(" + origin + ")", dim);
            out_ << '\n';
        }
    }
    out_ << "  steps, in the order they run:\n";
    std::size_t name_width = 0;
    for (const auto& s : plan.steps) name_width = std::max(name_width, s.step->name.size());
    int position = 0;
    for (const auto& s : plan.steps) {
        std::string number = s.excluded || !s.shown_only.empty() ? "-" : std::to_string(++position);
        std::string language = s.step->language.empty() ? "" : s.step->language;
        if (!s.step->interpreter.empty())
            language += (language.empty() ? "via " : " via ") + s.step->interpreter;
        std::string when = when_clause(s);
        out_ << "    " << pad(number + ".", 4) << pad(s.step->name, name_width) << "  "
             << pad(kb::to_string(s.step->kind), 9) << (when.empty() ? language : pad(language, 7));
        if (!when.empty()) out_ << "  " << paint(when, dim);
        out_ << '\n';
    }
    out_.flush();
}

void Console::step_code(const PlannedStep& step, const std::vector<std::string>& command) {
    out_ << paint(step.step->name, bold) << " (" << kb::to_string(step.step->kind)
         << (step.step->language.empty() ? "" : ", " + step.step->language) << ")";
    if (!step.shown_only.empty()) out_ << paint("  shown, not run: " + step.shown_only, dim);
    else if (step.excluded) out_ << paint("  excluded from runs", dim);
    out_ << '\n';
    if (!command.empty()) out_ << "  runs: " << shell_quote_join(command) << '\n';
    if (!step.cwd.empty()) out_ << "  in:   " << step.cwd.string() << '\n';
    for (auto line : base::text::split_lines(step.step->code)) out_ << "  │ " << line << '\n';
    out_.flush();
}

void Console::step_header(const PlannedStep& step, int position, int total) {
    end_output_line();
    out_ << paint("▶ [" + std::to_string(position) + "/" + std::to_string(total) + "] " + step.step->name, bold)
         << " " << paint("(" + kb::to_string(step.step->kind) +
                             (step.step->language.empty() ? "" : ", " + step.step->language) + ")",
                         dim)
         << '\n';
    out_.flush();
}

void Console::step_output(std::string_view text) {
    for (char c : text) {
        if (at_line_start_) {
            out_ << paint("│ ", dim);
            at_line_start_ = false;
        }
        out_ << c;
        if (c == '\n') at_line_start_ = true;
    }
    out_.flush();
}

void Console::end_output_line() {
    if (!at_line_start_) {
        out_ << '\n';
        at_line_start_ = true;
    }
}

void Console::step_result(const store::StepRecord& r) {
    end_output_line();
    std::string line = status_symbol(r.status) + " " + r.name + " " + store::display(r.status);
    if (r.exit_code) line += " · exit " + std::to_string(*r.exit_code);
    if (r.signal) line += " (signal " + std::to_string(*r.signal) + ")";
    if (!r.started_at.empty()) line += " · " + format_duration(r.duration_ms);
    out_ << paint(line, status_colour(r.status));
    if (!r.note.empty()) out_ << paint(" — " + r.note, dim);
    out_ << '\n';
    out_.flush();
}

void Console::note(const std::string& text) {
    end_output_line();
    out_ << text << '\n';
    out_.flush();
}

void Console::summary(const std::vector<store::StepRecord>& steps, store::RunStatus status, long long run_id,
                      const std::string& message) {
    end_output_line();
    const char* colour = status == store::RunStatus::succeeded ? green : red;
    std::string title = "Run " + (run_id > 0 ? std::to_string(run_id) + " " : std::string()) + store::to_string(status);
    out_ << '\n' << paint(title, colour);
    if (!message.empty()) out_ << ": " << message;
    out_ << '\n';
    std::size_t width = 0;
    for (const auto& s : steps) width = std::max(width, s.name.size());
    for (const auto& s : steps) {
        std::string line = "  " + status_symbol(s.status) + " " + pad(s.name, width) + "  " +
                           pad(kb::to_string(s.kind), 9) + pad(store::display(s.status), 12);
        if (s.exit_code) line += pad("exit " + std::to_string(*s.exit_code), 10);
        else line += pad("", 10);
        if (!s.started_at.empty()) line += format_duration(s.duration_ms);
        out_ << paint(line, status_colour(s.status));
        if (!s.note.empty() && s.status != store::StepStatus::ok) out_ << paint("  " + s.note, dim);
        out_ << '\n';
    }
    out_.flush();
}

}  // namespace run
