// The site's search index, written at build time as JavaScript files that a
// page loads with <script> (so search works from file://, where fetch does
// not). Token -> postings rather than full text keeps it compact: tokens are
// sharded by first character and document rows by blocks, so a query loads
// only the few files it needs however large the knowledge base.
//
// Tokens: lower-case runs of letters, digits and '_'; an identifier is also
// indexed by its parts (gin_trgm_ops -> gin, trgm, ops; UndefinedObject ->
// undefined, object) so it is found whole and by part. web/assets/search.js
// tokenises queries by the same rules.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "site/output.hpp"

namespace site {

// Where a word was seen; a hit in a higher field ranks higher.
enum class Field : std::uint8_t { part = 0, body = 1, error = 2, title = 3 };

struct SearchDocument {
    char kind = 'i';            // 'r' runbook, 'i' incident
    std::string href;           // relative to the site root
    std::string title;
    std::string meta;           // "2025-10-29 · resolved", "runbook · postgresql"
    std::string summary;        // shown under the title
    std::string error;          // an error line, shown in code font
};

// The tokens of `text` with the field they count for: identifier parts one
// field lower than the whole word (a body word's parts count as Field::part).
std::vector<std::pair<std::string, Field>> tokenize(std::string_view text, Field field);

class SearchIndexBuilder {
public:
    // Documents are numbered in the order they are added, from `first_doc`:
    // builders for consecutive ranges of documents can fill on several
    // threads and then be appended in order.
    explicit SearchIndexBuilder(std::uint32_t first_doc = 0) : first_doc_(first_doc) {}

    std::uint32_t add(SearchDocument document);
    void index(std::uint32_t doc, std::string_view text, Field field);
    // Takes over `next`'s documents and postings; `next` must number its
    // documents from where this builder's end.
    void append(SearchIndexBuilder&& next);

    // Writes search/meta.js, search/t-*.js (tokens) and search/d-*.js
    // (document rows) under `out_dir`. Only for a builder numbered from 0.
    base::Result<Written> write(const std::filesystem::path& out_dir) const;

    std::size_t size() const { return documents_.size(); }

private:
    // A document and the best field the token is in, as doc * 4 + field:
    // half the size of a struct, and postings are most of the builder's
    // memory (bench/site.sh).
    using Posting = std::uint32_t;
    // Open addressing keyed by a 64-bit hash: at 10,000 documents indexing
    // does ~10 million look-ups, and std::unordered_map spent most of the
    // index build in them.
    struct Slot {
        std::uint64_t hash = 0;
        std::uint32_t id = empty_slot;
    };
    static constexpr std::uint32_t empty_slot = 0xFFFFFFFF;
    std::uint32_t token_id(std::string_view token, std::uint64_t hash);

    std::uint32_t first_doc_ = 0;
    std::vector<SearchDocument> documents_;
    std::vector<Slot> slots_ = std::vector<Slot>(1 << 16);
    std::vector<std::string> tokens_;
    std::vector<std::vector<Posting>> postings_;
};

// Word rules shared with search.js.
bool is_stop_word(std::string_view token);
bool is_word_code_point(char32_t code_point);
const std::vector<std::string_view>& stop_words();

// Rows of document metadata per d-*.js file.
constexpr std::size_t search_block_size = 256;

}  // namespace site
