// Runme's rules for the cells of a document written for Runme: the name a
// cell without one gets, `$ ` prompts and the sample output pasted after
// them, and `export NAME=...` lines that Runme turns into prompts (deja
// turns them into params).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kb {

// Runme's name for an unnamed cell: from its first line that is not a
// comment, the part before '=' of an assignment, else the first two words;
// lower-case letters and digits, words joined by '-' (runme/document/block.go).
std::string runme_cell_name(std::string_view code);

struct PromptedScript {
    std::string code;      // what runs: commands without their `$ `
    int output_lines = 0;  // lines of pasted output left out
};

// When any line starts with `$ ` (or is a bare `$`), the block is a
// terminal session: those lines are the commands, with their continuation
// lines (after a trailing `\`) and here-documents; comments and blank lines
// stay; every other line is output the author pasted, and is not run.
// A block without prompts is returned unchanged.
PromptedScript strip_shell_prompts(std::string_view code);

enum class ExportValue { placeholder, message, empty };

struct ExportPrompt {
    std::string name;
    std::string value;  // the placeholder, or the message, as written
    ExportValue kind = ExportValue::empty;
    int line = 0;       // 0-based line within the code
};

// `export NAME="value"` / `'value'` / `value` (a placeholder: the value to
// confirm), `export NAME=Enter a value` / `[Enter a value]` (a message to ask
// with: words with spaces or brackets) and `export NAME=`
// (nothing to go on), one per line, with nothing computed in the value
// ($, backquotes): Runme's prompts (promptEnv). Each line found is replaced
// in `code` by `export NAME`, so the value given for the param is what the
// cell and the cells after it see.
std::vector<ExportPrompt> take_export_prompts(std::string& code);

// Shell variables in capitals that `code` reads (`$NODE`, `${NAMESPACE}`)
// without a default (`${X:-d}`), and those it sets (`X=`, `export X`,
// `read X`, `for X in`, `local`/`declare`/`readonly X`), in first-use
// order. Single-quoted text is not read. The shell's and the system's own
// variables (HOME, PATH, PWD, ...) are neither.
struct ShellVariables {
    std::vector<std::string> used;
    std::vector<std::string> set;
};
ShellVariables shell_variables(std::string_view code);

}  // namespace kb
