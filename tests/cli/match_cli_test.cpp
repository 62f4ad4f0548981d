// `deja match` and `deja new incident` through the real binary: exit codes,
// standard input (plain and compressed), zip archives, binary files, the
// JSON contract, GitHub annotations, and the incident draft written into a
// knowledge base.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "match/compress.hpp"
#include "match/draft.hpp"
#include "support.hpp"

using test::gzip;
using test::xz;
using test::zstd;

namespace {

namespace fs = std::filesystem;

fs::path fixture_kb() { return test::fixtures() / "match" / "kb"; }
fs::path fixture_log(const char* name) { return test::fixtures() / "match" / "logs" / name; }

// With Python's zipfile, a zip writer of its own. A path ending in '/' is a
// folder; the others are (path in the archive, file to put there) pairs.
void write_zip(const fs::path& to, const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::string> argv = {"python3", "-c",
                                     "import sys, zipfile\n"
                                     "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                                     "    for name, path in zip(sys.argv[2::2], sys.argv[3::2]):\n"
                                     "        z.writestr(zipfile.ZipInfo(name), b'') if name.endswith('/') else z.write(path, name)\n",
                                     to.string()};
    for (const auto& [name, path] : files) {
        argv.push_back(name);
        argv.push_back(path);
    }
    auto out = test::run(argv);
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
}

void copy_tree(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive);
}

}  // namespace

TEST_CASE("deja match: a known failure, its symptom, the fix and the incident seen before", "[cli][match]") {
    test::TempDir home;
    std::string kb = fixture_kb().string();
    auto out = test::deja({"--kb", kb, "match", fixture_log("frobnicator.log").string()}, home.path());
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    std::string log = fixture_log("frobnicator.log").string();
    CHECK(out.out.find(log + "-3  starting the frobnicator for batch 20251001\n" + log +
                       ":4  widgets.FrobnicatorError: the frobnicator jammed at stage 12\n"
                       "  known failure: frobnicator-jammed \xE2\x80\x94 Clear a jammed frobnicator   (confidence ") == 0);
    CHECK(out.out.find("  seen before:   2025-07-14 Nightly widgets blocked by a frobnicator jam (resolved)\n") !=
          std::string::npos);
    CHECK(out.out.find("  fix:           deja --kb " + kb + " run frobnicator-jammed --param STAGE=12\n") !=
          std::string::npos);
    auto cause = out.out.find("known failure: frobnicator-jammed");
    auto symptom = out.out.find("symptom:       widget-pipeline-gave-up");
    CHECK(symptom != std::string::npos);
    CHECK(cause < symptom);
    CHECK(out.out.find("Process completed") == std::string::npos);  // never evidence
    CHECK(out.out.find('\x1b') == std::string::npos);               // NO_COLOR, and not a terminal
}

TEST_CASE("deja match --json follows the contract", "[cli][match]") {
    test::TempDir home;
    auto out = test::deja({"--kb", fixture_kb().string(), "match", "--json", fixture_log("frobnicator.log").string()},
                          home.path());
    REQUIRE(out.exit_code == 0);
    auto j = nlohmann::json::parse(out.out);
    CHECK(j["sources"] == nlohmann::json::array({fixture_log("frobnicator.log").string()}));
    CHECK(j["lines"] == 6);
    REQUIRE(j["matches"].size() == 2);
    const auto& top = j["matches"][0];
    CHECK(top["runbook"] == "frobnicator-jammed");
    CHECK(top["title"] == "Clear a jammed frobnicator");
    CHECK(top["params"] == nlohmann::json{{"STAGE", "12"}});
    CHECK(top["incidents"] == nlohmann::json::array({"2025-07-14-frobnicator-jam"}));
    CHECK(top["evidence"][0]["line"] == 4);
    CHECK(top["evidence"][0]["kind"] == "signature");
    CHECK(top["evidence"][0]["text"] == "widgets.FrobnicatorError: the frobnicator jammed at stage 12");
    CHECK(j["matches"][1]["runbook"] == "widget-pipeline-gave-up");
    CHECK(j["matches"][1]["confidence"].get<double>() < top["confidence"].get<double>());
    CHECK(j["near_misses"] == nlohmann::json::array());
}

