// The site's mustache templates (web/templates/*.mustache), read once and
// compiled once per rendering thread. Pages render their own template, then
// the layout around it; values are HTML-escaped unless a template asks for
// raw HTML with {{{triple}}} braces (used only for HTML this module built).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <kainjow/mustache.hpp>

#include "kb/result.hpp"

namespace site {

using Data = kainjow::mustache::data;
using List = kainjow::mustache::data;  // a Data made with Data::type::list

Data make_list();

struct TemplateSources {
    std::map<std::string, std::string> text;  // name (file stem) -> template

    // Every template the site uses must be there and compile.
    static kb::Result<TemplateSources> load(const std::filesystem::path& dir);
};

class Templates {
public:
    explicit Templates(const TemplateSources& sources);
    Templates(Templates&&) noexcept;
    ~Templates();

    // Appends the template `name` rendered with `data` to `out`.
    void render(const std::string& name, const Data& data, std::string& out);
    std::string render(const std::string& name, const Data& data);

private:
    std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> compiled_;
};

}  // namespace site
