// The read commands end to end through the real deja binary: search, show,
// list and index, their JSON, exit codes, --kb/DEJA_KB layering, and the
// index kept fresh as the knowledge base changes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "support.hpp"

using test::lines_of;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path fixture_kb() { return test::fixtures() / "store" / "kb"; }
fs::path team_kb() { return test::fixtures() / "store" / "team"; }
fs::path broken_kb() { return test::fixtures() / "store" / "broken"; }

test::Output deja_kb(const std::vector<std::string>& args, const test::TempDir& home, const fs::path& kb = fixture_kb(),
                     const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> full{"--kb", kb.string()};
    full.insert(full.end(), args.begin(), args.end());
    return test::deja(full, home.path(), env);
}

std::vector<std::string> hit_ids(const json& result) {
    std::vector<std::string> ids;
    for (const auto& h : result.at("hits")) ids.push_back(h.at("id"));
    return ids;
}

std::ptrdiff_t position(const std::vector<std::string>& ids, const std::string& id) {
    auto it = std::find(ids.begin(), ids.end(), id);
    return it == ids.end() ? -1 : it - ids.begin();
}

// Substring by code points, as the JSON highlights count.
std::string code_point_slice(const std::string& s, std::size_t start, std::size_t end) {
    std::string out;
    std::size_t point = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && i > 0) ++point;
        if (point >= start && point < end) out += s[i];
    }
    return out;
}

}  // namespace

TEST_CASE("cli search: identifiers, marked snippets and ranking", "[cli][search]") {
    test::TempDir home;
    auto out = deja_kb({"search", "gin_trgm_ops"}, home);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::Contains("pg-extension-missing"));
    // Not a terminal: the snippet as it is, hits unmarked (no Markdown ** in a pipe).
    CHECK_THAT(out.out, Catch::Contains("gin_trgm_ops"));
    CHECK(out.out.find("**") == std::string::npos);
    CHECK(out.out.find('\x1b') == std::string::npos);
    CHECK(out.out.find("\x1b[") == std::string::npos);

    auto result = json::parse(deja_kb({"search", "gin_trgm_ops", "--json", "--limit", "50"}, home).out);
    auto ids = hit_ids(result);
    auto notes = position(ids, "2025-05-05-search-tuning-notes");
    REQUIRE(notes >= 0);
    // Error-line hits rank above the notes that only mention it in passing.
    CHECK(position(ids, "pg-extension-missing") < notes);
    CHECK(position(ids, "2025-10-29-tables-never-created") < notes);
    for (const auto& h : result.at("hits")) {
        CHECK(h.at("snippet").get<std::string>().find('\x01') == std::string::npos);
        for (const auto& span : h.at("highlights")) {
            std::string marked = code_point_slice(h.at("snippet"), span.at(0), span.at(1));
            CHECK_THAT(marked, Catch::Contains("gin_trgm_ops") || Catch::Contains("trgm"));
        }
    }
    auto first = result.at("hits").at(0);
    for (const char* key : {"kind", "id", "title", "path", "date", "status", "score", "all_terms", "snippet", "highlights"})
        CHECK(first.contains(key));
}

TEST_CASE("cli search: identifiers by part, phrases and hostile text", "[cli][search]") {
    test::TempDir home;
    for (const char* q : {"trgm", "uuid_generate_v4()", "metrics.k8s.io", "greenlet_spawn", "MissingGreenlet"}) {
        INFO(q);
        auto out = deja_kb({"search", q, "--json"}, home);
        CHECK(out.exit_code == 0);
        CHECK_FALSE(json::parse(out.out).at("hits").empty());
    }
    auto greenlet = json::parse(deja_kb({"search", "greenlet", "--json", "--limit", "50"}, home).out);
    CHECK(position(hit_ids(greenlet), "sqlalchemy-missing-greenlet") >= 0);
    // Several words as separate arguments are one query.
    auto words = deja_kb({"search", "missing", "extension"}, home);
    CHECK(words.exit_code == 0);
    for (const char* q : {"NOT (gin_trgm_ops*", "\"unbalanced", "a:b OR c", "NEAR(x y)", "-- -dash"}) {
        INFO(q);
        auto out = deja_kb({"search", "--", q}, home);
        CHECK((out.exit_code == 0 || out.exit_code == 1));
        CHECK(out.err.find("error") == std::string::npos);
    }
}