TEST_CASE("deja match: an incident without a runbook is still recognised", "[cli][match]") {
    test::TempDir home;
    auto out = test::deja({"--kb", fixture_kb().string(), "match", "--json", "-"}, home.path(), {},
                          "2025-08-02T10:00:00Z SprocketCalibrationError: sprocket drift of 0.52 mm exceeds tolerance on line C\n");
    REQUIRE(out.exit_code == 0);
    auto j = nlohmann::json::parse(out.out);
    REQUIRE(j["matches"].size() == 1);
    CHECK(j["matches"][0]["runbook"].is_null());
    CHECK(j["matches"][0]["command"].is_null());
    CHECK(j["matches"][0]["title"] == "Sprocket calibration drifted during the release");
    CHECK(j["sources"] == nlohmann::json::array({"stdin"}));
}

TEST_CASE("deja match: exit 1 and near misses when nothing is known", "[cli][match]") {
    test::TempDir home;
    auto out = test::deja({"--kb", fixture_kb().string(), "match", fixture_log("unknown.log").string()}, home.path());
    CHECK(out.exit_code == 1);
    CHECK(out.out.rfind("no known failure in " + fixture_log("unknown.log").string() + " (10 lines)\n", 0) == 0);
    auto quiet = test::deja({"--kb", fixture_kb().string(), "match", "-q", fixture_log("unknown.log").string()},
                            home.path());
    CHECK(quiet.exit_code == 1);
    CHECK(quiet.out.empty());
}

TEST_CASE("deja match: input and usage errors exit 2", "[cli][match]") {
    test::TempDir home;
    auto missing = test::deja({"match", "/nonexistent/ci.log"}, home.path());
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "deja: error: cannot read /nonexistent/ci.log (No such file or directory)\n");
    CHECK(missing.out.empty());
    auto folder = test::deja({"match", home.path().string()}, home.path());
    CHECK(folder.exit_code == 2);
    CHECK(folder.err == "deja: error: cannot read " + home.path().string() + " (a folder; give the log files in it)\n");
    CHECK(folder.out.empty());
    auto format = test::deja({"match", "--format", "xml", fixture_log("unknown.log").string()}, home.path());
    CHECK(format.exit_code == 2);
    // Varied lines, so the compressed stream is long enough to cut in half.
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "step " + std::to_string(i * 7919 % 10007) + " done\n";
    auto compressed = gzip(text);
    REQUIRE(compressed.size() > 200);
    test::write_file(home / "broken.gz", compressed.substr(0, compressed.size() / 2));
    auto broken = test::deja({"match", (home / "broken.gz").string()}, home.path());
    CHECK(broken.exit_code == 2);
    CHECK(broken.err.find("deja: error: cannot read " + (home / "broken.gz").string()) == 0);
    auto both = test::deja({"match", "--json", "--format", "github", fixture_log("unknown.log").string()}, home.path());
    CHECK(both.exit_code == 2);
    CHECK(both.err.find("--json excludes --format") != std::string::npos);
}

TEST_CASE("deja match reports what it read of a log it could not finish, and exits 2", "[cli][match]") {
    test::TempDir home;
    const std::string kb = fixture_kb().string();
    const std::string log = fixture_log("frobnicator.log").string();
    // A compressed log cut short after its failure.
    std::string text = test::read_file(log);
    for (int i = 0; i < 20000; ++i) text += "step " + std::to_string(i * 7919 % 10007) + " done\n";
    auto compressed = gzip(text);
    test::write_file(home / "cut.log.gz", compressed.substr(0, compressed.size() / 2));
    auto cut = test::deja({"--kb", kb, "match", (home / "cut.log.gz").string()}, home.path());
    CHECK(cut.exit_code == 2);
    CHECK(cut.out.find("cut.log.gz:4  widgets.FrobnicatorError") != std::string::npos);
    CHECK(cut.err == "deja: error: cannot read " + (home / "cut.log.gz").string() +
                         " (truncated gzip data); matched what was read before it\n");
    // A missing file among others, as grep does: the rest is matched, the status says an input failed,
    // and --quiet with a failure found says found.
    auto missing = test::deja({"--kb", kb, "match", log, (home / "gone.log").string()}, home.path());
    CHECK(missing.exit_code == 2);
    CHECK(missing.out.find("known failure: frobnicator-jammed") != std::string::npos);
    CHECK(missing.err.find("cannot read " + (home / "gone.log").string()) != std::string::npos);
    auto quiet = test::deja({"--kb", kb, "match", "-q", log, (home / "gone.log").string()}, home.path());
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.out.empty());
    auto quiet_none = test::deja({"--kb", kb, "match", "-q", fixture_log("unknown.log").string(),
                                  (home / "gone.log").string()},
                                 home.path());
    CHECK(quiet_none.exit_code == 2);
}

