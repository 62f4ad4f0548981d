// Reading logs as a stream of line blocks: files, standard input or text in
// memory, plain or compressed with gzip, xz or zstd, or zip archives (such as
// GitHub Actions' log archives) whose files are read one after the other;
// all told apart by their magic bytes, so a compressed log piped on stdin
// works too. A binary file (an image, an executable, a database) is refused
// rather than matched as if it were text. Memory stays flat whatever the
// size: one block buffer is reused, and a line longer than the cap keeps its
// first `max_line` bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace match {

struct Input {
    enum class Kind { file, standard_input, text };
    Kind kind = Kind::file;
    std::string name;  // how evidence names it: the path as given, or "stdin"
    std::filesystem::path path;
    std::string text;

    static Input file(const std::filesystem::path& path);
    static Input standard_input();
    static Input from_text(std::string name, std::string text);
    // "-" is standard input, anything else a file.
    static Input from_argument(const std::string& argument);
};

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Up to `size` bytes; 0 at the end.
    virtual base::Result<std::size_t> read(char* buffer, std::size_t size) = 0;
};

// What compressed data may expand to, in all (for a zip archive, all its
// files together), before reading stops with an error: a zip bomb costs
// time, never memory, and this bounds the time. Logs compress 10 to 100
// times; no CI log comes near.
constexpr std::uint64_t default_max_expanded = std::uint64_t{16} << 30;

// The logs in an input, one after the other: the input itself, or each file
// in a zip archive in the archive's order, named "ARCHIVE:PATH/IN/IT". Files
// in an archive that are not logs (binary) are passed over.
class Logs {
public:
    virtual ~Logs() = default;
    // Moves to the next log and gives its name; nullopt after the last.
    virtual base::Result<std::optional<std::string>> next() = 0;
    // The current log's bytes, until the next call to next().
    virtual ByteSource& source() = 0;
};

// Opens an input, decompressing it and refusing a binary file. Errors read
// "cannot read NAME (reason)".
base::Result<std::unique_ptr<Logs>> open_logs(const Input& input,
                                              std::uint64_t max_expanded = default_max_expanded);

// The same as one stream: the logs of an archive follow one another, each
// ending with a newline.
base::Result<std::unique_ptr<ByteSource>> open_input(const Input& input,
                                                     std::uint64_t max_expanded = default_max_expanded);

// Splits a byte stream into blocks of whole lines. Every line in a block
// ends with '\n' (one is added after the last line and after a capped line).
class LineBlocks {
public:
    static constexpr std::size_t default_block_size = 1 << 20;
    static constexpr std::size_t default_max_line = 64 << 10;

    // With `buffers` > 1, blocks are read into a ring of buffers so that the
    // last `buffers` blocks stay valid at once (scanned in parallel, or kept
    // for a second look at the end of the log).
    LineBlocks(ByteSource& source, std::string name, std::size_t block_size = default_block_size,
               std::size_t max_line = default_max_line, std::size_t buffers = 1);

    // The next block, valid until `buffers` more calls; empty at the end of
    // the input. The caller may rewrite it in place (it is not read again).
    base::Result<std::span<char>> next();

    std::size_t max_line() const { return max_line_; }

private:
    ByteSource& source_;
    std::string name_;
    std::size_t max_line_;
    // Not zero-filled: a small log touches only the pages it is read into,
    // which took 10 ms of page faults off every run (bench/match.sh).
    std::size_t buffer_size_;
    std::vector<std::unique_ptr<char[]>> buffers_;
    std::size_t current_ = 0;
    bool started_ = false;
    std::size_t begin_ = 0, end_ = 0;  // unread bytes carried over, in the current buffer
    bool eof_ = false;
    bool skipping_ = false;  // dropping the rest of a capped line
    // A read that failed after some bytes: those are handed out as if the
    // input ended there, and the error comes with the next call.
    std::optional<base::Error> failed_;
};

}  // namespace match
