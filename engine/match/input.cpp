#include "match/input.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <lzma.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
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

using namespace std::string_view_literals;

base::Error read_error(const std::string& name, const std::string& reason) {
    return base::error("cannot read " + name + " (" + reason + ")");
}

std::string size_text(std::uint64_t bytes) {
    for (auto [shift, unit] : {std::pair{30, " GiB"}, {20, " MiB"}, {10, " KiB"}})
        if (bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0)
            return std::to_string(bytes >> shift) + unit;
    return std::to_string(bytes) + " bytes";
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

// Gives back bytes read ahead to look at the magic number, then the rest;
// or, when reading ahead failed part way, the error.
class PrefixedSource : public ByteSource {
public:
    PrefixedSource(std::unique_ptr<ByteSource> inner, std::string prefix, std::optional<base::Error> failed)
        : inner_(std::move(inner)), prefix_(std::move(prefix)), failed_(std::move(failed)) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (pos_ < prefix_.size()) {
            std::size_t n = std::min(size, prefix_.size() - pos_);
            std::memcpy(buffer, prefix_.data() + pos_, n);
            pos_ += n;
            return n;
        }
        if (failed_) return *failed_;
        return inner_->read(buffer, size);
    }

private:
    std::unique_ptr<ByteSource> inner_;
    std::string prefix_;
    std::size_t pos_ = 0;
    std::optional<base::Error> failed_;
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

// Streaming xz, and concatenated streams (as `cat a.xz b.xz` gives).
class XzSource : public ByteSource {
public:
    // `xz -9` needs 65 MiB to decompress; what asks for more was not made
    // by the usual tools, and memory must stay flat.
    static constexpr std::uint64_t memory_limit = std::uint64_t{256} << 20;

    XzSource(std::unique_ptr<ByteSource> inner, std::string name)
        : inner_(std::move(inner)), name_(std::move(name)), input_(64 << 10) {
        ok_ = lzma_stream_decoder(&stream_, memory_limit, LZMA_CONCATENATED) == LZMA_OK;
    }
    ~XzSource() override { lzma_end(&stream_); }
    XzSource(const XzSource&) = delete;
    XzSource& operator=(const XzSource&) = delete;

    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (!ok_) return read_error(name_, "cannot start xz decompression");
        if (failed_) return *failed_;
        if (finished_) return std::size_t{0};
        stream_.next_out = reinterpret_cast<std::uint8_t*>(buffer);
        stream_.avail_out = size;
        while (stream_.avail_out == size) {
            if (stream_.avail_in == 0 && !input_ended_) {
                auto n = inner_->read(input_.data(), input_.size());
                if (!n) return n.error();
                input_ended_ = *n == 0;
                stream_.next_in = reinterpret_cast<const std::uint8_t*>(input_.data());
                stream_.avail_in = *n;
            }
            // Only LZMA_FINISH tells a stream that ends here from one cut short.
            lzma_ret status = lzma_code(&stream_, input_ended_ ? LZMA_FINISH : LZMA_RUN);
            if (status == LZMA_STREAM_END) {
                finished_ = true;
                break;
            }
            if (status != LZMA_OK) {
                auto error = read_error(name_, problem(status));
                if (stream_.avail_out == size) return error;
                failed_ = error;  // after the bytes decoded before it
                break;
            }
        }
        return size - stream_.avail_out;
    }

private:
    static std::string problem(lzma_ret status) {
        switch (status) {
            case LZMA_BUF_ERROR: return "truncated xz data";
            case LZMA_DATA_ERROR: return "corrupt xz data";
            case LZMA_FORMAT_ERROR: return "corrupt xz data: not in the xz format";
            case LZMA_OPTIONS_ERROR: return "xz data with options this xz library does not support";
            case LZMA_MEMLIMIT_ERROR:
                return "xz data that needs more than " + size_text(memory_limit) + " of memory to decompress";
            case LZMA_MEM_ERROR: return "out of memory decompressing xz data";
            default: return "xz decompression failed (liblzma code " + std::to_string(status) + ")";
        }
    }

    std::unique_ptr<ByteSource> inner_;
    std::string name_;
    std::vector<char> input_;
    lzma_stream stream_ = LZMA_STREAM_INIT;
    bool ok_ = false;
    bool input_ended_ = false;
    bool finished_ = false;
    std::optional<base::Error> failed_;
};

