#include "store/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace store {

base::Result<FileLock> FileLock::acquire(const std::filesystem::path& path) {
    base::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return base::error("cannot create lock file: " + std::string(std::strerror(errno)) + " (" + path.string() + ")");
    while (::flock(fd.get(), LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        return base::error("cannot lock: " + std::string(std::strerror(errno)) + " (" + path.string() + ")");
    }
    return FileLock(std::move(fd));
}

}  // namespace store
