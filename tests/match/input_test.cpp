#include <catch2/catch.hpp>

#include <zlib.h>

#include "match/fixture_kb.hpp"
#include "match/input.hpp"
#include "support.hpp"

namespace {

std::string gzip(const std::string& data) {
    z_stream s{};
    deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&s, data.size()) + 64, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    s.avail_in = static_cast<uInt>(data.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

std::string read_all(const match::Input& input) {
    auto source = match::open_input(input);
    REQUIRE(source);
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = (*source)->read(buf, sizeof buf);
        REQUIRE(n);
        if (*n == 0) break;
        out.append(buf, *n);
    }
    return out;
}

}  // namespace

TEST_CASE("gzip is detected by its magic bytes and read as a stream", "[match][input]") {
    std::string log;
    for (int i = 0; i < 20000; ++i) log += "line " + std::to_string(i) + " of a compressed log\n";
    log += "ERROR:  relation \"users\" does not exist\n";
    test::TempDir dir;
    test::write_file(dir / "ci.log.gz", gzip(log));
    test::write_file(dir / "ci.log", log);
    CHECK(read_all(match::Input::file(dir / "ci.log.gz")) == log);
    // The name does not matter, the bytes do.
    test::write_file(dir / "renamed.txt", gzip(log));
    CHECK(read_all(match::Input::file(dir / "renamed.txt")) == log);
    // Concatenated members (cat a.gz b.gz) are one stream.
    test::write_file(dir / "two.gz", gzip("first\n") + gzip("second\n"));
    CHECK(read_all(match::Input::file(dir / "two.gz")) == "first\nsecond\n");

    auto report = match::scan(test::match_kb::matcher(), {match::Input::file(dir / "ci.log.gz")});
    REQUIRE(report);
    CHECK(report->lines == 20001);
    REQUIRE(report->found());
    CHECK(report->matches.front().evidence.front().line == 20001);
}

TEST_CASE("UTF-16 logs with a byte order mark are read as UTF-8, compressed or not", "[match][input]") {
    // As PowerShell's `>` writes: UTF-16LE with FF FE. Text beyond the BMP
    // (an emoji, a surrogate pair) and a long log that crosses reads.
    std::u16string text = u"pytest \u2014 \U0001F525 start\r\n";
    for (int i = 0; i < 40000; ++i) text += u"line " + std::u16string(1, char16_t(u'0' + i % 10)) + u"\r\n";
    text += u"ERROR:  relation \"users\" does not exist\r\n";
    auto encode = [&](bool little) {
        std::string out = little ? "\xff\xfe" : "\xfe\xff";
        for (char16_t u : text) {
            char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
            out += little ? std::string{lo, hi} : std::string{hi, lo};
        }
        return out;
    };
    test::TempDir dir;
    test::write_file(dir / "le.log", encode(true));
    test::write_file(dir / "be.log", encode(false));
    test::write_file(dir / "le.log.gz", gzip(encode(true)));
    for (const char* name : {"le.log", "be.log", "le.log.gz"}) {
        INFO(name);
        auto utf8 = read_all(match::Input::file(dir / name));
        CHECK(utf8.rfind("pytest \xE2\x80\x94 \xF0\x9F\x94\xA5 start\r\n", 0) == 0);  // no BOM left
        auto report = match::scan(test::match_kb::matcher(), {match::Input::file(dir / name)});
        REQUIRE(report);
        REQUIRE(report->found());
        CHECK(report->matches.front().runbook == std::optional<std::string>("pg-relation-missing"));
        CHECK(report->matches.front().evidence.front().line == 40002);
        CHECK(report->matches.front().params.at("RELATION") == "users");
    }
    // A lone surrogate and an odd last byte are replaced, not fatal.
    test::write_file(dir / "broken.log", std::string("\xff\xfe" "a\x00\x00\xd8" "b\x00\n\x00\x01", 11));
    CHECK(read_all(match::Input::file(dir / "broken.log")) == "a\xEF\xBF\xBD" "b\n\xEF\xBF\xBD");
}

TEST_CASE("a damaged gzip stream is an input error, not a crash", "[match][input]") {
    test::TempDir dir;
    std::string compressed = gzip(std::string(100000, 'x'));
    test::write_file(dir / "cut.gz", compressed.substr(0, compressed.size() / 2));
    auto report = match::scan(test::match_kb::matcher(), {match::Input::file(dir / "cut.gz")});
    REQUIRE_FALSE(report);
    CHECK(report.error().message.find("cannot read") == 0);
    CHECK(report.error().message.find("gzip") != std::string::npos);

    std::string garbled = compressed;
    for (std::size_t i = 20; i < 60; ++i) garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
    test::write_file(dir / "garbled.gz", garbled);
    CHECK_FALSE(match::scan(test::match_kb::matcher(), {match::Input::file(dir / "garbled.gz")}));
}

TEST_CASE("a missing file names itself and the reason", "[match][input]") {
    auto report = match::scan(test::match_kb::matcher(), {match::Input::file("/nonexistent/ci.log")});
    REQUIRE_FALSE(report);
    CHECK(report.error().message == "cannot read /nonexistent/ci.log (No such file or directory)");
}

TEST_CASE("line blocks hold whole lines and cap very long ones", "[match][input]") {
    std::string text = "short\n" + std::string(5000, 'a') + "\nafter\nlast-without-newline";
    auto source = match::open_input(match::Input::from_text("t", text));
    REQUIRE(source);
    match::LineBlocks blocks(**source, "t", 256, 100);
    std::string joined;
    for (;;) {
        auto block = blocks.next();
        REQUIRE(block);
        if (block->empty()) break;
        REQUIRE(block->back() == '\n');
        joined.append(block->data(), block->size());
    }
    CHECK(joined == "short\n" + std::string(100, 'a') + "\nafter\nlast-without-newline\n");
}