TEST_CASE("cli search: exit codes", "[cli][search]") {
    test::TempDir home;
    auto none = deja_kb({"search", "zyzzyva"}, home);
    CHECK(none.exit_code == 1);
    CHECK(none.out.empty());
    CHECK_THAT(none.err, Catch::Contains("nothing found for 'zyzzyva'"));
    auto none_json = deja_kb({"search", "zyzzyva", "--json"}, home);
    CHECK(none_json.exit_code == 1);
    CHECK(json::parse(none_json.out).at("hits").empty());

    auto empty = deja_kb({"search", "  "}, home);
    CHECK(empty.exit_code == 2);
    CHECK_THAT(empty.err, Catch::StartsWith("deja: error: empty search query"));
    CHECK(deja_kb({"search", "()"}, home).exit_code == 2);
    CHECK(deja_kb({"search"}, home).exit_code == 2);
    // -n 0 is no limit in every command that takes one; a negative count is
    // an error that says what a count is.
    auto all = json::parse(deja_kb({"search", "postgresql", "--json", "--limit", "0"}, home).out);
    CHECK(all.at("hits").size() > 10);
    auto negative = deja_kb({"search", "gin", "-n", "-1"}, home);
    CHECK(negative.exit_code == 2);
    CHECK_THAT(negative.err, Catch::Contains("'-1' is not a count"));
    auto limited = json::parse(deja_kb({"search", "postgresql", "--json", "--limit", "1"}, home).out);
    CHECK(limited.at("hits").size() == 1);
}

TEST_CASE("cli show: a runbook readable on a terminal and as JSON", "[cli][show]") {
    test::TempDir home;
    auto out = deja_kb({"show", "pg-extension-missing"}, home);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    for (const char* part : {"Enable a missing PostgreSQL extension", "Params", "DATABASE_URL", "EXTENSION", "pg_trgm",
                             "(secret)", "Signatures", "g(in|ist)_trgm_ops", "sets EXTENSION=pg_trgm", "Examples",
                             "Incidents", "2025-10-29-tables-never-created"})
        CHECK_THAT(out.out, Catch::Contains(part));
    // The document itself: its prose, and each step's block under its name and kind, its code once.
    auto body = out.out.substr(out.out.find("Examples"));
    CHECK_THAT(body, Catch::Contains("\n  Check which extensions the database has before changing anything.\n"));
    CHECK_THAT(body, Catch::Contains("\n  installed (diagnose, sh)\n      psql \"$DATABASE_URL\" -Atc"));
    CHECK_THAT(body, Catch::Contains("\n  enable (apply, sql)\n      CREATE EXTENSION IF NOT EXISTS"));
    CHECK_THAT(body, Catch::Contains("\n  check (verify, sh)\n"));
    CHECK(body.find("select extname from pg_extension") == body.rfind("select extname from pg_extension"));
    CHECK(out.out.find("```") == std::string::npos);
    // The title is the header's, not repeated by the document's first heading.
    CHECK(out.out.find("Enable a missing PostgreSQL extension") == out.out.rfind("Enable a missing PostgreSQL extension"));
    CHECK(out.out.find("Incidents") > out.out.find("check (verify, sh)"));
    // The params table is aligned: DESCRIPTION starts in the same column on every row.
    auto lines = lines_of(out.out);
    auto header = std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.find("NAME") != std::string::npos; });
    REQUIRE(header != lines.end());
    auto column = header->find("DESCRIPTION");
    CHECK(header[1].substr(column).rfind("libpq connection string", 0) == 0);
    CHECK(header[2].substr(column).rfind("extension to enable", 0) == 0);

    auto j = json::parse(deja_kb({"show", "pg-extension-missing", "--json"}, home).out);
    CHECK(j.at("kind") == "runbook");
    CHECK(j.at("id") == "pg-extension-missing");
    CHECK(j.at("steps").size() == 3);
    CHECK(j.at("steps").at(0).at("kind") == "diagnose");
    CHECK(j.at("signatures").size() == 2);
}

TEST_CASE("cli show: an incident with its error lines and runbooks", "[cli][show]") {
    test::TempDir home;
    auto out = deja_kb({"show", "2025-10-29-tables-never-created"}, home);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    for (const char* part : {"Integration tests blocked because no tables were created", "2025-10-29", "resolved",
                             "severity high", "services: api", "Error lines",
                             "operator class \"gin_trgm_ops\" does not exist", "Runbooks", "pg-extension-missing",
                             "Enable a missing PostgreSQL extension", "Root cause"})
        CHECK_THAT(out.out, Catch::Contains(part));
    auto j = json::parse(deja_kb({"show", "2025-10-29-tables-never-created", "--json"}, home).out);
    CHECK(j.at("kind") == "incident");
    CHECK(j.at("status") == "resolved");
    CHECK_FALSE(j.at("error_lines").empty());
}

