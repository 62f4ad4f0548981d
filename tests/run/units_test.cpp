// The run engine's pure parts: masking (also across read boundaries), the
// output ring, $DEJA_ENV parsing, param resolution and validation.
#include <catch2/catch.hpp>

#include "kb/secrets.hpp"
#include "run/capture.hpp"
#include "run/env_file.hpp"
#include "run/mask.hpp"
#include "run/params.hpp"

namespace {

std::string feed_in_pieces(const run::Masker& masker, const std::string& text, std::size_t piece) {
    run::StreamMasker stream(masker);
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += piece) out += stream.feed(std::string_view(text).substr(i, piece));
    return out + stream.flush();
}

kb::Param param(const std::string& name) {
    kb::Param p;
    p.name = name;
    return p;
}

}  // namespace

TEST_CASE("a secret is masked wherever it appears, also when split across reads", "[run][mask]") {
    run::Masker masker({"hunter2-token", "ab"});
    std::string text = "login with hunter2-token then hunter2-token\nhunter2 alone stays\n";
    std::string expected = "login with •••••• then ••••••\nhunter2 alone stays\n";
    CHECK(masker.mask(text) == expected);
    for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 13u, 64u}) {
        INFO("pieces of " << piece << " bytes");
        CHECK(feed_in_pieces(masker, text, piece) == expected);
    }
    // Too short to mask without hiding the output itself.
    CHECK(masker.mask("ab cab") == "ab cab");
}

TEST_CASE("a line still being written waits for its end, or for quiet, and a secret's start for more", "[run][mask]") {
    run::Masker masker({"swordfish"});
    run::StreamMasker stream(masker);
    CHECK(stream.feed("password: sword") == "");
    CHECK(stream.holding());
    // Quiet output: shown as it is, but for what may be a secret's start.
    CHECK(stream.flush_quiet() == "password: ");
    CHECK(stream.flush() == "sword");
    CHECK_FALSE(stream.holding());
    // A carriage return ends a line too (progress counters).
    CHECK(stream.feed(" 50%\r 60%") == " 50%\r");
    CHECK(stream.flush() == " 60%");
}

TEST_CASE("a credential's shape is masked in output, though no param named it, however it is split", "[run][mask]") {
    run::Masker masker;
    const std::string text = "export PGPASSWORD=hunter2abc\nremote: ghp_0123456789abcdefghijABCDEFGHIJ012345 ok\ndone\n";
    const std::string expected = "export PGPASSWORD=••••••\nremote: •••••• ok\ndone\n";
    CHECK(masker.mask(text) == expected);
    for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 13u, 64u}) {
        INFO("pieces of " << piece << " bytes");
        CHECK(feed_in_pieces(masker, text, piece) == expected);
    }
}

TEST_CASE("the longer of two overlapping secrets wins", "[run][mask]") {
    run::Masker masker({"abc", "abcdef"});
    CHECK(masker.mask("xabcdefx abcx") == "x••••••x ••••••x");
}

TEST_CASE("captured output keeps the last bytes and says it dropped some", "[run][capture]") {
    run::Capture capture(100);
    std::string all;
    for (int i = 0; i < 50; ++i) {
        std::string line = "line " + std::to_string(i) + "\n";
        capture.append(line);
        all += line;
    }
    CHECK(capture.truncated());
    std::string kept = capture.text();
    CHECK(kept.size() <= 100);
    CHECK(all.substr(all.size() - kept.size()) == kept);
    CHECK(kept.rfind("line 49\n") == kept.size() - 8);
    CHECK(kept.rfind("line ", 0) == 0);  // starts at a line

    run::Capture small(100);
    small.append("short\n");
    CHECK_FALSE(small.truncated());
    CHECK(small.text() == "short\n");
}

TEST_CASE("$DEJA_ENV lines: NAME=value and NAME<<DELIMITER blocks", "[run][env]") {
    auto parsed = run::parse_env_file("A=1\nB=x=y\n\nMULTI<<EOF\nfirst\nsecond\nEOF\nbad line\n9X=no\nEMPTY=\n");
    REQUIRE(parsed.values.size() == 4);
    CHECK(parsed.values[0] == std::pair<std::string, std::string>{"A", "1"});
    CHECK(parsed.values[1] == std::pair<std::string, std::string>{"B", "x=y"});
    CHECK(parsed.values[2] == std::pair<std::string, std::string>{"MULTI", "first\nsecond"});
    CHECK(parsed.values[3] == std::pair<std::string, std::string>{"EMPTY", ""});
    REQUIRE(parsed.problems.size() == 2);
    CHECK(parsed.problems[0].rfind("line 8:", 0) == 0);
    CHECK(parsed.problems[1].rfind("line 9:", 0) == 0);

    auto unclosed = run::parse_env_file("X<<END\nvalue\n");
    CHECK(unclosed.values.empty());
    CHECK(unclosed.problems.size() == 1);
}

