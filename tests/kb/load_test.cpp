// Loading folders: which files, layering by id, links both ways, and bad
// input that is reported while everything else still loads.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "kb/load.hpp"
#include "support.hpp"

namespace {

std::string runbook(const std::string& id, const std::string& title, const std::string& extra = "") {
    return "---\nid: " + id + "\ntitle: " + title + "\n" + extra + "---\n# " + title + "\n\n```sh {\"name\":\"check\",\"kind\":\"diagnose\"}\ntrue\n```\n";
}

bool has_diagnostic(const kb::KnowledgeBase& base, const std::string& file_part, const std::string& message_part,
                    int line = -1) {
    return std::any_of(base.diagnostics.begin(), base.diagnostics.end(), [&](const kb::Diagnostic& d) {
        return d.file.find(file_part) != std::string::npos && d.message.find(message_part) != std::string::npos &&
               (line < 0 || d.line == line);
    });
}

std::string all_diagnostics(const kb::KnowledgeBase& base) {
    std::string out;
    for (const auto& d : base.diagnostics) out += d.format() + "\n";
    return out;
}

}  // namespace

TEST_CASE("a knowledge base folder loads runbooks and incidents, linked both ways", "[kb][load]") {
    auto base = kb::load({test::fixtures() / "kb" / "basic"});
    INFO(all_diagnostics(base));
    CHECK(base.diagnostics.empty());
    REQUIRE(base.runbooks.size() == 2);
    REQUIRE(base.incidents.size() == 2);
    CHECK(base.sources.size() == 4);

    const auto* disk = base.runbook("disk-full");
    REQUIRE(disk);
    // One incident named in front matter and by a Markdown link; the other
    // only because its error line matches a signature of the runbook.
    CHECK(disk->incidents == std::vector<std::string>{"2024-06-01-disk-full", "2024-06-09-database-volume"});
    const auto* again = base.incident("2024-06-09-database-volume");
    REQUIRE(again);
    CHECK(again->runbooks == std::vector<std::string>{"disk-full"});
    CHECK(base.incident("2024-06-01-disk-full")->runbooks == std::vector<std::string>{"disk-full"});
    CHECK(base.runbook("runme-hello")->incidents.empty());
}

TEST_CASE("list_sources names the files load reads, without reading them", "[kb][load]") {
    auto dir = test::fixtures() / "kb" / "basic";
    auto sources = kb::list_sources({dir});
    REQUIRE(sources.size() == 4);
    CHECK(sources[0].path.ends_with("runbooks/disk-full.md"));
    CHECK(sources[3].path.ends_with("incidents/2024-06-09-database-volume.md"));
    for (const auto& s : sources) {
        CHECK(s.size > 0);
        CHECK(s.changed_ns > 0);
        CHECK(s.content_hash.empty());
    }
    auto base = kb::load({dir});
    REQUIRE(base.sources.size() == sources.size());
    for (std::size_t i = 0; i < sources.size(); ++i) {
        CHECK(base.sources[i].path == sources[i].path);
        CHECK(base.sources[i].content_hash.size() == 16);
    }
}

TEST_CASE("a folder without incidents/ or runbooks/ is a folder of reports", "[kb][load]") {
    test::TempDir dir;
    test::write_file(dir / "outage.md", "# Outage\n\nStatus: resolved\n");
    test::write_file(dir / "notes.txt", "Plain notes\n");
    test::write_file(dir / "old.markdown", "# Old one\n");
    test::write_file(dir / "README.md", "# About this folder\n");
    test::write_file(dir / "image.png", "not a report");
    // Month folders, as post-mortem repositories keep them.
    test::write_file(dir / "2024" / "03" / "deep.md", "# Nested report\n");
    // No extension: read when it starts as Markdown does, not otherwise.
    test::write_file(dir / "PM2022-009 - Bad node image", "# Bad node image\n\nNodes were replaced.\n");
    test::write_file(dir / "LICENSE", "MIT License\n\nCopyright\n");
    // A template is reported, not listed: placeholders and no date.
    test::write_file(dir / "templates" / "postmortem.md",
                     "# Incident title - DD/MM/YYYY\n\n## Timeline\n| YYYY-MM-DD HH:mm | what happened |\n");
    test::write_file(dir / "2023-05-02-template-rendering.md",
                     "# Template rendering broke\n\nThe {{ summary }} field of the mail template was empty.\n");
    auto base = kb::load({dir.path()});
    bool template_reported = false;
    for (const auto& l : base.left_out)
        template_reported |= l.path.ends_with("postmortem.md") && l.reason.find("report template") != std::string::npos;
    CHECK(template_reported);
    std::vector<std::string> titles;
    for (const auto& i : base.incidents) titles.push_back(i.title);
    std::sort(titles.begin(), titles.end());
    CHECK(titles == std::vector<std::string>{"Bad node image", "Nested report", "Old one", "Outage", "Plain notes",
                                             "Template rendering broke"});
    CHECK(base.runbooks.empty());
}