TEST_CASE("cli show: a runbook's whole text, wrapped, with each step's name and kind", "[cli][show]") {
    test::TempDir home, kb;
    std::string long_paragraph;
    for (int i = 0; i < 40; ++i) long_paragraph += (i ? " " : "") + std::string("because") + std::to_string(i);
    test::write_file(kb / "runbooks" / "rotate.md",
                     "---\nid: rotate\ntitle: Rotate the API token\nsummary: The token expired.\n"
                     "params:\n  API_TOKEN: {description: the token, default: s3cr3t-token-value, secret: true}\n---\n"
                     "# Rotate the API token\n\n## When this applies\n\nThe gateway answers **401** for every call; "
                     "see [the gateway docs](https://example.com/gw).\n\n" + long_paragraph + "\n\n"
                     "- first check the clock\n- then the token\n\n"
                     "Look at what the gateway says.\n\n"
                     "```sh {\"name\":\"probe\",\"kind\":\"diagnose\"}\n"
                     "curl -fsS -H \"Authorization: Bearer ${API_TOKEN:-s3cr3t-token-value}\" https://gw/health\n```\n\n"
                     "```sh {\"name\":\"rotate\",\"kind\":\"apply\",\"skip_if\":\"probe\"}\ngw-cli rotate\n```\n\n"
                     "```sh {\"name\":\"undo\",\"kind\":\"rollback\"}\ngw-cli restore\n```\n\n"
                     "| column | meaning |\n|---|---|\n| id | the token's id |\n");
    auto out = deja_kb({"show", "rotate"}, home, kb.path(), {{"COLUMNS", "50"}});
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::Contains("The token expired."));
    CHECK_THAT(out.out, Catch::Contains("\nWhen this applies\n  The gateway answers 401 for every call;"));
    CHECK_THAT(out.out, Catch::Contains("(https://example.com/gw)."));
    CHECK(out.out.find("](") == std::string::npos);
    CHECK_THAT(out.out, Catch::Contains("\n  • first check the clock\n  • then the token\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  Look at what the gateway says.\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  probe (diagnose, sh)\n      curl -fsS"));
    CHECK_THAT(out.out, Catch::Contains("\n  rotate (apply, sh)  skipped when probe succeeds\n      gw-cli rotate\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  undo (rollback, sh)\n      gw-cli restore\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  column  meaning\n  id      the token's id\n"));
    // A secret default stays masked wherever the runbook repeats it.
    CHECK(out.out.find("s3cr3t-token-value") == std::string::npos);
    CHECK_THAT(out.out, Catch::Contains("${API_TOKEN:-••••••}"));
    CHECK(out.out.find("**") == std::string::npos);
    // Prose wraps at COLUMNS, words whole; code does not.
    std::size_t prose_lines = 0;
    for (const auto& line : lines_of(out.out)) {
        if (line.rfind("  because", 0) != 0) continue;
        ++prose_lines;
        CHECK(line.size() <= 50);
    }
    CHECK(prose_lines >= 8);

    auto wide = deja_kb({"show", "rotate"}, home, kb.path(), {{"COLUMNS", "200"}});
    std::size_t wide_lines = 0;
    for (const auto& line : lines_of(wide.out)) wide_lines += line.rfind("  because", 0) == 0;
    CHECK(wide_lines < prose_lines);
    // Off a terminal, without COLUMNS: 80.
    auto plain = deja_kb({"show", "rotate"}, home, kb.path());
    for (const auto& line : lines_of(plain.out))
        if (line.rfind("  because", 0) == 0) CHECK(line.size() <= 80);

    // A Runme cell's export declares a secret param with its value as the
    // default: masked in the params table and in the cell alike.
    test::write_file(kb / "runbooks" / "runme-token.md",
                     "# Use the token\n\n```sh\nexport API_TOKEN=\"abc-secret-123\"\ncurl -H \"X: $API_TOKEN\" https://gw\n```\n");
    auto runme = deja_kb({"show", "runme-token"}, home, kb.path());
    INFO(runme.out << runme.err);
    REQUIRE(runme.exit_code == 0);
    CHECK(runme.out.find("abc-secret-123") == std::string::npos);
    CHECK_THAT(runme.out, Catch::Contains("export API_TOKEN=\"••••••\""));
    CHECK_THAT(runme.out, Catch::Contains("(apply, sh)\n"));
}

