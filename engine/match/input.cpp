#include "match/input.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/text.hpp"

namespace match {

Input Input::file(const std::filesystem::path& path) {
    Input in;
    in.kind = Kind::file;
    in.name = path.string();
    in.path = path;
    return in;
}

Input Input::standard_input() {
    Input in;
    in.kind = Kind::standard_input;
    in.name = "stdin";
    return in;
}

Input Input::from_text(std::string name, std::string text) {
    Input in;
    in.kind = Kind::text;
    in.name = std::move(name);
    in.text = std::move(text);
    return in;
}

Input Input::from_argument(const std::string& argument) {
    return argument == "-" ? standard_input() : file(argument);
}

namespace {

base::Error read_error(const std::string& name, const std::string& reason) {
    return base::error("cannot read " + name + " (" + reason + ")");
}

enum class Ownership { owned, borrowed };  // whether the source closes the descriptor

class FdSource : public ByteSource {
public:
    FdSource(int fd, Ownership ownership, std::string name) : fd_(fd), ownership_(ownership), name_(std::move(name)) {}
    ~FdSource() override {
        if (ownership_ == Ownership::owned && fd_ >= 0) ::close(fd_);
    }
    FdSource(const FdSource&) = delete;
    FdSource& operator=(const FdSource&) = delete;

    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        for (;;) {
            ssize_t n = ::read(fd_, buffer, size);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno == EINTR) continue;
            return read_error(name_, std::strerror(errno));
        }
    }

private:
    int fd_;
    Ownership ownership_;
    std::string name_;
};

class TextSource : public ByteSource {
public:
    explicit TextSource(std::string text) : text_(std::move(text)) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        std::size_t n = std::min(size, text_.size() - pos_);
        std::memcpy(buffer, text_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::string text_;  // a copy: text inputs are small (examples, tests)
    std::size_t pos_ = 0;
};

// Gives back bytes read ahead to look at the magic number, then the rest.
class PrefixedSource : public ByteSource {
public:
    PrefixedSource(std::unique_ptr<ByteSource> inner, std::string prefix)
        : inner_(std::move(inner)), prefix_(std::move(prefix)) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (pos_ < prefix_.size()) {
            std::size_t n = std::min(size, prefix_.size() - pos_);
            std::memcpy(buffer, prefix_.data() + pos_, n);
            pos_ += n;
            return n;
        }
        return inner_->read(buffer, size);
    }

private:
    std::unique_ptr<ByteSource> inner_;
    std::string prefix_;
    std::size_t pos_ = 0;
};

// Streaming gzip (and concatenated gzip members, as `cat a.gz b.gz` gives).
class GzipSource : public ByteSource {
public:
    GzipSource(std::unique_ptr<ByteSource> inner, std::string name)
        : inner_(std::move(inner)), name_(std::move(name)), input_(64 << 10) {
        std::memset(&stream_, 0, sizeof stream_);
        ok_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
    }
    ~GzipSource() override { inflateEnd(&stream_); }
    GzipSource(const GzipSource&) = delete;
    GzipSource& operator=(const GzipSource&) = delete;

    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (!ok_) return read_error(name_, "cannot start gzip decompression");
        if (finished_) return std::size_t{0};
        stream_.next_out = reinterpret_cast<Bytef*>(buffer);
        stream_.avail_out = static_cast<uInt>(size);
        while (stream_.avail_out == size) {
            if (stream_.avail_in == 0) {
                auto n = inner_->read(input_.data(), input_.size());
                if (!n) return n.error();
                if (*n == 0) {
                    if (member_ended_) {
                        finished_ = true;
                        break;
                    }
                    return read_error(name_, "truncated gzip data");
                }
                stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
                stream_.avail_in = static_cast<uInt>(*n);
            }
            if (member_ended_) {
                if (stream_.next_in[0] != 0x1f) {  // trailing bytes after the last member
                    finished_ = true;
                    break;
                }
                inflateReset(&stream_);
                member_ended_ = false;
            }
            int status = inflate(&stream_, Z_NO_FLUSH);
            if (status == Z_STREAM_END) {
                member_ended_ = true;
            } else if (status != Z_OK && !(status == Z_BUF_ERROR && stream_.avail_in == 0)) {
                return read_error(name_, std::string("corrupt gzip data: ") + (stream_.msg ? stream_.msg : "inflate failed"));
            }
        }
        return size - stream_.avail_out;
    }

private:
    std::unique_ptr<ByteSource> inner_;
    std::string name_;
    std::vector<char> input_;
    z_stream stream_;
    bool ok_ = false;
    bool member_ended_ = false;
    bool finished_ = false;
};

// UTF-16 with a byte order mark (what PowerShell's `>` and many Windows
// tools write), turned into UTF-8 as it streams. An unpaired surrogate
// becomes U+FFFD.
class Utf16Source : public ByteSource {
public:
    enum class Order { little, big };
    Utf16Source(std::unique_ptr<ByteSource> inner, Order order) : inner_(std::move(inner)), order_(order) {}

    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        while (out_.size() - out_pos_ < size && !ended_) {
            std::size_t have = raw_.size();
            raw_.resize(have + 64 * 1024);
            auto n = inner_->read(raw_.data() + have, 64 * 1024);
            if (!n) return n.error();
            raw_.resize(have + *n);
            if (*n == 0) ended_ = true;
            convert();
        }
        std::size_t n = std::min(size, out_.size() - out_pos_);
        std::memcpy(buffer, out_.data() + out_pos_, n);
        out_pos_ += n;
        if (out_pos_ == out_.size()) {
            out_.clear();
            out_pos_ = 0;
        }
        return n;
    }