TEST_CASE("sources: nested folders in path order, hidden folders and links to folders left out", "[kb][load]") {
    test::TempDir dir, elsewhere;
    test::write_file(dir / "incidents" / "b.md", "# B\n");
    test::write_file(dir / "incidents" / "a-z.md", "# A-Z\n");
    test::write_file(dir / "incidents" / "a" / "z.md", "# A/Z\n");
    test::write_file(dir / "incidents" / "a" / "deeper" / "y.MD", "# A/deeper/Y\n");
    test::write_file(dir / "incidents" / ".git" / "x.md", "# in a hidden folder\n");
    test::write_file(dir / "incidents" / ".draft.md", "# hidden file\n");
    test::write_file(elsewhere / "linked.md", "# through a link to a folder\n");
    ::symlink(elsewhere.path().c_str(), (dir / "incidents" / "link").c_str());
    test::write_file(dir / "incidents" / "c.md", "# C\n");
    auto sources = kb::list_sources({dir.path()});
    std::vector<std::string> names;
    for (const auto& s : sources) {
        names.push_back(s.path.substr((dir / "incidents").string().size() + 1));
        CHECK(s.size > 0);
        CHECK(s.changed_ns > 0);
    }
    // Folder by folder, as std::filesystem::path orders them: a/... before a-z.md.
    CHECK(names == std::vector<std::string>{"a/deeper/y.MD", "a/z.md", "a-z.md", "b.md", "c.md"});
}

TEST_CASE("sources: a large folder is listed whole, each file with its own size", "[kb][load]") {
    // Large enough to be stat'ed on several threads.
    test::TempDir dir, elsewhere;
    constexpr int files = 1500;
    for (int i = 0; i < files; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "r%04d.md", i);
        test::write_file(dir / "incidents" / name, "# R\n" + std::string(static_cast<std::size_t>(i), 'x'));
    }
    test::write_file(elsewhere / "linked.md", "# through a link to a folder\n");
    ::symlink(elsewhere.path().c_str(), (dir / "incidents" / "r0700-folder.md").c_str());
    ::symlink((dir / "nowhere.md").c_str(), (dir / "incidents" / "r0800-broken.md").c_str());
    auto sources = kb::list_sources({dir.path()});
    REQUIRE(sources.size() == files + 1);  // the broken link is listed, to be reported when read
    std::size_t at = 0;
    for (int i = 0; i < files; ++i, ++at) {
        if (i == 800) {
            CHECK(sources[at].path.ends_with("r0800-broken.md"));
            CHECK(sources[at].size == 0);
            ++at;
        }
        char name[32];
        std::snprintf(name, sizeof name, "/r%04d.md", i);
        INFO(sources[at].path);
        CHECK(sources[at].path.ends_with(name));
        CHECK(sources[at].size == 4 + i);
        CHECK(sources[at].changed_ns > 0);
    }
}