TEST_CASE("cli show: an incident without headings shows its text, HTML as text", "[cli][show]") {
    test::TempDir home, kb;
    test::write_file(kb / "incidents" / "2025-04-01-export.md",
                     "The nightly export failed again and nobody noticed until the morning.\n\n"
                     "We restarted the worker and it finished; the queue had filled the disk.\n\n"
                     "Next time: [the rotate runbook](../runbooks/rotate.md).\n\n"
                     "<script>alert('owned')</script>\n\n"
                     "> Next time, watch the disk.\n");
    auto out = deja_kb({"show", "2025-04-01-export"}, home, kb.path());
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::Contains("\n  We restarted the worker and it finished; the queue had filled the disk.\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  <script>alert('owned')</script>\n"));
    // A link to another document by the id `deja show` takes.
    CHECK_THAT(out.out, Catch::Contains("\n  Next time: the rotate runbook (rotate).\n"));
    CHECK_THAT(out.out, Catch::Contains("\n  │ Next time, watch the disk.\n"));
    CHECK(out.out.find('\x1b') == std::string::npos);
}

TEST_CASE("cli show: steps as indexed, with a note, when the text does not hold them", "[cli][show]") {
    test::TempDir home;
    REQUIRE(deja_kb({"show", "pg-extension-missing"}, home).exit_code == 0);
    fs::path index;
    for (const auto& e : fs::directory_iterator(home.path() / "cache"))
        if (e.path().extension() == ".sqlite") index = e.path();
    REQUIRE_FALSE(index.empty());
    {
        auto db = store::sqlite::Db::open(index, store::sqlite::OpenMode::read_write);
        REQUIRE(db);
        REQUIRE(db->exec("UPDATE documents SET markdown = '' WHERE id = 'pg-extension-missing'"));
    }
    auto out = deja_kb({"show", "pg-extension-missing"}, home);
    INFO(out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::Contains("\nSteps\n  1. installed  diagnose  sh\n"));
    CHECK_THAT(out.out, Catch::Contains("select extname from pg_extension"));
    CHECK_THAT(out.out, Catch::Contains("\n  (the text is left out: its blocks and the indexed steps disagree;"));
    CHECK(out.out.find("Check which extensions") == std::string::npos);
    CHECK_THAT(out.out, Catch::Contains("Params") && Catch::Contains("Incidents"));
}

TEST_CASE("cli show: --json keeps the document's model, key for key", "[cli][show]") {
    test::TempDir home;
    auto keys = [](const json& j) {
        std::set<std::string> out;
        for (const auto& [key, value] : j.items()) out.insert(key);
        return out;
    };
    auto runbook = json::parse(deja_kb({"show", "pg-extension-missing", "--json"}, home).out);
    CHECK(keys(runbook) == std::set<std::string>{"kind", "id", "title", "summary", "tags", "params", "signatures",
                                                 "cleared_by", "examples", "incidents", "references", "steps",
                                                 "runme_style", "shell", "front_matter_error", "symptom",
                                                 "body_markdown", "body_text", "path", "content_hash"});
    CHECK(runbook.at("params").at(0).at("default").is_null());
    CHECK(runbook.at("params").at(0).at("secret") == true);
    CHECK(runbook.at("body_markdown").get<std::string>().find("```sh {\"name\":\"installed\"") != std::string::npos);
    auto incident = json::parse(deja_kb({"show", "2025-10-29-tables-never-created", "--json"}, home).out);
    CHECK(keys(incident) == std::set<std::string>{"kind", "id", "title", "date", "status", "severity", "services",
                                                  "tags", "runbooks", "references", "sections", "error_lines", "code",
                                                  "summary", "body_markdown", "body_text", "path", "content_hash"});
}

TEST_CASE("cli show: an unknown id suggests close ones", "[cli][show]") {
    test::TempDir home;
    auto out = deja_kb({"show", "pg-extention-missing"}, home);
    CHECK(out.exit_code == 1);
    CHECK(out.out.empty());
    CHECK_THAT(out.err, Catch::StartsWith("deja: error: no incident or runbook 'pg-extention-missing'") &&
                            Catch::Contains("did you mean pg-extension-missing"));
    CHECK(deja_kb({"show"}, home).exit_code == 2);
}

