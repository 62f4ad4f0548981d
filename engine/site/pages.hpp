// Rendering each page of the site: the data a template sees, the Markdown
// bodies, and the layout around them. One PageRenderer per thread (compiled
// templates are not shared between threads).
#pragma once

#include <string>
#include <vector>

#include "kb/model.hpp"
#include "site/graph.hpp"
#include "site/site.hpp"
#include "site/templates.hpp"

namespace site {

struct Page {
    std::string path;  // relative to the output folder, '/'-separated
    std::string html;
};

// Incidents per page of the incident list.
constexpr std::size_t incidents_per_page = 100;

class PageRenderer {
public:
    PageRenderer(const Graph& graph, const BuildOptions& options, const TemplateSources& sources);

    Page home();
    Page runbook(std::size_t index);
    // `incident` is the whole of graph.incidents[index], which may be an
    // outline without the body.
    Page incident(std::size_t index, const kb::Incident& incident);
    Page signatures();
    Page runbooks_index();
    Page incidents_index(std::size_t page);  // 0-based
    Page tags_index();
    Page tag(std::size_t index);
    Page not_found();

    std::size_t incident_pages() const;

private:
    const Graph& graph_;
    const BuildOptions& options_;
    Templates templates_;

    // The page's own template inside the layout; `body` is the HTML that
    // stands for body_marker in `data`, if the page has one.
    Page finish(std::string path, const std::string& template_name, Data data, const std::string& title,
                const std::string& description, const std::string& section, std::string_view body = {});
};

// "" for a page at the root, "../" one folder down.
std::string root_of(const std::string& path);

// A value quoted for a POSIX shell only where it needs it.
std::string shell_quote(const std::string& value);

// The `deja run` command for a runbook with these params (in the runbook's
// declaration order); secret values are left to the environment.
std::string run_command(const kb::Runbook& runbook, const kb::ParamValues& values);

}  // namespace site
