#include "kb/paths.hpp"

#include <cstdlib>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "base/hash.hpp"
#include "base/text.hpp"

namespace kb {

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

fs::path home() {
    std::string h = env("HOME");
    return h.empty() ? fs::temp_directory_path() : fs::path(h);
}

bool is_kb_root(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir / "runbooks", ec) || fs::is_directory(dir / "incidents", ec);
}

}  // namespace

std::optional<fs::path> bundled_root() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        fs::path installed = exe.parent_path().parent_path() / DEJA_INSTALL_DATADIR;
        if (is_kb_root(installed)) return fs::weakly_canonical(installed, ec);
    }
    fs::path source = DEJA_SOURCE_DIR;
    if (is_kb_root(source)) return source;
    return std::nullopt;
}

base::Result<IncludeBundled> bundled_setting(const std::vector<std::string>& team_dirs) {
    std::string from_env = base::text::lower(env("DEJA_BUNDLED"));
    if (from_env == "0" || from_env == "false" || from_env == "no" || from_env == "off") return IncludeBundled::no;
    for (const auto& dir : team_dirs) {
        const fs::path settings = fs::path(dir) / "deja.yaml";
        std::error_code ec;
        if (!fs::is_regular_file(settings, ec)) continue;
        try {
            YAML::Node root = YAML::LoadFile(settings.string());
            if (!root.IsMap()) continue;
            if (YAML::Node bundled = root["bundled"]) {
                bool value = true;
                if (!YAML::convert<bool>::decode(bundled, value))
                    return base::error("bundled must be true or false (" + settings.string() + ":" +
                                       std::to_string(bundled.Mark().line + 1) + ")");
                if (!value) return IncludeBundled::no;
            }
        } catch (const YAML::Exception& e) {
            return base::error("cannot read settings: " + e.msg + " (" + settings.string() + ":" +
                               std::to_string(e.mark.line + 1) + ")");
        }
    }
    return IncludeBundled::yes;
}

std::vector<fs::path> kb_dirs(const std::vector<std::string>& cli_dirs, IncludeBundled include_bundled) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    auto add = [&](const fs::path& p) {
        fs::path canonical = fs::weakly_canonical(fs::absolute(p, ec), ec);
        for (const auto& d : dirs)
            if (d == canonical) return;
        dirs.push_back(canonical);
    };
    if (include_bundled == IncludeBundled::yes)
        if (auto root = bundled_root()) add(*root);
    std::string from_env = env("DEJA_KB");
    std::size_t start = 0;
    while (start <= from_env.size() && !from_env.empty()) {
        std::size_t colon = from_env.find(':', start);
        std::string part = from_env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!part.empty()) add(part);
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    for (const auto& d : cli_dirs) add(d);
    return dirs;
}

fs::path cache_dir() {
    if (auto v = env("DEJA_CACHE_DIR"); !v.empty()) return v;
    if (auto v = env("XDG_CACHE_HOME"); !v.empty()) return fs::path(v) / "deja";
    return home() / ".cache" / "deja";
}

fs::path state_dir() {
    if (auto v = env("DEJA_STATE_DIR"); !v.empty()) return v;
    if (auto v = env("XDG_STATE_HOME"); !v.empty()) return fs::path(v) / "deja";
    return home() / ".local" / "state" / "deja";
}

fs::path index_path(const std::vector<fs::path>& dirs) {
    std::string key;
    for (const auto& d : dirs) key += d.string() + '\n';
    return cache_dir() / ("index-" + base::hash_hex(key) + ".sqlite");
}

}  // namespace kb
