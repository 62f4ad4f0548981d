// Shared test helpers: temporary folders, files, and running the real deja
// binary (or any command) with captured output.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

void write_file(const fs::path& path, const std::string& content);
std::string read_file(const fs::path& path);
// The lines of a command's output, without their line ends.
std::vector<std::string> lines_of(const std::string& text);
fs::path fixtures();           // tests/fixtures
// ../shared/reports beside the repository (or $DEJA_SHARED_REPORTS): the
// real reports deja must read. Null, with a warning, where a checkout has none.
std::optional<fs::path> shared_reports();
// ../shared/corpora (or $DEJA_SHARED_CORPORA): whole public post-mortem and
// runbook folders. Null, with a warning, where a checkout has none.
std::optional<fs::path> shared_corpora();

struct Output {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs argv (argv[0] looked up in PATH) with extra environment variables,
// stdin fed from `input` (closed when empty), and waits for it.
Output run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
           const std::string& input = "", const fs::path& cwd = {});

// Runs the deja binary under test with an isolated cache and state folder
// (DEJA_CACHE_DIR / DEJA_STATE_DIR inside `home`).
Output deja(const std::vector<std::string>& args, const fs::path& home,
            const std::map<std::string, std::string>& env = {}, const std::string& input = "");

}  // namespace test
