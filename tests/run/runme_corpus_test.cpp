// Runme's own examples and documentation, and a public runbook repository,
// as a team has them (../shared/corpora): every file plans without refusing,
// and the harmless cells print what Runme's documents say they print.
#include <algorithm>
#include <sstream>

#include <catch2/catch.hpp>

#include "kb/load.hpp"
#include "run/params.hpp"
#include "run/runner.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> markdown_under(const fs::path& root) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file() && entry.path().extension() == ".md") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("every Runme document and third-party runbook plans, and --dry-run shows it without refusing",
          "[run][runme][corpora]") {
    auto corpora = test::shared_corpora();
    if (!corpora) return;
    int files = 0, with_cells = 0, cells = 0, shown = 0, params = 0;
    for (const char* folder : {"runme", "runbooks"}) {
        for (const auto& file : markdown_under(*corpora / folder)) {
            INFO(file.string());
            std::vector<kb::Diagnostic> diagnostics;
            auto bytes = kb::read_whole_file(file.string());
            REQUIRE(bytes);
            auto runbook = kb::parse_runbook(file.string(), *bytes, diagnostics);
            REQUIRE(runbook);
            for (const auto& d : diagnostics) CHECK(d.severity != kb::Severity::error);
            ++files;
            with_cells += runbook->steps.empty() ? 0 : 1;
            cells += static_cast<int>(runbook->steps.size());
            params += static_cast<int>(runbook->params.size());
            for (const auto& step : runbook->steps) shown += step.shown_only.empty() ? 0 : 1;

            auto values = run::resolve_params(*runbook, {}, {}, [](const std::string&) { return std::nullopt; }).values;
            run::RunOptions options;
            options.mode = run::Mode::dry_run;
            std::ostringstream out;
            auto outcome = run::run_runbook(*runbook, values, options, {}, nullptr, out);
            REQUIRE(outcome);
            CHECK(outcome->exit_code == 0);
        }
    }
    WARN("Runme and runbook corpora: " << files << " files, " << with_cells << " with code blocks, " << cells
                                       << " cells (" << shown << " shown, not run), " << params
                                       << " params (export prompts, variables nothing sets)");
    CHECK(files >= 200);
    CHECK(with_cells >= 90);
    CHECK(params >= 25);
}

TEST_CASE("Runme's examples print what Runme's documents say", "[run][runme][corpora]") {
    auto corpora = test::shared_corpora();
    if (!corpora) return;
    const fs::path examples = *corpora / "runme" / "runme-examples";
    test::TempDir home;
    auto run = [&](const fs::path& file, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"run", file.string(), "--yes"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto out = test::deja(args, home.path());
        INFO(out.out << out.err);
        CHECK(out.exit_code == 0);
        return out.out;
    };

    // skipPrompts: the export's placeholder is the value.
    CHECK(run(examples / "frontmatter" / "skipPrompts" / "ENABLED.md").find("│ ENV=<insert-env-here>") !=
          std::string::npos);
    // A given value replaces the placeholder, as an answer to Runme's prompt does.
    CHECK(run(examples / "frontmatter" / "skipPrompts" / "ENABLED.md", {"--param", "ENV=staging"})
              .find("│ ENV=staging") != std::string::npos);
    // The document's cwd is relative to its folder; a cell's relative cwd to the document's.
    auto cwd = run(examples / "frontmatter" / "cwd" / "RELATIVE.md");
    const std::string runme_root = fs::canonical(*corpora / "runme").string();
    CHECK(cwd.find("│ " + runme_root + "\n") != std::string::npos);
    CHECK(cwd.find("│ " + fs::canonical(*corpora).string() + "\n") != std::string::npos);
    CHECK(cwd.find("│ /opt\n") != std::string::npos);
    // The front matter's shell runs the cell: $0 names it.
    CHECK(run(examples / "frontmatter" / "shells" / "BASH.md").find("│ bash\n") != std::string::npos);
    // promptEnv: no keeps the values as written.
    auto vars = run(examples / "envs" / "README.md", {"--step", "vars2", "--param", "VAR_NAME3=three"});
    CHECK(vars.find("│ 5. Placeholder 5") != std::string::npos);
    CHECK(vars.find("│ 6. Placeholder 6") != std::string::npos);
}
