#include "site/regex_js.hpp"
#include "site/site.hpp"

namespace site {

std::vector<kb::Diagnostic> lint(const kb::KnowledgeBase& knowledge_base) {
    std::vector<kb::Diagnostic> diagnostics;
    for (const auto& runbook : knowledge_base.runbooks) {
        for (const auto& signature : runbook.signatures) {
            auto translated = to_js_regex(signature.pattern);
            if (translated) continue;
            diagnostics.push_back({runbook.path, signature.line, kb::Severity::error,
                                   "signature cannot run in the browser: " + translated.error().message});
        }
    }
    return diagnostics;
}

}  // namespace site
