// Index::search. Ranking (deja_rank, fts.hpp) puts documents whose head
// (title, error lines, metadata, summary) has every query term first, so the
// search runs in stages that stop as soon as the answer is known:
//   1. every term, in `search_head` (small: no bodies);
//   2. only if that found fewer than `limit`: every term, in `search`;
//   2b. only if nothing yet: every term, single words also as prefixes;
//   3. only if nothing yet: every term that occurs somewhere at all, so a
//      pasted line with a local table name still finds the known error;
//   4. only if still nothing: the rarest terms together, ranked first
//      ("how to fix compressed hypertable drop column" is about a
//      hypertable, not about the page with the most of those words): the
//      words of a question all at once, then the most common one at a time;
//      then any term, most terms first.
// The words of a question ("how", "fix") are optional throughout: when the
// documents with every word are fewer than asked for, those with every
// other word follow them ("fix greenlet" is answered by the greenlet
// runbook even though it never says "fix").
// A stage ranks at most `max_ranked` matches: a word that is in most of a
// large knowledge base would otherwise cost time in proportion to its size.
// The lowest rowids are ranked (runbooks, then the newest incidents).
#include <algorithm>
#include <cmath>
#include <map>

#include "base/text.hpp"
#include "store/index_impl.hpp"
#include "store/query.hpp"

