// The modules depend on each other one way: base <- kb <- store <- match,
// run, site <- cli. A file that includes a header of a module it may not
// depend on fails here, naming the file and line, before the dependency
// settles in.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "support.hpp"

namespace fs = std::filesystem;

TEST_CASE("no module includes a module above it", "[base][layering]") {
    const std::map<std::string, std::set<std::string>> may_include = {
        {"base", {"base"}},
        {"kb", {"base", "kb"}},
        {"store", {"base", "kb", "store"}},
        {"match", {"base", "kb", "store", "match"}},
        {"run", {"base", "kb", "store", "run"}},
        {"site", {"base", "kb", "store", "site"}},
        {"cli", {"base", "kb", "store", "match", "run", "site", "cli"}},
    };
    const fs::path engine = test::fixtures().parent_path().parent_path() / "engine";
    REQUIRE(fs::is_directory(engine));
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(engine)) {
        if (!entry.is_directory()) continue;
        const std::string module = entry.path().filename().string();
        INFO("engine/" << module << " is a module the layering does not know");
        REQUIRE(may_include.count(module));
        for (const auto& file : fs::directory_iterator(entry.path())) {
            const auto extension = file.path().extension();
            if (extension != ".cpp" && extension != ".hpp") continue;
            ++files;
            std::ifstream in(file.path());
            int number = 0;
            for (std::string line; std::getline(in, line);) {
                ++number;
                const std::string directive = "#include \"";
                if (!line.starts_with(directive)) continue;
                const auto slash = line.find('/', directive.size());
                if (slash == std::string::npos) continue;
                const std::string used = line.substr(directive.size(), slash - directive.size());
                INFO("engine/" << module << "/" << file.path().filename().string() << ":" << number << ": " << line);
                CHECK(may_include.at(module).count(used));
            }
        }
    }
    CHECK(files > 50);
}
