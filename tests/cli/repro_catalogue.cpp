// The bundled catalogue as a whole: every runbook the catalogue promises exists
// with the params its contract names, lints clean, recognises its own examples
// through the real `deja match`, and renders its plan with `deja run --dry-run`
// (the only proof possible here for Kubernetes, Helm, GitHub and Docker
// failures). And no signature fires on logs of successful runs or of failures
// the catalogue does not cover.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "cli/repro_support.hpp"
#include "kb/load.hpp"
#include "base/text.hpp"

namespace {

namespace fs = std::filesystem;
using repro::Params;

const kb::KnowledgeBase& bundled() {
    static const kb::KnowledgeBase knowledge_base = kb::load({fs::path(DEJA_SOURCE_DIR)});
    return knowledge_base;
}

// The catalogue's contract: each id and the params it takes from a log.
const std::vector<std::pair<std::string, std::vector<std::string>>>& catalogue() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> ids{
        {"pg-extension-missing", {"EXTENSION"}},
        {"pg-extension-not-installed-on-server", {"EXTENSION"}},
        {"pg-extension-permission", {"EXTENSION"}},
        {"pg-schema-permission", {"RELATION", "SCHEMA"}},
        {"pg-index-function-not-immutable", {}},
        {"pg-connection-refused", {"HOST", "PORT"}},
        {"pg-starting-up", {}},
        {"pg-auth-failed", {"ROLE"}},
        {"pg-database-missing", {"DATABASE", "ROLE"}},
        {"pg-host-unresolvable", {"HOST"}},
        {"pg-too-many-connections", {}},
        {"pg-null-id-no-default", {"RELATION"}},
        {"pg-relation-exists", {"RELATION"}},
        {"pg-relation-missing", {"RELATION"}},
        {"timescaledb-compressed-hypertable-ddl", {"RELATION"}},
        {"sqlalchemy-missing-greenlet", {}},
        {"sqlalchemy-mapper-primary-key", {"RELATION"}},
        {"alembic-changes-not-committed", {}},
        {"alembic-revision-missing", {"REVISION"}},
        {"alembic-multiple-heads", {}},
        {"alembic-not-up-to-date", {}},
        {"python-module-missing-driver", {"MODULE"}},
        {"script-not-executable", {"SCRIPT"}},
        {"script-crlf-line-endings", {"SCRIPT"}},
        {"exec-format-error", {}},
        {"port-already-allocated", {"PORT"}},
        {"compose-port-mapping-mismatch", {"PORT"}},
        {"http-healthcheck-timeout", {}},
        {"k8s-metrics-api-unavailable", {}},
        {"k8s-job-backoff-limit", {}},
        {"helm-atomic-rollback", {}},
        {"k8s-image-pull", {"IMAGE"}},
        {"k8s-crashloop", {}},
        {"container-oom-killed", {}},
        {"runner-disk-full", {"TARGET"}},
        {"github-workflow-scope", {"WORKFLOW"}},
        {"coverage-below-threshold", {}},
        {"llm-api-key-missing-in-tests", {}},
    };
    return ids;
}

// Values a user would supply for required params that no log carries.
const Params& sample_values() {
    static const Params values{
        {"DATABASE_URL", "postgresql://app:app-password@db.example.com:5432/app"},
        {"ADMIN_DATABASE_URL", "postgresql://postgres:admin-password@db.example.com:5432/app"},
        {"COLUMN", "created_at"},
        {"EXTENSION", "pg_trgm"},
        {"HOST", "db"},
        {"IMAGE", "ghcr.io/acme/api:1.4.2"},
        {"JOB", "db-migrate"},
        {"MODELS_MODULE", "app.models"},
        {"MODULE", "psycopg2"},
        {"PORT", "5433"},
        {"RELATION", "events"},
        {"RELEASE", "api"},
        {"REVISION", "1f737760963f"},
        {"ROLE", "app"},
        {"SCRIPT", "./scripts/migrate.sh"},
        {"TABLE", "events"},
        {"WORKFLOW", ".github/workflows/ci.yml"},
    };
    return values;
}

