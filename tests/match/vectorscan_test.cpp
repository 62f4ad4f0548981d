// The Vectorscan prefilter deja writes for a signature lets through every
// line RE2 matches (a prefilter that misses is a silent miss of a known
// failure), and compiles in bounded time whatever the signature's shape.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include <hs/hs.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "match/pattern.hpp"
#include "support.hpp"

namespace {

struct Database {
    hs_database_t* db = nullptr;
    hs_scratch_t* scratch = nullptr;
    ~Database() {
        hs_free_scratch(scratch);
        hs_free_database(db);
    }
};

// True when the prefilter fires anywhere in `line`.
bool fires(const Database& database, const std::string& line) {
    bool found = false;
    hs_scan(database.db, line.data(), static_cast<unsigned>(line.size()), 0, database.scratch,
            [](unsigned, unsigned long long, unsigned long long, unsigned, void* context) -> int {
                *static_cast<bool*>(context) = true;
                return 1;
            },
            &found);
    return found;
}

void compile(const std::string& expression, Database& database) {
    hs_compile_error_t* error = nullptr;
    INFO(expression);
    REQUIRE(hs_compile(expression.c_str(), 0, HS_MODE_BLOCK, nullptr, &database.db, &error) == HS_SUCCESS);
    REQUIRE(hs_alloc_scratch(database.db, &database.scratch) == HS_SUCCESS);
}

}  // namespace

