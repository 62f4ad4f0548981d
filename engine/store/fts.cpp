#include "store/fts.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <new>

namespace store::fts {

namespace {

// unicode61 keeps these inside tokens; the tokenizer splits on them itself.
constexpr const char* base_arguments[] = {"remove_diacritics", "2", "tokenchars", "_.-"};
constexpr int base_argument_count = 4;

bool is_separator(char c) { return c == '_' || c == '.' || c == '-'; }
bool is_segment_separator(char c) { return c == '.' || c == '-'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Expansion {
    std::string_view whole;                  // folded, separators trimmed
    int trim_front = 0, trim_back = 0;       // bytes trimmed from each end
    std::vector<std::string_view> segments;  // split at . and -; only when more than one
    std::vector<std::string_view> leaves;    // segments split at _ and CamelCase; only when more than one
};

// Leaves of one segment: split at '_' and, when the original spelling is
// available byte for byte, at CamelCase boundaries (HTTPServer -> HTTP|Server).
void split_leaves(std::string_view folded, std::string_view original, std::vector<std::string_view>& out) {
    bool camel = original.size() == folded.size();
    std::size_t start = 0;
    auto flush = [&](std::size_t end) {
        if (end > start) out.push_back(folded.substr(start, end - start));
    };
    for (std::size_t i = 0; i < folded.size(); ++i) {
        if (folded[i] == '_') {
            flush(i);
            start = i + 1;
            continue;
        }
        if (!camel || i == start) continue;
        char prev = original[i - 1], cur = original[i];
        bool next_lower = i + 1 < original.size() && is_lower(original[i + 1]);
        if (is_upper(cur) && (is_lower(prev) || is_digit(prev) || (is_upper(prev) && next_lower))) {
            flush(i);
            start = i;
        }
    }
    flush(folded.size());
}

Expansion expand(std::string_view folded, std::string_view original) {
    Expansion e;
    std::size_t front = 0, back = folded.size();
    while (front < back && is_separator(folded[front])) ++front;
    while (back > front && is_separator(folded[back - 1])) --back;
    e.trim_front = static_cast<int>(front);
    e.trim_back = static_cast<int>(folded.size() - back);
    e.whole = folded.substr(front, back - front);
    if (e.whole.empty()) return e;
    // Separators are ASCII and never folded, so trimming maps 1:1 onto the
    // original; inner lengths may differ when diacritics were removed.
    std::string_view orig = original;
    if (original.size() >= front + (folded.size() - back))
        orig = original.substr(front, original.size() - front - (folded.size() - back));

    bool same_length = orig.size() == e.whole.size();
    std::size_t start = 0;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (std::size_t i = 0; i <= e.whole.size(); ++i) {
        if (i == e.whole.size() || is_segment_separator(e.whole[i])) {
            if (i > start) spans.emplace_back(start, i);
            start = i + 1;
        }
    }
    for (auto [s, end] : spans) {
        std::string_view seg = e.whole.substr(s, end - s);
        std::string_view seg_orig = same_length ? orig.substr(s, end - s) : std::string_view{};
        // A segment's own '_' edges are trimmed like a token's.
        while (!seg.empty() && seg.front() == '_') {
            seg.remove_prefix(1);
            if (!seg_orig.empty()) seg_orig.remove_prefix(1);
        }
        while (!seg.empty() && seg.back() == '_') {
            seg.remove_suffix(1);
            if (!seg_orig.empty()) seg_orig.remove_suffix(1);
        }
        if (seg.empty()) continue;
        if (spans.size() > 1) e.segments.push_back(seg);
        split_leaves(seg, seg_orig, e.leaves);
    }
    if (e.leaves.size() < 2) e.leaves.clear();
    if (e.segments.size() < 2) e.segments.clear();
    return e;
}

// ---- the tokenizer -------------------------------------------------------

// SQLite's unicode61 with deja's arguments: what every split starts from.
struct Tokenizer {
    fts5_tokenizer base{};
    Fts5Tokenizer* base_instance = nullptr;

    Tokenizer() = default;
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;
    ~Tokenizer() {
        if (base_instance) base.xDelete(base_instance);
    }

    int create(fts5_api* api) {
        void* base_ctx = nullptr;
        int rc = api->xFindTokenizer(api, "unicode61", &base_ctx, &base);
        if (rc != SQLITE_OK) return rc;
        const char* args[base_argument_count];
        std::copy(std::begin(base_arguments), std::end(base_arguments), args);
        return base.xCreate(base_ctx, args, base_argument_count, &base_instance);
    }
};

struct TokenizeContext {
    void* outer_ctx;
    int (*outer)(void*, int, const char*, int, int, int);
    const char* text;
    int flags;
    std::string scratch;
    std::vector<std::string_view> emitted;  // at the current position, for de-duplication
};

// Most tokens are plain words: no separator inside or at the ends, no
// capital after the first letter. They go straight through, which halves
// the tokenizer's cost on prose (bench/index_search.sh).
bool is_plain(std::string_view folded, std::string_view original) {
    for (char ch : folded)
        if (is_separator(ch)) return false;
    for (std::size_t i = 1; i < original.size(); ++i)
        if (is_upper(original[i])) return false;
    return true;
}

int emit_document(TokenizeContext& c, std::string_view folded, int start, int end) {
    std::string_view original(c.text + start, static_cast<std::size_t>(end - start));
    if (is_plain(folded, original)) return c.outer(c.outer_ctx, 0, folded.data(), static_cast<int>(folded.size()), start, end);
    Expansion e = expand(folded, original);
    if (e.whole.empty()) return SQLITE_OK;
    int s = start + e.trim_front, t = end - e.trim_back;
    if (t <= s) s = start, t = end;
    int rc = c.outer(c.outer_ctx, 0, e.whole.data(), static_cast<int>(e.whole.size()), s, t);
    if (rc != SQLITE_OK || (e.segments.empty() && e.leaves.empty())) return rc;
    c.emitted.clear();
    c.emitted.push_back(e.whole);
    auto seen = [&](std::string_view token) {
        return std::find(c.emitted.begin(), c.emitted.end(), token) != c.emitted.end();
    };
    for (std::string_view seg : e.segments) {
        if (seen(seg)) continue;
        c.emitted.push_back(seg);
        rc = c.outer(c.outer_ctx, FTS5_TOKEN_COLOCATED, seg.data(), static_cast<int>(seg.size()), s, t);
        if (rc != SQLITE_OK) return rc;
    }
    // A leaf already present as a whole segment (metrics.k8s.io) is not
    // repeated as a part: the exact form covers it.
    std::vector<std::string_view> parts_done;
    for (std::string_view leaf : e.leaves) {
        if (seen(leaf) || std::find(parts_done.begin(), parts_done.end(), leaf) != parts_done.end()) continue;
        parts_done.push_back(leaf);
        c.scratch.assign(1, part_marker);
        c.scratch.append(leaf);
        rc = c.outer(c.outer_ctx, FTS5_TOKEN_COLOCATED, c.scratch.data(), static_cast<int>(c.scratch.size()), s, t);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

int on_base_token(void* ctx, int /*flags*/, const char* token, int size, int start, int end) {
    auto& c = *static_cast<TokenizeContext*>(ctx);
    std::string_view folded(token, static_cast<std::size_t>(size));
    if (!(c.flags & FTS5_TOKENIZE_QUERY)) return emit_document(c, folded, start, end);
    // Query text is built by the search code: one whole token per phrase
    // term, or a part (marker first) that must match the part tokens.
    Expansion e = expand(folded, folded);
    if (e.whole.empty()) return SQLITE_OK;
    return c.outer(c.outer_ctx, 0, e.whole.data(), static_cast<int>(e.whole.size()), start, end);
}

int on_part_token(void* ctx, int /*flags*/, const char* token, int size, int start, int end) {
    auto& c = *static_cast<TokenizeContext*>(ctx);
    Expansion e = expand(std::string_view(token, static_cast<std::size_t>(size)), {});
    if (e.whole.empty()) return SQLITE_OK;
    c.scratch.assign(1, part_marker);
    c.scratch.append(e.whole);
    return c.outer(c.outer_ctx, 0, c.scratch.data(), static_cast<int>(c.scratch.size()), start, end);
}

int tokenizer_create(void* api_ptr, const char** /*args*/, int /*nargs*/, Fts5Tokenizer** out) {
    *out = nullptr;
    auto tokenizer = std::unique_ptr<Tokenizer>(new (std::nothrow) Tokenizer);
    if (!tokenizer) return SQLITE_NOMEM;
    if (int rc = tokenizer->create(static_cast<fts5_api*>(api_ptr)); rc != SQLITE_OK) return rc;
    *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
    return SQLITE_OK;
}

void tokenizer_delete(Fts5Tokenizer* instance) { delete reinterpret_cast<Tokenizer*>(instance); }

// What the Replay alive on this thread offers (a writer's own thread, so no
// other connection ever sees it).
thread_local std::span<const SplitText> replayed;

const SplitText* recorded(const char* text, int size) {
    for (const SplitText& split : replayed)
        if (split.text.size() == static_cast<std::size_t>(size) &&
            (split.text.data() == text || split.text == std::string_view(text, split.text.size())))
            return &split;
    return nullptr;
}

int record_token(void* ctx, int flags, const char* token, int size, int start, int end) {
    auto& split = *static_cast<SplitText*>(ctx);
    split.tokens.push_back({static_cast<std::uint32_t>(split.bytes.size()), static_cast<std::uint32_t>(size), flags,
                            start, end});
    split.bytes.append(token, static_cast<std::size_t>(size));
    return SQLITE_OK;
}

int tokenizer_tokenize(Fts5Tokenizer* instance, void* ctx, int flags, const char* text, int size,
                       int (*token)(void*, int, const char*, int, int, int)) {
    if ((flags & FTS5_TOKENIZE_DOCUMENT) && !replayed.empty())
        if (const SplitText* split = recorded(text, size)) {
            for (const auto& t : split->tokens)
                if (int rc = token(ctx, t.flags, split->bytes.data() + t.at, static_cast<int>(t.size), t.start, t.end);
                    rc != SQLITE_OK)
                    return rc;
            return SQLITE_OK;
        }
    auto* tokenizer = reinterpret_cast<Tokenizer*>(instance);
    TokenizeContext c{ctx, token, text, flags, {}, {}};
    if ((flags & FTS5_TOKENIZE_QUERY) && size > 0 && text[0] == part_marker)
        return tokenizer->base.xTokenize(tokenizer->base_instance, &c, flags, text + 1, size - 1, on_part_token);
    return tokenizer->base.xTokenize(tokenizer->base_instance, &c, flags, text, size, on_base_token);
}

// ---- ranking ---------------------------------------------------------------

// Per-column weights for the term-frequency tie-break inside a tier.
constexpr double column_weight[column_count] = {10.0, 8.0, 4.0, 3.0, 1.5, 1.0};

struct Role {
    int group = 0;
    bool exact = false;
};

// Parsed once per query: the roles argument says, for each phrase of the
// MATCH expression in order, which query term it belongs to and whether it
// is the exact form ("e3") or a part ("p3"); comma separated.
struct RankState {
    std::vector<Role> roles;
    int groups = 0;
};

std::vector<Role> parse_roles(std::string_view text) {
    std::vector<Role> roles;
    std::size_t i = 0;
    while (i < text.size()) {
        Role r;
        r.exact = text[i] == 'e';
        ++i;
        int g = 0;
        while (i < text.size() && is_digit(text[i])) g = g * 10 + (text[i++] - '0');
        r.group = g;
        roles.push_back(r);
        if (i < text.size() && text[i] == ',') ++i;
    }
    return roles;
}

RankState* rank_state(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_value* roles_value, int* rc) {
    auto* state = static_cast<RankState*>(api->xGetAuxdata(fts, 0));
    if (state) return state;
    auto owned = std::unique_ptr<RankState>(new (std::nothrow) RankState);
    if (!owned) {
        *rc = SQLITE_NOMEM;
        return nullptr;
    }
    const unsigned char* roles = roles_value ? sqlite3_value_text(roles_value) : nullptr;
    owned->roles = parse_roles(roles ? reinterpret_cast<const char*>(roles) : "");
    owned->roles.resize(static_cast<std::size_t>(api->xPhraseCount(fts)));
    for (const Role& r : owned->roles) owned->groups = std::max(owned->groups, r.group + 1);
    state = owned.get();
    if ((*rc = api->xSetAuxdata(fts, owned.release(), [](void* p) { delete static_cast<RankState*>(p); })) !=
        SQLITE_OK)
        return nullptr;
    return state;
}

bool is_head(int column) { return column_class(column) >= 2; }

// Tier of one hit: any exact hit beats any part hit; then by column
// (title 4, error lines 3, metadata/summary 2, code 1, body 0).
int hit_tier(const Role& role, int column) { return (role.exact ? 6 : 1) + column_class(column); }

// One hit of a query term in the current row.
struct Instance {
    const Role* role;
    int column;
    int position;  // token position in the column
};

// The query's roles and the current row's hits of them, for one call of a
// ranking function; nullptr, with the error set as the call's result, when
// FTS5 cannot give them.
const RankState* read_hits(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* result,
                           sqlite3_value* roles, std::vector<Instance>& hits) {
    hits.clear();
    int rc = SQLITE_OK;
    const RankState* state = rank_state(api, fts, roles, &rc);
    int count = 0;
    if (state) rc = api->xInstCount(fts, &count);
    for (int i = 0; rc == SQLITE_OK && i < count; ++i) {
        int phrase = 0, column = 0, position = 0;
        rc = api->xInst(fts, i, &phrase, &column, &position);
        if (rc == SQLITE_OK && phrase >= 0 && static_cast<std::size_t>(phrase) < state->roles.size() && column >= 0 &&
            column < column_count)
            hits.push_back({&state->roles[static_cast<std::size_t>(phrase)], column, position});
    }
    if (rc == SQLITE_OK) return state;
    sqlite3_result_error_code(result, rc);
    return nullptr;
}

// deja_rank(table, roles): higher is better, as one number whose parts
// never overflow into each other (at most 99 terms of tier <= 10):
//   terms matched anywhere        x 1e8  (differs only for "any term" queries)
//   terms matched in the head     x 1e6  (title, error lines, metadata, summary)
//   sum of each term's best head tier x 1e3
//   sum of each term's best body tier (code, body)
//   + column-weighted term frequency squeezed into [0, 1): breaks ties.
// Works on `search` and on `search_head`, whose columns are the first four.
//
// There is no IDF and no document-length normalisation: both cost a lookup
// or a scan per matching row, together 90% of the ranking time for a common
// word (bench/index_search.sh), and the tiers decide the order anyway.
void rank_function(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* result, int nargs,
                   sqlite3_value** args) {
    thread_local std::vector<Instance> hits;
    const RankState* state = read_hits(api, fts, result, nargs > 0 ? args[0] : nullptr, hits);
    if (!state) return;
    thread_local std::vector<int> head_best, body_best;
    head_best.assign(static_cast<std::size_t>(state->groups), 0);
    body_best.assign(static_cast<std::size_t>(state->groups), 0);
    double frequency = 0;
    for (const Instance& hit : hits) {
        frequency += column_weight[hit.column];
        int& best = (is_head(hit.column) ? head_best : body_best)[static_cast<std::size_t>(hit.role->group)];
        best = std::max(best, hit_tier(*hit.role, hit.column));
    }
    double coverage = 0, head_coverage = 0, head_tier = 0, body_tier = 0;
    for (std::size_t g = 0; g < head_best.size(); ++g) {
        if (head_best[g] > 0 || body_best[g] > 0) ++coverage;
        if (head_best[g] > 0) ++head_coverage;
        head_tier += head_best[g];
        body_tier += body_best[g];
    }
    constexpr double k1 = 1.2;
    double tf = frequency * (k1 + 1) / (frequency + k1);
    sqlite3_result_double(result, coverage * 1e8 + head_coverage * 1e6 + head_tier * 1e3 + body_tier + tf / (1.0 + tf));
}

// Preference among columns of equal hit count for the snippet: the error
// lines and summary say most about a document; the title is shown anyway.
constexpr int snippet_preference[column_count] = {
    static_cast<int>(Column::errors), static_cast<int>(Column::summary), static_cast<int>(Column::body),
    static_cast<int>(Column::code),   static_cast<int>(Column::meta),    static_cast<int>(Column::heading)};

// The column whose text covers the most query terms.
int snippet_column(const std::vector<Instance>& hits, const RankState& state) {
    std::vector<std::vector<bool>> covered(column_count, std::vector<bool>(static_cast<std::size_t>(state.groups)));
    for (const Instance& hit : hits)
        covered[static_cast<std::size_t>(hit.column)][static_cast<std::size_t>(hit.role->group)] = true;
    int chosen = snippet_preference[0];
    long best = -1;
    for (int column : snippet_preference) {
        long n = std::count(covered[static_cast<std::size_t>(column)].begin(),
                            covered[static_cast<std::size_t>(column)].end(), true);
        if (n > best) {
            best = n;
            chosen = column;
        }
    }
    return chosen;
}

// The first token position of the best window of `width` tokens: the one
// whose hits cover the most query terms, then the most hits, the earliest
// on a tie; moved back so that its hits sit in the middle. One pass over
// the hits (sorted by position): FTS5's own snippet() scores every window
// against every hit, and a document holding a pasted log with 100,000 hits
// of a word kept a search busy for minutes.
int best_window(const std::vector<Instance>& hits, int groups, int width, int tokens) {
    if (hits.empty()) return 0;
    std::vector<int> in_window(static_cast<std::size_t>(groups));
    int distinct = 0;
    std::size_t end = 0;
    long best_score = -1;
    std::size_t best_first = 0, best_last = 0;
    for (std::size_t first = 0; first < hits.size(); ++first) {
        while (end < hits.size() && hits[end].position < hits[first].position + width)
            if (in_window[static_cast<std::size_t>(hits[end++].role->group)]++ == 0) ++distinct;
        long score = distinct * 1000L + static_cast<long>(std::min<std::size_t>(end - first, 999));
        if (score > best_score) {
            best_score = score;
            best_first = first;
            best_last = end - 1;
        }
        if (--in_window[static_cast<std::size_t>(hits[first].role->group)] == 0) --distinct;
    }
    int span = hits[best_last].position - hits[best_first].position + 1;
    int start = hits[best_first].position - (width - span) / 2;
    if (start + width > tokens) start = tokens - width;
    return std::max(start, 0);
}

struct SnippetText {
    int start = 0, end = 0;  // token positions [start, end)
    int position = -1;       // of the last token seen
    std::vector<std::pair<int, int>> spans;  // bytes of each position in the window
    bool more = false;       // a token after the window
};

int on_snippet_token(void* ctx, int flags, const char*, int, int start, int end) {
    auto& t = *static_cast<SnippetText*>(ctx);
    if (!(flags & FTS5_TOKEN_COLOCATED) || t.position < 0) ++t.position;
    if (t.position >= t.end) {
        t.more = true;
        return SQLITE_DONE;
    }
    if (t.position < t.start) return SQLITE_OK;
    auto index = static_cast<std::size_t>(t.position - t.start);
    if (index >= t.spans.size()) {
        t.spans.emplace_back(start, end);
    } else {
        // Parts of an identifier share its position: mark the identifier.
        t.spans[index].first = std::min(t.spans[index].first, start);
        t.spans[index].second = std::max(t.spans[index].second, end);
    }
    return SQLITE_OK;
}

// deja_snippet(search, roles, tokens): `tokens` words of the column that
// covers the most query terms, around its best run of hits, each hit between
// \x01 and \x02, with '…' where the column goes on.
void snippet_function(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* result, int nargs,
                      sqlite3_value** args) {
    std::vector<Instance> all;
    const RankState* state = read_hits(api, fts, result, nargs > 0 ? args[0] : nullptr, all);
    if (!state) return;
    const int width = nargs > 1 ? std::max(1, sqlite3_value_int(args[1])) : 16;
    const int column = snippet_column(all, *state);
    std::vector<Instance> hits;
    std::copy_if(all.begin(), all.end(), std::back_inserter(hits), [&](const Instance& hit) { return hit.column == column; });
    std::sort(hits.begin(), hits.end(), [](const Instance& a, const Instance& b) { return a.position < b.position; });
    int tokens = 0;
    int rc = SQLITE_OK;
    if ((rc = api->xColumnSize(fts, column, &tokens)) != SQLITE_OK) {
        sqlite3_result_error_code(result, rc);
        return;
    }
    const char* text = nullptr;
    int size = 0;
    if ((rc = api->xColumnText(fts, column, &text, &size)) != SQLITE_OK) {
        sqlite3_result_error_code(result, rc);
        return;
    }
    SnippetText window;
    window.start = best_window(hits, state->groups, width, tokens);
    window.end = window.start + width;
    rc = api->xTokenize(fts, text, size, &window, on_snippet_token);
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        sqlite3_result_error_code(result, rc);
        return;
    }
    std::string out;
    if (!window.spans.empty()) {
        std::string_view all(text, static_cast<std::size_t>(size));
        auto hit = hits.begin();
        int from = window.start == 0 ? 0 : window.spans.front().first;
        if (window.start > 0) out += "…";
        for (std::size_t k = 0; k < window.spans.size(); ++k) {
            auto [begin, finish] = window.spans[k];
            const int position = window.start + static_cast<int>(k);
            while (hit != hits.end() && hit->position < position) ++hit;
            const bool marked = hit != hits.end() && hit->position == position;
            out += all.substr(static_cast<std::size_t>(from), static_cast<std::size_t>(begin - from));
            if (marked) out += '\x01';
            out += all.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(finish - begin));
            if (marked) out += '\x02';
            from = finish;
        }
        if (window.more) out += "…";
        else out += all.substr(static_cast<std::size_t>(from));
    }
    sqlite3_result_text(result, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
}

fts5_api* fts5_api_of(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    return api;
}

struct AnalyzeContext {
    const char* text;
    std::vector<Term>* terms;
};

int on_analyze_token(void* ctx, int, const char* token, int size, int start, int end) {
    auto& c = *static_cast<AnalyzeContext*>(ctx);
    Expansion e = expand(std::string_view(token, static_cast<std::size_t>(size)),
                         std::string_view(c.text + start, static_cast<std::size_t>(end - start)));
    if (e.whole.empty()) return SQLITE_OK;
    Term term{std::string(e.whole), {}, {}};
    for (std::string_view leaf : e.leaves)
        if (std::find(term.leaves.begin(), term.leaves.end(), leaf) == term.leaves.end())
            term.leaves.emplace_back(leaf);
    for (std::string_view segment : e.segments) term.segments.emplace_back(segment);
    c.terms->push_back(std::move(term));
    return SQLITE_OK;
}

}  // namespace

int column_class(int column) {
    switch (static_cast<Column>(column)) {
        // What a document is about, then the errors it knows: a runbook's
        // error lines quote many words ("asyncpg alembic" is about the
        // runbook with both in its title).
        case Column::heading: return 4;
        case Column::errors: return 3;
        case Column::meta:
        case Column::summary: return 2;
        case Column::code: return 1;
        case Column::body: return 0;
    }
    return 0;
}

base::Status register_extensions(sqlite::Db& db) {
    fts5_api* api = fts5_api_of(db.handle());
    if (!api) return base::error("this SQLite has no FTS5 full-text search (" + db.path().string() + ")");
    fts5_tokenizer tokenizer{tokenizer_create, tokenizer_delete, tokenizer_tokenize};
    if (api->xCreateTokenizer(api, tokenizer_name, api, &tokenizer, nullptr) != SQLITE_OK)
        return db.error("cannot register the search tokenizer");
    if (api->xCreateFunction(api, "deja_rank", nullptr, rank_function, nullptr) != SQLITE_OK)
        return db.error("cannot register the search ranking");
    if (api->xCreateFunction(api, "deja_snippet", nullptr, snippet_function, nullptr) != SQLITE_OK)
        return db.error("cannot register the search ranking");
    return base::Ok{};
}

struct Splitter::Base : Tokenizer {};

namespace {

base::Status create_base(sqlite::Db& db, Tokenizer& tokenizer) {
    fts5_api* api = fts5_api_of(db.handle());
    if (!api) return base::error("this SQLite has no FTS5 full-text search (" + db.path().string() + ")");
    if (tokenizer.create(api) != SQLITE_OK) return db.error("cannot create the unicode61 tokenizer");
    return base::Ok{};
}

}  // namespace

base::Result<Splitter> Splitter::create(sqlite::Db& db) {
    Splitter splitter;
    splitter.base_ = std::make_unique<Base>();
    if (auto s = create_base(db, *splitter.base_); !s) return s.error();
    return splitter;
}

Splitter::Splitter(Splitter&& other) noexcept = default;
Splitter::~Splitter() = default;

base::Result<SplitText> Splitter::split(std::string_view text) {
    SplitText split;
    split.text = text;
    TokenizeContext c{&split, record_token, text.data(), FTS5_TOKENIZE_DOCUMENT, {}, {}};
    if (base_->base.xTokenize(base_->base_instance, &c, FTS5_TOKENIZE_DOCUMENT, text.data(),
                              static_cast<int>(text.size()), on_base_token) != SQLITE_OK)
        return base::error("cannot split a document into words");
    return split;
}

Replay::Replay(std::span<const SplitText> texts) { replayed = texts; }
Replay::~Replay() { replayed = {}; }

base::Result<std::vector<Term>> analyze(sqlite::Db& db, std::string_view text) {
    if (text.empty()) return std::vector<Term>{};
    Tokenizer tokenizer;
    if (auto s = create_base(db, tokenizer); !s) return s.error();
    std::vector<Term> terms;
    AnalyzeContext c{text.data(), &terms};
    if (tokenizer.base.xTokenize(tokenizer.base_instance, &c, FTS5_TOKENIZE_DOCUMENT, text.data(),
                                 static_cast<int>(text.size()), on_analyze_token) != SQLITE_OK)
        return base::error("cannot split the query into words");
    return terms;
}

}  // namespace store::fts