// Streaming zstd, and concatenated frames. zstd's own default refuses frames
// that need a window over 128 MiB (`zstd --long=31`), which keeps memory flat.
class ZstdSource : public ByteSource {
public:
    ZstdSource(std::unique_ptr<ByteSource> inner, std::string name)
        : inner_(std::move(inner)), name_(std::move(name)), input_(ZSTD_DStreamInSize()), context_(ZSTD_createDCtx()) {}

    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (!context_) return read_error(name_, "cannot start zstd decompression");
        if (failed_) return *failed_;
        if (finished_) return std::size_t{0};
        ZSTD_outBuffer out{buffer, size, 0};
        while (out.pos == 0) {
            // A full output buffer may leave decoded bytes in the context:
            // they come out without more input.
            if (in_.pos == in_.size && !flushing_) {
                if (input_ended_) {
                    if (frame_open_) return read_error(name_, "truncated zstd data");
                    finished_ = true;
                    return std::size_t{0};
                }
                auto n = inner_->read(input_.data(), input_.size());
                if (!n) return n.error();
                if (*n == 0) {
                    input_ended_ = true;
                    continue;
                }
                in_ = ZSTD_inBuffer{input_.data(), *n, 0};
            }
            std::size_t status = ZSTD_decompressStream(context_.get(), &out, &in_);
            if (ZSTD_isError(status)) {
                auto error = read_error(name_, std::string("corrupt zstd data: ") + ZSTD_getErrorName(status));
                if (out.pos == 0) return error;
                failed_ = error;  // after the bytes decoded before it
                break;
            }
            frame_open_ = status != 0;  // 0: a frame ended and is fully flushed
            flushing_ = out.pos == out.size;
        }
        return out.pos;
    }

private:
    struct FreeContext {
        void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
    };

    std::unique_ptr<ByteSource> inner_;
    std::string name_;
    std::vector<char> input_;
    std::unique_ptr<ZSTD_DCtx, FreeContext> context_;
    ZSTD_inBuffer in_{nullptr, 0, 0};
    bool input_ended_ = false;
    bool frame_open_ = false;
    bool flushing_ = false;
    bool finished_ = false;
    std::optional<base::Error> failed_;
};

// What decompressed data may still expand to, shared by every file of an
// archive: a zip bomb costs time, never memory (everything streams), and
// this bounds the time.
struct Budget {
    std::uint64_t used = 0;
    std::uint64_t max = default_max_expanded;
    std::string name;  // the input's, not a file's in it: the bomb is the whole archive
};

class CappedSource : public ByteSource {
public:
    CappedSource(std::unique_ptr<ByteSource> inner, Budget& budget) : inner_(std::move(inner)), budget_(budget) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        auto n = inner_->read(buffer, size);
        if (!n) return n;
        budget_.used += *n;
        if (budget_.used > budget_.max)
            return read_error(budget_.name, "expands to more than " + size_text(budget_.max) +
                                                " when decompressed; not read further, in case it is a zip bomb");
        return n;
    }

private:
    std::unique_ptr<ByteSource> inner_;
    Budget& budget_;
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

// The first `n` bytes of a source (fewer at its end, or when reading fails
// after some), and the source with them put back.
base::Result<std::string> peek(std::unique_ptr<ByteSource>& source, std::size_t n) {
    std::string head(n, '\0');
    std::size_t have = 0;
    std::optional<base::Error> failed;
    while (have < n) {
        auto got = source->read(head.data() + have, n - have);
        if (!got) {
            if (have == 0) return got.error();
            failed = got.error();
            break;
        }
        if (*got == 0) break;
        have += *got;
    }
    head.resize(have);
    source = std::make_unique<PrefixedSource>(std::move(source), head, std::move(failed));
    return head;
}

bool starts_with_at(std::string_view head, std::size_t offset, std::string_view magic) {
    return head.size() >= offset + magic.size() && head.substr(offset, magic.size()) == magic;
}