TEST_CASE("cli list: aligned columns and JSON", "[cli][list]") {
    test::TempDir home;
    auto runbooks = deja_kb({"list", "runbooks"}, home);
    INFO(runbooks.err);
    REQUIRE(runbooks.exit_code == 0);
    auto lines = lines_of(runbooks.out);
    REQUIRE(lines.size() > 3);
    CHECK_THAT(lines[0], Catch::StartsWith("ID") && Catch::Contains("TITLE"));
    auto title_column = lines[0].find("TITLE");
    bool found = false;
    for (const auto& l : lines)
        if (l.rfind("k8s-metrics-api-unavailable ", 0) == 0) {
            found = true;
            CHECK(l.substr(title_column) == "Metrics API unavailable to the autoscaler");
        }
    CHECK(found);

    auto incidents = json::parse(deja_kb({"list", "incidents", "--json"}, home).out);
    std::vector<std::string> dates;
    for (const auto& i : incidents) {
        CHECK(i.at("kind") == "incident");
        if (i.at("date").is_string()) dates.push_back(i.at("date"));
    }
    CHECK(std::is_sorted(dates.rbegin(), dates.rend()));

    auto everything = json::parse(deja_kb({"list", "--json"}, home).out);
    CHECK(everything.size() == incidents.size() + json::parse(deja_kb({"list", "runbooks", "--json"}, home).out).size());

    auto signatures = deja_kb({"list", "signatures"}, home);
    CHECK(signatures.exit_code == 0);
    CHECK_THAT(signatures.out, Catch::Contains("MissingGreenlet: greenlet_spawn has not been called"));
    auto sig_json = json::parse(deja_kb({"list", "signatures", "--json"}, home).out);
    CHECK(sig_json.at(0).contains("pattern"));
    CHECK(deja_kb({"list", "bogus"}, home).exit_code == 2);
}

TEST_CASE("cli index: counts, and problems in the sources as warnings", "[cli][index]") {
    test::TempDir home;
    auto out = deja_kb({"index"}, home);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    CHECK_THAT(out.out, Catch::StartsWith("indexed ") && Catch::Contains("index: "));
    auto j = json::parse(deja_kb({"index", "--json"}, home).out);
    CHECK(j.at("runbooks").get<int>() >= 3);
    CHECK(j.at("incidents").get<int>() >= 3);
    CHECK(fs::exists(j.at("path").get<std::string>()));

    auto broken = deja_kb({"index"}, home, broken_kb());
    CHECK(broken.exit_code == 0);
    CHECK_THAT(broken.err, Catch::Contains("deja: warning: ") && Catch::Contains("2025-06-07-bad-front-matter.md:"));
    // A read command reports them once, when it rebuilds, not on every run.
    test::TempDir other;
    auto first = deja_kb({"list"}, other, broken_kb());
    CHECK_THAT(first.err, Catch::Contains("bad-front-matter.md"));
    auto second = deja_kb({"list"}, other, broken_kb());
    CHECK(second.exit_code == 0);
    CHECK(second.err.empty());
}

TEST_CASE("cli: a knowledge base with many problems shows the first ones and counts the rest", "[cli][index]") {
    test::TempDir home, kb;
    const std::size_t cli_shown_problems = 20;  // what the user sees before the count
    const std::size_t broken = cli_shown_problems + 15;
    for (std::size_t i = 0; i < broken; ++i)
        test::write_file(kb / "incidents" / ("case-" + std::to_string(100 + i) + ".md"),
                         "# Case " + std::to_string(i) + "\n\nFixed with [the runbook](../runbooks/gone.md).\n");
    auto search = deja_kb({"search", "case"}, home, kb.path());
    INFO(search.err);
    CHECK(search.exit_code == 0);
    std::size_t lines = static_cast<std::size_t>(std::count(search.err.begin(), search.err.end(), '\n'));
    CHECK(lines == cli_shown_problems + 1);
    CHECK_THAT(search.err, Catch::Contains("and 15 more problems in the sources (`deja lint` lists every one)"));
    // The first ones are the first in file order, each naming its file and line.
    CHECK_THAT(search.err, Catch::Contains("case-100.md:3: ") && Catch::Contains("'gone'"));

    auto index = deja_kb({"index"}, home, kb.path());
    CHECK_THAT(index.out, Catch::Contains(std::to_string(broken) + " problems in the sources (the first " +
                                          std::to_string(cli_shown_problems) + " above"));
    auto lint = deja_kb({"lint"}, home, kb.path());
    std::size_t listed = 0;
    for (std::size_t at = lint.out.find("'gone'"); at != std::string::npos; at = lint.out.find("'gone'", at + 1)) ++listed;
    CHECK(listed == broken);
}

