#include "site/templates.hpp"

#include "base/file.hpp"

namespace site {

namespace {

constexpr const char* required_templates[] = {"layout", "home",  "runbook", "incident",  "signatures",
                                              "list",   "tag",   "step",    "not_found"};

}  // namespace

Data make_list() { return Data(Data::type::list); }

base::Result<TemplateSources> TemplateSources::load(const std::filesystem::path& dir) {
    TemplateSources sources;
    for (const char* name : required_templates) {
        std::filesystem::path path = dir / (std::string(name) + ".mustache");
        // A template is a few KiB; the cap only keeps a stray file from costing memory.
        auto text = base::read_file(path.string(), 1u << 20);
        if (!text) return base::error("template missing (" + path.string() + "): " + text.error().message);
        kainjow::mustache::mustache compiled(*text);
        if (!compiled.is_valid())
            return base::error("template does not compile: " + compiled.error_message() + " (" + path.string() + ")");
        sources.text[name] = std::move(*text);
    }
    return sources;
}

Templates::Templates(const TemplateSources& sources) {
    for (const auto& [name, text] : sources.text) compiled_[name] = std::make_unique<kainjow::mustache::mustache>(text);
}

Templates::Templates(Templates&&) noexcept = default;
Templates::~Templates() = default;

void Templates::render(const std::string& name, const Data& data, std::string& out, std::string_view body) {
    auto& compiled = *compiled_.at(name);
    // Pieces come a line at a time.
    compiled.render(data, [&out, body](const std::string& piece) {
        std::string_view rest = piece;
        for (std::size_t at; (at = rest.find(body_marker)) != std::string_view::npos;) {
            out.append(rest.substr(0, at));
            out.append(body);
            rest.remove_prefix(at + body_marker.size());
        }
        out.append(rest);
    });
}

std::string Templates::render(const std::string& name, const Data& data) {
    std::string out;
    render(name, data, out);
    return out;
}

}  // namespace site