TEST_CASE("layering: a later folder replaces documents with the same id", "[kb][load]") {
    test::TempDir bundled, team;
    test::write_file(bundled / "runbooks" / "restart.md", runbook("restart", "Restart the service"));
    test::write_file(bundled / "runbooks" / "only-bundled.md", runbook("only-bundled", "Bundled"));
    test::write_file(team / "runbooks" / "our-restart.md", runbook("restart", "Restart it our way"));
    test::write_file(team / "incidents" / "2024-01-01-x.md", "# X\n");
    auto base = kb::load({bundled.path(), team.path()});
    CHECK(base.diagnostics.empty());
    REQUIRE(base.runbooks.size() == 2);
    CHECK(base.runbook("restart")->title == "Restart it our way");
    CHECK(base.runbook("restart")->path.find(team.path().string()) == 0);
    CHECK(base.runbook("only-bundled"));
    CHECK(base.incidents.size() == 1);
}

TEST_CASE("duplicate ids within one folder are reported naming both files", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "a.md", runbook("same", "First"));
    test::write_file(dir / "runbooks" / "b.md", runbook("same", "Second"));
    auto base = kb::load({dir.path()});
    REQUIRE(base.runbooks.size() == 1);
    CHECK(base.runbooks[0].title == "First");
    REQUIRE(base.diagnostics.size() == 1);
    const auto& d = base.diagnostics[0];
    CHECK(d.file.ends_with("b.md"));
    CHECK(d.message.find("duplicate id 'same'") != std::string::npos);
    CHECK(d.message.find("a.md") != std::string::npos);
}

TEST_CASE("reports whose made-up ids collide are all kept, under ids of their own", "[kb][load][bad-input]") {
    test::TempDir dir;
    // Titles are cut to fit an id, so two reports of one day whose titles
    // differ only at the end make the same id.
    const std::string title = "# Database Infrastructure Issue - Resolution Report for the staging cluster ";
    test::write_file(dir / "a-report.md", title + "(copy 1)\n\nDate: 2025-10-29\n\nFirst.\n");
    test::write_file(dir / "b-report.md", title + "(copy 2)\n\nDate: 2025-10-29\n\nSecond.\n");
    test::write_file(dir / "c-report.md", title + "(copy 3)\n\nDate: 2025-10-29\n\nThird.\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    REQUIRE(base.incidents.size() == 3);
    std::string id = base.incidents[0].id;
    for (const auto& incident : base.incidents) CHECK(incident.id.starts_with(id));
    // Deterministic: the first file by name keeps the id.
    REQUIRE(base.incident(id));
    CHECK(base.incident(id)->path.ends_with("a-report.md"));
    REQUIRE(base.incident(id + "-2"));
    CHECK(base.incident(id + "-2")->path.ends_with("b-report.md"));
    REQUIRE(base.incident(id + "-3"));
    CHECK(base.incident(id + "-3")->path.ends_with("c-report.md"));
    REQUIRE(base.diagnostics.size() == 2);
    for (const auto& d : base.diagnostics) {
        CHECK(d.severity == kb::Severity::warning);
        CHECK(d.message.find("taken by") != std::string::npos);
        CHECK(d.message.find("a-report.md") != std::string::npos);
    }
}

TEST_CASE("an id its author chose (front matter, dated file name) keeps it over one made up from a title", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "incidents" / "disk.md", "# Disk full\n\nDate: 2024-03-01\n\nThe runner ran out of space.\n");
    test::write_file(dir / "incidents" / "z-written.md",
                     "---\nid: 2024-03-01-disk-full\ntitle: Disk full again\ndate: 2024-03-01\n---\nAgain.\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    REQUIRE(base.incidents.size() == 2);
    REQUIRE(base.incident("2024-03-01-disk-full"));
    CHECK(base.incident("2024-03-01-disk-full")->title == "Disk full again");
    REQUIRE(base.incident("2024-03-01-disk-full-2"));
    CHECK(base.incident("2024-03-01-disk-full-2")->title == "Disk full");
    REQUIRE(base.diagnostics.size() == 1);
    CHECK(base.diagnostics[0].file.ends_with("disk.md"));
    CHECK(base.diagnostics[0].message.find("is the one " + (dir / "incidents" / "z-written.md").string() + " chose") !=
          std::string::npos);

    // A dated file name is the author's choice too.
    test::TempDir named;
    test::write_file(named / "incidents" / "0-disk.md", "# Disk full\n\nDate: 2024-03-01\n");
    test::write_file(named / "incidents" / "2024-03-01-disk-full.md", "# The disk filled up\n");
    auto by_name = kb::load({named.path()});
    INFO(all_diagnostics(by_name));
    REQUIRE(by_name.incidents.size() == 2);
    CHECK(by_name.incident("2024-03-01-disk-full")->title == "The disk filled up");
    CHECK(by_name.incident("2024-03-01-disk-full-2")->title == "Disk full");
}

TEST_CASE("two reports with the same written id: the second is skipped and reported", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "incidents" / "a.md", "---\nid: outage\n---\n# One\n");
    test::write_file(dir / "incidents" / "b.md", "---\nid: outage\n---\n# Two\n");
    auto base = kb::load({dir.path()});
    REQUIRE(base.incidents.size() == 1);
    CHECK(base.incidents[0].title == "One");
    REQUIRE(base.diagnostics.size() == 1);
    CHECK(base.diagnostics[0].severity == kb::Severity::error);
    CHECK(base.diagnostics[0].message.find("duplicate id 'outage'") != std::string::npos);
}