namespace store {

namespace {

// Measured: ranking costs about a microsecond per matching row, so this
// bounds a stage near 2 ms whatever the size of the knowledge base
// (bench/index_search.sh).
constexpr int max_ranked = 2000;

struct Candidate {
    long long rowid = 0;
    double score = 0;
    // Found by the rarest terms together (stage 4): ranked above documents
    // that only have more of the common ones.
    bool rare_terms = false;
};

base::Result<std::vector<Candidate>> rank(sqlite::Db& db, const char* table, const MatchQuery& q) {
    std::string sql = std::string("SELECT rowid, deja_rank(") + table + ", ?2) FROM " + table + " WHERE " + table +
                      " MATCH ?1 ORDER BY rowid LIMIT ?3";
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    stmt->bind(1, q.expression).bind(2, q.roles).bind(3, max_ranked);
    std::vector<Candidate> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back({stmt->integer(0), stmt->real(1)});
    }
    return out;
}

// Adds the documents of `more` not yet in `into`; for those in both, keeps
// the higher score when `keep` is Keep::higher.
enum class Keep { first, higher };
void merge(std::vector<Candidate>& into, const std::vector<Candidate>& more, Keep keep) {
    std::map<long long, std::size_t> at;
    for (std::size_t i = 0; i < into.size(); ++i) at[into[i].rowid] = i;
    for (const auto& c : more) {
        auto it = at.find(c.rowid);
        if (it == at.end()) into.push_back(c);
        else if (keep == Keep::higher) into[it->second].score = std::max(into[it->second].score, c.score);
    }
}

// Stages 1 and 2 for one MATCH expression.
base::Result<std::vector<Candidate>> staged(sqlite::Db& db, const MatchQuery& q, Combine combine, int limit) {
    auto found = rank(db, "search_head", q);
    if (!found) return found;
    // With every term required, documents found in the head outrank all
    // others, and keep the score their head gave them whether or not the
    // bodies are searched too: otherwise the order of the first results
    // would depend on how many were asked for. With any term, a body may
    // still add terms.
    if (combine == Combine::all_terms && static_cast<int>(found->size()) >= limit) return found;
    auto full = rank(db, "search", q);
    if (!full) return full;
    merge(*found, *full, combine == Combine::all_terms ? Keep::first : Keep::higher);
    return found;
}

// How many documents have the term, counted up to max_ranked: enough to
// tell a rare word from a common one without reading a common word's every
// document.
base::Result<long long> frequency(sqlite::Db& db, const QueryTerm& term) {
    auto q = match_query({&term}, Combine::all_terms);
    auto stmt = db.prepare("SELECT count(*) FROM (SELECT 1 FROM search WHERE search MATCH ?1 LIMIT ?2)");
    if (!stmt) return stmt.error();
    stmt->bind(1, q.expression).bind(2, max_ranked);
    auto row = stmt->step();
    if (!row) return row.error();
    return *row ? stmt->integer(0) : 0;
}

bool is_filler(const QueryTerm& term) { return term.words.size() == 1 && is_filler_word(term.words.front()); }

// The terms that say what a query is about: all but a question's own words.
// Empty when there are no such words, or nothing else.
std::vector<const QueryTerm*> topical_terms(const std::vector<const QueryTerm*>& terms) {
    std::vector<const QueryTerm*> topical;
    for (const auto* t : terms)
        if (!is_filler(*t)) topical.push_back(t);
    if (topical.size() == terms.size()) topical.clear();
    return topical;
}

bool is_phrase(const QueryTerm& term) { return term.words.size() > 1; }

// Stage 4's first half: leaves out the words of a question, all at once,
// then the most common of the rest one at a time, a quoted phrase last,
// until some documents have all that is kept (at least two terms, or the
// one word a question is about: "how to fix greenlet" is about greenlet,
// or a phrase the query quoted: the error it is about).
base::Result<std::vector<Candidate>> rarest_together(sqlite::Db& db, const std::vector<const QueryTerm*>& present,
                                                   const std::vector<long long>& counts, int limit) {
    std::vector<std::size_t> by_count(present.size());
    for (std::size_t i = 0; i < by_count.size(); ++i) by_count[i] = i;
    auto filler = [&](std::size_t i) { return is_filler(*present[i]); };
    auto phrase = [&](std::size_t i) { return is_phrase(*present[i]); };
    std::stable_sort(by_count.begin(), by_count.end(), [&](std::size_t a, std::size_t b) {
        if (filler(a) != filler(b)) return filler(a);
        if (phrase(a) != phrase(b)) return phrase(b);
        return counts[a] > counts[b];
    });
    std::size_t fillers = 0;
    while (fillers < by_count.size() && filler(by_count[fillers])) ++fillers;
    std::vector<bool> left_out(present.size(), false);
    auto try_kept = [&]() -> base::Result<std::vector<Candidate>> {
        std::vector<const QueryTerm*> kept;
        for (std::size_t i = 0; i < present.size(); ++i)
            if (!left_out[i]) kept.push_back(present[i]);
        auto found = staged(db, match_query(kept, Combine::all_terms), Combine::all_terms, limit);
        if (found)
            for (auto& c : *found) c.rare_terms = true;
        return found;
    };
    std::size_t k = 0;
    if (fillers > 0 && fillers < present.size()) {
        for (; k < fillers; ++k) left_out[by_count[k]] = true;
        auto found = try_kept();
        if (!found || !found->empty()) return found;
    }
    for (; k + 1 < present.size(); ++k) {
        // Down to one term only when what is left is a quoted phrase.
        if (k + 2 == present.size() && !phrase(by_count[k + 1])) break;
        left_out[by_count[k]] = true;
        auto found = try_kept();
        if (!found || !found->empty()) return found;
    }
    return std::vector<Candidate>{};
}

// `used` is the expression that found the candidates, over `used_terms`.
base::Result<std::vector<Candidate>> find(sqlite::Db& db, const std::vector<QueryTerm>& terms, int limit,
                                        MatchQuery& used, std::vector<const QueryTerm*>& used_terms) {
    std::vector<const QueryTerm*> all;
    for (const auto& t : terms) all.push_back(&t);
    used_terms = all;
    used = match_query(all, Combine::all_terms);
    auto found = staged(db, used, Combine::all_terms, limit);
    if (!found) return found;
    if (!found->empty()) {
        auto topical = topical_terms(all);
        if (topical.empty() || static_cast<int>(found->size()) >= limit) return found;
        // Ranked after the documents with every word: they match fewer.
        auto more = staged(db, match_query(topical, Combine::all_terms), Combine::all_terms, limit);
        if (!more) return more;
        merge(*found, *more, Keep::first);
        // Snippets mark any of the words: not every document has them all.
        used = match_query(all, Combine::any_term);
        return found;
    }

    // Words cut short ("greenl", "postgr"), as the site's search reads every
    // word; only when the whole words found nothing, so that a prefix never
    // costs an ordinary query time.
    MatchQuery prefixed = prefix_query(all);
    if (prefixed.expression != used.expression) {
        auto by_prefix = staged(db, prefixed, Combine::all_terms, limit);
        if (!by_prefix || !by_prefix->empty()) {
            used = prefixed;
            return by_prefix;
        }
    }
    if (all.size() < 2) return found;

    std::vector<const QueryTerm*> present;
    std::vector<long long> counts;
    for (const auto* t : all) {
        auto count = frequency(db, *t);
        if (!count) return count.error();
        if (*count == 0) continue;
        present.push_back(t);
        counts.push_back(*count);
    }
    if (present.empty()) return found;
    used_terms = present;
    if (present.size() < all.size()) {
        used = match_query(present, Combine::all_terms);
        found = staged(db, used, Combine::all_terms, limit);
        if (!found || !found->empty() || present.size() < 2) return found;
    }
    auto rarest = rarest_together(db, present, counts, limit);
    if (!rarest) return rarest;
    // Snippets mark any of the terms, which both halves have.
    used = match_query(present, Combine::any_term);
    auto any = staged(db, used, Combine::any_term, limit);
    if (!any) return any;
    merge(*rarest, *any, Keep::first);
    return rarest;
}

}  // namespace

