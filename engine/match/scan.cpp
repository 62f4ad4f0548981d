// Scanning: each block of whole lines goes through Vectorscan in one call
// (blocks are scanned in parallel by a small pool of threads); only the
// lines it flags are cleaned and confirmed with RE2, in log order, on the
// calling thread.
#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "base/hash.hpp"
#include "match/clean.hpp"
#include "match/collect.hpp"
#include "match/normalise.hpp"
#include "match/report.hpp"
#include "match/text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace match {

namespace {

using detail::Candidate;
using detail::Collected;
using detail::LineRecord;
using detail::LineState;
using detail::SampleLine;
using detail::SignatureHit;
using detail::TemplateHit;

constexpr std::size_t first_errors_kept = 100;
constexpr std::size_t last_errors_kept = 400;
constexpr std::size_t max_kept_text = 4096;
constexpr double similar_threshold = 0.75;
constexpr double weak_threshold = 0.35;
// A capture adds a little, more when what it took is itself specific (a
// path, an identifier) than when it is a short common word.
constexpr double capture_base_weight = 2;
constexpr double capture_max_bonus = 6;
constexpr double fixed_param_weight = 2;
// Blocks kept at the end of a log to look for its error lines.
constexpr std::size_t tail_blocks = 2;
constexpr unsigned max_threads = 4;  // by default; --threads may ask for more

// Counting newlines is the one pass over every byte besides Vectorscan's:
// SSE2 compares add -1 per newline into byte counters, summed every 255
// rounds (a popcount per 16 bytes cost 1.5% of a scan on a CPU without POPCNT).
std::size_t count_newlines(const char* p, std::size_t n) {
    std::size_t count = 0;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i newline = _mm_set1_epi8('\n');
    while (i + 16 <= n) {
        __m128i counters = _mm_setzero_si128();
        std::size_t rounds = std::min<std::size_t>(255, (n - i) / 16);
        for (std::size_t r = 0; r < rounds; ++r, i += 16) {
            __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            counters = _mm_sub_epi8(counters, _mm_cmpeq_epi8(chunk, newline));
        }
        __m128i sums = _mm_sad_epu8(counters, _mm_setzero_si128());
        count += static_cast<std::size_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<std::size_t>(_mm_extract_epi16(sums, 4));
    }
#endif
    for (; i < n; ++i) count += p[i] == '\n';
    return count;
}

// Removes ANSI escape sequences from a block in place, never across a line
// end; returns the new size. Raw-byte signatures then see what a reader sees.
std::size_t strip_ansi_in_place(char* p, std::size_t n) {
    char* esc = static_cast<char*>(std::memchr(p, '\x1b', n));
    if (!esc) return n;
    std::size_t w = static_cast<std::size_t>(esc - p);
    std::size_t r = w;
    while (r < n) {
        char* next = static_cast<char*>(std::memchr(p + r, '\x1b', n - r));
        std::size_t stop = next ? static_cast<std::size_t>(next - p) : n;
        if (stop > r) {
            std::memmove(p + w, p + r, stop - r);
            w += stop - r;
        }
        if (!next) break;
        r = stop + 1;
        if (r >= n) break;
        char kind = p[r];
        if (kind == '[') {
            ++r;
            while (r < n && static_cast<unsigned char>(p[r]) >= 0x20 && static_cast<unsigned char>(p[r]) <= 0x3F) ++r;
            while (r < n && static_cast<unsigned char>(p[r]) >= 0x20 && static_cast<unsigned char>(p[r]) <= 0x2F) ++r;
            if (r < n && p[r] != '\n') ++r;
        } else if (kind == ']') {
            ++r;
            while (r < n && p[r] != '\a' && p[r] != '\n' && !(p[r] == '\x1b' && r + 1 < n && p[r + 1] == '\\')) ++r;
            if (r < n && p[r] == '\a') ++r;
            else if (r < n && p[r] == '\x1b') r += 2;
        } else if (kind == '(' || kind == ')') {
            r += (r + 1 < n && p[r + 1] != '\n') ? 2 : 1;
        } else if (kind != '\n') {
            ++r;
        }
    }
    return w;
}

// Where a hit is: its last character that is not a newline. A signature
// that ends in \s* can run on over blank lines, and Vectorscan reports
// every end, but the hit belongs to the line its text is on.
std::size_t anchor(std::string_view block, std::size_t to) {
    std::size_t last = to - 1;
    while (last > 0 && block[last] == '\n') --last;
    return last;
}

// Where the line that holds a hit's anchor starts.
std::size_t line_start(std::string_view block, std::size_t to) {
    std::size_t at = anchor(block, to);
    if (block[at] == '\n') return at;  // only newlines up to the hit: an empty line
    auto* before = static_cast<const char*>(memrchr(block.data(), '\n', at));
    return before ? static_cast<std::size_t>(before - block.data()) + 1 : 0;
}

// The line (start, end at its newline) that holds a hit's anchor.
std::pair<std::size_t, std::size_t> line_at(std::string_view block, std::size_t to) {
    std::size_t at = anchor(block, to);
    auto* after = static_cast<const char*>(std::memchr(block.data() + at, '\n', block.size() - at));
    return {line_start(block, to), static_cast<std::size_t>(after - block.data())};
}

struct Hit {
    std::uint32_t id;
    std::uint32_t to;
    std::uint32_t line = 0;  // newlines in the block before the hit's line
};

// One block on its way through the pipeline.
struct Job {
    char* data = nullptr;
    std::size_t size = 0;  // after ANSI stripping
    std::vector<Hit> hits;  // sorted by end offset, one per pattern and line
    std::size_t newlines = 0;
    long long first_line = 0;  // lines before this block
    std::size_t number = 0;    // of the block in its input
    bool done = false;
};

struct HitSink {
    std::vector<Hit>* hits;
    const char* block;
};

int on_block_match(unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
    auto* sink = static_cast<HitSink*>(context);
    auto& hits = *sink->hits;
    auto end = static_cast<std::uint32_t>(to);
    // Patterns such as `x[^"]+` report every end offset in a line: keep one.
    if (!hits.empty() && hits.back().id == id && end > hits.back().to &&
        !std::memchr(sink->block + hits.back().to, '\n', end - hits.back().to))
        return 0;
    hits.push_back({id, end, 0});
    return 0;
}

// Sets each hit's `line` (hits in order of position) in one pass over the
// block, and returns the block's newlines.
std::size_t number_lines(std::string_view block, std::vector<Hit>& hits) {
    std::size_t counted = 0, newlines = 0;
    for (auto& hit : hits) {
        std::size_t start = line_start(block, hit.to);
        if (start > counted) {
            newlines += count_newlines(block.data() + counted, start - counted);
            counted = start;
        }
        hit.line = static_cast<std::uint32_t>(newlines);
    }
    return newlines + count_newlines(block.data() + counted, block.size() - counted);
}

void scan_job(const hs_database_t* db, hs_scratch_t* scratch, Job& job) {
    job.size = strip_ansi_in_place(job.data, job.size);
    job.hits.clear();
    HitSink sink{&job.hits, job.data};
    hs_scan(db, job.data, static_cast<unsigned>(job.size), 0, scratch, on_block_match, &sink);
    std::stable_sort(job.hits.begin(), job.hits.end(), [](const Hit& a, const Hit& b) { return a.to < b.to; });
    // The hits' line numbers and the block's newlines in one pass, here on
    // the scanning thread: counting them on the calling thread as well was
    // a second pass over most of every block (5% of a scan's CPU, perf,
    // bench/match.sh 256).
    job.newlines = number_lines(std::string_view(job.data, job.size), job.hits);
}

// Threads that scan blocks while the calling thread reads the next ones and
// confirms candidates. Measured on two cores: scanning is three quarters of
// the work, so a second scanning thread nearly doubles throughput.
class Pool {
public:
    Pool(const hs_database_t* db, const hs_scratch_t* prototype, unsigned threads) : db_(db) {
        for (unsigned i = 0; i < threads; ++i) {
            Scratch clone = clone_scratch(prototype);
            if (!clone) break;
            scratch_.push_back(std::move(clone));
        }
        for (std::size_t i = 0; i < scratch_.size(); ++i) threads_.emplace_back([this, i] { work(i); });
    }
    ~Pool() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        work_ready_.notify_all();
        for (auto& t : threads_) t.join();
    }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    bool running() const { return !threads_.empty(); }