TEST_CASE("broken links are reported at their line", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "fix.md", runbook("fix", "Fix", "incidents: [2024-01-01-gone]\n"));
    test::write_file(dir / "incidents" / "2024-02-02-real.md",
                     "# Real\n\nSee [missing](../runbooks/not-there.md) and [fix](../runbooks/fix.md).\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    CHECK(has_diagnostic(base, "fix.md", "incident '2024-01-01-gone'", 4));
    CHECK(has_diagnostic(base, "2024-02-02-real.md", "runbook 'not-there'", 3));
    CHECK(base.incident("2024-02-02-real")->runbooks == std::vector<std::string>{"fix"});
    CHECK(base.runbook("fix")->incidents == std::vector<std::string>{"2024-02-02-real"});
}

TEST_CASE("bad files are reported and everything else still loads", "[kb][load][bad-input]") {
    test::TempDir dir;
    auto incidents = dir / "incidents";
    test::write_file(dir / "runbooks" / "good.md", runbook("good", "Good"));
    test::write_file(dir / "runbooks" / "bad-yaml.md", "---\nid: bad-yaml\nparams: [unclosed\n---\n# Bad\n");
    test::write_file(incidents / "2024-01-01-good.md", "# Good incident\n");
    test::write_file(incidents / "binary.md", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0", 12));
    test::write_file(incidents / "latin1.md", "# Caf\xe9 down\n\nStatus: resolved \xff\n");
    test::write_file(incidents / "damaged.md", "# R\xC3\xA9sum\xC3\xA9\n\nfine\ncut \xff here\n");
    ::symlink("/nonexistent/target.md", (incidents / "dangling.md").c_str());
    ::mkfifo((incidents / "pipe.md").c_str(), 0600);
    test::write_file(incidents / "2024-02-02-begun.md", "");
    test::write_file(incidents / "2024-02-03-blank.md", "\xEF\xBB\xBF \r\n\n\t\n");
    test::write_file(dir / "runbooks" / "draft.md", "\n\n");

    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    CHECK(base.runbook("good"));
    CHECK(base.runbook("bad-yaml"));  // still listed, from its file name
    CHECK(base.incident("2024-01-01-good"));
    CHECK(has_diagnostic(base, "bad-yaml.md", "not valid YAML"));
    CHECK(has_diagnostic(base, "binary.md", "binary"));
    CHECK(has_diagnostic(base, "dangling.md", "cannot read file"));
    CHECK(has_diagnostic(base, "pipe.md", "not a regular file"));
    const kb::Incident* latin = nullptr;
    for (const auto& i : base.incidents)
        if (i.path.ends_with("latin1.md")) latin = &i;
    REQUIRE(latin);
    CHECK(latin->title == "Caf\xC3\xA9 down");  // no UTF-8 in it: read as Windows-1252
    CHECK(latin->status == "resolved");
    CHECK(has_diagnostic(base, "latin1.md", "read as Windows-1252", 1));
    CHECK(has_diagnostic(base, "damaged.md", "invalid UTF-8 replaced with U+FFFD (1 sequence)", 4));
    // Files with nothing in them are no documents.
    for (const char* blank : {"2024-02-02-begun.md", "2024-02-03-blank.md", "draft.md"})
        CHECK(has_diagnostic(base, blank, "empty file; skipped"));
    CHECK_FALSE(base.incident("2024-02-02-begun"));
    CHECK_FALSE(base.runbook("draft"));
    CHECK(base.incidents.size() == 3);
    CHECK(base.runbooks.size() == 2);
}

TEST_CASE("an unreadable file is reported", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "incidents" / "2024-01-01-fine.md", "# Fine\n");
    // A file that fails on read() even for root: this process's own memory at address 0.
    ::symlink("/proc/self/mem", (dir / "incidents" / "memory.md").c_str());
    if (::geteuid() != 0) {
        auto secret = dir / "incidents" / "secret.md";
        test::write_file(secret, "# Secret\n");
        ::chmod(secret.c_str(), 0);
    }
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    CHECK(has_diagnostic(base, "memory.md", "cannot read file"));
    if (::geteuid() != 0) CHECK(has_diagnostic(base, "secret.md", "Permission denied"));
    CHECK(base.incidents.size() == 1);
}

