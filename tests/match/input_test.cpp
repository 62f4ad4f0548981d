#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "match/fixture_kb.hpp"
#include "match/input.hpp"
#include "match/compress.hpp"
#include "support.hpp"

using test::gzip;
using test::xz;
using test::zstd;
using test::deflate_raw;

namespace {

// A zip archive laid out as zip tools write one (local headers, deflated
// data, the central directory), by hand: libarchive's writer would drag
// its XML formats into the test binary. A path ending in '/' is a folder.
std::string zip(const std::vector<std::pair<std::string, std::string>>& files) {
    auto put = [](std::string& out, std::size_t value, int bytes) {
        for (int i = 0; i < bytes; ++i) out += static_cast<char>(value >> (8 * i) & 0xFF);
    };
    std::string out, directory;
    for (const auto& file : files) {
        // Named references, not a structured binding: clang 14 cannot capture those.
        const std::string& path = file.first;
        const std::string& data = file.second;
        const bool folder = path.ends_with('/');
        const std::string packed = data.empty() ? "" : deflate_raw(data);
        const auto crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        const std::size_t offset = out.size();
        auto header = [&](std::string& to, bool central) {
            put(to, central ? 0x02014b50 : 0x04034b50, 4);
            if (central) put(to, 20, 2);  // made by: MS-DOS, zip 2.0
            put(to, 20, 2);               // needs zip 2.0
            put(to, 0, 2);                // flags
            put(to, data.empty() ? 0 : 8, 2);  // stored or deflated
            put(to, 0, 2);                // time
            put(to, 0x21, 2);             // date: 1980-01-01
            put(to, crc, 4);
            put(to, packed.size(), 4);
            put(to, data.size(), 4);
            put(to, path.size(), 2);
            put(to, 0, 2);  // extra field
            if (central) {
                put(to, 0, 2);  // comment
                put(to, 0, 2);  // disk
                put(to, 0, 2);  // internal attributes
                put(to, folder ? 0x10 : 0x20, 4);  // MS-DOS folder or archive bit
                put(to, offset, 4);
            }
            to += path;
        };
        header(out, false);
        out += packed;
        header(directory, true);
    }
    const std::size_t directory_offset = out.size();
    out += directory;
    put(out, 0x06054b50, 4);
    put(out, 0, 4);  // disk numbers
    put(out, files.size(), 2);
    put(out, files.size(), 2);
    put(out, directory.size(), 4);
    put(out, directory_offset, 4);
    put(out, 0, 2);  // comment
    return out;
}

// The start of a real PNG file: its signature and header chunk.
std::string png() {
    return std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xff\x61", 33) +
           std::string(200, '\x5a');
}

const match::Match* found(const match::Report& report, const std::string& runbook) {
    auto it = std::find_if(report.matches.begin(), report.matches.end(),
                           [&](const match::Match& m) { return m.runbook == std::optional<std::string>(runbook); });
    return it == report.matches.end() ? nullptr : &*it;
}

// The error that stops reading an input, or "" when it reads to the end.
std::string read_error(const match::Input& input, std::uint64_t max_expanded = match::default_max_expanded) {
    auto source = match::open_input(input, max_expanded);
    if (!source) return source.error().message;
    char buf[4096];
    for (;;) {
        auto n = (*source)->read(buf, sizeof buf);
        if (!n) return n.error().message;
        if (*n == 0) return "";
    }
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

TEST_CASE("xz and zstd are detected by their magic bytes and read as a stream", "[match][input]") {
    std::string log;
    for (int i = 0; i < 20000; ++i) log += "line " + std::to_string(i) + " of a compressed log\n";
    log += "ERROR:  relation \"users\" does not exist\n";
    test::TempDir dir;
    test::write_file(dir / "ci.log.xz", xz(log));
    test::write_file(dir / "ci.log.zst", zstd(log));
    test::write_file(dir / "renamed.txt", zstd(log));
    // Concatenated streams and frames (cat a.xz b.xz) are one stream.
    test::write_file(dir / "two.xz", xz("first\n") + xz("second\n"));
    test::write_file(dir / "two.zst", zstd("first\n") + zstd("second\n"));
    for (const char* name : {"ci.log.xz", "ci.log.zst", "renamed.txt"}) {
        INFO(name);
        CHECK(read_all(match::Input::file(dir / name)) == log);
        auto report = match::scan(test::match_kb::matcher(), {match::Input::file(dir / name)});
        REQUIRE(report);
        CHECK(report->lines == 20001);
        REQUIRE(report->found());
        CHECK(report->matches.front().evidence.front().line == 20001);
    }
    CHECK(read_all(match::Input::file(dir / "two.xz")) == "first\nsecond\n");
    CHECK(read_all(match::Input::file(dir / "two.zst")) == "first\nsecond\n");
    // Piped: the bytes tell, not a file name.
    CHECK(read_all(match::Input::from_text("stdin", xz(log))) == log);
    CHECK(read_all(match::Input::from_text("stdin", zstd(log))) == log);
}

TEST_CASE("a zip archive is read file by file, each file named inside the archive", "[match][input]") {
    std::string migrate;
    for (int i = 0; i < 3000; ++i) migrate += "2025-10-01T23:34:01Z migration step " + std::to_string(i) + "\n";
    // No newline at the end: the next file's first line is still a line of its own.
    migrate += "psycopg.errors.UndefinedObject: operator class \"gin_trgm_ops\" does not exist for access method \"gin\"";
    const std::string tests = "collecting tests\nERROR:  relation \"users\" does not exist\n";
    const std::string archive = zip({{"build/", ""},
                                     {"build/1_Migrate.txt", migrate},
                                     {"build/screenshot.png", png()},
                                     {"build/2_Run tests.txt", tests}});
    REQUIRE(archive.starts_with("PK\x03\x04"));
    test::TempDir dir;
    test::write_file(dir / "logs.zip", archive);
    const std::string name = (dir / "logs.zip").string();
    // As one stream: the logs one after the other; the screenshot is no log.
    CHECK(read_all(match::Input::file(dir / "logs.zip")) == migrate + "\n" + tests);
    // A file is read through its central directory, a stream from the front.
    for (const auto& input : {match::Input::file(dir / "logs.zip"), match::Input::from_text(name, archive)}) {
        INFO(static_cast<int>(input.kind));
        auto report = match::scan(test::match_kb::matcher(), {input});
        REQUIRE(report);
        CHECK(report->sources == std::vector<std::string>{name + ":build/1_Migrate.txt", name + ":build/2_Run tests.txt"});
        CHECK(report->lines == 3001 + 2);
        const auto* extension = found(*report, "pg-extension-missing");
        REQUIRE(extension);
        CHECK(extension->evidence.front().source == name + ":build/1_Migrate.txt");
        CHECK(extension->evidence.front().line == 3001);
        const auto* relation = found(*report, "pg-relation-missing");
        REQUIRE(relation);
        CHECK(relation->evidence.front().source == name + ":build/2_Run tests.txt");
        CHECK(relation->evidence.front().line == 2);  // lines count from each file's start
        CHECK(relation->params.at("RELATION") == "users");
    }
    // A compressed log inside the archive is read too.
    test::write_file(dir / "nested.zip", zip({{"ci.log.gz", gzip(tests)}}));
    CHECK(read_all(match::Input::file(dir / "nested.zip")) == tests);

    test::write_file(dir / "empty.zip", zip({}));
    CHECK(read_error(match::Input::file(dir / "empty.zip")) ==
          "cannot read " + (dir / "empty.zip").string() + " (an empty zip archive)");
    test::write_file(dir / "pictures.zip", zip({{"a.png", png()}}));
    CHECK(read_error(match::Input::file(dir / "pictures.zip")) ==
          "cannot read " + (dir / "pictures.zip").string() + " (a zip archive with no log in it, only binary files)");
}

TEST_CASE("damaged xz, zstd and zip data are input errors that say so", "[match][input]") {
    // Lines that never repeat, so that every part of the compressed data
    // holds some of them (zstd decodes a 128 KiB block at a time).
    std::string log = "ERROR:  relation \"users\" does not exist\n";
    for (int i = 0; i < 60000; ++i) log += "step " + std::to_string(i * 7919 % 1000003) + " done\n";
    test::TempDir dir;
    struct Case {
        const char* name;
        std::string data;
        const char* truncated;
        const char* corrupt;
    };
    for (const auto& c : {Case{"ci.log.xz", xz(log), "truncated xz data", "corrupt xz data"},
                          Case{"ci.log.zst", zstd(log), "truncated zstd data", "corrupt zstd data"}}) {
        INFO(c.name);
        const std::string cut = (dir / (std::string("cut-") + c.name)).string();
        test::write_file(cut, c.data.substr(0, c.data.size() / 2));
        auto failed = match::scan(test::match_kb::matcher(), {match::Input::file(cut)});
        REQUIRE_FALSE(failed);
        CHECK(failed.error().message == "cannot read " + cut + " (" + c.truncated + ")");
        // What was read before the damage is still matched when asked to go on.
        match::Options go_on;
        go_on.on_input_error = match::InputError::report_and_go_on;
        auto partial = match::scan(test::match_kb::matcher(), {match::Input::file(cut)}, go_on);
        REQUIRE(partial);
        CHECK(partial->found());
        CHECK(partial->input_errors == std::vector<std::string>{failed.error().message});

        std::string garbled = c.data;
        for (std::size_t i = garbled.size() / 2; i < garbled.size() / 2 + 40; ++i)
            garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
        const std::string bad = (dir / (std::string("garbled-") + c.name)).string();
        test::write_file(bad, garbled);
        auto corrupt = read_error(match::Input::file(bad));
        CHECK(corrupt.starts_with("cannot read " + bad + " (" + c.corrupt));
    }
    std::string archive = zip({{"1_Build.txt", log}, {"2_Test.txt", log}});
    test::write_file(dir / "cut.zip", archive.substr(0, archive.size() / 2));
    auto cut = read_error(match::Input::file(dir / "cut.zip"));
    CHECK(cut.starts_with("cannot read " + (dir / "cut.zip").string()));
    CHECK(cut.find("zip") != std::string::npos);
}

TEST_CASE("decompression stops at a cap, in case of a zip bomb", "[match][input]") {
    std::string lines;
    while (lines.size() < (2 << 20)) lines += "the same line, again and again\n";
    const std::string cap = " (expands to more than 1 MiB when decompressed; not read further, in case it is a zip bomb)";
    for (const auto& bomb : {gzip(lines), xz(lines), zstd(lines)})
        CHECK(read_error(match::Input::from_text("bomb", bomb), 1 << 20) == "cannot read bomb" + cap);
    // The files of an archive count together, and the archive is named.
    std::string half = lines.substr(0, 700 << 10);
    auto archive = zip({{"a.txt", half}, {"b.txt", half}});
    CHECK(read_error(match::Input::from_text("bomb.zip", archive), 1 << 20) == "cannot read bomb.zip" + cap);
    CHECK(read_error(match::Input::from_text("bomb.zip", archive), 2 << 20).empty());
    // A plain file is not decompressed, and not capped.
    CHECK(read_error(match::Input::from_text("plain", lines), 1 << 20).empty());
}

TEST_CASE("a binary file is refused with what it is, not matched as text", "[match][input]") {
    test::TempDir dir;
    auto refusal = [](const match::Input& input) {
        auto report = match::scan(test::match_kb::matcher(), {input});
        if (!report) return report.error().message;
        return std::string(report->found() ? "found" : "read, nothing found");
    };
    // The test program itself: an ELF executable.
    CHECK(refusal(match::Input::file("/proc/self/exe")) ==
          "cannot read /proc/self/exe (a binary file, not a log: an ELF executable or library)");
    // A real SQLite database.
    const auto db_path = dir / "state.sqlite";
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> owned(db, &sqlite3_close);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE runs (id INTEGER PRIMARY KEY, log TEXT);"
                             "INSERT INTO runs (log) VALUES ('ERROR:  relation \"users\" does not exist');",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    owned.reset();
    CHECK(refusal(match::Input::file(db_path)) ==
          "cannot read " + db_path.string() + " (a binary file, not a log: an SQLite database)");
    // An image, piped or compressed.
    CHECK(refusal(match::Input::from_text("stdin", png())) == "cannot read stdin (a binary file, not a log: a PNG image)");
    CHECK(refusal(match::Input::from_text("shot.png.zst", zstd(png()))) ==
          "cannot read shot.png.zst (a binary file, not a log: a PNG image)");
    // No magic number, but NUL bytes throughout: counters, little-endian.
    std::string counters;
    for (std::uint32_t i = 0; i < 4000; ++i) counters.append(reinterpret_cast<const char*>(&i), sizeof i);
    counters += "ERROR:  relation \"users\" does not exist\n";
    auto nuls = refusal(match::Input::from_text("counters.bin", counters));
    CHECK(nuls.starts_with("cannot read counters.bin (a binary file, not a log: "));
    CHECK(nuls.ends_with("% of its first 8 KiB are NUL bytes)"));
    // A log is still a log with a few stray NULs in it, and after a run of
    // them (a file truncated under a writer that kept its offset).
    std::string log = std::string(100000, '\0') + "starting\n" + std::string("a\0b\n", 4) +
                      "ERROR:  relation \"users\" does not exist\n";
    CHECK(refusal(match::Input::from_text("rotated.log", log)) == "found");
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
