#include <re2/re2.h>

#include "site/regex_js.hpp"
#include "site/site.hpp"

namespace site {

std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base) {
    std::vector<kb::Diagnostic> diagnostics;
    for (const auto& runbook : knowledge_base.runbooks) {
        auto check = [&](const std::string& pattern, int line, const char* what) {
            // A pattern RE2 refuses is reported once, by the knowledge base's lint.
            RE2::Options quiet;
            quiet.set_log_errors(false);
            if (!RE2(pattern, quiet).ok()) return;
            auto translated = to_js_regex(pattern);
            if (translated) return;
            diagnostics.push_back({runbook.path, line, kb::Severity::error,
                                   std::string(what) + " cannot run in the browser: " + translated.error().message});
        };
        for (const auto& signature : runbook.signatures) {
            check(signature.pattern, signature.line, "signature");
            if (!signature.after.empty()) check(signature.after, signature.line, "signature's after");
        }
        for (const auto& clear : runbook.cleared_by) check(clear.pattern, clear.line, "cleared_by pattern");
    }
    return diagnostics;
}

}  // namespace site