    void submit(Job* job) {
        {
            std::lock_guard lock(mutex_);
            job->done = false;
            queue_.push_back(job);
        }
        work_ready_.notify_one();
    }

    void wait(Job* job) {
        std::unique_lock lock(mutex_);
        job_done_.wait(lock, [job] { return job->done; });
    }

private:
    void work(std::size_t index) {
        for (;;) {
            Job* job = nullptr;
            {
                std::unique_lock lock(mutex_);
                work_ready_.wait(lock, [this] { return stop_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = queue_.front();
                queue_.pop_front();
            }
            scan_job(db_, scratch_[index].get(), *job);
            {
                std::lock_guard lock(mutex_);
                job->done = true;
            }
            job_done_.notify_all();
        }
    }

    const hs_database_t* db_;
    std::vector<Scratch> scratch_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable work_ready_, job_done_;
    std::deque<Job*> queue_;
    bool stop_ = false;
};

unsigned scan_threads(const Options& options) {
    if (options.threads) return options.threads;
    return std::clamp(std::thread::hardware_concurrency(), 1u, max_threads);
}

class Scanner {
public:
    Scanner(const Matcher& matcher, const Options& options, Collected& out)
        : m_(matcher), options_(options), out_(out) {}

    base::Status start() {
        scratch_ = clone_scratch(m_.scratch());
        words_scratch_ = clone_scratch(m_.error_words_scratch());
        if (!scratch_ || !words_scratch_) return base::error("cannot allocate Vectorscan scratch space");
        return base::Ok{};
    }

    // One log: a file, or one file of an archive (a source of its own).
    base::Status scan(ByteSource& input, const std::string& name, std::size_t source) {
        source_ = source;
        const unsigned threads = scan_threads(options_);
        // In flight: one block per scanning thread and one being read; plus
        // the tail kept for error lines.
        const std::size_t in_flight = threads > 1 ? threads + 1 : 1;
        std::vector<Job> jobs(in_flight + tail_blocks + 1);
        LineBlocks blocks(input, name, options_.block_size, options_.max_line, jobs.size());
        std::deque<Job*> pending;
        std::deque<Job*> tail;
        long long lines = 0;
        auto finish = [&](Job* job) {
            if (pool_ && pool_->running()) pool_->wait(job);
            job->first_line = lines;
            lines += static_cast<long long>(job->newlines);
            process_block(*job);
            if (job->number == 0) sample_error_words(*job);  // the head of the log
            tail.push_back(job);
            if (tail.size() > tail_blocks) tail.pop_front();
        };
        for (std::size_t count = 0;; ++count) {
            auto block = blocks.next();
            if (!block) {
                // What was read before the error still counts (and workers
                // must be done with every block before the blocks go away).
                for (; !pending.empty(); pending.pop_front()) finish(pending.front());
                out_.lines += lines;
                return block.error();
            }
            if (block->empty()) break;
            Job& job = jobs[count % jobs.size()];
            job.data = block->data();
            job.size = block->size();
            job.number = count;
            if (count == 1 && threads > 1 && !pool_) pool_ = std::make_unique<Pool>(m_.database(), scratch_.get(), threads);
            if (pool_ && pool_->running()) {
                pool_->submit(&job);
                pending.push_back(&job);
                if (pending.size() >= in_flight) {
                    finish(pending.front());
                    pending.pop_front();
                }
            } else {
                scan_job(m_.database(), scratch_.get(), job);
                finish(&job);
            }
        }
        while (!pending.empty()) {
            finish(pending.front());
            pending.pop_front();
        }
        for (Job* job : tail)
            if (job->number != 0) sample_error_words(*job);  // the tail of the log
        out_.lines += lines;
        return base::Ok{};
    }

private:
    const Matcher& m_;
    const Options& options_;
    Collected& out_;
    Scratch scratch_, words_scratch_;
    std::unique_ptr<Pool> pool_;
    std::size_t source_ = 0;
    std::string carry_;  // the previous block's last line, for context
    std::vector<std::uint32_t> ids_;

    std::string_view cap(std::string_view line) const { return line.substr(0, std::min(line.size(), options_.max_line)); }

    void process_block(const Job& job) {
        std::string_view block(job.data, job.size);
        if (job.number == 0) carry_.clear();
        const bool every_line = !m_.unfiltered().empty();
        const auto& hits = job.hits;
        std::size_t counted = 0;  // newlines counted up to here (every line read)
        long long line_no = job.first_line;  // lines before the current one
        std::size_t h = 0;
        std::size_t line_start = 0;
        while (line_start < block.size()) {
            std::size_t line_end;
            if (every_line) {
                line_end = static_cast<std::size_t>(
                    static_cast<const char*>(std::memchr(block.data() + line_start, '\n', block.size() - line_start)) -
                    block.data());
            } else {
                if (h == hits.size()) break;
                std::tie(line_start, line_end) = line_at(block, hits[h].to);
                line_no = job.first_line + static_cast<long long>(hits[h].line);
            }
            ids_.clear();
            for (; h < hits.size(); ++h) {
                std::size_t at = anchor(block, hits[h].to);
                if (at > line_end) break;
                if (at - line_start < options_.max_line) ids_.push_back(hits[h].id);
            }
            if (every_line) {
                line_no += static_cast<long long>(count_newlines(block.data() + counted, line_start - counted));
                counted = line_start;
            }
            if (!ids_.empty() || every_line) handle_line(block, line_start, line_end, line_no + 1);
            line_start = line_end + 1;
        }
        std::string_view body = block.substr(0, block.size() - 1);
        std::size_t last_newline = body.rfind('\n');
        carry_.assign(cap(last_newline == std::string_view::npos ? body : body.substr(last_newline + 1)));
    }

    void handle_line(std::string_view block, std::size_t start, std::size_t end, long long number) {
        std::string_view raw = cap(block.substr(start, end - start));
        std::string_view previous;
        if (start > 0) {
            auto* before = static_cast<const char*>(memrchr(block.data(), '\n', start - 1));
            std::size_t prev_start = before ? static_cast<std::size_t>(before - block.data()) + 1 : 0;
            previous = cap(block.substr(prev_start, start - 1 - prev_start));
        } else {
            previous = carry_;
        }
        for (auto s : m_.unfiltered()) ids_.push_back(static_cast<std::uint32_t>(m_.targets().size()) + s);
        process(raw, number, previous);
    }

    // What a Vectorscan id, or an unfiltered signature's id past them, stands for.
    Target target_of(std::uint32_t id) const {
        const auto& targets = m_.targets();
        const auto count = static_cast<std::uint32_t>(targets.size());
        return id < count ? targets[id] : Target{Target::Kind::signature, id - count};
    }

    static int on_line_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
        static_cast<std::vector<std::uint32_t>*>(context)->push_back(id);
        return 0;
    }

    // A marker hit that can change nothing: an `after` already seen in this
    // source, or a `cleared_by` of a runbook with no evidence here yet (a
    // clearing line counts only after evidence). Dropped before the line is
    // cleaned: with "Running upgrade" on 6% of the benchmark log's lines,
    // cleaning and confirming each one took the scan from 0.46 to 1.2 s of
    // CPU (bench/match.sh 256, one thread).
    bool settled(std::uint32_t id) const {
        Target target = target_of(id);
        if (target.kind != Target::Kind::signature) return false;
        const auto& sig = m_.signatures()[target.index];
        if (sig.role == Role::after) return out_.after_seen.count({source_, sig.gates}) > 0;
        if (sig.role == Role::cleared) {
            auto found = out_.runbooks.find(sig.runbook);
            return found == out_.runbooks.end() || !found->second.last_line.count(source_);
        }
        return false;
    }

    void process(std::string_view raw, long long number, std::string_view previous) {
        std::erase_if(ids_, [this](std::uint32_t id) { return settled(id); });
        if (ids_.empty()) return;
        const auto& targets = m_.targets();
        const auto target_count = static_cast<std::uint32_t>(targets.size());
        bool escaped = std::any_of(ids_.begin(), ids_.end(), [&](std::uint32_t id) {
            return id < target_count && targets[id].kind == Target::Kind::escaped;
        });
        // RE2 reads UTF-8: invalid bytes would make classes such as [^"] fail.
        std::string cleaned = sanitize_utf8(clean_line(raw));
        if (escaped) {
            // What the raw bytes hid: scan the cleaned line again.
            std::vector<std::uint32_t> unfiltered;
            for (auto id : ids_)
                if (id >= target_count) unfiltered.push_back(id);
            ids_.clear();
            if (!cleaned.empty())
                hs_scan(m_.database(), cleaned.data(), static_cast<unsigned>(cleaned.size()), 0, scratch_.get(),
                        on_line_match, &ids_);
            ids_.insert(ids_.end(), unfiltered.begin(), unfiltered.end());
        }
        if (cleaned.empty()) return;
        std::sort(ids_.begin(), ids_.end());
        ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
        note_markers(cleaned, number);
        if (is_notice(cleaned) || is_generic(cleaned)) return;

        std::vector<SignatureHit> signature_hits;
        std::vector<TemplateHit> template_hits;
        std::string normalised;
        std::string_view core;
        std::vector<std::string> tokens;
        std::vector<double> weights;  // of tokens
        std::uint64_t hash = 0, core_hash = 0;
        auto ensure_normalised = [&] {
            if (!normalised.empty()) return;
            normalised = normalise(cleaned);
            core = message_core(normalised);
            hash = base::hash64(normalised);
            core_hash = base::hash64(core);
        };
        for (auto id : ids_) {
            Target target = target_of(id);
            if (target.kind == Target::Kind::signature) {
                if (m_.signatures()[target.index].role != Role::evidence) continue;
                if (auto hit = confirm(target.index, cleaned, number)) signature_hits.push_back(std::move(*hit));
            } else if (target.kind == Target::Kind::incident_template) {
                ensure_normalised();
                const auto& t = m_.templates()[target.index];
                if (t.hash == core_hash && t.core == core) {
                    template_hits.push_back({target.index, t.strength, true});
                    continue;
                }
                if (tokens.empty()) {
                    tokens = template_tokens(core);
                    weights = token_weights(tokens);
                }
                double sim = similarity(t.tokens, t.weights, tokens, weights);
                if (sim >= similar_threshold) {
                    template_hits.push_back({target.index, t.strength * sim, false});
                } else if (sim >= weak_threshold) {
                    auto& weak = out_.weak_templates[target.index];
                    if (sim > weak.first) weak = {sim, SampleLine{source_, number, kept(cleaned), LineState::cleaned}};
                }
            }
        }
        if (signature_hits.empty() && template_hits.empty()) return;
        sample(cleaned, number, LineState::cleaned);
        ensure_normalised();

        std::string context;
        bool context_cleaned = false;
        auto record = [&](Candidate& candidate, std::vector<SignatureHit> sigs, std::vector<TemplateHit> tpls) {
            ++candidate.repeats;
            candidate.last_line[source_] = number;
            auto found = candidate.by_template.find({hash, source_});
            if (found != candidate.by_template.end()) {
                auto& existing = candidate.lines[found->second];
                if (existing.source == source_ && existing.line == number) {
                    existing.signatures.insert(existing.signatures.end(), sigs.begin(), sigs.end());
                    existing.templates.insert(existing.templates.end(), tpls.begin(), tpls.end());
                }
                return;
            }
            if (candidate.lines.size() >= Candidate::max_lines) return;
            if (!context_cleaned) {
                context = sanitize_utf8(clean_line(previous));
                context_cleaned = true;
            }
            LineRecord line;
            line.source = source_;
            line.line = number;
            line.text = kept(cleaned);
            if (!context.empty()) {
                line.context_line = number - 1;
                line.context = kept(context);
            }
            line.signatures = std::move(sigs);
            line.templates = std::move(tpls);
            line.hash = hash;
            candidate.by_template.emplace(std::make_pair(hash, source_), candidate.lines.size());
            candidate.lines.push_back(std::move(line));
        };
        std::map<std::size_t, std::pair<std::vector<SignatureHit>, std::vector<TemplateHit>>> by_runbook;
        for (auto& hit : signature_hits) by_runbook[m_.signatures()[hit.signature].runbook].first.push_back(hit);
        std::map<std::size_t, std::vector<TemplateHit>> by_incident;
        for (const auto& hit : template_hits) {
            const auto& t = m_.templates()[hit.template_index];
            if (t.runbooks.empty()) by_incident[t.incident].push_back(hit);
            for (auto r : t.runbooks) by_runbook[r].second.push_back(hit);
        }
        for (auto& [r, hits] : by_runbook) record(out_.runbooks[r], std::move(hits.first), std::move(hits.second));
        for (auto& [i, hits] : by_incident) record(out_.incidents[i], {}, std::move(hits));
    }

    // Lines that let a signature's evidence count from now on (`after`), or
    // that show a runbook's failure went away (`cleared_by`).
    void note_markers(const std::string& cleaned, long long number) {
        for (auto id : ids_) {
            Target target = target_of(id);
            if (target.kind != Target::Kind::signature) continue;
            const auto& sig = m_.signatures()[target.index];
            if (sig.role == Role::evidence) continue;
            const re2::RE2* re = sig.regex();
            if (!re || !RE2::PartialMatch(cleaned, *re)) continue;
            if (sig.role == Role::after) {
                out_.after_seen.emplace(std::make_pair(source_, sig.gates), number);
            } else {
                auto& line = out_.cleared[{sig.runbook, source_}];
                line.line = number;
                line.text = kept(cleaned);
                line.signature = target.index;
            }
        }
    }

    std::optional<SignatureHit> confirm(std::uint32_t s, const std::string& cleaned, long long number) {
        const auto& sig = m_.signatures()[s];
        const re2::RE2* re = sig.regex();
        if (!re) return std::nullopt;
        if (!m_.source_of(sig).after.empty()) {
            auto opened = out_.after_seen.find({source_, s});
            if (opened == out_.after_seen.end() || opened->second >= number) return std::nullopt;
        }
        int groups = re->NumberOfCapturingGroups();
        std::vector<re2::StringPiece> spans(static_cast<std::size_t>(groups) + 1);
        if (!re->Match(cleaned, 0, cleaned.size(), RE2::UNANCHORED, spans.data(), groups + 1)) return std::nullopt;
        SignatureHit hit;
        hit.signature = s;
        const auto& signature = m_.knowledge_base().runbooks[sig.runbook].signatures[sig.index];
        hit.params = signature.params;
        double weight = sig.info().weight + fixed_param_weight * static_cast<double>(signature.params.size());
        for (const auto& [name, index] : re->NamedCapturingGroups()) {
            const auto& span = spans[static_cast<std::size_t>(index)];
            if (span.data() == nullptr || span.empty()) continue;
            std::string_view value(span.data(), span.size());
            hit.params[name] = std::string(value);
            weight += capture_base_weight + std::min(capture_max_bonus, 0.25 * text_weight(value));
        }
        hit.strength = strength(weight);
        return hit;
    }

    static std::string kept(std::string_view text) { return std::string(text.substr(0, std::min(text.size(), max_kept_text))); }

    // Error lines of the head and tail of a log, kept raw (cleaned if they
    // end up in the report).
    void sample_error_words(const Job& job) {
        std::string_view block(job.data, job.size);
        std::vector<Hit> hits;
        HitSink sink{&hits, job.data};
        hs_scan(m_.error_words(), job.data, static_cast<unsigned>(job.size), 0, words_scratch_.get(), on_block_match,
                &sink);
        number_lines(block, hits);
        std::size_t last_start = std::string_view::npos;
        for (const auto& hit : hits) {
            auto [start, end] = line_at(block, hit.to);
            if (start == last_start) continue;
            last_start = start;
            sample(cap(block.substr(start, end - start)), job.first_line + static_cast<long long>(hit.line) + 1,
                   LineState::raw);
        }
    }

    void sample(std::string_view text, long long number, LineState state) {
        auto same = [&](const SampleLine& l) { return l.source == source_ && l.line == number; };
        if (std::any_of(out_.first_errors.begin(), out_.first_errors.end(), same)) return;
        SampleLine* slot;
        if (out_.first_errors.size() < first_errors_kept) {
            slot = &out_.first_errors.emplace_back();
        } else if (out_.last_errors.size() < last_errors_kept) {
            slot = &out_.last_errors.emplace_back();
        } else {
            slot = &out_.last_errors[out_.last_next];  // reuses the slot's buffer
            out_.last_next = (out_.last_next + 1) % last_errors_kept;
        }
        slot->source = source_;
        slot->line = number;
        slot->text.assign(text.substr(0, std::min(text.size(), max_kept_text)));
        slot->state = state;
    }
};

}  // namespace

