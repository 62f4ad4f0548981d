#include "match/fixture_kb.hpp"

#include <stdexcept>

namespace test::match_kb {

kb::Param param(const std::string& name, const std::string& pattern, bool secret) {
    kb::Param p;
    p.name = name;
    p.pattern = pattern;
    p.secret = secret;
    return p;
}

kb::Runbook runbook(const std::string& id, const std::string& title, std::vector<SignatureSpec> signatures,
                    std::vector<kb::Param> params) {
    kb::Runbook r;
    r.id = id;
    r.title = title;
    r.path = "runbooks/" + id + ".md";
    int line = 10;
    for (auto& s : signatures) {
        kb::Signature sig;
        sig.pattern = s.pattern;
        sig.params = s.params;
        sig.line = line++;
        r.signatures.push_back(std::move(sig));
    }
    r.params = std::move(params);
    return r;
}

kb::Incident incident(const std::string& id, const std::string& title, const std::string& date,
                      std::vector<std::string> error_lines, std::vector<std::string> runbooks) {
    kb::Incident i;
    i.id = id;
    i.title = title;
    i.date = date;
    i.status = "resolved";
    i.path = "incidents/" + id + ".md";
    int line = 20;
    for (auto& text : error_lines) i.error_lines.push_back({text, line++});
    i.runbooks = std::move(runbooks);
    return i;
}

kb::KnowledgeBase knowledge_base() {
    kb::KnowledgeBase k;
    k.runbooks.push_back(runbook(
        "pg-extension-missing", "Enable a missing PostgreSQL extension",
        {{R"re(operator class "g(?:in|ist)_trgm_ops" does not exist for access method)re", {{"EXTENSION", "pg_trgm"}}},
         {R"re(function uuid_generate_v(?:1mc|1|3|4|5)\([^)]*\) does not exist)re", {{"EXTENSION", "uuid-ossp"}}},
         {R"re(type "(?P<EXTENSION>vector|hstore|citext|ltree)" does not exist)re"}},
        {param("DATABASE_URL", "", true), param("EXTENSION", "^[a-z0-9_-]+$")}));
    k.runbooks.back().incidents = {"2025-10-29-missing-pg-extensions"};
    k.runbooks.push_back(runbook("pg-relation-missing", "Create a relation a query expects",
                                 {{R"re(relation "(?P<RELATION>[^"]+)" does not exist)re"}},
                                 {param("DATABASE_URL", "", true), param("RELATION", R"re(^[A-Za-z0-9_."]+$)re")}));
    k.runbooks.push_back(runbook("pg-relation-exists", "Reconcile a relation that already exists",
                                 {{R"re(relation "(?P<RELATION>[^"]+)" already exists)re"}},
                                 {param("RELATION", R"re(^[A-Za-z0-9_."]+$)re")}));
    k.runbooks.push_back(runbook("pg-index-function-not-immutable", "Index on an expression that is not immutable",
                                 {{R"re(functions in index (?:predicate|expression) must be marked IMMUTABLE)re"}}));
    k.runbooks.push_back(runbook("script-not-executable", "Make a script executable",
                                 {{R"re(exec (?P<SCRIPT>[^\s:]+): permission denied)re"}},
                                 {param("SCRIPT")}));
    k.runbooks.push_back(runbook("k8s-job-backoff-limit", "A Kubernetes Job gave up after its retries",
                                 {{R"re(Job has reached the specified backoff limit)re"}, {R"re(\bBackoffLimitExceeded\b)re"}}));
    k.runbooks.back().symptom = true;
    k.runbooks.push_back(runbook(
        "helm-atomic-rollback", "Helm rolled a release back",
        {{R"re((?:UPGRADE|INSTALLATION) FAILED: .*(?:rolled back|uninstalled) due to atomic being set)re"}}));
    k.runbooks.back().tags = {"kubernetes", "symptom"};

    k.incidents.push_back(incident(
        "2025-10-29-missing-pg-extensions", "Integration tests blocked: tables never created", "2025-10-29",
        {R"(psycopg.errors.UndefinedObject: operator class "gin_trgm_ops" does not exist for access method "gin")"},
        {"pg-extension-missing"}));
    k.incidents.push_back(incident(
        "2025-09-02-toxiproxy-timeout", "Chaos proxy never became healthy", "2025-09-02",
        {"toxiproxy-cli: error creating proxy postgres_proxy: listen tcp 0.0.0.0:5434: bind: address already in use"}));
    return k;
}

const match::Matcher& matcher() {
    static const match::Matcher m = [] {
        auto built = match::Matcher::build(knowledge_base());
        if (!built) throw std::runtime_error(built.error().message);
        return std::move(built).value();
    }();
    return m;
}

match::Report scan_text(const match::Matcher& m, const std::string& text, match::Options options) {
    auto report = match::scan(m, {match::Input::from_text("ci.log", text)}, options);
    if (!report) throw std::runtime_error(report.error().message);
    return std::move(report).value();
}

match::Report scan_text(const std::string& text, match::Options options) { return scan_text(matcher(), text, options); }

}  // namespace test::match_kb