base::Result<std::vector<SearchHit>> Index::search(const std::string& query, int limit) const {
    sqlite::Db& db = impl_->db;
    // Searches read the index through a memory map: FTS5 reads posting lists
    // page by page, and copying each page out of the OS cache (pread) was a
    // fifth of a query's time at 100k documents (bench/index_search.sh).
    // Only here: a command that reads every document (site build) would
    // count the whole mapped file in its memory.
    if (!impl_->mapped) {
        if (auto s = db.exec("PRAGMA mmap_size = 4294967296"); !s) return s.error();
        impl_->mapped = true;
    }
    auto terms = parse_query(db, query);
    if (!terms) return terms.error();
    if (limit <= 0) return std::vector<SearchHit>{};
    MatchQuery used;
    std::vector<const QueryTerm*> used_terms;
    auto found = find(db, *terms, limit, used, used_terms);
    if (!found) return found.error();
    auto& candidates = *found;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.rare_terms != b.rare_terms) return a.rare_terms;
        return a.score != b.score ? a.score > b.score : a.rowid < b.rowid;
    });
    if (static_cast<int>(candidates.size()) > limit) candidates.resize(static_cast<std::size_t>(limit));

    auto info = db.prepare("SELECT kind, id, title, path, date, status FROM documents WHERE rowid = ?");
    if (!info) return info.error();
    // Snippets only for what is shown: each one re-reads and re-tokenizes a
    // column.
    auto snippet = db.prepare(
        "SELECT deja_snippet(search, ?2, 16) "
        "FROM search WHERE search MATCH ?1 AND rowid = ?3");
    if (!snippet) return snippet.error();
    // Mark the exact words where the document has them; only a document
    // found through parts alone gets its parts marked.
    MatchQuery exact = exact_query(used_terms);
    auto snippet_for = [&](const MatchQuery& q, long long rowid) -> base::Result<std::optional<std::string>> {
        snippet->reset();
        snippet->bind(1, q.expression).bind(2, q.roles).bind(3, rowid);
        auto s = snippet->step();
        if (!s) return s.error();
        if (!*s) return std::optional<std::string>{};
        return std::optional<std::string>{base::text::collapse_whitespace(snippet->text_view(0))};
    };
    std::vector<SearchHit> hits;
    for (const auto& c : candidates) {
        info->bind(1, c.rowid);
        auto row = info->step();
        if (!row) return row.error();
        if (!*row) {
            info->reset();
            continue;
        }
        SearchHit h;
        h.kind = info->text_view(0) == "runbook" ? kb::DocKind::runbook : kb::DocKind::incident;
        h.id = info->text(1);
        h.title = info->text(2);
        h.path = info->text(3);
        h.date = info->text(4);
        h.status = info->text(5);
        info->reset();
        h.all_terms = !c.rare_terms && std::floor(c.score / 1e8) >= static_cast<double>(terms->size());
        // Still higher for a better hit: deja_rank's scores stay below 1e10
        // (at most 32 terms x 1e8).
        h.score = c.rare_terms ? c.score + 1e10 : c.score;
        auto text = snippet_for(exact, c.rowid);
        if (text && !*text) text = snippet_for(used, c.rowid);
        if (!text) return text.error();
        h.snippet = text->value_or("");
        hits.push_back(std::move(h));
    }
    return hits;
}

}  // namespace store