TEST_CASE("a 50 MB file is refused without reading it all", "[kb][load][bad-input]") {
    test::TempDir dir;
    test::write_file(dir / "incidents" / "2024-01-01-small.md", "# Small\n");
    {
        std::ofstream big(dir / "incidents" / "huge.md", std::ios::binary);
        std::string line(1023, 'x');
        line += '\n';
        for (int i = 0; i < 50 * 1024; ++i) big << line;
    }
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    CHECK(has_diagnostic(base, "huge.md", "over the 8 MiB limit"));
    CHECK(base.incidents.size() == 1);
    // Only the small file was read.
    REQUIRE(base.sources.size() == 1);
    CHECK(base.sources[0].path.ends_with("2024-01-01-small.md"));
}

TEST_CASE("a folder that does not exist is reported", "[kb][load][bad-input]") {
    auto base = kb::load({"/nonexistent/kb"});
    CHECK(has_diagnostic(base, "/nonexistent/kb", "not found"));
    CHECK(base.incidents.empty());
}

TEST_CASE("signature links: a runbook's signature matches an incident's error line", "[kb][load]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "ext.md",
                     runbook("pg-extension-missing", "Enable an extension",
                             "signatures:\n  - pattern: 'operator class \"g(in|ist)_trgm_ops\" does not exist'\n"
                             "  - pattern: '(?i)type \"(?P<EXT>vector|hstore)\" does not exist'\n"
                             "  - pattern: '[0-9]+ broken'\n"
                             "  - pattern: '[a-y]{2}\\d\\d!'\n"));  // no literal: tried on every line
    test::write_file(dir / "incidents" / "2024-01-01-a.md",
                     "# A\n\n```\nERROR:  operator class \"gin_trgm_ops\" does not exist for access method \"gin\"\n```\n");
    test::write_file(dir / "incidents" / "2024-01-02-b.md",
                     "# B\n\n```\npsycopg.errors.UndefinedObject: TYPE \"vector\" does not exist\n```\n");
    test::write_file(dir / "incidents" / "2024-01-03-c.md",
                     "# C\n\n```\nERROR: 3 broken replicas\n```\n");
    test::write_file(dir / "incidents" / "2024-01-05-e.md", "# E\n\n```\nERROR: code qq42! raised\n```\n");
    test::write_file(dir / "incidents" / "2024-01-04-d.md",
                     "# D\n\n```\nERROR:  operator class \"btree_ops\" does not exist\n```\n");
    auto base = kb::load({dir.path()});
    CHECK(base.runbook("pg-extension-missing")->incidents ==
          std::vector<std::string>{"2024-01-01-a", "2024-01-02-b", "2024-01-03-c", "2024-01-05-e"});
    CHECK(base.incident("2024-01-04-d")->runbooks.empty());
}

