// Files at the system-call level, written once for every module: an owned
// descriptor, a whole-file read with a size cap, and a write that finishes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace base {

// An owned file descriptor, closed when it goes out of scope.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);
    // Closes now and says whether the close succeeded (a full disk can first
    // show itself there).
    bool close();
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// The bytes of a regular file of at most `max_bytes`. A FIFO, a folder or a
// device is refused rather than waited on. Errors read "cannot read file:
// reason" or "file is N MiB, over the M MiB limit".
Result<std::string> read_file(const std::string& path, std::uintmax_t max_bytes);

// Writes all of `bytes`, through short writes and signals.
Status write_all(int fd, std::string_view bytes);

enum class FileMode { shared = 0644, owner_only = 0600 };

// Writes `bytes` to `path`, replacing what was there; on failure the partial
// file is removed.
Status write_file(const std::string& path, std::string_view bytes, FileMode mode = FileMode::shared);

}  // namespace base
