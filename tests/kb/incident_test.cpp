// Incidents as people write them: our own fixtures in the same messy
// shapes as real post-mortems (no front matter, emoji, double-encoded text,
// CRLF and a BOM, .txt and .markdown files, changelogs).
#include <catch2/catch.hpp>

#include <algorithm>

#include "kb/load.hpp"
#include "support.hpp"

namespace {

kb::Incident parse(const std::string& relative) {
    auto path = test::fixtures() / "kb" / relative;
    std::vector<kb::Diagnostic> diagnostics;
    auto incident = kb::parse_incident(path.string(), test::read_file(path), diagnostics);
    REQUIRE(incident);
    CHECK(diagnostics.empty());
    return *incident;
}

kb::Incident parse_text(const std::string& text, const std::string& path = "incidents/report.md") {
    std::vector<kb::Diagnostic> diagnostics;
    auto incident = kb::parse_incident(path, text, diagnostics);
    REQUIRE(incident);
    return *incident;
}

std::vector<std::string> error_texts(const kb::Incident& incident) {
    std::vector<std::string> out;
    for (const auto& e : incident.error_lines) out.push_back(e.text);
    return out;
}

const kb::Section* section(const kb::Incident& incident, kb::SectionKind kind) {
    for (const auto& s : incident.sections)
        if (s.kind == kind) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("a .txt report with a BOM, CRLF and a CI log", "[kb][incident]") {
    auto i = parse("reports/redis-oom.txt");
    CHECK(i.title == "\U0001F525 Cache node ran out of memory during the nightly import");
    CHECK(i.date == "2024-03-05");  // "**Date:** March 5, 2024"
    CHECK(i.status == "resolved");  // "**Status:** ✅ Resolved"
    CHECK(i.severity == "critical");
    CHECK(i.id == "2024-03-05-cache-node-ran-out-of-memory-during-the-nightly");
    // The job and step columns and the timestamp are gone; the INFO line and
    // the commands of the fix are not errors.
    CHECK(error_texts(i) == std::vector<std::string>{"OOM command not allowed when used memory > 'maxmemory'."});
    CHECK(i.error_lines[0].line == 11);
    REQUIRE(section(i, kb::SectionKind::symptoms));
    CHECK(section(i, kb::SectionKind::symptoms)->heading == "What happened");
    REQUIRE(section(i, kb::SectionKind::root_cause));
    CHECK(kb::markdown_of(i, *section(i, kb::SectionKind::root_cause)).find("volatile-lru") != std::string::npos);
    CHECK(section(i, kb::SectionKind::resolution));
    CHECK(section(i, kb::SectionKind::lessons));
    CHECK(i.code.find("redis-cli CONFIG SET") != std::string::npos);
    CHECK(i.body_markdown.find('\r') == std::string::npos);
}

TEST_CASE("a double-encoded report is repaired", "[kb][incident]") {
    auto i = parse("reports/gateway-504.md");
    CHECK(i.title == "\U0001F6A8 Gateway answered 504 after Tuesday's deploy");
    CHECK(i.date == "2024-01-12");  // "12 Jan 2024" in the prose
    CHECK(i.status == "resolved");  // "Fixed by putting the timeout back"
    CHECK(i.summary.find("Zo\u00eb from support") != std::string::npos);
    CHECK(i.body_text.find("\u201cSomething went wrong\u201d") != std::string::npos);
    CHECK(i.body_text.find("5s \u274C while") != std::string::npos);
    CHECK(error_texts(i) == std::vector<std::string>{
                                "[error] 31#31: *118 upstream timed out (110: Connection timed out) while reading "
                                "response header from upstream, client: 10.0.0.7"});
    // A follow-up lists what is still to do: action items, not lessons.
    REQUIRE(section(i, kb::SectionKind::action_items));
    CHECK(section(i, kb::SectionKind::action_items)->heading == "Follow-up");
}

TEST_CASE("a report that only proposes fixes is open and has no invented date", "[kb][incident]") {
    auto i = parse("reports/queue-backlog.md");
    CHECK(i.status == "open");
    CHECK(i.date.empty());
    CHECK(i.id == "queue-backlog");
    // docker compose's "service-1  | " prefix is removed; the YAML is not read.
    CHECK(error_texts(i) == std::vector<std::string>{
                                "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5672)",
                                "exec /app/start.sh: permission denied"});
}

TEST_CASE("a changelog's date is the entry that reads like the incident", "[kb][incident]") {
    auto i = parse("reports/sprint-notes.markdown");
    CHECK(i.title == "Platform sprint notes");
    CHECK(i.date == "2024-04-03");
    CHECK(i.status == "resolved");
    // An indented code block is a code block too.
    CHECK(error_texts(i) == std::vector<std::string>{"error: failed to download cache: 503 Service Unavailable"});
}

TEST_CASE("front matter wins over inference", "[kb][incident]") {
    auto i = parse_text("---\n"
                        "id: 2024-02-20-expired-certificate\n"
                        "title: Expired TLS certificate\n"
                        "date: 2024-02-20\n"
                        "status: mitigated\n"
                        "severity: SEV-1\n"
                        "services: [status-page, api]\n"
                        "tags: tls, certificates\n"
                        "runbooks: [renew-certificate]\n"
                        "errors:\n"
                        "  - 'x509: certificate has expired or is not yet valid'\n"
                        "---\n"
                        "# A different heading\n\nStatus: open\nDate: 2023-01-01\n");
    CHECK(i.id == "2024-02-20-expired-certificate");
    CHECK(i.title == "Expired TLS certificate");
    CHECK(i.date == "2024-02-20");
    CHECK(i.status == "mitigated");
    CHECK(i.severity == "sev-1");
    CHECK(i.services == std::vector<std::string>{"status-page", "api"});
    CHECK(i.tags == std::vector<std::string>{"tls", "certificates"});
    CHECK(i.runbooks == std::vector<std::string>{"renew-certificate"});
    REQUIRE(i.references.size() == 1);
    CHECK(i.references[0].line == 9);
    REQUIRE(i.error_lines.size() == 1);
    CHECK(i.error_lines[0].line == 11);
}

TEST_CASE("dates: a Date line, the file name, the title, the text", "[kb][incident]") {
    CHECK(parse_text("# Outage\n\n- **Date**: 2 Sep 2025\n\nOn 2025-01-01 we planned.\n").date == "2025-09-02");
    CHECK(parse_text("# Outage\n\nnothing dated\n", "incidents/2024-07-30-outage.md").date == "2024-07-30");
    CHECK(parse_text("# Outage\n\nnothing dated\n", "incidents/2024-07-30-outage.md").id == "2024-07-30-outage");
    CHECK(parse_text("# Outage on Sept. 3rd, 2025\n\nplain\n").date == "2025-09-03");
    CHECK(parse_text("# Outage\n\nIt began on the 4th of May 2025 at noon.\n").date == "2025-05-04");
    CHECK(parse_text("# Outage\n\nversion 1.2.3 failed\n").date.empty());
}

TEST_CASE("status words in their many phrasings", "[kb][incident]") {
    auto status = [](const std::string& body) { return parse_text("# X\n\n" + body + "\n").status; };
    CHECK(status("Status: Resolved") == "resolved");
    CHECK(status("**Status**: FIXED in 1.4") == "resolved");
    CHECK(status("Status: \u2705") == "resolved");
    CHECK(status("Status: unresolved") == "open");
    CHECK(status("Status: Investigating") == "open");
    CHECK(status("Status: mitigated, fix pending review") == "mitigated");
    CHECK(status("Status: monitoring") == "monitoring");
    CHECK(status("The deploy was rolled back and the issue is resolved.") == "resolved");
    CHECK(status("This still needs to be fixed.") != "resolved");
    CHECK(status("The bug was not fixed by the restart.") != "resolved");
    CHECK(status("## Follow-up\nWould you like me to implement the retry?") == "open");
    CHECK(status("Some notes without a verdict.") == "unknown");
}

TEST_CASE("status from a report as a whole: recovery language, retrospectives, a timeline's investigating",
          "[kb][incident]") {
    auto status = [](const std::string& body) { return parse_text("# X\n\n" + body + "\n").status; };
    CHECK(status("Service was restored at 14:10 after the node pool was scaled.") == "resolved");
    CHECK(status("The cluster recovered once the volume was resized.") == "resolved");
    CHECK(status("A hotfix released in 2.3.1 removed the wrapper.") == "resolved");
    CHECK(status("Builds are back to normal.") == "resolved");
    // Investigating, in a timeline, is history.
    CHECK(status("## Timeline\n- 10:02 on-call starts investigating\n- 10:40 node replaced") == "resolved");
    CHECK(status("## Summary\nThe hub returned 403s.\n\n## Action items\n- Alert on 403 rate") == "resolved");
    CHECK(status("## Summary\nUploads fail for large files.\n\nInvestigating.") == "unknown");
    CHECK(status("## Timeline\n- 09:00 alerts\n\nThe outage is ongoing; we are still investigating.") == "open");
    CHECK(status("The service has not been restored yet.") != "resolved");
}

TEST_CASE("sections from heading words in any common phrasing", "[kb][incident]") {
    auto i = parse_text("# Incident\n\nIntro.\n\n"
                        "## 💥 Impact\nUsers saw errors.\n\n"
                        "## 2. Why did it happen?\nA bad config.\n\n### Details of the config\nmore\n\n"
                        "## Remediation\nRolled back.\n\n"
                        "## How we verified\nGraphs went green.\n\n"
                        "## Key Takeaways\nTest configs.\n\n"
                        "## Timeline\n10:00 start\n");
    std::vector<std::pair<kb::SectionKind, std::string>> got;
    for (const auto& s : i.sections) got.emplace_back(s.kind, s.heading);
    using K = kb::SectionKind;
    CHECK(got == std::vector<std::pair<K, std::string>>{{K::summary, ""},
                                                        {K::impact, "💥 Impact"},
                                                        {K::root_cause, "2. Why did it happen?"},
                                                        {K::resolution, "Remediation"},
                                                        {K::verification, "How we verified"},
                                                        {K::lessons, "Key Takeaways"},
                                                        {K::timeline, "Timeline"}});
    // The unclassified subsection belongs to the root cause.
    CHECK(kb::markdown_of(i, *section(i, K::root_cause)).find("Details of the config") != std::string::npos);
    CHECK(kb::markdown_of(i, *section(i, K::summary)) == "Intro.");
}

TEST_CASE("runbook links from Markdown links", "[kb][incident]") {
    auto i = parse_text("# X\n\nUsed [the runbook](../runbooks/pg-starting-up.md#steps), "
                        "[another](runbooks/pg-connection-refused.md), [by id](deja://runbook/alembic-x), "
                        "[maybe](notes.md) and [web](https://example.com/runbooks/x.md).\n");
    std::vector<std::string> ids;
    for (const auto& r : i.references) ids.push_back(r.id + (r.certain ? "" : "?"));
    CHECK(ids == std::vector<std::string>{"pg-starting-up", "pg-connection-refused", "alembic-x", "notes?"});
    CHECK(i.references[0].line == 3);
}

TEST_CASE("plain text without headings still has a title", "[kb][incident]") {
    auto i = parse_text("Disk full on build agent 3\nNo space left on device when writing cache\n", "disk.txt");
    CHECK(i.title == "Disk full on build agent 3");
    auto setext = parse_text("Disk full on agent 3\n===================\n\nDetails.\n", "disk.txt");
    CHECK(setext.title == "Disk full on agent 3");
    REQUIRE(setext.sections.size() == 1);
    CHECK(kb::markdown_of(setext, setext.sections[0]) == "Details.");
}

TEST_CASE("a summary is text: inline HTML tags are dropped, tag-like words kept", "[kb][incident]") {
    auto i = parse_text("# Cache down\n\nThe <b>cache</b> went <span class=\"x\">down</span><br/> after a deploy "
                        "<!-- note -->; `kubectl logs <pod>` showed <none> for <pod-name>.\n");
    CHECK(i.summary == "The cache went down after a deploy ; kubectl logs <pod> showed <none> for <pod-name>.");
}

TEST_CASE("the sections of the common post-mortem templates take their roles; a timeline keeps its entries",
          "[kb][incident]") {
    auto i = parse_text("# Login outage\n\n## Impact\nNo one could sign in for 40 minutes.\n\n"
                     "## Timeline\n### 10:00 - Problem starts\nErrors rise.\n### 10:40 - Fix deployed\nBack.\n\n"
                     "## Trigger\nA certificate expired.\n\n## Contributing Factors\nNo expiry alert.\n\n"
                     "## What went well\nPaging worked.\n\n## What went wrong\nThe runbook was stale.\n\n"
                     "## Corrective and Preventative Measures\n- Alert 30 days before expiry.\n\n"
                     "## Action items\n- Automate renewal.\n", "incidents/2023-04-01-login-outage.md");
    std::vector<std::pair<std::string, std::string>> roles;
    for (const auto& s : i.sections)
        if (!s.heading.empty()) roles.emplace_back(s.heading, kb::to_string(s.kind));
    CHECK(roles == std::vector<std::pair<std::string, std::string>>{
                       {"Impact", "impact"},
                       {"Timeline", "timeline"},
                       {"Trigger", "root_cause"},
                       {"Contributing Factors", "root_cause"},
                       {"What went well", "lessons"},
                       {"What went wrong", "lessons"},
                       {"Corrective and Preventative Measures", "action_items"},
                       {"Action items", "action_items"}});
}
