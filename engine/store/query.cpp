#include "store/query.hpp"

#include <algorithm>

#include "base/text.hpp"
#include "store/fts.hpp"

namespace store {

namespace {

enum class Form { exact, part };

// Shorter starts match too many words to mean anything.
constexpr std::size_t min_prefix = 4;

std::string quoted(std::string_view token, Form form) {
    std::string out = "\"";
    if (form == Form::part) out += fts::part_marker;
    for (char c : token) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

struct Builder {
    std::string expression;
    std::string roles;
    int terms = 0;

    void role(char kind) {
        if (!roles.empty()) roles += ',';
        roles += kind;
        roles += std::to_string(terms);
    }
    // The term as it was typed: a word, or a phrase of several.
    void add_exact(const QueryTerm& term) {
        expression += quoted(base::text::join(term.words, " "), Form::exact);
        role('e');
    }
    // A single word as the start of longer words too, whole or as a part
    // ("greenl" -> greenlet, MissingGreenlet); phrases and short words as typed.
    void add_prefix(const QueryTerm& term) {
        if (term.words.size() > 1 || term.words.front().size() < min_prefix) {
            add(term);
            return;
        }
        expression += '(' + quoted(term.words.front(), Form::exact) + "* OR " +
                      quoted(term.words.front(), Form::part) + "*)";
        role('e');
        role('p');
    }
    // The term whole, or an identifier by its parts.
    void add(const QueryTerm& term) {
        if (term.words.size() > 1) {
            add_exact(term);
            return;
        }
        const std::string& word = term.words.front();
        expression += '(' + quoted(word, Form::exact) + " OR ";
        role('e');
        if (term.leaves.empty()) {
            expression += quoted(word, Form::part);
            role('p');
        } else {
            // Parts scattered over a document are not the identifier: with
            // common parts they also made a query read thousands of
            // documents, 15 ms of a 20 ms search at 100k documents
            // (bench/index_search.sh).
            expression += "NEAR(";
            for (std::size_t i = 0; i < term.leaves.size(); ++i) {
                const std::string& leaf = term.leaves[i];
                bool segment = std::find(term.segments.begin(), term.segments.end(), leaf) != term.segments.end();
                if (i > 0) expression += ' ';
                expression += quoted(leaf, segment ? Form::exact : Form::part);
                role('p');
            }
            expression += ", 0)";
        }
        expression += ')';
    }
};

}  // namespace

base::Result<std::vector<QueryTerm>> parse_query(sqlite::Db& db, std::string_view text) {
    // Control characters are never part of a word (and one of them is the
    // tokenizer's part marker).
    std::string clean(text);
    for (char& c : clean)
        if ((static_cast<unsigned char>(c) < 0x20) || c == 0x7f) c = ' ';
    if (base::text::trim(clean).empty()) return base::error("empty search query (give a word or an identifier)");

    std::vector<QueryTerm> terms;
    auto full = [&] { return terms.size() >= static_cast<std::size_t>(max_query_terms); };
    std::size_t pos = 0;
    while (pos < clean.size() && !full()) {
        std::size_t quote = clean.find('"', pos);
        std::size_t close = quote == std::string::npos ? std::string::npos : clean.find('"', quote + 1);
        // An unbalanced quote is just a character.
        std::size_t words_end = (quote == std::string::npos || close == std::string::npos) ? clean.size() : quote;
        auto words = fts::analyze(db, std::string_view(clean).substr(pos, words_end - pos));
        if (!words) return words.error();
        for (auto& t : *words) {
            if (full()) break;
            terms.push_back({{std::move(t.whole)}, std::move(t.leaves), std::move(t.segments)});
        }
        if (words_end == clean.size()) break;
        auto phrase = fts::analyze(db, std::string_view(clean).substr(quote + 1, close - quote - 1));
        if (!phrase) return phrase.error();
        if (phrase->size() == 1 && !full()) {
            auto& t = phrase->front();
            terms.push_back({{std::move(t.whole)}, std::move(t.leaves), std::move(t.segments)});
        } else if (phrase->size() > 1 && !full()) {
            QueryTerm t;
            for (auto& w : *phrase) t.words.push_back(std::move(w.whole));
            terms.push_back(std::move(t));
        }
        pos = close + 1;
    }
    if (terms.empty())
        return base::error("nothing to search for in '" + base::text::truncate_words(base::text::trim(clean), 200) +
                         "' (give a word or an identifier)");
    return terms;
}

namespace {

// The terms joined by `joiner`, each added to the expression by `add`.
MatchQuery joined(const std::vector<const QueryTerm*>& terms, const char* joiner,
                  void (Builder::*add)(const QueryTerm&)) {
    Builder b;
    for (const QueryTerm* t : terms) {
        if (b.terms > 0) b.expression += joiner;
        (b.*add)(*t);
        ++b.terms;
    }
    return MatchQuery{b.expression, b.roles, b.terms};
}

}  // namespace

MatchQuery match_query(const std::vector<const QueryTerm*>& terms, Combine combine) {
    return joined(terms, combine == Combine::all_terms ? " AND " : " OR ", &Builder::add);
}

MatchQuery prefix_query(const std::vector<const QueryTerm*>& terms) {
    return joined(terms, " AND ", &Builder::add_prefix);
}

MatchQuery exact_query(const std::vector<const QueryTerm*>& terms) { return joined(terms, " OR ", &Builder::add_exact); }

const std::vector<std::string_view>& filler_words() {
    static const std::vector<std::string_view> words = [] {
        std::vector<std::string_view> list = {
            "a",    "am",    "an",     "and",   "are",     "as",     "at",      "be",    "but",   "by",
            "can",  "could", "did",    "do",    "does",    "fix",    "fixed",   "fixing", "for",  "from",
            "get",  "getting", "got",  "help",  "how",     "i",      "if",      "in",    "into",  "is",
            "issue", "it",   "its",    "keeps", "me",      "my",     "of",      "on",    "or",    "our",
            "problem", "resolve", "should", "so", "solve", "that",   "the",     "there", "this",  "to",
            "us",   "was",   "we",     "what",  "when",    "where",  "which",   "who",   "why",   "will",
            "with", "would", "you",    "your"};
        std::sort(list.begin(), list.end());
        return list;
    }();
    return words;
}

bool is_filler_word(std::string_view lowercase_word) {
    const auto& words = filler_words();
    return std::binary_search(words.begin(), words.end(), lowercase_word);
}

}  // namespace store