private:
    void convert() {
        if (out_pos_ > 0) out_.erase(0, std::exchange(out_pos_, 0));
        std::size_t i = 0;
        auto unit = [&](std::size_t at) {
            auto lo = static_cast<unsigned char>(raw_[at]), hi = static_cast<unsigned char>(raw_[at + 1]);
            return static_cast<char16_t>(order_ == Order::little ? lo | hi << 8 : hi | lo << 8);
        };
        if (!past_bom_ && raw_.size() >= 2) {
            past_bom_ = true;
            if (unit(0) == 0xFEFF) i = 2;
        }
        for (; i + 1 < raw_.size(); i += 2) {
            char16_t u = unit(i);
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 3 >= raw_.size() && !ended_) break;  // its pair is in the next read
                char16_t low = i + 3 < raw_.size() ? unit(i + 2) : 0;
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    base::text::append_utf8(out_, 0x10000 + ((char32_t(u) - 0xD800) << 10) + (char32_t(low) - 0xDC00));
                    i += 2;
                    continue;
                }
                base::text::append_utf8(out_, 0xFFFD);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                base::text::append_utf8(out_, 0xFFFD);
            } else {
                base::text::append_utf8(out_, u);
            }
        }
        raw_.erase(0, i);
        if (ended_ && !raw_.empty()) {  // an odd byte at the end
            base::text::append_utf8(out_, 0xFFFD);
            raw_.clear();
        }
    }

    std::unique_ptr<ByteSource> inner_;
    Order order_;
    std::string raw_, out_;
    std::size_t out_pos_ = 0;
    bool ended_ = false;
    bool past_bom_ = false;
};

// The first `n` bytes of a source, and the source with them put back.
base::Result<std::string> peek(std::unique_ptr<ByteSource>& source, std::size_t n) {
    std::string head(n, '\0');
    std::size_t have = 0;
    while (have < n) {
        auto got = source->read(head.data() + have, n - have);
        if (!got) return got.error();
        if (*got == 0) break;
        have += *got;
    }
    head.resize(have);
    source = std::make_unique<PrefixedSource>(std::move(source), head);
    return head;
}

}  // namespace

base::Result<std::unique_ptr<ByteSource>> open_input(const Input& input) {
    std::unique_ptr<ByteSource> raw;
    switch (input.kind) {
        case Input::Kind::text:
            raw = std::make_unique<TextSource>(input.text);
            break;
        case Input::Kind::standard_input:
            raw = std::make_unique<FdSource>(STDIN_FILENO, Ownership::borrowed, input.name);
            break;
        case Input::Kind::file: {
            int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return read_error(input.name, std::strerror(errno));
            raw = std::make_unique<FdSource>(fd, Ownership::owned, input.name);
            break;
        }
    }
    std::unique_ptr<ByteSource> source = std::move(raw);
    auto magic = peek(source, 2);
    if (!magic) return magic.error();
    if (*magic == "\x1f\x8b") {
        source = std::make_unique<GzipSource>(std::move(source), input.name);
        magic = peek(source, 2);
        if (!magic) return magic.error();
    }
    if (*magic == "\xff\xfe" || *magic == "\xfe\xff") {
        auto order = *magic == "\xff\xfe" ? Utf16Source::Order::little : Utf16Source::Order::big;
        source = std::make_unique<Utf16Source>(std::move(source), order);
    }
    return source;
}

LineBlocks::LineBlocks(ByteSource& source, std::string name, std::size_t block_size, std::size_t max_line,
                       std::size_t buffers)
    : source_(source),
      name_(std::move(name)),
      max_line_(max_line),
      buffer_size_(std::max(block_size, max_line + 1) + 1) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, buffers); ++i)
        buffers_.push_back(std::make_unique_for_overwrite<char[]>(buffer_size_));
}

base::Result<std::span<char>> LineBlocks::next() {
    if (started_ && buffers_.size() > 1) {
        // The block just returned stays where it is; carry on in the next buffer.
        std::size_t next = (current_ + 1) % buffers_.size();
        std::memcpy(buffers_[next].get(), buffers_[current_].get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        current_ = next;
    }
    started_ = true;
    if (failed_ && end_ == begin_) return *failed_;
    char* buf = buffers_[current_].get();
    const std::size_t capacity = buffer_size_ - 1;  // room for a final '\n'
    for (;;) {
        if (begin_ > 0) {
            std::memmove(buf, buf + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        while (!eof_ && end_ < capacity) {
            auto n = source_.read(buf + end_, capacity - end_);
            if (!n) {
                if (end_ == 0) return n.error();
                failed_ = n.error();
                eof_ = true;
                break;
            }
            if (*n == 0) eof_ = true;
            end_ += *n;
        }
        if (skipping_) {
            auto* newline = static_cast<char*>(std::memchr(buf, '\n', end_));
            if (!newline) {
                end_ = 0;
                if (eof_ && failed_) return *failed_;
                if (eof_) return std::span<char>{};
                continue;
            }
            begin_ = static_cast<std::size_t>(newline - buf) + 1;
            skipping_ = false;
            continue;
        }
        if (end_ == 0) {
            if (failed_) return *failed_;
            return std::span<char>{};
        }
        auto* last = static_cast<char*>(memrchr(buf, '\n', end_));
        if (last) {
            begin_ = static_cast<std::size_t>(last - buf) + 1;
            return std::span<char>(buf, begin_);
        }
        if (eof_) {  // a last line without its newline
            buf[end_] = '\n';
            std::size_t size = end_ + 1;
            begin_ = end_ = 0;
            return std::span<char>(buf, size);
        }
        // A line longer than the whole buffer: keep its start, drop the rest.
        buf[max_line_] = '\n';
        end_ = 0;
        skipping_ = true;
        return std::span<char>(buf, max_line_ + 1);
    }
}

}  // namespace match