TEST_CASE("cli show: a runbook's incidents newest first, a screenful and a count", "[cli][show]") {
    test::TempDir home, kb;
    test::write_file(kb / "runbooks" / "fix.md",
                     "---\nid: fix\ntitle: Fix it\n---\n# Fix it\n\n```sh {\"name\":\"look\",\"kind\":\"diagnose\"}\ntrue\n```\n");
    for (int day = 1; day <= 25; ++day) {
        std::string date = "2025-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
        test::write_file(kb / "incidents" / (date + "-outage.md"),
                         "---\nrunbooks: [fix]\nstatus: resolved\n---\n# Outage of the " + std::to_string(day) + "th\n");
    }
    auto out = deja_kb({"show", "fix"}, home, kb.path());
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    auto lines = lines_of(out.out);
    auto heading = std::find(lines.begin(), lines.end(), "Incidents");
    REQUIRE(heading != lines.end());
    REQUIRE(lines.end() - heading >= 22);
    CHECK(heading[1].find("2025-03-25  2025-03-25-outage") != std::string::npos);
    CHECK(heading[2].find("2025-03-24") != std::string::npos);
    CHECK(heading[20].find("2025-03-06") != std::string::npos);
    CHECK(heading[21] == "  and 5 more (`deja show fix --json` lists them all)");
    auto j = json::parse(deja_kb({"show", "fix", "--json"}, home, kb.path()).out);
    CHECK(j.at("incidents").size() == 25);
}

TEST_CASE("cli: the index follows edits to the knowledge base", "[cli][index]") {
    test::TempDir home, kb;
    fs::copy(fixture_kb(), kb.path() / "kb", fs::copy_options::recursive);
    fs::path kb_dir = kb.path() / "kb";
    CHECK(deja_kb({"search", "quokka"}, home, kb_dir).exit_code == 1);
    test::write_file(kb_dir / "incidents" / "2025-11-11-quokka.md", "# The quokka outage\n\nStatus: open\n");
    auto found = deja_kb({"search", "quokka"}, home, kb_dir);
    CHECK(found.exit_code == 0);
    CHECK_THAT(found.out, Catch::Contains("The quokka outage"));
    fs::remove(kb_dir / "incidents" / "2025-11-11-quokka.md");
    CHECK(deja_kb({"search", "quokka"}, home, kb_dir).exit_code == 1);
}

TEST_CASE("cli: --kb and DEJA_KB layer over the bundled knowledge base", "[cli][kb]") {
    test::TempDir home;
    auto title = [&](const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
        auto out = test::deja(args, home.path(), env);
        INFO(out.err);
        REQUIRE(out.exit_code == 0);
        return json::parse(out.out).at("title").get<std::string>();
    };
    std::vector<std::string> show{"show", "pg-extension-missing", "--json"};
    auto with = [&](std::vector<std::string> kbs) {
        std::vector<std::string> args;
        for (const auto& k : kbs) args.insert(args.end(), {"--kb", k});
        args.insert(args.end(), show.begin(), show.end());
        return args;
    };
    CHECK(title(with({fixture_kb()})) == "Enable a missing PostgreSQL extension");
    // The later folder wins.
    CHECK(title(with({fixture_kb(), team_kb()})) == "Ask the platform team to enable the extension");
    CHECK(title(show, {{"DEJA_KB", fixture_kb().string() + ":" + team_kb().string()}}) ==
          "Ask the platform team to enable the extension");
    // --kb comes after DEJA_KB.
    CHECK(title(with({fixture_kb()}), {{"DEJA_KB", team_kb().string()}}) == "Enable a missing PostgreSQL extension");

    auto team_only = test::deja({"show", "team-cache-flush"}, home.path(), {{"DEJA_KB", team_kb().string()}});
    CHECK(team_only.exit_code == 0);
    CHECK(test::deja({"show", "team-cache-flush"}, home.path()).exit_code == 1);

    auto missing = test::deja({"--kb", (home.path() / "nope").string(), "list"}, home.path());
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Catch::StartsWith("deja: error: knowledge base folder not found (") && Catch::Contains("nope"));
}

TEST_CASE("cli: the bundled knowledge base is found from any working directory", "[cli][kb]") {
    test::TempDir home, elsewhere;
    auto out = test::run({DEJA_BINARY, "list", "runbooks", "--json"},
                         {{"DEJA_CACHE_DIR", (home.path() / "cache").string()}, {"NO_COLOR", "1"}, {"DEJA_KB", ""}}, "",
                         elsewhere.path());
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    std::vector<std::string> ids;
    for (const auto& r : json::parse(out.out)) ids.push_back(r.at("id"));
    CHECK(position(ids, "pg-extension-missing") >= 0);
    CHECK(position(ids, "sqlalchemy-missing-greenlet") >= 0);
}

