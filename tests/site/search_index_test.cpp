// The site's search index: identifiers found whole and by part, noise left
// out, and postings that decode back to the documents and fields indexed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "base/text.hpp"
#include "site/search_index.hpp"
#include "support.hpp"

namespace {

bool has(const std::vector<std::pair<std::string, site::Field>>& tokens, const std::string& token, site::Field field) {
    return std::find(tokens.begin(), tokens.end(), std::make_pair(token, field)) != tokens.end();
}

bool has_token(const std::vector<std::pair<std::string, site::Field>>& tokens, const std::string& token) {
    return std::any_of(tokens.begin(), tokens.end(), [&](const auto& t) { return t.first == token; });
}

// The decoder search.js uses, in C++: (doc, field) pairs.
std::vector<std::pair<int, int>> decode(std::string_view list) {
    const std::string_view final_digits = "0123456789abcdefghijklmnopqrstuv";
    const std::string_view more_digits = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#";
    std::vector<std::pair<int, int>> out;
    long value = 0;
    int doc = 0;
    for (char c : list) {
        auto f = final_digits.find(c);
        if (f == std::string_view::npos) {
            value = value * 32 + static_cast<long>(more_digits.find(c));
            continue;
        }
        value = value * 32 + static_cast<long>(f);
        doc += static_cast<int>(value / 4);
        out.emplace_back(doc, static_cast<int>(value % 4));
        value = 0;
    }
    return out;
}

// token -> postings, read back from the t-*.js files.
std::map<std::string, std::string> read_shards(const std::filesystem::path& dir) {
    std::map<std::string, std::string> postings;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "search")) {
        std::string name = entry.path().filename().string();
        if (name.rfind("t-", 0) != 0) continue;
        std::string js = test::read_file(entry.path());
        auto parts = base::text::split(js, '"');
        REQUIRE(parts.size() >= 6);
        auto words = base::text::split(parts[3], ' ');
        auto lists = base::text::split(parts[5], ' ');
        REQUIRE(words.size() == lists.size());
        for (std::size_t i = 0; i < words.size(); ++i) postings[std::string(words[i])] = std::string(lists[i]);
    }
    return postings;
}

}  // namespace

TEST_CASE("identifiers are indexed whole and by their parts", "[site][search]") {
    auto tokens = site::tokenize("operator class \"gin_trgm_ops\" psycopg.errors.UndefinedObject HTTPServer", site::Field::error);
    CHECK(has(tokens, "gin_trgm_ops", site::Field::error));
    CHECK(has(tokens, "trgm", site::Field::body));  // a part counts one field lower
    CHECK(has(tokens, "gin", site::Field::body));
    CHECK(has(tokens, "undefinedobject", site::Field::error));
    CHECK(has(tokens, "undefined", site::Field::body));
    CHECK(has(tokens, "object", site::Field::body));
    CHECK(has(tokens, "psycopg", site::Field::error));
    CHECK(has(tokens, "http", site::Field::body));
    CHECK(has(tokens, "server", site::Field::body));
    auto body = site::tokenize("gin_trgm_ops", site::Field::body);
    CHECK(has(body, "trgm", site::Field::part));
}

TEST_CASE("stop words, long numbers and hashes stay out of the index", "[site][search]") {
    auto tokens = site::tokenize("the error was 42704 at 20251029123456 in 9f86d081884c7d65 ü-ber a x", site::Field::body);
    CHECK_FALSE(has_token(tokens, "the"));
    CHECK_FALSE(has_token(tokens, "was"));
    CHECK(has_token(tokens, "42704"));
    CHECK_FALSE(has_token(tokens, "20251029123456"));
    CHECK_FALSE(has_token(tokens, "9f86d081884c7d65"));
    CHECK_FALSE(has_token(tokens, "x"));
    CHECK(has_token(tokens, "ber"));
    CHECK(has_token(tokens, "error"));
    auto unicode = site::tokenize("Größe ✅ déjà", site::Field::body);
    CHECK(has_token(unicode, "größe"));  // ASCII-only lower-casing: G -> g
    CHECK(has_token(unicode, "déjà"));

    // Every listed stop word and nothing that merely starts or ends like one.
    for (std::string_view word : site::stop_words()) CHECK(site::is_stop_word(word));
    for (std::string_view word : {"th", "thee", "them", "othe", "while_", "wille", "ann", "", "whichever"})
        CHECK_FALSE(site::is_stop_word(word));
}

TEST_CASE("postings decode to the documents and best field of each token", "[site][search]") {
    site::SearchIndexBuilder builder;
    for (int d = 0; d < 700; ++d) {
        auto doc = builder.add({'i', "incidents/" + std::to_string(d) + ".html", "doc " + std::to_string(d), "", "", ""});
        builder.index(doc, d % 100 == 0 ? "gin_trgm_ops failure" : "plain words", site::Field::body);
        if (d == 300) builder.index(doc, "failure in title", site::Field::title);
    }
    test::TempDir dir;
    auto written = builder.write(dir.path());
    REQUIRE(written);
    auto postings = read_shards(dir.path());

    auto gin = decode(postings.at("gin_trgm_ops"));
    REQUIRE(gin.size() == 7);
    CHECK(gin[0] == std::make_pair(0, 1));
    CHECK(gin[6] == std::make_pair(600, 1));
    auto failure = decode(postings.at("failure"));
    REQUIRE(failure.size() == 7);
    CHECK(failure[3] == std::make_pair(300, 3));  // the title hit wins over the body hit
    CHECK(decode(postings.at("trgm"))[1] == std::make_pair(100, 0));
    CHECK(decode(postings.at("plain")).size() == 693);

    // Document rows in blocks, and the meta file naming the shards.
    CHECK(std::filesystem::exists(dir / "search" / "d-0.js"));
    CHECK(std::filesystem::exists(dir / "search" / "d-2.js"));
    CHECK_FALSE(std::filesystem::exists(dir / "search" / "d-3.js"));
    std::string meta = test::read_file(dir / "search" / "meta.js");
    CHECK(meta.find("\"docs\":700") != std::string::npos);
    CHECK(meta.find("\"shards\":[\"f\",\"g\",\"o\",\"p\",\"t\",\"w\"]") != std::string::npos);
}

TEST_CASE("builders filled for consecutive ranges of documents append to the same index", "[site][search]") {
    auto fill = [](site::SearchIndexBuilder& builder, int from, int to) {
        for (int d = from; d < to; ++d) {
            auto doc = builder.add({'i', "incidents/" + std::to_string(d) + ".html", "doc", "", "", ""});
            REQUIRE(doc == static_cast<std::uint32_t>(d));
            builder.index(doc, "word" + std::to_string(d % 7) + " shared gin_trgm_ops", site::Field::body);
            if (d % 5 == 0) builder.index(doc, "shared", site::Field::title);
        }
    };
    site::SearchIndexBuilder whole;
    fill(whole, 0, 600);
    site::SearchIndexBuilder first, second(250), third(251);
    fill(first, 0, 250);
    fill(second, 250, 251);
    fill(third, 251, 600);
    first.append(std::move(second));
    first.append(std::move(third));
    CHECK(first.size() == 600);

    test::TempDir a, b;
    REQUIRE(whole.write(a.path()));
    REQUIRE(first.write(b.path()));
    for (const auto& entry : std::filesystem::directory_iterator(a / "search"))
        CHECK(test::read_file(entry.path()) == test::read_file(b / "search" / entry.path().filename()));

    site::SearchIndexBuilder out_of_order(300);
    CHECK_THROWS_AS(first.append(std::move(out_of_order)), std::logic_error);
}