bool is_zip(std::string_view head) { return head.starts_with("PK\x03\x04"sv) || head.starts_with("PK\x05\x06"sv); }

// How much of a log is looked at to tell whether it is one.
constexpr std::size_t sniff_size = 8 << 10;

// What a file is when it is not a log; empty when it may be one. Known
// magic numbers first. Then NUL bytes, which text never has many of: a log
// survives a few (a program writing one, binary junk printed into it), and
// may begin with a run of them (a file truncated under a writer that kept
// its offset, as logrotate's copytruncate leaves it), while an executable
// or a database has them throughout. Other control bytes are not counted:
// a log with a burst of binary junk in it is still a log.
std::string binary_kind(std::string_view head) {
    struct Magic {
        std::size_t offset;
        std::string_view bytes;
        const char* what;
    };
    static constexpr Magic known[] = {
        {0, "\x89PNG\r\n\x1a\n"sv, "a PNG image"},
        {0, "\xff\xd8\xff"sv, "a JPEG image"},
        {0, "GIF8"sv, "a GIF image"},
        {0, "%PDF-"sv, "a PDF document"},
        {0, "\x7f" "ELF"sv, "an ELF executable or library"},
        {0, "SQLite format 3\0"sv, "an SQLite database"},
        {0, "PK\x03\x04"sv, "a zip archive"},
        {0, "7z\xbc\xaf\x27\x1c"sv, "a 7-Zip archive"},
        {0, "Rar!\x1a\x07"sv, "a RAR archive"},
        {257, "ustar"sv, "a tar archive"},
        {4, "1AY&SY"sv, "bzip2-compressed data; deja reads gzip, xz, zstd and zip"},
        {0, "\x04\x22\x4d\x18"sv, "lz4-compressed data; deja reads gzip, xz, zstd and zip"},
        {0, "\xca\xfe\xba\xbe"sv, "a Java class or Mach-O file"},
        {0, "\xcf\xfa\xed\xfe"sv, "a Mach-O executable"},
        {0, "\0asm"sv, "a WebAssembly module"},
    };
    for (const auto& magic : known)
        if (starts_with_at(head, magic.offset, magic.bytes)) return magic.what;
    std::size_t start = head.find_first_not_of('\0');
    if (start == std::string_view::npos) return {};  // nothing but NULs yet: cannot tell
    auto rest = head.substr(start);
    auto nuls = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '\0'));
    if (nuls * 32 < rest.size()) return {};
    return std::to_string(nuls * 100 / rest.size()) + "% of its first " + size_text(head.size()) + " are NUL bytes";
}

struct Decoded {
    std::unique_ptr<ByteSource> source;
    std::string binary;  // not empty: what the bytes are instead of a log
};

// Puts in front of a stream what reading it as text needs (a decompressor,
// the budget, UTF-16 conversion) and tells whether it is binary. `counted`:
// the stream is itself decompressed (a file in an archive).
base::Result<Decoded> decode(std::unique_ptr<ByteSource> source, const std::string& name, Budget& budget,
                             bool counted) {
    auto magic = peek(source, 6);
    if (!magic) return magic.error();
    bool compressed = true;
    if (magic->starts_with("\x1f\x8b"sv))
        source = std::make_unique<GzipSource>(std::move(source), name);
    else if (magic->starts_with("\xfd" "7zXZ\0"sv))
        source = std::make_unique<XzSource>(std::move(source), name);
    else if (magic->starts_with("\x28\xb5\x2f\xfd"sv))
        source = std::make_unique<ZstdSource>(std::move(source), name);
    else
        compressed = false;
    if (compressed || counted) source = std::make_unique<CappedSource>(std::move(source), budget);
    auto head = peek(source, sniff_size);
    if (!head) return head.error();
    Decoded out;
    if (head->starts_with("\xff\xfe"sv) || head->starts_with("\xfe\xff"sv)) {
        auto order = head->starts_with("\xff\xfe"sv) ? Utf16Source::Order::little : Utf16Source::Order::big;
        source = std::make_unique<Utf16Source>(std::move(source), order);
    } else {
        out.binary = binary_kind(*head);
    }
    out.source = std::move(source);
    return out;
}

