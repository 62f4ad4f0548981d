// The site's mustache templates (web/templates/*.mustache), read once and
// compiled once per rendering thread. Pages render their own template, then
// the layout around it; values are HTML-escaped unless a template asks for
// raw HTML with {{{triple}}} braces (used only for HTML this module built).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <kainjow/mustache.hpp>

#include "base/result.hpp"

namespace site {

using Data = kainjow::mustache::data;
using List = kainjow::mustache::data;  // a Data made with Data::type::list

Data make_list();

// Stands for the body in a template's data (see Templates::render). Text a
// template escapes cannot contain '<', and the raw HTML given is our own, so
// no other value can be this.
constexpr std::string_view body_marker = "<deja-page-body>";

struct TemplateSources {
    std::map<std::string, std::string> text;  // name (file stem) -> template

    // Every template the site uses must be there and compile.
    static base::Result<TemplateSources> load(const std::filesystem::path& dir);
};

class Templates {
public:
    explicit Templates(const TemplateSources& sources);
    Templates(Templates&&) noexcept;
    ~Templates();

    // Appends the template `name` rendered with `data` to `out`, with `body`
    // where `data` has body_marker: a page's body (tens of KB of HTML) goes
    // straight to the output instead of being copied into mustache data and
    // out again at each level, which was most of the copying in a site build.
    void render(const std::string& name, const Data& data, std::string& out, std::string_view body = {});
    std::string render(const std::string& name, const Data& data);

private:
    std::map<std::string, std::unique_ptr<kainjow::mustache::mustache>> compiled_;
};

}  // namespace site