base::Result<Report> scan(const Matcher& matcher, const std::vector<Input>& inputs, const Options& options) {
    Collected collected;
    Scanner scanner(matcher, options, collected);
    if (auto started = scanner.start(); !started) return started.error();
    // Each log in an input is a source: evidence in a zip archive names the
    // file in it, and its line numbers start again at 1.
    auto scan_input = [&](const Input& input) -> base::Status {
        const std::size_t first = collected.sources.size();
        auto failed = [&](const base::Error& error) -> base::Status {
            // An input that failed before any of its logs is still listed.
            if (collected.sources.size() == first) collected.sources.push_back(input.name);
            return error;
        };
        auto logs = open_logs(input);
        if (!logs) return failed(logs.error());
        for (;;) {
            auto name = (*logs)->next();
            if (!name) return failed(name.error());
            if (!*name) return base::Ok{};
            collected.sources.push_back(**name);
            if (auto status = scanner.scan((*logs)->source(), **name, collected.sources.size() - 1); !status)
                return status;
        }
    };
    for (const auto& input : inputs) {
        if (auto status = scan_input(input); !status) {
            if (options.on_input_error == InputError::fail) return status.error();
            collected.input_errors.push_back(status.error().message);
        }
    }
    return detail::rank(matcher, std::move(collected), options);
}

}  // namespace match
