// Turns what a user typed into FTS5 MATCH expressions. User text never
// reaches FTS5's query syntax: it is split into words with the index's own
// tokenizer and each word is quoted, so quotes, parentheses, `-`, `*`, `:`
// and words like AND, NOT or NEAR are plain text to search for.
//
// Each query word becomes one term, matched by its exact form or by all of
// its parts (gin_trgm_ops -> gin, trgm, ops; MissingGreenlet -> missing,
// greenlet) within one longer identifier: the index puts an identifier's
// parts at its own position, so the parts must share a position (NEAR, 0).
// Text in double quotes is a phrase of exact words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite.hpp"

namespace store {

// Terms beyond this many are ignored: enough for a pasted error line.
inline constexpr int max_query_terms = 32;

struct QueryTerm {
    std::vector<std::string> words;   // one word, or a quoted phrase's words in order
    std::vector<std::string> leaves;  // a single compound word's parts
    std::vector<std::string> segments;  // its dot/dash segments (see fts::Term)
};

// Errors: an empty query, or one without a single word to search for.
base::Result<std::vector<QueryTerm>> parse_query(sqlite::Db& db, std::string_view text);

enum class Combine { all_terms, any_term };

struct MatchQuery {
    std::string expression;  // for `table MATCH ?`
    std::string roles;       // for deja_rank(): each phrase's term and exact/part role
    int terms = 0;
};

MatchQuery match_query(const std::vector<const QueryTerm*>& terms, Combine combine);
// Every term, each single word of at least four letters also as the start
// of a longer word: what a query that found nothing whole may have meant.
MatchQuery prefix_query(const std::vector<const QueryTerm*>& terms);
// Any term in its exact form only: what a snippet marks when the document
// has it, rather than every part of an identifier.
MatchQuery exact_query(const std::vector<const QueryTerm*>& terms);

// Words of a question rather than of an error ("how do I fix ..."): when no
// document has every word, a search leaves these out before any other, since
// how rare they are in a small knowledge base says nothing of what they mean.
// The site's search reads the same list (search/meta.js).
const std::vector<std::string_view>& filler_words();
bool is_filler_word(std::string_view lowercase_word);

}  // namespace store
