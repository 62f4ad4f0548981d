// Full-text search extensions registered on every index connection: the
// "deja" FTS5 tokenizer, which indexes identifiers whole and by part, and the
// ranking functions the search query orders and snippets by.
//
// Tokens. SQLite's unicode61 tokenizer (case folding, diacritics removed)
// with `_`, `.` and `-` kept inside tokens, so `gin_trgm_ops`,
// `metrics.k8s.io` and `uuid-ossp` are single tokens. At the same position
// the tokenizer adds the dot/dash segments (`metrics`, `k8s`, `io`) as
// ordinary tokens, and the leaves of the identifier (split further at `_` and
// CamelCase: `gin`, `trgm`, `ops`; `missing`, `greenlet`) as "part" tokens
// prefixed by `part_marker`. A search can therefore tell an exact identifier
// from a part of a longer one, and rank the first higher.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite.hpp"

namespace store::fts {

inline constexpr const char* tokenizer_name = "deja";
inline constexpr char part_marker = '\x1f';

// The searchable columns of the index, in table order: `search` has all of
// them, `search_head` the first four (the "head" of a document).
enum class Column { heading, errors, meta, summary, code, body };
inline constexpr int column_count = 6;
inline constexpr int head_column_count = 4;

// How strongly a hit in each column speaks for a document (used for tiers:
// title, then error lines, then metadata and summary; body last).
int column_class(int column);

// Registers the tokenizer and the functions `deja_rank(table, roles)` and
// `deja_snippet(table, roles, tokens)` on this connection. Must be called on
// every connection that reads or writes the search tables.
base::Status register_extensions(sqlite::Db& db);

// One word of text as the index sees it: the folded whole token and, when it
// is a compound identifier, its leaves (dot/dash segments split further at
// `_` and CamelCase).
struct Term {
    std::string whole;
    std::vector<std::string> leaves;  // empty for a simple word
    // The dot/dash segments, when there are several. A leaf that is one of
    // them is indexed as an ordinary token, every other leaf as a part.
    std::vector<std::string> segments;
};

// ---- splitting ahead of the writer ----------------------------------------
//
// SQLite writes an index on one thread, and splitting text into tokens was
// two fifths of that thread's time. A writer can split the next documents on
// another thread with a Splitter, and hand each row's SplitTexts to a Replay
// while it inserts the row: the tokenizer then replays the tokens recorded
// for a text instead of splitting it again. The recording runs the very code
// the tokenizer runs, so the index is the same either way; a text that no
// SplitText matches is split as usual.

// The tokens of one text, as the tokenizer hands them to FTS5.
struct SplitText {
    struct Token {
        std::uint32_t at = 0, size = 0;  // in `bytes`
        int flags = 0, start = 0, end = 0;
    };
    std::string_view text;  // what was split; must outlive the SplitText
    std::string bytes;
    std::vector<Token> tokens;
};

// Splits documents' text with the tokenizer's rules. Create it on a
// connection with the extensions registered; use it on one thread at a time.
class Splitter {
public:
    static base::Result<Splitter> create(sqlite::Db& db);
    Splitter(Splitter&& other) noexcept;
    Splitter& operator=(Splitter&&) = delete;
    ~Splitter();

    base::Result<SplitText> split(std::string_view text);

private:
    Splitter() = default;
    struct Base;
    std::unique_ptr<Base> base_;
};

// While a Replay lives, the tokenizer on this thread takes the tokens of a
// document text that one of `texts` recorded.
class Replay {
public:
    explicit Replay(std::span<const SplitText> texts);
    Replay(const Replay&) = delete;
    Replay& operator=(const Replay&) = delete;
    ~Replay();
};

// Splits text into Terms with exactly the rules used when indexing. Needs a
// connection with the extensions registered (it borrows SQLite's unicode61).
base::Result<std::vector<Term>> analyze(sqlite::Db& db, std::string_view text);

}  // namespace store::fts
