// An exclusive advisory lock on a file (flock), held for the lifetime of the
// object. Serialises the processes that write one index: builds, renames,
// and blob writes. Readers never take it.
#pragma once

#include <filesystem>

#include "base/result.hpp"

namespace store {

class FileLock {
public:
    // Creates `path` if needed and blocks until the lock is ours.
    static base::Result<FileLock> acquire(const std::filesystem::path& path);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace store
