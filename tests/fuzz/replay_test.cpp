// Replays every input kept in tests/fuzz through its harness: the seeds of
// each corpus (corpus/<harness>/) and every input a fuzzer ever found
// failing (regressions/<harness>/), so a fault that was fixed stays fixed
// without a fuzzer in the loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/harness.hpp"

namespace {

const std::filesystem::path fuzz_dir = DEJA_FUZZ_DIR;

std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::filesystem::path> inputs_of(const std::string& kind, std::string_view harness) {
    std::vector<std::filesystem::path> files;
    auto folder = fuzz_dir / kind / std::string(harness);
    if (!std::filesystem::is_directory(folder)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(folder))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

void replay(const std::string& kind) {
    for (const auto& harness : fuzz::harnesses()) {
        for (const auto& file : inputs_of(kind, harness.name)) {
            INFO(file.string());
            const std::string bytes = read_bytes(file);
            try {
                harness.body(bytes);
            } catch (const std::exception& e) {
                FAIL_CHECK(std::string(harness.name) + ": " + e.what());
            }
        }
    }
}

}  // namespace

TEST_CASE("fuzz: every input a fuzzer found failing passes its harness", "[fuzz][bad-input]") {
    replay("regressions");
}

TEST_CASE("fuzz: every seed of the corpora passes its harness", "[fuzz]") {
    replay("corpus");
    for (const auto& harness : fuzz::harnesses()) {
        INFO(harness.name);
        CHECK_FALSE(inputs_of("corpus", harness.name).empty());
    }
}

TEST_CASE("fuzz: each folder of inputs belongs to a harness", "[fuzz]") {
    for (const char* kind : {"corpus", "regressions"}) {
        if (!std::filesystem::is_directory(fuzz_dir / kind)) continue;
        for (const auto& entry : std::filesystem::directory_iterator(fuzz_dir / kind)) {
            INFO(entry.path().string());
            CHECK(fuzz::find_harness(entry.path().filename().string()) != nullptr);
        }
    }
}

TEST_CASE("fuzz: a harness reports a broken property as a failure", "[fuzz]") {
    CHECK_THROWS_AS(fuzz::expect(false, "x"), fuzz::Violation);
    CHECK_NOTHROW(fuzz::expect(true, "x"));
    // The match harness holds a report to its promises: a log it cannot fault passes.
    CHECK_NOTHROW(fuzz::find_harness("match")->body("FrobnicatorError: the frobnicator jammed at stage 7\n"));
    CHECK(fuzz::find_harness("no-such-harness") == nullptr);
}