TEST_CASE("deja match reads standard input, gzip-compressed or not", "[cli][match]") {
    test::TempDir home;
    std::string log = test::read_file(fixture_log("frobnicator.log"));
    for (const auto& input : {log, gzip(log)}) {
        for (const auto& args : std::vector<std::vector<std::string>>{{"--kb", fixture_kb().string(), "match", "-"},
                                                                      {"--kb", fixture_kb().string(), "match"}}) {
            auto out = test::deja(args, home.path(), {}, input);
            INFO(out.err);
            CHECK(out.exit_code == 0);
            CHECK(out.out.find("stdin:4  widgets.FrobnicatorError") != std::string::npos);
        }
    }
    // A file and stdin together.
    auto both = test::deja({"--kb", fixture_kb().string(), "match", "--json", fixture_log("unknown.log").string(), "-"},
                           home.path(), {}, log);
    REQUIRE(both.exit_code == 0);
    auto j = nlohmann::json::parse(both.out);
    CHECK(j["sources"].size() == 2);
    CHECK(j["lines"] == 16);
    CHECK(j["matches"][0]["evidence"][0]["source"] == "stdin");
}

TEST_CASE("deja match reads zip archives, xz and zstd, and refuses binary files", "[cli][match]") {
    test::TempDir home;
    const std::string kb = fixture_kb().string();
    const std::string log = test::read_file(fixture_log("frobnicator.log"));
    // As GitHub Actions' log archive is: a folder per job, a file per step.
    write_zip(home / "logs.zip", {{"build/", ""},
                                  {"build/1_Set up job.txt", fixture_log("unknown.log").string()},
                                  {"build/2_Run widgets.txt", fixture_log("frobnicator.log").string()}});
    const std::string path = (home / "logs.zip").string();
    const std::string archive = test::read_file(path);
    auto out = test::deja({"--kb", kb, "match", path}, home.path());
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(out.out.find(path + ":build/2_Run widgets.txt:4  widgets.FrobnicatorError") != std::string::npos);
    auto json = test::deja({"--kb", kb, "match", "--json", path}, home.path());
    REQUIRE(json.exit_code == 0);
    auto j = nlohmann::json::parse(json.out);
    CHECK(j["sources"] == nlohmann::json::array({path + ":build/1_Set up job.txt", path + ":build/2_Run widgets.txt"}));
    CHECK(j["matches"][0]["evidence"][0]["source"] == path + ":build/2_Run widgets.txt");
    // Piped: the bytes tell what they are.
    for (const auto& [input, source] : std::vector<std::pair<std::string, std::string>>{
             {xz(log), "stdin"}, {zstd(log), "stdin"}, {archive, "stdin:build/2_Run widgets.txt"}}) {
        auto piped = test::deja({"--kb", kb, "match", "-"}, home.path(), {}, input);
        INFO(source << ": " << piped.err);
        CHECK(piped.exit_code == 0);
        CHECK(piped.out.find(source + ":4  widgets.FrobnicatorError") != std::string::npos);
    }
    // A binary file, here deja itself, is refused before anything is matched.
    const std::string binary = DEJA_BINARY;
    auto refused = test::deja({"--kb", kb, "match", binary}, home.path());
    CHECK(refused.exit_code == 2);
    CHECK(refused.err == "deja: error: cannot read " + binary + " (a binary file, not a log: an ELF executable or library)\n");
    CHECK(refused.out.empty());
}