TEST_CASE("a quoted name of any length passes the prefilter wherever RE2 matches", "[match][pattern][vectorscan]") {
    // Vectorscan 5.4.9 misses `"[^"]+"` on runs of more than about 64 bytes
    // when the class leaves out one byte only and that byte follows it.
    struct Shape {
        const char* pattern;
        const char* before;
        const char* after;
    };
    const Shape shapes[] = {
        {R"re(role "(?P<ROLE>[^"]+)" does not exist)re", "FATAL:  role \"", "\" does not exist"},
        {R"re('/[^']+')re", "cp: cannot stat '/", "': No such file"},
        {R"re(key: [^ ]+ end)re", "key: ", " end"},
        {R"re(a/[^/]+/ end)re", "a/", "/ end"},
        {R"re(image "(?P<IMAGE>[^"]*)")re", "Failed to pull image \"", "\": not found"},
    };
    for (const auto& shape : shapes) {
        INFO(shape.pattern);
        auto info = match::analyse_pattern(shape.pattern);
        REQUIRE(info.ok);
        Database database;
        compile(info.prefilter, database);
        RE2 re(shape.pattern);
        REQUIRE(re.ok());
        int missed = 0;
        for (std::size_t length = 1; length <= 600; ++length) {
            std::string run;
            for (std::size_t i = 0; i < length; ++i) run += "ab-c"[i % 4];
            const std::string line = std::string(shape.before) + run + shape.after;
            if (RE2::PartialMatch(line, re) && !fires(database, line)) ++missed;
        }
        CHECK(missed == 0);
    }
}

TEST_CASE("RE2's repetition rules: stacked operators and counts over 1000 are refused", "[match][pattern][bad-input]") {
    for (const char* bad : {"a**", "a*+", "a+*", "a*?*", "a{2}{3}", "a{2}*", ",******************************",
                            "a{1001}"}) {
        INFO(bad);
        auto info = match::analyse_pattern(bad);
        CHECK_FALSE(info.ok);
    }
    for (const char* good : {"a*?", "a??", "a{2}?", "(?:a*)*", "a{1000}"}) {
        INFO(good);
        CHECK(match::analyse_pattern(good).ok);
    }
}

TEST_CASE("repeats of repeats collapse in the prefilter and stay cheap to compile", "[match][pattern][vectorscan]") {
    std::string nested = "ab|cd";
    for (int i = 0; i < 30; ++i) nested = "(?:" + nested + ")+";
    const std::string pattern = "x" + nested + "y";
    auto info = match::analyse_pattern(pattern);
    REQUIRE(info.ok);
    CHECK(info.prefilter_error.empty());
    CHECK(info.prefilter.size() < 40);  // one repeat of the alternation, not thirty
    Database database;
    compile(info.prefilter, database);
    CHECK(fires(database, "xababcdabcdy"));
    CHECK_FALSE(fires(database, "xy"));

    // Bounds multiply: (x{2,3}){4} repeats x 8 to 12 times; the prefilter may
    // take more, never less.
    auto counted = match::analyse_pattern("q(?:(?:zz){2,3}){4}q");
    REQUIRE(counted.ok);
    Database counted_db;
    compile(counted.prefilter, counted_db);
    for (int n = 8; n <= 12; ++n) CHECK(fires(counted_db, "q" + std::string(static_cast<std::size_t>(2 * n), 'z') + "q"));

    // Repeats that cannot collapse (each level adds a literal) and nest past
    // the limit leave the signature to RE2 and its atoms, with the reason.
    std::string layered = "ab|cd";
    for (int i = 0; i < 30; ++i) layered = "(?:" + layered + ")+z" + std::to_string(i);
    auto deep = match::analyse_pattern("x" + layered + "y");
    REQUIRE(deep.ok);
    CHECK(deep.prefilter.empty());
    CHECK_THAT(deep.prefilter_error, Catch::Contains("nested more than"));

    // A counted repeat Vectorscan would unroll past the budget becomes
    // open-ended: `[^"]{1,1000}` took a second to compile as written.
    auto wide = match::analyse_pattern(R"re(name "[^"]{1,1000}")re");
    REQUIRE(wide.ok);
    CHECK(wide.prefilter.find("1000") == std::string::npos);
    CHECK(wide.prefilter.find("4000") == std::string::npos);
}

TEST_CASE("one signature of stacked or nested repeats does not stop deja match", "[match][cli][bad-input]") {
    test::TempDir dir;
    std::string nested = "ab|cd";
    for (int i = 0; i < 30; ++i) nested = "(?:" + nested + ")+";
    auto runbook = [](const std::string& id, const std::string& pattern) {
        return "---\nid: " + id + "\ntitle: " + id + "\nsignatures:\n  - pattern: '" + pattern +
               "'\n---\n# " + id + "\n\n```sh\necho fixed\n```\n";
    };
    test::write_file(dir / "kb" / "runbooks" / "nested-repeats.md",
                     runbook("nested-repeats", "deploy_failure_code x" + nested + "y"));
    test::write_file(dir / "kb" / "runbooks" / "stacked-stars.md",
                     runbook("stacked-stars", "deploy_failure_code ," + std::string(30, '*')));
    test::write_file(dir / "ci.log", "step 1\ndeploy_failure_code xabcdabababy\n");
    // Before signatures were checked and collapsed, Vectorscan's parser ran
    // for minutes on these: `timeout` turns a hang into a failure.
    auto match = test::run({"timeout", "60", DEJA_BINARY, "--kb", (dir / "kb").string(), "match", "--json",
                            (dir / "ci.log").string()},
                           {{"DEJA_CACHE_DIR", (dir / "cache").string()}, {"DEJA_STATE_DIR", (dir / "state").string()}});
    INFO(match.err);
    REQUIRE(match.exit_code == 0);
    auto report = nlohmann::json::parse(match.out);
    REQUIRE_FALSE(report["matches"].empty());
    CHECK(report["matches"][0]["runbook"] == "nested-repeats");
    auto lint = test::run({"timeout", "60", DEJA_BINARY, "--kb", (dir / "kb").string(), "lint"},
                          {{"DEJA_CACHE_DIR", (dir / "cache").string()}, {"DEJA_STATE_DIR", (dir / "state").string()}});
    CHECK(lint.exit_code != 124);
    CHECK_THAT(lint.out + lint.err, Catch::Contains("bad repetition operator"));
}

TEST_CASE("a one-byte literal followed by classes is left to RE2, which Vectorscan would miss past 64 bytes",
          "[match][pattern][vectorscan]") {
    // Found by the prefilter fuzz harness: Vectorscan 5.4.9 misses `c\w`
    // when "cold" is far enough into the buffer; a two-byte literal is safe.
    for (const char* pattern : {R"re(c\w)re", R"re(c.)re", R"re(c\d)re", R"re(c[ox])re", R"re(c\w\w)re", R"re(ab\w)re"}) {
        INFO(pattern);
        auto info = match::analyse_pattern(pattern);
        REQUIRE(info.ok);
        RE2 re(pattern);
        if (info.prefilter.empty()) {
            CHECK_FALSE(info.prefilter_error.empty());
            CHECK(std::string(pattern) != R"re(ab\w)re");  // a two-byte literal keeps its prefilter
            continue;
        }
        Database database;
        compile(info.prefilter, database);
        int missed = 0;
        for (std::size_t offset = 0; offset <= 200; ++offset) {
            const std::string line = std::string(offset, ' ') + "cold c0x ab9";
            if (RE2::PartialMatch(line, re) && !fires(database, line)) ++missed;
        }
        CHECK(missed == 0);
    }
}

TEST_CASE("deja match finds a role of 65 characters as it finds one of 64", "[match][cli][vectorscan]") {
    test::TempDir dir;
    for (std::size_t length : {64u, 65u, 200u}) {
        test::write_file(dir / "one.log", "FATAL:  role \"" + std::string(length, 'r') + "\" does not exist\n");
        auto out = test::deja({"match", "--json", (dir / "one.log").string()}, dir.path());
        INFO(length << ": " << out.err);
        CHECK(out.exit_code == 0);
        auto report = nlohmann::json::parse(out.out);
        REQUIRE_FALSE(report["matches"].empty());
        CHECK(report["matches"][0]["params"]["ROLE"] == std::string(length, 'r'));
    }
}
