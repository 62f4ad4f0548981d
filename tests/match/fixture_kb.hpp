// A small knowledge base built in code for matcher tests, independent of the
// Markdown parser: a few PostgreSQL runbooks, two symptom runbooks, and
// incidents with and without a runbook.
#pragma once

#include <string>
#include <vector>

#include "kb/model.hpp"
#include "match/matcher.hpp"
#include "match/report.hpp"

namespace test::match_kb {

struct SignatureSpec {
    std::string pattern;
    kb::ParamValues params = {};
};

kb::Runbook runbook(const std::string& id, const std::string& title, std::vector<SignatureSpec> signatures,
                    std::vector<kb::Param> params = {});
kb::Param param(const std::string& name, const std::string& pattern = "", bool secret = false);
kb::Incident incident(const std::string& id, const std::string& title, const std::string& date,
                      std::vector<std::string> error_lines, std::vector<std::string> runbooks = {});

// pg-extension-missing, pg-relation-missing, pg-relation-exists,
// pg-index-function-not-immutable, script-not-executable, and the symptoms
// k8s-job-backoff-limit and helm-atomic-rollback; incidents
// 2025-10-29-missing-pg-extensions (linked) and 2025-09-02-toxiproxy-timeout
// (no runbook).
kb::KnowledgeBase knowledge_base();

const match::Matcher& matcher();  // built once from knowledge_base()

match::Report scan_text(const match::Matcher& matcher, const std::string& text, match::Options options = {});
match::Report scan_text(const std::string& text, match::Options options = {});

}  // namespace test::match_kb