TEST_CASE("cli: after cmake --install, deja uses its installed knowledge base and site assets", "[cli][kb][install]") {
    test::TempDir home, prefix, elsewhere;
    auto installed = test::run({"cmake", "--install", DEJA_BUILD_DIR, "--prefix", prefix.path().string()});
    INFO(installed.out << installed.err);
    REQUIRE(installed.exit_code == 0);
    const auto deja = prefix.path() / "bin" / "deja";
    REQUIRE(fs::exists(deja));
    const std::map<std::string, std::string> env{
        {"DEJA_CACHE_DIR", (home.path() / "cache").string()}, {"NO_COLOR", "1"}, {"DEJA_KB", ""}};

    auto show = test::run({deja.string(), "show", "pg-extension-missing", "--json"}, env, "", elsewhere.path());
    INFO(show.err);
    REQUIRE(show.exit_code == 0);
    const std::string path = json::parse(show.out).at("path");
    CHECK(path.rfind((prefix.path() / "share" / "deja" / "runbooks").string(), 0) == 0);

    auto matched = test::run({deja.string(), "match", (prefix.path() / "share" / "deja" / "examples" /
                                                       "ci-migration-failure.log").string()},
                             env, "", elsewhere.path());
    INFO(matched.out << matched.err);
    CHECK(matched.exit_code == 0);
    CHECK_THAT(matched.out, Catch::Contains("deja run pg-extension-missing --param EXTENSION=pg_trgm"));

    auto site = test::run({deja.string(), "site", "build", "-o", (elsewhere.path() / "site").string()}, env, "",
                          elsewhere.path());
    INFO(site.out << site.err);
    REQUIRE(site.exit_code == 0);
    CHECK(fs::exists(elsewhere.path() / "site" / "runbooks" / "pg-extension-missing.html"));

    // Lint still checks a team's signatures against the logs of passing
    // runs installed with deja; their README is no run.
    const auto team = elsewhere.path() / "team";
    test::write_file(team / "runbooks" / "linker-noise.md",
                     "---\nid: linker-noise\ntitle: Linker noise\nsignatures:\n"
                     "  - pattern: 'Linking CXX static library (?P<LIBRARY>\\S+)'\n"
                     "examples:\n  - text: 'Linking CXX static library libfoo.a'\n    params: {LIBRARY: libfoo.a}\n"
                     "---\n# Linker noise\n\n```sh {\"name\":\"look\",\"kind\":\"diagnose\"}\ntrue\n```\n");
    auto lint = test::run({deja.string(), "--kb", team.string(), "lint"}, env, "", elsewhere.path());
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 1);
    const auto passing = (prefix.path() / "share" / "deja" / "passing" / "cmake-build-and-ctest.log").string();
    CHECK_THAT(lint.out + lint.err, Catch::Contains("matches a line of a passing run (" + passing));
    CHECK_THAT(lint.out + lint.err, !Catch::Contains("README"));
}

TEST_CASE("cli: an index from a newer deja is refused with a clear message", "[cli][index]") {
    test::TempDir home;
    REQUIRE(deja_kb({"list"}, home).exit_code == 0);
    fs::path index;
    for (const auto& e : fs::directory_iterator(home.path() / "cache"))
        if (e.path().extension() == ".sqlite") index = e.path();
    REQUIRE_FALSE(index.empty());
    {
        auto db = store::sqlite::Db::open(index, store::sqlite::OpenMode::read_write);
        REQUIRE(db);
        REQUIRE(db->set_user_version(store::schema::version + 41));
    }
    auto out = deja_kb({"search", "gin"}, home);
    CHECK(out.exit_code == 2);
    CHECK(out.err == "deja: error: index " + index.string() + " was written by a newer deja (schema " +
                         std::to_string(store::schema::version + 41) + ", this deja knows " +
                         std::to_string(store::schema::version) + "); remove it or upgrade\n");
}

TEST_CASE("cli: every read command has --help", "[cli]") {
    test::TempDir home;
    for (const char* cmd : {"search", "show", "list", "index", "lint"}) {
        INFO(cmd);
        auto out = test::deja({cmd, "--help"}, home.path());
        CHECK(out.exit_code == 0);
        CHECK_THAT(out.out, Catch::Contains("--json"));
    }
}