base::Result<std::unique_ptr<ByteSource>> open_raw(const Input& input) {
    switch (input.kind) {
        case Input::Kind::text:
            return std::unique_ptr<ByteSource>(std::make_unique<TextSource>(input.text));
        case Input::Kind::standard_input:
            return std::unique_ptr<ByteSource>(
                std::make_unique<FdSource>(STDIN_FILENO, Ownership::borrowed, input.name));
        case Input::Kind::file:
            break;
    }
    int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return read_error(input.name, std::strerror(errno));
    return std::unique_ptr<ByteSource>(std::make_unique<FdSource>(fd, Ownership::owned, input.name));
}

class SingleLog : public Logs {
public:
    SingleLog(std::string name, std::unique_ptr<Budget> budget, std::unique_ptr<ByteSource> source)
        : name_(std::move(name)), budget_(std::move(budget)), source_(std::move(source)) {}
    base::Result<std::optional<std::string>> next() override {
        if (std::exchange(given_, true)) return std::optional<std::string>();
        return std::optional<std::string>(name_);
    }
    ByteSource& source() override { return *source_; }

private:
    std::string name_;
    std::unique_ptr<Budget> budget_;  // before the source, which counts into it
    std::unique_ptr<ByteSource> source_;
    bool given_ = false;
};

struct FreeArchive {
    void operator()(archive* a) const { archive_read_free(a); }
};

// The file in a zip archive that libarchive is positioned on.
class ArchiveFileSource : public ByteSource {
public:
    ArchiveFileSource(archive* a, std::string name) : archive_(a), name_(std::move(name)) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        la_ssize_t n = archive_read_data(archive_, buffer, size);
        if (n < 0) {
            const char* why = archive_error_string(archive_);
            return read_error(name_, std::string("corrupt zip data: ") + (why ? why : "libarchive failed"));
        }
        return static_cast<std::size_t>(n);
    }

private:
    archive* archive_;
    std::string name_;
};

// A zip archive, such as GitHub Actions' log archives: each file in it is a
// log of its own (a job's step), read in the archive's order.
class ZipLogs : public Logs {
public:
    // A file is opened by its path, so that libarchive can seek to the
    // central directory (the archive's own list of its files); a stream is
    // read front to back, from the local headers.
    static base::Result<std::unique_ptr<Logs>> open(const Input& input, std::unique_ptr<ByteSource> raw,
                                                    std::uint64_t max_expanded) {
        std::unique_ptr<ZipLogs> logs(new ZipLogs(input.name, std::move(raw), max_expanded));
        archive* a = archive_read_new();
        if (!a) return read_error(input.name, "out of memory for libarchive");
        logs->archive_.reset(a);
        archive_read_support_format_zip(a);
        int status = input.kind == Input::Kind::file
                         ? archive_read_open_filename(a, input.path.c_str(), 64 << 10)
                         : archive_read_open(a, logs.get(), nullptr, &ZipLogs::read_callback, nullptr);
        if (status != ARCHIVE_OK) return logs->archive_error("not a readable zip archive: ");
        return std::unique_ptr<Logs>(std::move(logs));
    }

    base::Result<std::optional<std::string>> next() override {
        for (;;) {
            current_.reset();  // reads from the archive's current file
            archive_entry* entry = nullptr;
            int status = archive_read_next_header(archive_.get(), &entry);
            if (status == ARCHIVE_EOF) {
                if (logs_ > 0) return std::optional<std::string>();
                return read_error(name_, passed_over_ > 0 ? "a zip archive with no log in it, only binary files"
                                                          : "an empty zip archive");
            }
            if (status < ARCHIVE_WARN) return archive_error("corrupt zip data: ");
            if (archive_entry_filetype(entry) != AE_IFREG) continue;  // folders, links
            const char* path = archive_entry_pathname_utf8(entry);
            if (!path) path = archive_entry_pathname(entry);
            std::string name = name_ + ":" + (path ? path : "?");
            if (archive_entry_is_encrypted(entry)) return read_error(name, "encrypted in the zip archive");
            auto decoded = decode(std::make_unique<ArchiveFileSource>(archive_.get(), name), name, budget_, true);
            if (!decoded) return decoded.error();
            if (!decoded->binary.empty()) {  // a screenshot or a build artifact beside the logs
                ++passed_over_;
                continue;
            }
            current_ = std::move(decoded->source);
            ++logs_;
            return std::optional<std::string>(std::move(name));
        }
    }

