// The state behind store::Index, shared by its implementation files.
#pragma once

#include <sys/types.h>

#include "store/index.hpp"
#include "store/sqlite.hpp"

namespace store {

struct Index::Impl {
    sqlite::Db db;
    fs::path path;
    bool rebuilt = false;
    // The file this connection opened; writes check it is still the one at
    // `path` (a concurrent rebuild may have replaced it).
    dev_t device = 0;
    ino_t inode = 0;
    bool mapped = false;  // see Index::search
};

}  // namespace store
