// An exclusive advisory lock on a file (flock), held for the lifetime of the
// object. Serialises the processes that write one index: builds, renames,
// and blob writes. Readers never take it.
#pragma once

#include <filesystem>

#include "base/file.hpp"
#include "base/result.hpp"

namespace store {

class FileLock {
public:
    // Creates `path` if needed and blocks until the lock is ours.
    static base::Result<FileLock> acquire(const std::filesystem::path& path);

private:
    explicit FileLock(base::Fd fd) : fd_(std::move(fd)) {}
    base::Fd fd_;  // closing it releases the flock
};

}  // namespace store