    ByteSource& source() override { return *current_; }

private:
    ZipLogs(std::string name, std::unique_ptr<ByteSource> raw, std::uint64_t max_expanded)
        : name_(std::move(name)), raw_(std::move(raw)), input_(64 << 10) {
        budget_.max = max_expanded;
        budget_.name = name_;
    }

    static la_ssize_t read_callback(archive* a, void* data, const void** buffer) {
        auto* self = static_cast<ZipLogs*>(data);
        auto n = self->raw_->read(self->input_.data(), self->input_.size());
        if (!n) {
            self->raw_failed_ = n.error();
            archive_set_error(a, EIO, "%s", n.error().message.c_str());
            return -1;
        }
        *buffer = self->input_.data();
        return static_cast<la_ssize_t>(*n);
    }

    base::Error archive_error(const std::string& what) const {
        if (raw_failed_) return *raw_failed_;  // the stream's own error says more
        const char* why = archive_error_string(archive_.get());
        return read_error(name_, what + (why ? why : "libarchive failed"));
    }

    std::string name_;
    std::unique_ptr<ByteSource> raw_;  // a stream's bytes; unused for a file
    std::vector<char> input_;
    std::optional<base::Error> raw_failed_;
    Budget budget_;
    std::unique_ptr<archive, FreeArchive> archive_;  // after what its callback reads
    std::unique_ptr<ByteSource> current_;            // after the archive it reads
    std::size_t logs_ = 0;
    std::size_t passed_over_ = 0;
};

// The logs of an input as one stream. A newline goes between two logs when
// the first does not end with one, so that its last line and the next log's
// first stay two lines.
class JoinedSource : public ByteSource {
public:
    explicit JoinedSource(std::unique_ptr<Logs> logs) : logs_(std::move(logs)) {}
    base::Result<std::size_t> read(char* buffer, std::size_t size) override {
        if (size == 0) return std::size_t{0};
        for (;;) {
            if (!in_log_) {
                auto name = logs_->next();
                if (!name) return name.error();
                if (!*name) return std::size_t{0};
                in_log_ = true;
                if (std::exchange(unterminated_, false)) {
                    buffer[0] = '\n';
                    return std::size_t{1};
                }
            }
            auto n = logs_->source().read(buffer, size);
            if (!n) return n;
            if (*n == 0) {
                in_log_ = false;
                continue;
            }
            unterminated_ = buffer[*n - 1] != '\n';
            return n;
        }
    }

private:
    std::unique_ptr<Logs> logs_;
    bool in_log_ = false;
    bool unterminated_ = false;
};

}  // namespace

base::Result<std::unique_ptr<Logs>> open_logs(const Input& input, std::uint64_t max_expanded) {
    auto raw = open_raw(input);
    if (!raw) return raw.error();
    auto magic = peek(*raw, 4);
    if (!magic) return magic.error();
    if (is_zip(*magic)) return ZipLogs::open(input, std::move(*raw), max_expanded);
    auto budget = std::make_unique<Budget>();
    budget->max = max_expanded;
    budget->name = input.name;
    auto decoded = decode(std::move(*raw), input.name, *budget, false);
    if (!decoded) return decoded.error();
    if (!decoded->binary.empty()) return read_error(input.name, "a binary file, not a log: " + decoded->binary);
    return std::unique_ptr<Logs>(std::make_unique<SingleLog>(input.name, std::move(budget), std::move(decoded->source)));
}

base::Result<std::unique_ptr<ByteSource>> open_input(const Input& input, std::uint64_t max_expanded) {
    auto logs = open_logs(input, max_expanded);
    if (!logs) return logs.error();
    return std::unique_ptr<ByteSource>(std::make_unique<JoinedSource>(std::move(*logs)));
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
