// An incident report drafted from a failed log: front matter (id, title,
// today's date, status open, the runbooks that matched), the log's error
// lines in a code block, the suggested fix, and the sections a post-mortem
// needs, left for a person to fill in.
#pragma once

#include <string>

#include "match/report.hpp"

namespace match {

struct DraftOptions {
    std::string title;  // empty: the top match's title, else the first error line
    std::string date;   // YYYY-MM-DD
    std::string id;     // empty: <date>-<slug of the title>
};

struct Draft {
    std::string id;         // <date>-<slug>
    std::string file_name;  // <id>.md
    std::string text;
};

// `report` may come from no log at all (an empty report): then the draft
// only has the sections.
Draft incident_draft(const Report& report, const DraftOptions& options);

// Today in the local time zone, YYYY-MM-DD.
std::string today();

}  // namespace match
