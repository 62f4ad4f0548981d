// Dates as people write them in reports ("2025-10-01", "September 2, 2025",
// "2 Sep 2025", "Sept. 2nd 2025"), normalised to YYYY-MM-DD.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kb::dates {

// The first valid date in `text`.
std::optional<std::string> find_first(std::string_view text);

// Whether `text` starts with a YYYY-MM-DD date (as in "2025-10-29-db-down").
bool starts_with_iso_date(std::string_view text);

}  // namespace kb::dates
