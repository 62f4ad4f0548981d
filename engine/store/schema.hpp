// The index's tables and their version. The index is a cache, so there are
// no migrations: an older file is rebuilt from the sources, and a file from a
// newer deja is refused rather than overwritten.
#pragma once

#include "base/result.hpp"
#include "store/sqlite.hpp"

namespace store::schema {

// Stored in PRAGMA user_version. Bump on any change to the tables, the
// tokenizer, what goes into the search columns or the order of the rows.
inline constexpr long long version = 8;

// The severity under which the diagnostics table keeps a file left out (kb::LeftOut).
inline constexpr const char* left_out_severity = "left out";

// Creates every table in an empty database.
base::Status create(sqlite::Db& db);

}  // namespace store::schema