TEST_CASE("credentials in params are hidden whether or not the runbook says secret", "[run][params][mask]") {
    kb::Runbook rb;
    rb.id = "creds";
    rb.params = {param("DATABASE_URL"), param("API_TOKEN"), param("HOST")};
    auto r = run::resolve_params(rb, {{"DATABASE_URL", "postgresql://app:s3cr@t-pw@db.internal:5432/app"},
                                      {"API_TOKEN", "tok_abcdef123456"}, {"HOST", "db.internal"}},
                                 {}, [](const std::string&) { return std::nullopt; });
    REQUIRE(r.values.size() == 3);
    // The URL keeps what helps (user, host, database); its password goes,
    // an unescaped '@' in it included.
    CHECK_FALSE(r.values[0].secret);
    CHECK(kb::hidden_parts(r.values[0].value, r.values[0].secret) == std::vector<std::string>{"s3cr@t-pw"});
    CHECK(kb::shown_value(r.values[0].value, r.values[0].secret) == "postgresql://app:••••••@db.internal:5432/app");
    CHECK(r.values[1].secret);  // by its name
    CHECK(kb::shown_value(r.values[1].value, r.values[1].secret) == "••••••");
    CHECK(kb::shown_value(r.values[2].value, r.values[2].secret) == "db.internal");
    CHECK(run::masked(r.values) == kb::ParamValues{{"DATABASE_URL", "postgresql://app:••••••@db.internal:5432/app"},
                                                   {"API_TOKEN", "••••••"},
                                                   {"HOST", "db.internal"}});
}

TEST_CASE("params come from --param, then the log, then the environment, then the default", "[run][params]") {
    kb::Runbook rb;
    rb.id = "demo";
    rb.params = {param("A"), param("B"), param("C"), param("D"), param("E")};
    for (auto& p : rb.params) p.default_value = "default-" + p.name;
    std::map<std::string, std::string> env{{"DEJA_PARAM_A", "env-A"}, {"DEJA_PARAM_B", "env-B"}, {"DEJA_PARAM_C", "env-C"}};
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto r = run::resolve_params(rb, {{"A", "cli-A"}}, {{"A", "log-A"}, {"B", "log-B"}}, lookup);
    REQUIRE(r.problems.empty());
    REQUIRE(r.values.size() == 5);
    CHECK(r.values[0].value == "cli-A");
    CHECK(r.values[0].source == run::ParamSource::command_line);
    CHECK(r.values[1].value == "log-B");
    CHECK(r.values[1].source == run::ParamSource::log);
    CHECK(r.values[2].value == "env-C");
    CHECK(r.values[2].source == run::ParamSource::environment);
    CHECK(r.values[2].variable == "DEJA_PARAM_C");
    CHECK(r.values[3].value == "default-D");
    CHECK(r.values[3].source == run::ParamSource::default_value);
}

TEST_CASE("a variable of a param's own name fills it only when the runbook says env: true", "[run][params]") {
    kb::Runbook rb;
    rb.id = "demo";
    rb.params = {param("PORT"), param("DATABASE_URL")};
    rb.params[0].default_value = "5432";
    rb.params[1].environment = true;
    // A PORT exported for a web server is not this runbook's PORT.
    std::map<std::string, std::string> env{{"PORT", "3000"}, {"DATABASE_URL", "postgresql://app@db/app"}};
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto r = run::resolve_params(rb, {}, {}, lookup);
    REQUIRE(r.values.size() == 2);
    CHECK(r.values[0].value == "5432");
    CHECK(r.values[0].source == run::ParamSource::default_value);
    CHECK(r.values[1].value == "postgresql://app@db/app");
    CHECK(r.values[1].variable == "DATABASE_URL");
    env["DEJA_PARAM_PORT"] = "6543";
    auto prefixed = run::resolve_params(rb, {}, {}, lookup);
    CHECK(prefixed.values[0].value == "6543");
    CHECK(prefixed.values[0].variable == "DEJA_PARAM_PORT");
}

TEST_CASE("params are validated: unknown names, whole-value patterns, choices, missing required", "[run][params]") {
    kb::Runbook rb;
    rb.id = "demo";
    auto ext = param("EXTENSION");
    ext.pattern = "[a-z0-9_]+";
    auto mode = param("MODE");
    mode.choices = {"fast", "safe"};
    auto url = param("DATABASE_URL");
    url.required = true;
    auto host = param("HOST");
    host.required = true;
    rb.params = {ext, mode, url, host};
    auto none = [](const std::string&) { return std::optional<std::string>(); };

    auto r = run::resolve_params(rb, {{"EXTENSION", "pg_trgm; DROP"}, {"MODE", "yolo"}, {"TYPO", "1"}}, {}, none);
    REQUIRE(r.problems.size() == 3);
    std::string all = r.problems[0] + "\n" + r.problems[1] + "\n" + r.problems[2];
    CHECK_THAT(all, Catch::Contains("unknown param TYPO"));
    CHECK_THAT(all, Catch::Contains("EXTENSION") && Catch::Contains("[a-z0-9_]+"));
    CHECK_THAT(all, Catch::Contains("MODE") && Catch::Contains("fast, safe"));
    // Both missing required params are reported, not just the first.
    REQUIRE(r.missing.size() == 2);
    CHECK(r.missing[0]->name == "DATABASE_URL");
    CHECK(r.missing[1]->name == "HOST");

    // The pattern applies to the whole value: a matching prefix is not enough.
    CHECK_FALSE(run::check_value(ext, "pg_trgm").size());
    CHECK(run::check_value(ext, "pg_trgm\n").size());
    CHECK(run::check_value(ext, "x$(id)").size());
}

TEST_CASE("a param given on the command line is NAME=VALUE with the first = as separator", "[run][params]") {
    auto kv = run::parse_assignment("URL=postgresql://u@h/db?sslmode=require");
    REQUIRE(kv);
    CHECK(kv->first == "URL");
    CHECK(kv->second == "postgresql://u@h/db?sslmode=require");
    CHECK(run::parse_assignment("EMPTY=")->second.empty());
    CHECK_FALSE(run::parse_assignment("no-equals"));
    CHECK_FALSE(run::parse_assignment("=value"));
}
