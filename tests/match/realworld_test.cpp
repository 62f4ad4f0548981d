// Recognition on real logs nobody here wrote: tests/fixtures/realworld holds
// failures posted in public issue trackers, each with its source URL, the
// class decided from what fixed it, the params certain from its text, and a
// split (dev: signatures may be tuned on it; heldout: only measured). Every
// case is scanned as posted and buried in a long timestamped CI log. The
// goal: the right runbook first with the right params, never a wrong one,
// never a match on an unrelated failure or a passing run; the floors below
// hold what is reached so far.
//   build/tests/deja_tests "[realworld]" prints the table (bench/realworld.sh).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "kb/load.hpp"
#include "kb/paths.hpp"
#include "match/report.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace {

struct Case {
    std::string file;
    std::string url;
    std::string klass;  // a runbook id, "unrelated" or "passing"
    std::map<std::string, std::string> params;
    std::string split;
};

std::vector<Case> corpus() {
    std::vector<Case> cases;
    std::istringstream manifest(test::read_file(test::fixtures() / "realworld" / "manifest.jsonl"));
    for (std::string line; std::getline(manifest, line);) {
        if (line.empty()) continue;
        auto row = nlohmann::json::parse(line);
        Case c{row.at("file"), row.at("url"), row.at("class"), {}, row.at("split")};
        for (const auto& [name, value] : row.at("params").items()) c.params[name] = value.get<std::string>();
        cases.push_back(std::move(c));
    }
    return cases;
}

// A GitHub Actions job log around the case: the passing runs of
// tests/fixtures/passing, each line behind a runner timestamp, the case's
// lines in the middle with timestamps of their own.
std::string buried(const std::string& text) {
    std::vector<std::string> lines;
    for (const char* name : {"github-actions-success.log", "docker-compose-up.log", "alembic-upgrade.log",
                             "python-unittest.log", "psql-migration-notices.log", "helm-upgrade.log"}) {
        std::istringstream in(test::read_file(test::fixtures() / "passing" / name));
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    std::istringstream in(text);
    std::vector<std::string> failure;
    for (std::string line; std::getline(in, line);) failure.push_back(line);
    lines.insert(lines.begin() + static_cast<long>(lines.size() / 2), failure.begin(), failure.end());
    std::string log;
    char stamp[64];
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::snprintf(stamp, sizeof stamp, "2025-11-03T10:%02zu:%02zu.%07zuZ ", (i / 60) % 60, i % 60, i * 7919 % 10000000);
        log += stamp + lines[i] + "\n";
    }
    return log;
}

struct Tally {
    std::size_t covered = 0, first = 0, wrong = 0, params = 0, params_right = 0;
    std::size_t others = 0, false_positives = 0;
    std::vector<std::string> misses, wrongs, fired;
};

std::string percent(std::size_t part, std::size_t whole) {
    char text[32];
    std::snprintf(text, sizeof text, "%5.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
    return text;
}

}  // namespace

TEST_CASE("real logs: the right runbook first, never a wrong one, nothing on unrelated or passing logs",
          "[match][realworld]") {
    auto root = kb::bundled_root();
    REQUIRE(root);
    auto k = kb::load({*root});
    auto matcher = match::Matcher::build(k);
    REQUIRE(matcher);
    const auto cases = corpus();
    REQUIRE(cases.size() >= 400);

    std::map<std::string, Tally> tallies;  // "<split> <mode>"
    for (const auto& c : cases) {
        const std::string text = test::read_file(test::fixtures() / "realworld" / c.file);
        for (const std::string mode : {"as posted", "buried"}) {
            auto report = match::scan(*matcher, {match::Input::from_text(c.file, mode == "buried" ? buried(text) : text)});
            REQUIRE(report);
            Tally& t = tallies[c.split + " " + mode];
            const bool covered = c.klass != "unrelated" && c.klass != "passing";
            const match::Match* top = report->matches.empty() ? nullptr : &report->matches.front();
            if (!covered) {
                ++t.others;
                if (top) {
                    ++t.false_positives;
                    t.fired.push_back(c.file + " -> " + top->runbook.value_or("incident " + top->title));
                }
                continue;
            }
            ++t.covered;
            const bool right = top && top->runbook == std::optional<std::string>(c.klass);
            if (right) ++t.first;
            else if (top && std::none_of(report->matches.begin(), report->matches.end(),
                                         [&](const match::Match& m) { return m.runbook == std::optional<std::string>(c.klass); })) {
                ++t.wrong;
                t.wrongs.push_back(c.file + " -> " + top->runbook.value_or("incident " + top->title));
            } else {
                t.misses.push_back(c.file);
            }
            for (const auto& [name, value] : c.params) {
                ++t.params;
                if (!right) continue;
                auto it = top->params.find(name);
                if (it != top->params.end() && it->second == value) ++t.params_right;
            }
        }
    }

    std::cout << "\nreal logs (tests/fixtures/realworld), bundled knowledge base\n"
              << "part               covered  top-1    params   wrong  others  false positives\n";
    for (const auto& [name, t] : tallies) {
        char row[160];
        std::snprintf(row, sizeof row, "%-18s %7zu  %s  %s  %5zu  %6zu  %zu\n", name.c_str(), t.covered,
                      percent(t.first, t.covered).c_str(), percent(t.params_right, t.params).c_str(), t.wrong,
                      t.others, t.false_positives);
        std::cout << row;
    }
    if (const char* misses = std::getenv("DEJA_REALWORLD_MISSES"); misses && *misses) {
        for (const auto& [name, t] : tallies) {
            for (const auto& m : t.misses) std::cout << name << " missed: " << m << "\n";
            for (const auto& w : t.wrongs) std::cout << name << " wrong: " << w << "\n";
            for (const auto& f : t.fired) std::cout << name << " fired: " << f << "\n";
        }
    }

    // Where recognition stands, part by part: a change may raise the share
    // ranked first and lower the rest, never the other way. The cases that
    // still fire are logs whose text is a runbook's own message while the
    // thread's fix was another (a corrupt checkout behind "multiple heads", a
    // test meant to call the real API); DEJA_REALWORLD_MISSES=1 lists them.
    struct Floor {
        std::size_t first, wrong, false_positives;
    };
    const std::map<std::string, Floor> floors = {
        {"dev as posted", {267, 0, 9}},
        {"dev buried", {267, 0, 9}},
        {"heldout as posted", {121, 0, 8}},
        {"heldout buried", {121, 0, 8}},
    };
    for (const auto& [name, floor] : floors) {
        INFO(name);
        const Tally& t = tallies[name];
        CHECK(t.first >= floor.first);
        CHECK(t.wrong <= floor.wrong);
        CHECK(t.false_positives <= floor.false_positives);
    }
}
