#include <catch2/catch.hpp>

#include <hs/hs.h>

#include "match/pattern.hpp"

namespace {

// Whether Vectorscan, compiled from `expression`, finds a match in `text`.
bool vectorscan_matches(const std::string& expression, const std::string& text) {
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile(expression.c_str(), 0, HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
        std::string message = error->message;
        hs_free_compile_error(error);
        FAIL("Vectorscan rejected " << expression << ": " << message);
    }
    hs_scratch_t* scratch = nullptr;
    hs_alloc_scratch(db, &scratch);
    bool found = false;
    hs_scan(db, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
            [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
                *static_cast<bool*>(ctx) = true;
                return 1;
            },
            &found);
    hs_free_scratch(scratch);
    hs_free_database(db);
    return found;
}

}  // namespace

TEST_CASE("prefilters are supersets of the RE2 pattern on raw lines", "[match][pattern]") {
    struct Case {
        const char* pattern;
        const char* raw_line;  // a line whose cleaned form the pattern matches
    };
    const Case cases[] = {
        {R"re(^ERROR:\s+relation "(?P<RELATION>[^"]+)" does not exist$)re",
         "2025-10-01T23:34:05.1Z ERROR:  relation \"users\" does not exist"},
        {R"re(type "(?P<EXTENSION>vector|hstore|citext)" does not exist)re", "asyncpg: type \"citext\" does not exist"},
        {R"re((?i)exec format error)re", "standard_init_linux.go:228: EXEC FORMAT ERROR"},
        {R"re(\Aexec (?P<SCRIPT>\S+): permission denied\z)re", "api-1  | exec ./run.sh: permission denied"},
        {R"re(relation "\pL+" does not exist)re", "relation \"\xC3\xA9t\xC3\xA9\" does not exist"},
        {R"re(value "." is invalid)re", "value \"\xC3\xA9\" is invalid"},
        {R"re(\Qa.b*c\E done)re", "x a.b*c done"},
        {R"re(code [0-9]{3} at \x{263A})re", "code 137 at \xE2\x98\xBA"},
        {R"re(port (?P<PORT>\d+) is already allocated)re", "Bind for 0.0.0.0:5432 failed: port 5432 is already allocated"},
        {R"re(\bOOMKilled\b)re", "Reason: OOMKilled"},
    };
    for (const auto& c : cases) {
        INFO(c.pattern);
        auto info = match::analyse_pattern(c.pattern);
        REQUIRE(info.ok);
        INFO("prefilter: " << info.prefilter);
        CHECK(vectorscan_matches(info.prefilter, c.raw_line));
    }
}

TEST_CASE("named groups are collected and patterns that are not RE2 are refused", "[match][pattern]") {
    auto info = match::analyse_pattern(R"re(host "(?P<HOST>[^"]+)" port (?P<PORT>\d+))re");
    REQUIRE(info.ok);
    CHECK(info.group_names == std::vector<std::string>{"HOST", "PORT"});
    CHECK_FALSE(match::analyse_pattern("(unclosed").ok);
    CHECK_FALSE(match::analyse_pattern(R"re((a)\1)re").ok);
    CHECK_FALSE(match::analyse_pattern("*oops").ok);
}

TEST_CASE("groups nested without end are refused, not followed down the stack", "[match][pattern][bad-input]") {
    auto nested = [](int depth, const char* open) {
        std::string p = "marker ";
        for (int i = 0; i < depth; ++i) p += open;
        p += "x";
        return p + std::string(static_cast<std::size_t>(depth), ')');
    };
    auto ok = match::analyse_pattern(nested(256, "(?:"));
    CHECK(ok.ok);
    CHECK(ok.required == std::vector<std::string>{"marker x"});
    for (const char* open : {"(", "(?:", "(?i:"}) {
        auto deep = match::analyse_pattern(nested(50000, open));
        CHECK_FALSE(deep.ok);
        CHECK_THAT(deep.error, Catch::Contains("nested more than 256 deep"));
    }
    // Flag groups that close at once do not count as nesting.
    CHECK(match::analyse_pattern(nested(200, "(?i)(?:")).ok);
}

TEST_CASE("specificity: literal text every match contains, identifiers weighing most", "[match][pattern]") {
    auto required = [](const char* p) { return match::analyse_pattern(p).required; };
    CHECK(required(R"re(operator class "g(?:in|ist)_trgm_ops" does not exist)re") ==
          std::vector<std::string>{"operator class \"gin_trgm_ops\" does not exist"});
    CHECK(required(R"re(relation "[^"]+" does not exist)re") ==
          std::vector<std::string>{"relation \"", "\" does not exist"});
    CHECK(required(R"re(a+b?c)re") == std::vector<std::string>{"a", "c"});

    auto weight = [](const char* p) { return match::analyse_pattern(p).weight; };
    CHECK(weight("ImagePullBackOff") > weight("permission denied"));
    CHECK(weight(R"re(operator class "gin_trgm_ops" does not exist for access method)re") > 40);
    CHECK(weight("connection refused") < 8);
    CHECK(weight("not found") < 8);
    CHECK(match::strength(0) == 0);
    CHECK(match::strength(60) > 0.9);
    CHECK(match::strength(60) < 1.0);
}

TEST_CASE("an anchor handed to Vectorscan ends where its last bytes are unusual", "[match][pattern]") {
    // Ending in ordinary words ("after "), it is cut back to the code.
    const std::string generated = "scheduler_acquire_failed code=E1841 after ";
    std::string_view cut = match::anchor_literal(generated, false);
    CHECK(cut.starts_with("scheduler_acquire_failed code=E1841"));
    CHECK(cut.size() < generated.size());
    // Already ending in capitals: whole.
    CHECK(match::anchor_literal("connect ECONNREFUSED", false) == "connect ECONNREFUSED");
    // When case does not count, capitals are not unusual.
    CHECK(match::anchor_literal("connect ECONNREFUSED after it", true) == "connect ECONNREFUSED after it");
    CHECK(match::anchor_literal("connect ECONNREFUSED after it", false) == "connect ECONNREFUSED");
    // Short anchors stay whole, and a cut never goes below twelve bytes.
    CHECK(match::anchor_literal("E1841 after", false) == "E1841 after");
    for (std::string anchor : {generated, std::string("sorry, too many clients already"),
                               std::string("(custom.metrics.k8s.io) registered by nobody at all")}) {
        std::string_view part = match::anchor_literal(anchor, false);
        CHECK(part.size() >= 12);
        CHECK(anchor.compare(0, part.size(), part) == 0);  // a prefix: every match still contains it
    }
}
