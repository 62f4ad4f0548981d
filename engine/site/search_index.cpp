#include "site/search_index.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/hash.hpp"
#include "base/text.hpp"
#include "site/output.hpp"
#include "store/query.hpp"

namespace site {

namespace {

constexpr std::size_t min_token = 2;
constexpr std::size_t max_token = 48;
constexpr std::size_t max_number_digits = 6;  // SQLSTATEs and ports stay; timestamps go

constexpr bool is_ascii_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Lengths as search.js measures them: the minimum in characters, the
// maximum in bytes.
std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// What acceptable() asks of a lower-case word besides its length: gathered
// while the word is read, or by shape_of.
struct Shape {
    bool ascii = true;
    bool all_digits = true;
    bool all_hex = true;  // 0-9 and a-f only
    bool any_digit = false;
};

Shape shape_of(std::string_view token) {
    Shape shape;
    for (char c : token) {
        bool digit = c >= '0' && c <= '9';
        shape.ascii = shape.ascii && static_cast<unsigned char>(c) < 0x80;
        shape.all_digits = shape.all_digits && digit;
        shape.all_hex = shape.all_hex && (digit || (c >= 'a' && c <= 'f'));
        shape.any_digit = shape.any_digit || digit;
    }
    return shape;
}

// Cheapest test first: this runs for every word of every document. Numbers
// longer than a code and hex strings that look like hashes carry no meaning
// a reader would search for, and would dominate the index.
bool acceptable(std::string_view token, const Shape& shape) {
    const std::size_t size = token.size();
    if (size < min_token || size > max_token || (size <= 5 && is_stop_word(token))) return false;
    if (!shape.ascii && code_points(token) < min_token) return false;
    if (shape.all_digits) return size <= max_number_digits;
    return !(size >= 12 && shape.all_hex && shape.any_digit);
}

bool acceptable(std::string_view token) { return acceptable(token, shape_of(token)); }

constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// Parts of an identifier: split at '_' and at camelCase humps
// (UndefinedObject -> Undefined Object, HTTPServer -> HTTP Server).
template <class Emit>
void for_each_part(std::string_view word, Emit&& emit) {
    for (std::string_view piece : base::text::split(word, '_')) {
        std::size_t start = 0;
        for (std::size_t i = 1; i < piece.size(); ++i) {
            bool hump = (is_lower(piece[i - 1]) && is_upper(piece[i])) ||
                        (is_upper(piece[i - 1]) && is_upper(piece[i]) && i + 1 < piece.size() && is_lower(piece[i + 1]));
            if (hump) {
                emit(piece.substr(start, i - start));
                start = i;
            }
        }
        emit(piece.substr(start));
    }
}

Field part_field(Field field) {
    return field == Field::body || field == Field::part ? Field::part : static_cast<Field>(static_cast<int>(field) - 1);
}

// What the tokeniser needs to know of an ASCII byte, looked up once per
// byte: one pass over a word finds its end, lower-cases it and gathers its
// Shape, which took three passes. Indexing went from 24% to
// 22% of a site build's CPU time (perf, bench/site.sh).
enum AsciiBits : std::uint8_t { word_byte = 1, upper_byte = 2, digit_byte = 4, hex_byte = 8 };

struct AsciiTable {
    std::array<std::uint8_t, 128> bits{};
    std::array<char, 128> lower{};
    constexpr AsciiTable() {
        for (int c = 0; c < 128; ++c) {
            char ch = static_cast<char>(c);
            lower[static_cast<std::size_t>(c)] = is_upper(ch) ? static_cast<char>(c - 'A' + 'a') : ch;
            std::uint8_t b = 0;
            if (is_ascii_word(ch)) b |= word_byte;
            if (is_upper(ch)) b |= upper_byte;
            if (ch >= '0' && ch <= '9') b |= digit_byte | hex_byte;
            if ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) b |= hex_byte;
            bits[static_cast<std::size_t>(c)] = b;
        }
    }
};
constexpr AsciiTable ascii_table;

template <class Emit>
void for_each_token(std::string_view text, Field field, Emit&& emit) {
    std::string lowered;
    std::string part;
    std::size_t pos = 0;
    while (pos < text.size()) {
        // One word: its lower-case form and what acceptable() asks of it.
        const std::size_t start = pos;
        lowered.clear();
        Shape shape;
        bool any_upper = false, underscore = false;
        while (pos < text.size()) {
            unsigned char c = static_cast<unsigned char>(text[pos]);
            if (c < 0x80) {
                std::uint8_t bits = ascii_table.bits[c];
                if (!(bits & word_byte)) break;
                lowered += ascii_table.lower[c];
                shape.all_digits = shape.all_digits && (bits & digit_byte);
                shape.all_hex = shape.all_hex && (bits & hex_byte);
                shape.any_digit = shape.any_digit || (bits & digit_byte);
                any_upper = any_upper || (bits & upper_byte);
                underscore = underscore || c == '_';
                ++pos;
                continue;
            }
            std::size_t next = pos;
            if (!is_word_code_point(base::text::decode_utf8(text, next))) break;
            lowered.append(text, pos, next - pos);
            shape.ascii = shape.all_digits = shape.all_hex = false;
            pos = next;
        }
        if (pos == start) {
            std::size_t next = pos;
            base::text::decode_utf8(text, next);
            pos = next;
            continue;
        }
        std::string_view word = text.substr(start, pos - start);
        if (acceptable(lowered, shape)) emit(std::string_view(lowered), field);
        bool compound = underscore || (any_upper && std::adjacent_find(word.begin(), word.end(), [](char a, char b) {
                                                        return (is_lower(a) && is_upper(b)) || (is_upper(a) && is_upper(b));
                                                    }) != word.end());
        if (!compound) continue;
        for_each_part(word, [&](std::string_view piece) {
            part.assign(piece);
            for (char& c : part) c = base::text::lower_char(c);
            if (part != lowered && acceptable(part)) emit(std::string_view(part), part_field(field));
        });
    }
}

// Postings as text: each entry is (doc delta * 4 + field) in base 32, the
// last digit from `final_digits`, earlier ones from `more_digits`, so most
// entries take one or two characters and need no separator.
constexpr std::string_view final_digits = "0123456789abcdefghijklmnopqrstuv";
constexpr std::string_view more_digits = "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#";

void append_number(std::string& out, std::uint64_t value) {
    char buffer[16];
    int n = 0;
    buffer[n++] = final_digits[value % 32];
    value /= 32;
    while (value > 0) {
        buffer[n++] = more_digits[value % 32];
        value /= 32;
    }
    while (n > 0) out += buffer[--n];
}

// Tokens by first character; every other first character shares one shard,
// whose key is no single character, so it never collides with the 'u' shard
// (it did, and the second write of search/t-u.js lost the first's words).
std::string shard_key(std::string_view token) {
    if (!token.empty() && is_ascii_word(token[0])) return std::string(1, token[0]);
    return "other";
}

}  // namespace

