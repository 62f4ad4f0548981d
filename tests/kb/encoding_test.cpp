// Text repair: BOM, line ends, invalid UTF-8 and double-encoded UTF-8.
#include <catch2/catch.hpp>

#include "kb/encoding.hpp"
#include "kb/load.hpp"
#include "base/text.hpp"

namespace {

// What a tool does when it reads UTF-8 as Windows-1252 and writes UTF-8 again.
std::string double_encode(std::string_view utf8, bool drop_undefined = false) {
    static const char32_t high[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};
    std::string out;
    for (char c : utf8) {
        auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
            out += c;
        } else if (b < 0xA0) {
            char32_t cp = high[b - 0x80];
            if (cp == 0 && drop_undefined) continue;
            base::text::append_utf8(out, cp == 0 ? b : cp);
        } else {
            base::text::append_utf8(out, b);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("repair_text removes a BOM and normalises line ends", "[kb][encoding]") {
    CHECK(kb::repair_text("\xEF\xBB\xBF# Title\r\nline\r\n") == "# Title\nline\n");
    CHECK(kb::repair_text("a\rb\r\nc\n") == "a\nb\nc\n");
    CHECK(kb::repair_text("") == "");
}

TEST_CASE("repair_text replaces invalid UTF-8 with U+FFFD", "[kb][encoding]") {
    // Each input has valid UTF-8 elsewhere ("é"), so it is UTF-8 with damage.
    CHECK(kb::repair_text("\xC3\xA9 bad \xFF byte") == "\xC3\xA9 bad \xEF\xBF\xBD byte");
    CHECK(kb::repair_text("\xC3\xA9 cut \xE2\x9C") == "\xC3\xA9 cut \xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(kb::repair_text("\xC3\xA9 overlong \xC0\xAF") == "\xC3\xA9 overlong \xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(kb::repair_text("\xC3\xA9 surrogate \xED\xA0\x80") ==
          "\xC3\xA9 surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    CHECK(base::text::is_valid_utf8(kb::repair_text(std::string("\xC3\xA9\x80\x81\xFE\xC3", 6))));

    kb::encoding::Decoding decoding;
    kb::repair_text("# \xC3\xA9t\xC3\xA9\r\nok\r\nbad \xFF and \xFE\n", &decoding);
    CHECK(decoding.invalid == 2);
    CHECK(decoding.first_line == 3);
    CHECK_FALSE(decoding.legacy);
}

TEST_CASE("a file with no UTF-8 at all is read as Windows-1252", "[kb][encoding]") {
    kb::encoding::Decoding decoding;
    CHECK(kb::repair_text("# Caf\xE9 down\r\n\x93quoted\x94 \x80 5\n", &decoding) ==
          "# Caf\xC3\xA9 down\n\u201Cquoted\u201D \u20AC 5\n");
    CHECK(decoding.legacy);
    CHECK(decoding.first_line == 1);
    // The five bytes Windows-1252 leaves undefined have nothing to stand for.
    CHECK(kb::repair_text("x\x81y") == "x\xEF\xBF\xBDy");
    CHECK(base::text::is_valid_utf8(kb::repair_text(std::string("\x80\x81\xFE\xC3", 4))));

    kb::encoding::Decoding clean;
    kb::repair_text("plain ASCII\n\xC3\xA9\n", &clean);
    CHECK(clean.invalid == 0);
    CHECK_FALSE(clean.legacy);
}

TEST_CASE("repair_text reverses double encoding", "[kb][encoding]") {
    SECTION("emoji, check marks, punctuation and accents") {
        for (std::string meant : {"# \U0001F389 Victory \U0001F389", "Status: \u2705 RESOLVED", "port 5433 \u2192 5432",
                                  "don\u2019t \u2014 ok", "Jos\u00e9 Garc\u00eda", "\u274C failed", "na\u00efve caf\u00e9",
                                  "\U0001F50D Root cause"}) {
            INFO(meant);
            CHECK(kb::repair_text(double_encode(meant)) == meant);
        }
    }
    SECTION("the sample forms quoted in reports") {
        CHECK(kb::repair_text("# \u00f0\u0178\u017d\u2030") == "# \U0001F389");
        CHECK(kb::repair_text("\u00e2\u0153\u2026 done") == "\u2705 done");
        CHECK(kb::repair_text("r\u00c3\u00ado") == "r\u00edo");
    }
    SECTION("a byte dropped by the decoder is restored when the result is a common symbol") {
        // 0x9D inside the cross mark and 0x8D at the end of the magnifier were dropped.
        CHECK(kb::repair_text(double_encode("(\u274C wrong)", true)) == "(\u274C wrong)");
        CHECK(kb::repair_text(double_encode("## \U0001F50D Root Cause", true)) == "## \U0001F50D Root Cause");
    }
    SECTION("a lost soft hyphen inside a word is read as the i-acute it belonged to") {
        std::string lost = double_encode("V\u00edctor \u2705");
        std::string marker = "\u00c3\u00ad";  // the soft hyphen U+00AD is the second half
        lost.erase(lost.find(marker) + 2, 2);
        REQUIRE(lost.find("V\u00c3ctor") != std::string::npos);
        CHECK(kb::repair_text(lost) == "V\u00edctor \u2705");
    }
    SECTION("text that is not double-encoded is left alone") {
        for (std::string text : {"plain ASCII", "caf\u00e9 \u2014 na\u00efve", "\u00c3 alone", "\u00a9 2024 \u00ae",
                                 "price: 5\u20ac", "\u00c3\u00a9 wait", "emoji \U0001F680 ok"}) {
            INFO(text);
            // "Ã©" is genuinely ambiguous; everything else must be untouched.
            if (text == "\u00c3\u00a9 wait") {
                CHECK(kb::repair_text(text) == "\u00e9 wait");
                continue;
            }
            CHECK(kb::repair_text(text) == text);
        }
    }
    SECTION("the result is always valid UTF-8") {
        std::string noisy;
        for (int i = 0; i < 256; ++i) noisy += static_cast<char>(i);
        CHECK(base::text::is_valid_utf8(kb::repair_text(noisy)));
        CHECK(base::text::is_valid_utf8(kb::repair_text(double_encode(noisy.substr(0x20)))));
    }
}

TEST_CASE("binary data is recognised", "[kb][encoding]") {
    CHECK(kb::encoding::looks_binary(std::string("PK\x03\x04\0\0", 6)));
    CHECK_FALSE(kb::encoding::looks_binary("# A normal report\n\nwith text\ttabs\n"));
    CHECK_FALSE(kb::encoding::looks_binary(""));
    // Without a NUL: more than one byte in ten a control character other
    // than tab, newline, form feed, carriage return or escape.
    std::string text(90, 'a');
    CHECK_FALSE(kb::encoding::looks_binary(text + std::string(10, '\x01')));
    CHECK(kb::encoding::looks_binary(text + std::string(11, '\x01')));
    CHECK(kb::encoding::looks_binary(text + std::string(11, '\x1f')));
    CHECK_FALSE(kb::encoding::looks_binary(text + std::string(11, '\x7f')));
    CHECK_FALSE(kb::encoding::looks_binary(text + std::string(30, '\x1b') + "\t\n\f\r\t\n\f\r" + std::string(20, ' ')));
    CHECK_FALSE(kb::encoding::looks_binary(std::string(20, '\xC3') + std::string(20, '\xA9')));  // bytes above 0x7F
    // Only the first 8 KiB are looked at.
    CHECK_FALSE(kb::encoding::looks_binary(std::string(8192, 'a') + std::string(1000, '\0')));
}