std::vector<fs::path> corpus_files(const std::string& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(test::fixtures() / folder, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".log") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("catalogue: every promised runbook exists and declares its params", "[repro][catalogue]") {
    const auto& kb = bundled();
    for (const auto& [id, params] : catalogue()) {
        INFO("runbook " << id);
        const auto* runbook = kb.runbook(id);
        REQUIRE(runbook != nullptr);
        CHECK_FALSE(runbook->summary.empty());
        for (const auto& name : params) {
            INFO("param " << name);
            CHECK(runbook->param(name) != nullptr);
        }
        // Proven, not just written: real-form examples, a look before any
        // change, and a check after.
        CHECK(runbook->examples.size() >= 3);
        auto has_kind = [&](kb::StepKind kind) {
            return std::any_of(runbook->steps.begin(), runbook->steps.end(),
                               [&](const kb::Step& s) { return s.kind == kind; });
        };
        CHECK(has_kind(kb::StepKind::diagnose));
        CHECK(has_kind(kb::StepKind::verify));
    }
}

TEST_CASE("catalogue: the bundled knowledge base lints clean", "[repro][catalogue]") {
    repro::Workspace ws;
    auto lint = repro::deja(ws, {"lint"});
    INFO(lint.out << lint.err);
    REQUIRE(lint.exit_code == 0);
}

TEST_CASE("catalogue: each example is recognised and each plan renders from it", "[repro][catalogue]") {
    repro::Workspace ws;
    for (const auto& runbook : bundled().runbooks) {
        INFO("runbook " << runbook.id);
        CHECK_FALSE(runbook.examples.empty());
        std::set<Params> planned;  // one plan per distinct set of params
        for (const auto& example : runbook.examples) {
            INFO("example at line " << example.line << ":\n" << example.text);
            auto m = repro::match(ws, example.text + "\n");
            INFO("deja match --json said:\n" << m.report.dump(2) << m.stderr_text);
            CHECK(m.exit_code == 0);
            CHECK(m.top_runbook() == runbook.id);
            if (m.top_runbook() != runbook.id) continue;
            auto params = m.top_params();
            CHECK(params == example.params);
            if (!planned.insert(params).second) continue;

            // The plan, with the example's params and what a user adds.
            std::vector<std::string> args{"run", runbook.id, "--dry-run"};
            for (const auto& param : runbook.params) {
                if (params.count(param.name) || !param.required || param.default_value) continue;
                auto sample = sample_values().find(param.name);
                INFO("required param without a sample value: " << param.name);
                REQUIRE(sample != sample_values().end());
                params[param.name] = sample->second;
            }
            for (const auto& [k, v] : params) {
                args.push_back("--param");
                args.push_back(k + "=" + v);
            }
            auto plan = repro::deja(ws, args);
            INFO("deja run " << runbook.id << " --dry-run said:\n" << plan.out << plan.err);
            CHECK(plan.exit_code == 0);
            // Every step is shown with its code, and nothing ran.
            const auto shown = plan.out + plan.err;
            for (const auto& step : runbook.steps) {
                CHECK_THAT(shown, Catch::Contains(step.name));
                for (auto line : base::text::split_lines(step.code))
                    if (line.find_first_not_of(" \t") != std::string_view::npos)
                        CHECK_THAT(shown, Catch::Contains(std::string(line)));
            }
            // Secrets never appear, even in a plan.
            CHECK_THAT(shown, !Catch::Contains("app-password") && !Catch::Contains("admin-password"));
        }
    }
    // Dry runs record nothing in the history.
    auto runs = repro::deja(ws, {"runs", "--json"});
    REQUIRE(runs.exit_code == 0);
    REQUIRE(nlohmann::json::parse(runs.out).empty());
}

TEST_CASE("catalogue: no signature fires on passing runs or on failures it does not cover", "[repro][catalogue]") {
    repro::Workspace ws;
    for (const std::string folder : {"passing", "unrelated"}) {
        auto files = corpus_files(folder);
        INFO("corpus tests/fixtures/" << folder);
        REQUIRE_FALSE(files.empty());
        for (const auto& file : files) {
            auto out = repro::deja(ws, {"match", "--json", file.string()});
            INFO(file.string() << ":\n" << out.out << out.err);
            CHECK(out.exit_code == 1);
        }
    }
}