TEST_CASE("deja match --format github prints workflow commands", "[cli][match]") {
    test::TempDir home;
    std::string log = fixture_log("frobnicator.log").string();
    auto out = test::deja({"--kb", fixture_kb().string(), "match", "--format", "github", log}, home.path());
    REQUIRE(out.exit_code == 0);
    CHECK(out.out.rfind("::error file=" + log + ",line=4,title=deja%3A frobnicator-jammed (confidence ", 0) == 0);
    CHECK(out.out.find("\n::warning file=" + log + ",line=5,title=deja%3A widget-pipeline-gave-up") != std::string::npos);
    auto none = test::deja({"--kb", fixture_kb().string(), "match", "--format", "github",
                            fixture_log("unknown.log").string()},
                           home.path());
    CHECK(none.exit_code == 1);
    CHECK(none.out.rfind("::notice title=deja%3A no known failure::", 0) == 0);
}

TEST_CASE("deja new incident --from-log drafts into the knowledge base, never over a file", "[cli][match][draft]") {
    test::TempDir home;
    fs::path team = home / "team";
    copy_tree(fixture_kb(), team);
    std::string log = fixture_log("frobnicator.log").string();
    auto first = test::deja({"--kb", team.string(), "new", "incident", "--from-log", log}, home.path());
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    fs::path written = base::text::trim(first.out);
    CHECK(written.parent_path() == team / "incidents");
    CHECK(written.filename() == match::today() + "-clear-a-jammed-frobnicator.md");
    std::string text = test::read_file(written);
    CHECK(text.find("status: open\n") != std::string::npos);
    CHECK(text.find("runbooks: [frobnicator-jammed, widget-pipeline-gave-up]\n") != std::string::npos);
    CHECK(text.find("widgets.FrobnicatorError: the frobnicator jammed at stage 12\n") != std::string::npos);

    auto second = test::deja({"--kb", team.string(), "new", "incident", "--from-log", log}, home.path());
    REQUIRE(second.exit_code == 0);
    CHECK(fs::path(base::text::trim(second.out)).filename() == match::today() + "-clear-a-jammed-frobnicator-2.md");
    CHECK(test::read_file(written) == text);  // the first draft is untouched
    // Its id is its file name: both drafts are in the knowledge base.
    CHECK(test::read_file(base::text::trim(second.out)).find("id: " + match::today() + "-clear-a-jammed-frobnicator-2\n") !=
          std::string::npos);
    auto listed = test::deja({"--kb", team.string(), "list", "incidents", "--json"}, home.path());
    REQUIRE(listed.exit_code == 0);
    CHECK(listed.out.find("\"" + match::today() + "-clear-a-jammed-frobnicator\"") != std::string::npos);
    CHECK(listed.out.find("\"" + match::today() + "-clear-a-jammed-frobnicator-2\"") != std::string::npos);
    CHECK(listed.err.find("duplicate id") == std::string::npos);

    auto titled = test::deja({"--kb", team.string(), "new", "incident", "--from-log", log, "--title", "Widgets down"},
                             home.path());
    REQUIRE(titled.exit_code == 0);
    CHECK(fs::path(base::text::trim(titled.out)).filename() == match::today() + "-widgets-down.md");

    // The knowledge base picks the draft up as an incident.
    auto show = test::deja({"--kb", team.string(), "match", "--json", log}, home.path());
    CHECK(show.exit_code == 0);
}

TEST_CASE("deja new incident outside a knowledge base asks for --kb", "[cli][match][draft]") {
    test::TempDir home;
    fs::create_directories(home / "elsewhere");
    auto out = test::run({DEJA_BINARY, "new", "incident", "--from-log", fixture_log("frobnicator.log").string()},
                         {{"DEJA_CACHE_DIR", (home / "cache").string()},
                          {"DEJA_STATE_DIR", (home / "state").string()},
                          {"NO_COLOR", "1"},
                          {"DEJA_KB", ""}},
                         "", home / "elsewhere");
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("--kb") != std::string::npos);
    CHECK(fs::is_empty(home / "elsewhere"));
}

