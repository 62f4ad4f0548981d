// Markdown for a terminal, for `deja show`: a report or a runbook read where
// the user already is. Headings bold, prose wrapped to the width, lists with
// hanging indents, quotes behind a bar, tables aligned, links as
// "text (url)", code indented and never wrapped (it must copy as written).
// Nothing in a document reaches the terminal as a control: raw HTML prints as
// the text it is, and control characters as visible symbols (␛), so a file
// cannot move the cursor or change colours.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cli/output.hpp"

namespace cli {

struct MarkdownCodeBlock {
    std::string info;  // the fence's info string; empty for an indented block
    std::string code;
    int line = 0;      // of the opening fence, the Markdown's first line being 1
    bool fenced = true;
};

struct TerminalMarkdownOptions {
    // Columns to fill, indents included. Prose never gets fewer than 20,
    // however deep it is nested.
    std::size_t width = 80;
    // A first heading with this text is left out: the caller shows the title.
    std::string title;
    // A styled line shown above a code block (a runbook step's name and
    // kind); empty for none.
    std::function<std::string(const MarkdownCodeBlock&)> caption;
    // What a link shows after its text, in parentheses, given its URL and
    // text: a document of the knowledge base reads better by its id than by
    // its relative path. Empty shows nothing; nullopt, or no function, the
    // URL (left out when it is the text, or an anchor in the page).
    std::function<std::optional<std::string>(std::string_view url, std::string_view text)> link_note;
};

// Text as a terminal must show it: control characters as their pictures
// (ESC as ␛), C1 controls and invalid UTF-8 as �. Tabs are kept.
std::string terminal_text(std::string_view text);

std::string render_terminal_markdown(std::string_view markdown, const Style& style,
                                     const TerminalMarkdownOptions& options);

// Columns to render a document for: COLUMNS when set (as ls and man read it),
// else the terminal's, else 80 (off a terminal, a width people read).
std::size_t document_width();

}  // namespace cli
