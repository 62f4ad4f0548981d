// Harness for the $DEJA_ENV file, which a step's own code writes: whatever
// it holds, only valid names come out, and what comes out reads back the
// same when written again in the file's syntax.
#include <string>
#include <string_view>

#include "base/text.hpp"
#include "fuzz/harness.hpp"
#include "run/env_file.hpp"

namespace fuzz {

void env_file(std::string_view bytes) {
    auto parsed = run::parse_env_file(bytes);
    for (const auto& problem : parsed.problems) expect(base::text::starts_with(problem, "line "), "a problem names its line");
    std::string written;
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto& [name, value] : parsed.values) {
        expect(base::text::is_env_name(name), "only valid names are handed on");
        // A CR at the end of a line is part of its line end in this format.
        if (!value.empty() && (value.back() == '\r' || value.find("\r\n") != std::string::npos)) continue;
        if (value.find('\n') == std::string::npos && value.find("<<") == std::string::npos) {
            written += name + "=" + value + "\n";
        } else {
            std::string delimiter = "END";
            while (value == delimiter || value.find(delimiter + "\n") != std::string::npos ||
                   value.find("\n" + delimiter) != std::string::npos || value.starts_with(delimiter))
                delimiter += "_";
            written += name + "<<" + delimiter + "\n" + value + "\n" + delimiter + "\n";
        }
        kept.emplace_back(name, value);
    }
    auto again = run::parse_env_file(written);
    expect(again.problems.empty(), "values written in the file's syntax read back without problems");
    expect(again.values == kept, "values written in the file's syntax read back the same");
}

}  // namespace fuzz
