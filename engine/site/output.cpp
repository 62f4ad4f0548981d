#include "site/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace site {

namespace {

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

kb::Status write_file(const std::filesystem::path& path, std::string_view content) {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
    if (!file) return kb::error("cannot write " + path.string() + ": " + std::strerror(errno));
    if (!content.empty() && std::fwrite(content.data(), 1, content.size(), file.get()) != content.size())
        return kb::error("cannot write " + path.string() + ": " + std::strerror(errno));
    if (std::fclose(file.release()) != 0) return kb::error("cannot write " + path.string() + ": " + std::strerror(errno));
    return kb::Ok{};
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