const std::vector<std::string_view>& stop_words() {
    static const std::vector<std::string_view> words = [] {
        std::vector<std::string_view> list = {
        "a",    "an",   "and",  "are",  "as",    "at",   "be",   "been", "but",   "by",   "can",
        "did",  "do",   "does", "for",  "from",  "had",  "has",  "have", "if",    "in",   "into",
        "is",   "it",   "its",  "of",   "on",    "or",   "our",  "so",   "than",  "that", "the",
        "their", "then", "there", "these", "they", "this", "to", "was",  "we",    "were", "when",
        "which", "while", "will", "with", "would"};
        std::sort(list.begin(), list.end());
        return list;
    }();
    return words;
}

namespace {

// A word of up to 7 bytes as one number (its bytes and its length), so that
// finding a stop word compares integers: with string compares the look-up
// took 5% of building a site's CPU time, with integers 2% (perf, bench/site.sh).
std::uint64_t packed(std::string_view word) {
    std::uint64_t value = word.size();
    for (char c : word) value = value << 8 | static_cast<unsigned char>(c);
    return value;
}

}  // namespace

bool is_stop_word(std::string_view token) {
    static const std::vector<std::uint64_t> packed_words = [] {
        std::vector<std::uint64_t> list;
        for (std::string_view word : stop_words()) list.push_back(packed(word));
        std::sort(list.begin(), list.end());
        return list;
    }();
    if (token.size() > 5) return false;  // the longest stop word has 5 letters
    return std::binary_search(packed_words.begin(), packed_words.end(), packed(token));
}

// Letters beyond ASCII count as word characters; punctuation, symbols and
// emoji blocks do not. search.js applies the same ranges.
bool is_word_code_point(char32_t cp) {
    if (cp < 0x80) return is_ascii_word(static_cast<char>(cp));
    if (cp == base::text::invalid_code_point || cp == 0xFFFD) return false;
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7) return false;
    if (cp >= 0x2000 && cp <= 0x2BFF) return false;
    if (cp >= 0x3000 && cp <= 0x303F) return false;
    if (cp >= 0xFE00 && cp <= 0xFE0F) return false;
    if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
    if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
    return true;
}

std::vector<std::pair<std::string, Field>> tokenize(std::string_view text, Field field) {
    std::vector<std::pair<std::string, Field>> tokens;
    for_each_token(text, field, [&](std::string_view token, Field f) { tokens.emplace_back(std::string(token), f); });
    return tokens;
}

std::uint32_t SearchIndexBuilder::add(SearchDocument document) {
    // A posting keeps the document number in 30 bits.
    if (first_doc_ + documents_.size() >= (std::uint32_t{1} << 30))
        throw std::length_error("more than 2^30 documents in a search index");
    documents_.push_back(std::move(document));
    return first_doc_ + static_cast<std::uint32_t>(documents_.size() - 1);
}