TEST_CASE("signature links: a literal that may be inside a longer word finds the lines with that word", "[kb][load]") {
    // `\w*gradlew` requires only "gradlew", anywhere in a word.
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "wrapper.md",
                     runbook("gradle-wrapper", "Gradle wrapper", "signatures:\n  - pattern: '(?i)\\w*gradlew'\n"));
    test::write_file(dir / "incidents" / "2024-02-01-a.md", "# A\n\n```\nsh: ./mygradlewrapper: not found\n```\n");
    test::write_file(dir / "incidents" / "2024-02-02-b.md", "# B\n\n```\nERROR: ./GRADLEW exited with 1\n```\n");
    test::write_file(dir / "incidents" / "2024-02-03-c.md", "# C\n\n```\nERROR: gradle build failed\n```\n");
    test::write_file(dir / "incidents" / "2024-02-04-d.md", "# D\n\n```\nERROR: grad lew is not a word\n```\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    CHECK(base.runbook("gradle-wrapper")->incidents == std::vector<std::string>{"2024-02-01-a", "2024-02-02-b"});
}

TEST_CASE("the shared reports link to a runbook whose signature matches their errors", "[kb][load][reports]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "pg-index-function-not-immutable.md",
                     runbook("pg-index-function-not-immutable", "Immutable index functions",
                             "signatures:\n  - pattern: 'functions in index (?:predicate|expression) must be marked IMMUTABLE'\n"));
    auto reports = test::shared_reports();
    if (!reports) return;
    auto base = kb::load({*reports, dir.path()});
    const auto* r = base.runbook("pg-index-function-not-immutable");
    REQUIRE(r);
    REQUIRE(r->incidents.size() == 1);
    CHECK(base.incident(r->incidents[0])->path.find("004_") != std::string::npos);
}

TEST_CASE("a runbook's Markdown link to an incident links both ways", "[kb][load]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "fix.md", "# Fix\n\nWritten after [the outage](../incidents/2024-03-03-outage.md).\n");
    test::write_file(dir / "incidents" / "2024-03-03-outage.md", "# Outage\n");
    auto base = kb::load({dir.path()});
    CHECK(base.diagnostics.empty());
    CHECK(base.runbook("fix")->incidents == std::vector<std::string>{"2024-03-03-outage"});
    CHECK(base.incident("2024-03-03-outage")->runbooks == std::vector<std::string>{"fix"});
}

namespace {

std::string left_out_reason(const kb::KnowledgeBase& base, const std::string& file) {
    for (const auto& l : base.left_out)
        if (l.path.ends_with("/" + file)) return l.reason;
    return "";
}

}  // namespace

TEST_CASE("every file under a knowledge-base folder is read or left out with its reason", "[kb][load]") {
    test::TempDir dir;
    test::write_file(dir / "2024" / "03" / "outage.md", "# Outage on 2024-03-02\n\n## Root cause\nA full disk.\n");
    test::write_file(dir / "2024" / "03" / "graph.png", "\x89PNG");
    test::write_file(dir / "LICENSE", "MIT License\n");
    test::write_file(dir / "README.md", "# Our post-mortems\n\nOne file per incident, by month.\n");
    test::write_file(dir / "templates" / "postmortem.md", "# Incident title - YYYY-MM-DD\n\n## Timeline\n");
    test::write_file(dir / ".hidden.md", "# a dotfile is nobody's report\n");
    auto base = kb::load({dir.path()});
    REQUIRE(base.incidents.size() == 1);
    CHECK(base.incidents[0].title == "Outage on 2024-03-02");
    CHECK(left_out_reason(base, "2024/03/graph.png") == "not Markdown or text");
    CHECK(left_out_reason(base, "LICENSE").find("does not start as Markdown") != std::string::npos);
    CHECK(left_out_reason(base, "README.md").find("index page") != std::string::npos);
    CHECK(left_out_reason(base, "templates/postmortem.md").find("report template") != std::string::npos);
    CHECK(base.left_out.size() == 4);
    CHECK(left_out_reason(base, ".hidden.md").empty());
    // Left out is not a problem: nothing to fix, so lint stays quiet.
    CHECK(base.diagnostics.empty());
}