TEST_CASE("cli: help, version, a mistyped command and --kb after the command", "[cli]") {
    test::TempDir home;
    auto typo = test::deja({"matc"}, home.path());
    CHECK(typo.exit_code == 2);
    CHECK_THAT(typo.err, Catch::Contains("unknown command 'matc'; did you mean 'match'?"));
    auto far = test::deja({"--kb", fixture_kb().string(), "frobnicate"}, home.path());
    CHECK(far.exit_code == 2);
    CHECK_THAT(far.err, Catch::Contains("unknown command 'frobnicate'"));
    CHECK(far.err.find("did you mean") == std::string::npos);

    auto help = test::deja({"help"}, home.path());
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("match") && Catch::Contains("search") && Catch::Contains("lint"));
    auto help_match = test::deja({"help", "match"}, home.path());
    CHECK(help_match.exit_code == 0);
    CHECK_THAT(help_match.out, Catch::Contains("--format"));
    auto help_site = test::deja({"help", "site", "build"}, home.path());
    CHECK(help_site.exit_code == 0);
    CHECK_THAT(help_site.out, Catch::Contains("--base-url"));
    for (const char* word : {"version", "-V", "--version"}) {
        auto version = test::deja({word}, home.path());
        CHECK(version.exit_code == 0);
        CHECK_THAT(version.out, Catch::StartsWith("deja "));
    }

    // --kb after the command takes one folder, not the log after it too.
    test::write_file(home / "ci.log", "ERROR:  relation \"missing_table\" does not exist\n");
    auto before = test::deja({"--kb", fixture_kb().string(), "match", "--json", (home / "ci.log").string()}, home.path());
    auto after = test::deja({"match", "--kb", fixture_kb().string(), "--json", (home / "ci.log").string()}, home.path());
    INFO(after.err);
    CHECK(after.exit_code == before.exit_code);
    CHECK(after.out == before.out);
    CHECK_THAT(after.out, Catch::Contains("ci.log"));
    auto list = test::deja({"list", "--kb", fixture_kb().string(), "runbook", "--json"}, home.path());
    auto plural = test::deja({"list", "--kb", fixture_kb().string(), "runbooks", "--json"}, home.path());
    CHECK(list.exit_code == 0);
    CHECK(list.out == plural.out);
}

TEST_CASE("cli: a team's knowledge base alone, without the bundled catalogue", "[cli][bundled]") {
    test::TempDir home;
    auto ids = [](const test::Output& out) {
        std::set<std::string> found;
        for (const auto& row : json::parse(out.out)) found.insert(row.at("id").get<std::string>());
        return found;
    };
    auto layered = test::deja({"--kb", fixture_kb().string(), "list", "runbooks", "--json"}, home.path());
    REQUIRE(layered.exit_code == 0);

    const auto team = home / "team";
    fs::copy(fixture_kb(), team, fs::copy_options::recursive);
    const std::set<std::string> own = [&] {
        std::set<std::string> found;
        for (const auto& entry : fs::directory_iterator(team / "runbooks"))
            if (entry.path().extension() == ".md") found.insert(entry.path().stem().string());
        return found;
    }();
    auto flag = test::deja({"list", "runbooks", "--json", "--kb", team.string(), "--no-bundled"}, home.path());
    INFO(flag.err);
    REQUIRE(flag.exit_code == 0);
    CHECK(ids(flag) == own);
    auto environment = test::deja({"--kb", team.string(), "list", "runbooks", "--json"}, home.path(), {{"DEJA_BUNDLED", "0"}});
    CHECK(ids(environment) == own);

    test::write_file(team / "deja.yaml", "# our runbooks only\nbundled: false\n");
    auto setting = test::deja({"--kb", team.string(), "list", "runbooks", "--json"}, home.path());
    CHECK(ids(setting) == own);
    auto site = test::deja({"--kb", team.string(), "site", "build", "-o", (home / "site").string()}, home.path());
    REQUIRE(site.exit_code == 0);
    std::string bundled_only;
    for (const auto& id : ids(layered))
        if (!own.count(id)) bundled_only = id;
    REQUIRE_FALSE(bundled_only.empty());
    CHECK(fs::exists(home / "site" / "index.html"));
    CHECK_FALSE(fs::exists(home / "site" / "runbooks" / (bundled_only + ".html")));

    test::write_file(team / "deja.yaml", "bundled: perhaps\n");
    auto bad = test::deja({"--kb", team.string(), "list"}, home.path());
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("bundled must be true or false") && Catch::Contains("deja.yaml:1"));
}
