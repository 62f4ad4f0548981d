#include "site/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>

namespace site {

namespace {

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

// True when `path` already holds exactly `content`.
bool same_content(const std::filesystem::path& path, std::string_view content) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec || size != content.size()) return false;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) return false;
    std::string existing(content.size(), '\0');
    return std::fread(existing.data(), 1, existing.size(), file.get()) == existing.size() && existing == content;
}

}  // namespace

// A rebuild leaves unchanged files alone: rewriting a file makes ext4 flush it
// on close (auto_da_alloc), which dominated rebuilds of 10,000 pages here.
base::Result<Change> write_file(const std::filesystem::path& path, std::string_view content) {
    if (same_content(path, content)) return Change::unchanged;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
    if (!file) return base::error("cannot write " + path.string() + ": " + std::strerror(errno));
    if (!content.empty() && std::fwrite(content.data(), 1, content.size(), file.get()) != content.size())
        return base::error("cannot write " + path.string() + ": " + std::strerror(errno));
    if (std::fclose(file.release()) != 0) return base::error("cannot write " + path.string() + ": " + std::strerror(errno));
    return Change::written;
}

base::Status Written::write(const std::filesystem::path& out_dir, std::string relative, std::string_view content) {
    auto change = write_file(out_dir / relative, content);
    if (!change) return change.error();
    paths.push_back(std::move(relative));
    bytes += content.size();
    changed += *change == Change::written;
    return base::Ok{};
}

void Written::append(Written&& other) {
    paths.insert(paths.end(), std::make_move_iterator(other.paths.begin()), std::make_move_iterator(other.paths.end()));
    bytes += other.bytes;
    changed += other.changed;
}

std::string script_json(const nlohmann::json& value) {
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
    }
    return out;
}

}  // namespace site
