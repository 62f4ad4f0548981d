// `deja lint` end to end: problems as file:line: message, exit 1 on errors,
// JSON output, and the problem-free case.
#include <catch2/catch.hpp>

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path store_fixture(const char* name) { return test::fixtures() / "store" / name; }

// How deja shows a path on a terminal: relative to the working folder when
// it is inside it.
std::string as_shown(const fs::path& path) {
    auto relative = path.lexically_relative(fs::current_path());
    return relative.empty() || *relative.begin() == ".." ? path.string() : relative.string();
}

}  // namespace

TEST_CASE("cli lint: problems are reported as file:line: message with exit 1", "[cli][lint]") {
    test::TempDir home;
    auto out = test::deja({"--kb", store_fixture("broken").string(), "lint"}, home.path());
    INFO(out.out << out.err);
    CHECK(out.exit_code == 1);
    std::string broken = as_shown(store_fixture("broken"));
    bool regex = false, front_matter = false, language = false, link = false;
    std::size_t regex_messages = 0;
    // The problems, then the summary on its own last line.
    const std::size_t summary = out.out.rfind("deja lint: ");
    REQUIRE(summary != std::string::npos);
    CHECK_THAT(out.out.substr(summary), Catch::Contains(" error"));
    std::size_t start = 0;
    while (start < summary) {
        std::size_t end = out.out.find('\n', start);
        std::string line = out.out.substr(start, end - start);
        start = end + 1;
        INFO(line);
        CHECK(RE2::PartialMatch(line, R"(^[^:\s][^:]*:\d+: \S)"));
        if (line.rfind(broken, 0) != 0) continue;
        std::string rest = line.substr(broken.size());
        regex |= rest.rfind("/runbooks/bad-regex.md:", 0) == 0 && line.find("RE2") != std::string::npos;
        // One bad regex, one message: not also one from the matcher and one from the site.
        if (rest.rfind("/runbooks/bad-regex.md:5:", 0) == 0) ++regex_messages;
        language |= rest.rfind("/runbooks/bad-regex.md:", 0) == 0 && line.find("cobol") != std::string::npos;
        link |= rest.rfind("/runbooks/bad-regex.md:", 0) == 0 && line.find("2099-01-01-does-not-exist") != std::string::npos;
        front_matter |= rest.rfind("/incidents/2025-06-07-bad-front-matter.md:", 0) == 0;
    }
    CHECK(regex);
    CHECK(language);
    CHECK(link);
    CHECK(front_matter);
    CHECK(regex_messages == 1);
}

TEST_CASE("cli lint: --json lists the same problems", "[cli][lint]") {
    test::TempDir home;
    auto out = test::deja({"--kb", store_fixture("broken").string(), "lint", "--json"}, home.path());
    CHECK(out.exit_code == 1);
    auto j = json::parse(out.out);
    CHECK(j.at("errors").get<int>() > 0);
    CHECK(j.at("files").get<int>() > 0);
    CHECK(j.at("diagnostics").size() == j.at("errors").get<std::size_t>() + j.at("warnings").get<std::size_t>());
    for (const auto& d : j.at("diagnostics")) {
        CHECK(d.contains("file"));
        CHECK(d.at("line").is_number());
        CHECK((d.at("severity") == "error" || d.at("severity") == "warning"));
        CHECK_FALSE(d.at("message").get<std::string>().empty());
    }
}

TEST_CASE("cli lint: a clean knowledge base passes", "[cli][lint]") {
    test::TempDir home;
    auto out = test::deja({"--kb", store_fixture("kb").string(), "lint", "--json"}, home.path());
    INFO(out.out << out.err);
    auto j = json::parse(out.out);
    std::string fixture = store_fixture("kb").string();
    for (const auto& d : j.at("diagnostics"))
        if (d.at("severity") == "error") CHECK(d.at("file").get<std::string>().rfind(fixture, 0) != 0);
    // The bundled knowledge base lints clean too, so nothing stops exit 0.
    CHECK(j.at("errors") == 0);
    CHECK(out.exit_code == 0);
    auto human = test::deja({"--kb", store_fixture("kb").string(), "lint"}, home.path());
    CHECK(human.exit_code == 0);
    CHECK_THAT(human.out, Catch::StartsWith("deja lint: ") && Catch::EndsWith("no problems\n"));
}

TEST_CASE("cli lint and index: files not read are counted, --verbose says why, --json lists them", "[cli][lint]") {
    test::TempDir home, kb;
    test::write_file(kb / "2024" / "2024-03-02-outage.md", "# Outage\n\n## Root cause\nA full disk.\n");
    test::write_file(kb / "2024" / "graph.png", "\x89PNG");
    test::write_file(kb / "README.md", "# Our post-mortems\n\nOne file per incident.\n");
    auto lint = test::deja({"--no-bundled", "--kb", kb.path().string(), "lint"}, home.path());
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 0);
    CHECK_THAT(lint.out, Catch::Contains("2 files not read (`deja lint --verbose` says why)"));
    CHECK_THAT(lint.out, !Catch::Contains("graph.png"));

    auto verbose = test::deja({"--no-bundled", "--kb", kb.path().string(), "lint", "--verbose"}, home.path());
    INFO(verbose.out);
    CHECK_THAT(verbose.out, Catch::Contains("graph.png: not read: not Markdown or text"));
    CHECK_THAT(verbose.out, Catch::Contains("README.md: not read: an index page describing its folder"));

    auto index = test::deja({"--no-bundled", "--kb", kb.path().string(), "index", "--json"}, home.path());
    INFO(index.out << index.err);
    REQUIRE(index.exit_code == 0);
    auto parsed = json::parse(index.out);
    REQUIRE(parsed["left_out"].size() == 2);
    CHECK(parsed["incidents"] == 1);
    CHECK(parsed["diagnostics"].empty());
    auto plain = test::deja({"--no-bundled", "--kb", kb.path().string(), "index", "--verbose"}, home.path());
    CHECK_THAT(plain.out, Catch::Contains("graph.png: not read: not Markdown or text"));
    CHECK_THAT(plain.out, Catch::Contains("from 2 files; 2 files not read (listed above)"));
}