void SearchIndexBuilder::append(SearchIndexBuilder&& next) {
    if (next.first_doc_ != first_doc_ + documents_.size())
        throw std::logic_error("search index builders appended out of order");
    // Every document of `next` comes after every one here, so each token's
    // postings stay in document order.
    for (std::size_t t = 0; t < next.tokens_.size(); ++t) {
        const std::string& token = next.tokens_[t];
        auto& list = postings_[token_id(token, base::hash64(token))];
        list.insert(list.end(), next.postings_[t].begin(), next.postings_[t].end());
        std::vector<Posting>().swap(next.postings_[t]);  // freed as it goes: the two never peak together
    }
    documents_.insert(documents_.end(), std::make_move_iterator(next.documents_.begin()),
                      std::make_move_iterator(next.documents_.end()));
    next = SearchIndexBuilder(next.first_doc_);
}

std::uint32_t SearchIndexBuilder::token_id(std::string_view token, std::uint64_t hash) {
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        Slot& slot = slots_[i];
        if (slot.id == empty_slot) {
            slot = {hash, static_cast<std::uint32_t>(tokens_.size())};
            tokens_.emplace_back(token);
            postings_.emplace_back();
            if (tokens_.size() * 2 > slots_.size()) {
                std::vector<Slot> bigger(slots_.size() * 2);
                std::size_t bigger_mask = bigger.size() - 1;
                for (const Slot& old : slots_) {
                    if (old.id == empty_slot) continue;
                    std::size_t j = old.hash & bigger_mask;
                    while (bigger[j].id != empty_slot) j = (j + 1) & bigger_mask;
                    bigger[j] = old;
                }
                slots_ = std::move(bigger);
            }
            return static_cast<std::uint32_t>(tokens_.size() - 1);
        }
        if (slot.hash == hash && tokens_[slot.id] == token) return slot.id;
    }
}

void SearchIndexBuilder::index(std::uint32_t doc, std::string_view text, Field field) {
    for_each_token(text, field, [&](std::string_view token, Field f) {
        auto& list = postings_[token_id(token, base::hash64(token))];
        const Posting posting = doc << 2 | static_cast<Posting>(f);
        if (list.empty() || list.back() >> 2 != doc)
            list.push_back(posting);
        else if ((list.back() & 3) < static_cast<Posting>(f))
            list.back() = posting;
    });
}

base::Result<Written> SearchIndexBuilder::write(const std::filesystem::path& out_dir) const {
    namespace fs = std::filesystem;
    if (first_doc_ != 0) throw std::logic_error("a search index written from a builder not numbered from 0");
    fs::path dir = out_dir / "search";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return base::error("cannot create " + dir.string() + ": " + ec.message());

    std::vector<std::uint32_t> order(tokens_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return tokens_[a] < tokens_[b]; });

    // Grouped by key over the sorted tokens, so each shard's words stay in
    // order (the page binary-searches them) and each file is written once.
    std::map<std::string, std::pair<std::string, std::string>> grouped;
    for (std::uint32_t index : order) {
        auto& [words, lists] = grouped[shard_key(tokens_[index])];
        if (!words.empty()) {
            words += ' ';
            lists += ' ';
        }
        words += tokens_[index];
        std::uint32_t previous = 0;
        for (Posting posting : postings_[index]) {
            append_number(lists, (static_cast<std::uint64_t>((posting >> 2) - previous) << 2) | (posting & 3));
            previous = posting >> 2;
        }
    }
    Written written;
    std::vector<std::string> shards;
    for (const auto& [key, shard] : grouped) {
        std::string js = "deja.searchShard(\"" + key + "\",\"" + shard.first + "\",\"" + shard.second + "\");\n";
        if (auto status = written.write(out_dir, "search/t-" + key + ".js", js); !status) return status.error();
        shards.push_back(key);
    }

    for (std::size_t block = 0; block * search_block_size < documents_.size(); ++block) {
        nlohmann::json rows = nlohmann::json::array();
        std::size_t end = std::min(documents_.size(), (block + 1) * search_block_size);
        for (std::size_t d = block * search_block_size; d < end; ++d) {
            const auto& doc = documents_[d];
            rows.push_back({std::string(1, doc.kind), doc.href, doc.title, doc.meta, doc.summary, doc.error});
        }
        std::string js = "deja.searchDocs(" + std::to_string(block) + "," +
                         script_json(rows) + ");\n";
        if (auto status = written.write(out_dir, "search/d-" + std::to_string(block) + ".js", js); !status)
            return status.error();
    }

    nlohmann::json meta = {{"docs", documents_.size()},
                           {"block", search_block_size},
                           {"shards", shards},
                           {"stop", stop_words()},
                           {"filler", store::filler_words()}};
    std::string js = "deja.searchMeta(" + script_json(meta) + ");\n";
    if (auto status = written.write(out_dir, "search/meta.js", js); !status) return status.error();
    return written;
}

}  // namespace site
