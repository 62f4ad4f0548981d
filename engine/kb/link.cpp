#include "kb/link.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include "kb/document.hpp"
#include "base/ranges.hpp"
#include "base/text.hpp"

namespace kb {

namespace {

// Lower-case words of a line, the way FilteredRE2 lowercases its atoms:
// runs of ASCII letters, digits, '_' and any non-ASCII byte.
bool is_token_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

template <class F>
void for_each_token(std::string_view s, F&& f) {
    std::size_t i = 0;
    std::string token;
    while (i < s.size()) {
        while (i < s.size() && !is_token_byte(static_cast<unsigned char>(s[i]))) ++i;
        token.clear();
        while (i < s.size() && is_token_byte(static_cast<unsigned char>(s[i]))) {
            char c = s[i++];
            token += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        if (!token.empty()) f(token);
    }
}

struct ErrorLineRef {
    std::size_t incident;
    const std::string* text;
    std::string lowered;
};

// Error lines indexed by their words, to find the lines that contain a
// literal (a FilteredRE2 atom, lower-case) without reading every line.
class LineIndex {
public:
    explicit LineIndex(const std::vector<Incident>& incidents) {
        for (std::size_t i = 0; i < incidents.size(); ++i)
            for (const auto& e : incidents[i].error_lines) {
                auto id = static_cast<std::uint32_t>(lines_.size());
                lines_.push_back({i, &e.text, base::text::lower(e.text)});
                for_each_token(e.text, [&](const std::string& token) {
                    auto& posting = postings_[token];
                    if (posting.empty() || posting.back() != id) posting.push_back(id);
                });
            }
        for (const auto& [token, posting] : postings_) {
            sorted_.push_back(&token);
            std::string reversed(token.rbegin(), token.rend());
            reversed_.emplace_back(std::move(reversed), &token);
        }
        std::sort(sorted_.begin(), sorted_.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
        std::sort(reversed_.begin(), reversed_.end());
    }

    const std::vector<ErrorLineRef>& lines() const { return lines_; }

    // Lines containing `atom`: the smallest posting set among its words
    // (exact for whole words, by prefix or suffix for words the atom cuts),
    // then a substring check.
    std::vector<std::uint32_t> lines_for_atom(const std::string& atom) const {
        // RE2 folds non-ASCII letters in atoms too, the word index only ASCII:
        // such an atom is taken to be in every line and the regex decides.
        if (std::any_of(atom.begin(), atom.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
            std::vector<std::uint32_t> all(lines_.size());
            for (std::uint32_t id = 0; id < all.size(); ++id) all[id] = id;
            return all;
        }
        std::vector<std::string> words;
        for_each_token(atom, [&](const std::string& token) { words.push_back(token); });
        bool cut_start = !atom.empty() && is_token_byte(static_cast<unsigned char>(atom.front()));
        bool cut_end = !atom.empty() && is_token_byte(static_cast<unsigned char>(atom.back()));
        std::vector<std::uint32_t> best;
        bool have_best = false;
        for (std::size_t w = 0; w < words.size(); ++w) {
            bool first = w == 0 && cut_start, last = w + 1 == words.size() && cut_end;
            std::vector<std::uint32_t> found;
            if (first && last) {
                found = lines_of_tokens_containing(words[w]);
            } else if (!first && !last) {
                auto it = postings_.find(words[w]);
                if (it != postings_.end()) found = it->second;
            } else if (last) {
                auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), words[w],
                                           [](const std::string* t, const std::string& p) { return *t < p; });
                for (auto it = lo; it != sorted_.end() && (*it)->starts_with(words[w]); ++it) {
                    const auto& posting = postings_.at(**it);
                    found.insert(found.end(), posting.begin(), posting.end());
                    if (have_best && found.size() >= best.size()) break;
                }
            } else {
                std::string reversed(words[w].rbegin(), words[w].rend());
                auto lo = std::lower_bound(reversed_.begin(), reversed_.end(), reversed,
                                           [](const auto& entry, const std::string& p) { return entry.first < p; });
                for (auto it = lo; it != reversed_.end() && it->first.starts_with(reversed); ++it) {
                    const auto& posting = postings_.at(*it->second);
                    found.insert(found.end(), posting.begin(), posting.end());
                    if (have_best && found.size() >= best.size()) break;
                }
            }
            if (!have_best || found.size() < best.size()) {
                best = std::move(found);
                have_best = true;
            }
            if (best.empty()) return {};
        }
        std::vector<std::uint32_t> out;
        auto check = [&](std::uint32_t id) {
            if (lines_[id].lowered.find(atom) != std::string::npos) out.push_back(id);
        };
        if (have_best) {
            std::sort(best.begin(), best.end());
            best.erase(std::unique(best.begin(), best.end()), best.end());
            for (auto id : best) check(id);
        } else {
            for (std::uint32_t id = 0; id < lines_.size(); ++id) check(id);
        }
        return out;
    }

private:
    // Lines with a token that contains `part` anywhere, for an atom that may
    // be inside a longer word (from a pattern like `\w*mvnw`). Scanning
    // every line for each such atom was most of linking 100,000 incidents
    // (bench/index_search.sh); the distinct tokens are far fewer, and a
    // trigram of the part narrows them further.
    std::vector<std::uint32_t> lines_of_tokens_containing(const std::string& part) const {
        std::vector<std::uint32_t> found;
        auto take = [&](const std::string& token) {
            if (token.find(part) == std::string::npos) return;
            const auto& posting = postings_.at(token);
            found.insert(found.end(), posting.begin(), posting.end());
        };
        if (part.size() < 3) {
            for (const std::string* token : sorted_) take(*token);
            return found;
        }
        std::call_once(trigrams_built_, [this] { index_trigrams(); });
        const std::vector<std::uint32_t>* fewest = nullptr;
        for (std::size_t i = 0; i + 3 <= part.size(); ++i) {
            auto it = trigrams_.find(trigram(part, i));
            if (it == trigrams_.end()) return {};
            if (!fewest || it->second.size() < fewest->size()) fewest = &it->second;
        }
        for (std::uint32_t token : *fewest) take(*sorted_[token]);
        return found;
    }

    static std::uint32_t trigram(std::string_view s, std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 16 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
               static_cast<unsigned char>(s[at + 2]);
    }

    void index_trigrams() const {
        for (std::uint32_t t = 0; t < sorted_.size(); ++t) {
            const std::string& token = *sorted_[t];
            for (std::size_t i = 0; i + 3 <= token.size(); ++i) {
                auto& tokens = trigrams_[trigram(token, i)];
                if (tokens.empty() || tokens.back() != t) tokens.push_back(t);
            }
        }
    }

    std::vector<ErrorLineRef> lines_;
    std::unordered_map<std::string, std::vector<std::uint32_t>> postings_;
    std::vector<const std::string*> sorted_;                          // tokens, sorted
    std::vector<std::pair<std::string, const std::string*>> reversed_;  // reversed tokens, sorted
    // Trigram -> indexes into sorted_, built the first time an atom needs it
    // (atoms are looked up on several threads).
    mutable std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> trigrams_;
    mutable std::once_flag trigrams_built_;
};

void sort_unique(std::vector<std::string>& list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
}

// (runbook, incident) for each incident with an error line that one of the
// runbook's signatures matches.
std::vector<std::pair<std::size_t, std::size_t>> signature_links(const KnowledgeBase& kb) {
    // All signatures go into one FilteredRE2: each line is handed the atoms
    // (required literals) it contains, and only the signatures whose
    // literals are all there are run on it. Matching every signature against
    // every line took 0.9 s for 500 signatures over 5,000 incidents.
    //
    // Linking runs after every file is parsed, on one core unless it spreads
    // itself. For bench/gen_kb.py's 100,000 documents (197,000 error lines,
    // 21,000 signatures) indexing the lines and compiling the signatures,
    // which are independent, took 0.6 and 0.9 s, and finding each atom's
    // lines 1.1 s. So the lines are indexed while the signatures compile,
    // and atoms and lines are split over the cores: linking went from 2.5
    // to 1.8 s on two cores, and on more it gains more.
    if (std::none_of(kb.incidents.begin(), kb.incidents.end(), [](const Incident& i) { return !i.error_lines.empty(); }))
        return {};
    std::optional<LineIndex> index;
    re2::FilteredRE2 filter(3);
    std::vector<std::size_t> runbook_of;  // regexp id -> runbook
    std::vector<std::string> atoms;
    {
        std::jthread indexing([&] { index.emplace(kb.incidents); });
        for (std::size_t r = 0; r < kb.runbooks.size(); ++r)
            for (const auto& sig : kb.runbooks[r].signatures) {
                int id = 0;
                RE2::Options options;
                options.set_log_errors(false);
                if (filter.Add(sig.pattern, options, &id) == RE2::NoError) runbook_of.push_back(r);  // lint reports the rest
            }
        if (filter.NumRegexps() > 0) filter.Compile(&atoms);
    }
    if (filter.NumRegexps() == 0) return {};
    const auto& lines = index->lines();
    constexpr unsigned max_threads = 8;
    // Atom ranges in order, so each line's atoms come out in order.
    std::vector<std::vector<std::pair<std::uint32_t, int>>> found(max_threads);
    base::in_ranges(atoms.size(), base::range_count(atoms.size(), 256, max_threads), [&](unsigned range, std::size_t from, std::size_t to) {
        for (std::size_t a = from; a < to; ++a)
            for (auto line : index->lines_for_atom(atoms[a])) found[range].emplace_back(line, static_cast<int>(a));
    });
    std::vector<std::vector<int>> line_atoms(lines.size());
    for (const auto& pairs : found)
        for (auto [line, atom] : pairs) line_atoms[line].push_back(atom);
    std::vector<int> unfiltered;
    filter.AllPotentials({}, &unfiltered);  // signatures without a required literal
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> links(max_threads);  // (runbook, incident)
    base::in_ranges(lines.size(), base::range_count(lines.size(), 4096, max_threads), [&](unsigned range, std::size_t from, std::size_t to) {
        std::vector<int> matched;
        for (std::size_t l = from; l < to; ++l) {
            const auto& line = lines[l];
            if (line_atoms[l].empty()) {
                for (int id : unfiltered)
                    if (RE2::PartialMatch(*line.text, filter.GetRE2(id)))
                        links[range].emplace_back(runbook_of[static_cast<std::size_t>(id)], line.incident);
                continue;
            }
            filter.AllMatches(*line.text, line_atoms[l], &matched);
            for (int id : matched) links[range].emplace_back(runbook_of[static_cast<std::size_t>(id)], line.incident);
        }
    });
    std::vector<std::pair<std::size_t, std::size_t>> all;
    for (const auto& pairs : links) all.insert(all.end(), pairs.begin(), pairs.end());
    return all;
}

}  // namespace

void link_documents(KnowledgeBase& kb) {
    std::unordered_map<std::string, std::size_t> runbook_by_id, incident_by_id;
    std::unordered_map<std::string, std::string> runbook_by_stem, incident_by_stem;
    for (std::size_t i = 0; i < kb.runbooks.size(); ++i) {
        runbook_by_id[kb.runbooks[i].id] = i;
        runbook_by_stem.emplace(file_stem(kb.runbooks[i].path), kb.runbooks[i].id);
    }
    for (std::size_t i = 0; i < kb.incidents.size(); ++i) {
        incident_by_id[kb.incidents[i].id] = i;
        incident_by_stem.emplace(file_stem(kb.incidents[i].path), kb.incidents[i].id);
    }
    std::map<std::string, std::string, std::less<>> by_path;  // a linked file's normal path -> its id
    for (const auto& r : kb.runbooks) by_path.emplace(std::filesystem::path(r.path).lexically_normal().string(), r.id);
    for (const auto& i : kb.incidents) by_path.emplace(std::filesystem::path(i.path).lexically_normal().string(), i.id);
    auto resolve = [&by_path](const Reference& ref, const auto& by_id, const auto& by_stem) -> std::optional<std::string> {
        // A relative link names one file, whatever ids its name would give.
        if (!ref.path.empty())
            if (auto it = by_path.find(ref.path); it != by_path.end() && by_id.count(it->second)) return it->second;
        const std::string& name = ref.id;
        if (by_id.count(name)) return name;
        if (auto it = by_stem.find(name); it != by_stem.end()) return it->second;
        return std::nullopt;
    };
    auto link = [&](std::size_t runbook, std::size_t incident) {
        kb.runbooks[runbook].incidents.push_back(kb.incidents[incident].id);
        kb.incidents[incident].runbooks.push_back(kb.runbooks[runbook].id);
    };

    // Lists are rebuilt from what resolves: parsing filled them as written.
    for (auto& runbook : kb.runbooks) runbook.incidents.clear();
    for (auto& incident : kb.incidents) incident.runbooks.clear();

    // References written in the files.
    for (std::size_t i = 0; i < kb.incidents.size(); ++i) {
        for (const auto& ref : kb.incidents[i].references) {
            if (auto id = resolve(ref, runbook_by_id, runbook_by_stem)) {
                link(runbook_by_id.at(*id), i);
            } else if (ref.certain) {
                kb.diagnostics.push_back({kb.incidents[i].path, ref.line, Severity::error,
                                          "links to runbook '" + ref.id + "', which does not exist"});
            }
        }
    }
    for (std::size_t r = 0; r < kb.runbooks.size(); ++r) {
        for (const auto& ref : kb.runbooks[r].references) {
            if (auto id = resolve(ref, incident_by_id, incident_by_stem)) {
                link(r, incident_by_id.at(*id));
            } else if (ref.certain) {
                kb.diagnostics.push_back({kb.runbooks[r].path, ref.line, Severity::error,
                                          "links to incident '" + ref.id + "', which does not exist"});
            }
        }
    }

    // Incidents whose error lines a runbook's signatures match.
    for (auto [runbook, incident] : signature_links(kb)) link(runbook, incident);

    for (auto& runbook : kb.runbooks) sort_unique(runbook.incidents);
    for (auto& incident : kb.incidents) sort_unique(incident.runbooks);
}

}  // namespace kb