TEST_CASE("an index page with something to run is a runbook; one that only names its folder is left out", "[kb][load]") {
    test::TempDir dir;
    test::write_file(dir / "runbooks" / "payments" / "README.md",
                     "# Payments service\n\nRestart the worker when the queue stalls.\n\n```sh\nsystemctl restart payments-worker\n```\n");
    test::write_file(dir / "runbooks" / "node" / "_index.md", "---\ntitle: node\nweight: 10\nbookCollapseSection: true\n---\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    REQUIRE(base.runbooks.size() == 1);
    CHECK(base.runbooks[0].title == "Payments service");
    CHECK(left_out_reason(base, "node/_index.md").find("index page") != std::string::npos);
    CHECK(base.diagnostics.empty());
}

TEST_CASE("two files of one name in different folders are both kept, the second's id grown from its folders", "[kb][load]") {
    test::TempDir dir;
    auto page = [](const std::string& title, const std::string& command) {
        return "# " + title + "\n\n```sh\n" + command + "\n```\n";
    };
    test::write_file(dir / "runbooks" / "getting-started" / "cli.md", page("Install the CLI", "echo install"));
    test::write_file(dir / "runbooks" / "usage" / "cli.md", page("Use the CLI", "echo use"));
    test::write_file(dir / "runbooks" / "reference" / "usage" / "cli.md", page("CLI reference", "echo reference"));
    // A link by relative path reaches the file it names, whatever its id became.
    test::write_file(dir / "incidents" / "2024-05-01-cli-broke.md",
                     "# The CLI broke\n\nFixed with [the usage page](../runbooks/usage/cli.md).\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    REQUIRE(base.runbooks.size() == 3);
    REQUIRE(base.runbook("cli"));
    CHECK(base.runbook("cli")->title == "Install the CLI");
    REQUIRE(base.runbook("usage-cli"));
    CHECK(base.runbook("usage-cli")->title == "Use the CLI");
    REQUIRE(base.runbook("reference-usage-cli"));
    CHECK(base.runbook("reference-usage-cli")->title == "CLI reference");
    CHECK(has_diagnostic(base, "usage/cli.md", "indexed as 'usage-cli'"));
    const auto* incident = base.incident("2024-05-01-cli-broke");
    REQUIRE(incident);
    CHECK(incident->runbooks == std::vector<std::string>{"usage-cli"});
    CHECK(std::none_of(base.diagnostics.begin(), base.diagnostics.end(),
                       [](const kb::Diagnostic& d) { return d.severity == kb::Severity::error; }));
}

TEST_CASE("other tools' front matter: known keys read or accepted, an unknown key reported once for all files", "[kb][load]") {
    test::TempDir dir;
    for (int n = 1; n <= 3; ++n)
        test::write_file(dir / "incidents" / ("report-" + std::to_string(n) + ".md"),
                         "---\ntitle: Outage " + std::to_string(n) +
                             "\nstart_time: 2023-0" + std::to_string(n) + "-15T10:00:00Z\nend_time: later\n"
                             "keywords: [dns, cache]\nweight: 3\ndraft: false\nslug: outage\nauthors: [sam]\n"
                             "company: Example\nurl: https://example.com/pm\nreviewed_by_legal: yes\n---\n"
                             "# Outage\n\nDNS answers were cached too long.\n");
    auto base = kb::load({dir.path()});
    INFO(all_diagnostics(base));
    REQUIRE(base.incidents.size() == 3);
    auto first_it = std::find_if(base.incidents.begin(), base.incidents.end(),
                                 [](const kb::Incident& i) { return i.path.ends_with("report-1.md"); });
    REQUIRE(first_it != base.incidents.end());
    const kb::Incident* first = &*first_it;
    CHECK(first->date == "2023-01-15");
    CHECK(first->tags == std::vector<std::string>{"dns", "cache"});
    REQUIRE(base.diagnostics.size() == 1);
    CHECK(base.diagnostics[0].file.ends_with("report-1.md"));
    CHECK(base.diagnostics[0].message == "unknown front-matter key 'reviewed_by_legal' (also in 2 other files)");
}
