#include "base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace base {

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
}

void Fd::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

bool Fd::close() {
    if (fd_ < 0) return true;
    return ::close(release()) == 0;
}

namespace {

std::string mib(std::uintmax_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

Result<std::string> read_file(const std::string& path, std::uintmax_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return error(std::string("cannot read file: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return error(std::string("cannot read file: ") + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return error("cannot read file: not a regular file");
    if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
        return error("file is " + mib(static_cast<std::uintmax_t>(st.st_size)) + ", over the " + mib(max_bytes) + " limit");
    std::string data;
    data.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (true) {
        if (done == data.size()) {
            // The file may have grown since fstat; read on until EOF, within the limit.
            if (data.size() >= max_bytes) {
                char probe;
                ssize_t n = ::read(fd.get(), &probe, 1);
                if (n > 0) return error("file is over the " + mib(max_bytes) + " limit");
                break;
            }
            data.resize(static_cast<std::size_t>(std::min<std::uintmax_t>(std::max<std::size_t>(data.size() * 2, 4096), max_bytes)));
        }
        ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return error(std::string("cannot read file: ") + std::strerror(errno));
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    data.resize(done);
    return data;
}

Status write_all(int fd, std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return error(w < 0 ? std::strerror(errno) : "nothing written");
        done += static_cast<std::size_t>(w);
    }
    return Ok{};
}

Status write_file(const std::string& path, std::string_view bytes, FileMode mode) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (!fd) return error("cannot write " + path + " (" + std::strerror(errno) + ")");
    auto written = write_all(fd.get(), bytes);
    std::string reason = written ? std::string() : written.error().message;
    if (written && !fd.close()) reason = std::strerror(errno);
    if (reason.empty()) return Ok{};
    fd.reset();
    ::unlink(path.c_str());
    return error("cannot write " + path + " (" + reason + ")");
}

}  // namespace base
