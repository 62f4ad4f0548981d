#include "kb/links.hpp"

#include <filesystem>

#include "base/text.hpp"

namespace kb {

namespace {

std::optional<DocKind> kind_of_folder(std::string_view folder) {
    if (folder == "runbooks" || folder == "runbook") return DocKind::runbook;
    if (folder == "incidents" || folder == "incident") return DocKind::incident;
    return std::nullopt;
}

}  // namespace

std::optional<LinkTarget> parse_link_target(std::string_view url) {
    url = base::text::trim(url);
    url = url.substr(0, url.find_first_of("#?"));
    if (url.empty()) return std::nullopt;

    if (url.starts_with("deja://")) {
        std::string_view rest = url.substr(7);
        auto slash = rest.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        auto kind = kind_of_folder(rest.substr(0, slash));
        std::string_view id = rest.substr(slash + 1);
        if (!kind || id.empty() || id.find('/') != std::string_view::npos) return std::nullopt;
        return LinkTarget{kind, std::string(id), ""};
    }
    if (url.find("://") != std::string_view::npos || url.starts_with("mailto:")) return std::nullopt;

    std::string_view name = url;
    std::string_view folder;
    if (auto slash = url.rfind('/'); slash != std::string_view::npos) {
        name = url.substr(slash + 1);
        std::string_view parent = url.substr(0, slash);
        auto parent_slash = parent.rfind('/');
        folder = parent_slash == std::string_view::npos ? parent : parent.substr(parent_slash + 1);
    }
    std::string_view stem;
    for (std::string_view ext : {".md", ".markdown", ".txt"}) {
        if (name.size() > ext.size() && base::text::ends_with(base::text::lower(name), ext)) {
            stem = name.substr(0, name.size() - ext.size());
            break;
        }
    }
    if (stem.empty()) return std::nullopt;
    return LinkTarget{kind_of_folder(folder), std::string(stem), std::string(url)};
}

Reference reference_to(const LinkTarget& target, const std::string& from, int line, bool certain) {
    Reference ref{target.stem, line, certain, ""};
    if (!target.relative.empty() && !target.relative.starts_with('/'))
        ref.path = (std::filesystem::path(from).parent_path() / target.relative).lexically_normal().string();
    return ref;
}

}  // namespace kb