TEST_CASE("deja lint reports an example that does not rank its runbook first", "[cli][match][lint]") {
    test::TempDir home;
    fs::path team = home / "team";
    copy_tree(fixture_kb(), team);
    std::string runbook = test::read_file(team / "runbooks" / "frobnicator-jammed.md");
    runbook.replace(runbook.find("params: {STAGE: '7'}"), 20, "params: {STAGE: '8'}");
    test::write_file(team / "runbooks" / "frobnicator-jammed.md", runbook);
    auto out = test::deja({"--kb", team.string(), "lint"}, home.path());
    CHECK(out.exit_code == 1);
    CHECK(out.out.find("frobnicator-jammed.md:11: example 1: expected STAGE=8, the log gives STAGE=7") !=
          std::string::npos);
}

TEST_CASE("deja match never prints a credential it took from the log, and deja run --from-log still gets it",
          "[cli][match][secrets]") {
    test::TempDir home, team;
    test::write_file(team / "runbooks" / "broker-unreachable.md", R"md(---
id: broker-unreachable
title: Reach the message broker
params:
  BROKER_URL: {description: the broker the worker used}
  BROKER_TOKEN: {description: its token}
signatures:
  - pattern: 'cannot reach broker (?P<BROKER_URL>amqp://\S+) with token (?P<BROKER_TOKEN>\S+)'
examples:
  - text: 'cannot reach broker amqp://worker:pw-ex@mq:5672/ with token tk-ex'
---
# Reach the broker

```sh {"name":"where","kind":"diagnose"}
echo "host part ${BROKER_URL#*@}"
echo "url $BROKER_URL token $BROKER_TOKEN"
```
)md");
    const std::string log = "worker: cannot reach broker amqp://worker:hunter2-pw@mq.internal:5672/ with token "
                            "tok-9f8e7d6c5b4a\n";
    test::write_file(team / "worker.log", log);
    const std::vector<std::string> kb{"--kb", team.path().string()};
    auto with_kb = [&](std::vector<std::string> args) {
        args.insert(args.begin(), kb.begin(), kb.end());
        return test::deja(args, home.path(), {{"DEJA_KB", ""}});
    };
    for (const auto& format : {std::vector<std::string>{}, std::vector<std::string>{"--json"}}) {
        auto args = format;
        args.insert(args.begin(), "match");
        args.push_back((team / "worker.log").string());
        auto out = with_kb(args);
        INFO(out.out << out.err);
        REQUIRE(out.exit_code == 0);
        CHECK(out.out.find("hunter2-pw") == std::string::npos);
        CHECK(out.out.find("tok-9f8e7d6c5b4a") == std::string::npos);
        const std::string command = "--param BROKER_URL=\"$BROKER_URL\" --param BROKER_TOKEN=\"$BROKER_TOKEN\"";
        if (format.empty()) CHECK_THAT(out.out, Catch::Contains(command));
        if (!format.empty()) {
            const auto match = nlohmann::json::parse(out.out).at("matches").at(0);
            CHECK_THAT(match.at("command").get<std::string>(), Catch::EndsWith(command));
            auto params = match.at("params");
            CHECK(params["BROKER_URL"] == "amqp://worker:••••••@mq.internal:5672/");
            CHECK(params["BROKER_TOKEN"] == "••••••");
        }
    }
    // The run takes the real values from the log, and shows them masked.
    auto run = with_kb({"run", "--from-log", (team / "worker.log").string(), "--yes"});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK_THAT(run.out, Catch::Contains("│ host part mq.internal:5672/"));
    CHECK_THAT(run.out, Catch::Contains("│ url amqp://worker:••••••@mq.internal:5672/ token ••••••"));
    CHECK(run.out.find("hunter2-pw") == std::string::npos);
    CHECK(run.out.find("tok-9f8e7d6c5b4a") == std::string::npos);
}
