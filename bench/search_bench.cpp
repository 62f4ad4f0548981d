// Index and search benchmark, in process: loads a knowledge base, builds its
// index, reopens it the way every read command does (staleness check), and
// times each query of a query file. Prints "name: value" lines that
// bench/index_search.sh collects.
//
//   search_bench --kb DIR --index FILE [--queries FILE] [--repeat N]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "kb/load.hpp"
#include "store/index.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this thread: on a shared, busy machine wall time measures the
// other processes as much as this one, so both are reported.
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(rank, values.size() - 1)];
}

int usage() {
    std::cerr << "usage: search_bench --kb DIR --index FILE [--queries FILE] [--repeat N] [--reuse] [--slowest N]\n"
                 "  --reuse      search the index already there instead of building it\n"
                 "  --slowest N  also print the N slowest queries\n";
    return 2;
}

// Parses and builds the index, printing throughput; false on failure.
bool build(const std::vector<std::filesystem::path>& dirs, const std::string& index_path) {
    auto start = Clock::now();
    double cpu = cpu_seconds();
    kb::KnowledgeBase knowledge_base = kb::load(dirs);
    double load_s = seconds_since(start), load_cpu = cpu_seconds() - cpu;
    auto documents = static_cast<double>(knowledge_base.runbooks.size() + knowledge_base.incidents.size());
    std::uintmax_t bytes = 0;
    for (const auto& s : knowledge_base.sources) bytes += static_cast<std::uintmax_t>(s.size);

    start = Clock::now();
    cpu = cpu_seconds();
    auto built = store::Index::build(knowledge_base, dirs, index_path);
    double build_s = seconds_since(start), build_cpu = cpu_seconds() - cpu;
    if (!built) {
        std::cerr << "search_bench: " << built.error().message << '\n';
        return false;
    }
    std::printf("documents: %.0f\nsource_mib: %.1f\n", documents, static_cast<double>(bytes) / (1 << 20));
    std::printf("load_s: %.3f\nload_cpu_s: %.3f\nload_docs_per_s: %.0f\nload_docs_per_cpu_s: %.0f\n", load_s,
                load_cpu, documents / load_s, documents / load_cpu);
    std::printf("build_s: %.3f\nbuild_cpu_s: %.3f\nbuild_docs_per_s: %.0f\nbuild_docs_per_cpu_s: %.0f\n", build_s,
                build_cpu, documents / build_s, documents / build_cpu);
    std::printf("index_total_docs_per_s: %.0f\nindex_total_docs_per_cpu_s: %.0f\n", documents / (load_s + build_s),
                documents / (load_cpu + build_cpu));
    std::printf("index_mib: %.1f\n", static_cast<double>(std::filesystem::file_size(index_path)) / (1 << 20));
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string kb_dir, index_path, queries_path;
    int repeat = 5;
    std::size_t slowest = 0;
    bool reuse = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--reuse") {
            reuse = true;
            continue;
        }
        if (i + 1 >= argc) return usage();
        if (arg == "--kb") kb_dir = argv[++i];
        else if (arg == "--index") index_path = argv[++i];
        else if (arg == "--queries") queries_path = argv[++i];
        else if (arg == "--repeat") repeat = std::max(1, std::stoi(argv[++i]));
        else if (arg == "--slowest") slowest = static_cast<std::size_t>(std::max(0, std::stoi(argv[++i])));
        else return usage();
    }
    if (kb_dir.empty() || index_path.empty()) return usage();
    std::vector<std::filesystem::path> dirs{std::filesystem::absolute(kb_dir)};

    if (!(reuse && std::filesystem::exists(index_path)) && !build(dirs, index_path)) return 1;

    // What every read command pays before it can search: list and stat the
    // sources, compare them with the manifest.
    auto start = Clock::now();
    double cpu = cpu_seconds();
    auto index = store::Index::open(dirs, index_path);
    double open_s = seconds_since(start), open_cpu = cpu_seconds() - cpu;
    if (!index) {
        std::cerr << "search_bench: " << index.error().message << '\n';
        return 1;
    }
    if (index->rebuilt()) {
        std::cerr << "search_bench: the fresh index was not reused\n";
        return 1;
    }
    std::printf("open_fresh_ms: %.1f\nopen_fresh_cpu_ms: %.1f\n", open_s * 1000, open_cpu * 1000);

    std::vector<std::string> queries;
    if (!queries_path.empty()) {
        std::ifstream in(queries_path);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) queries.push_back(line);
    }
    if (queries.empty()) return 0;
    std::vector<double> latencies, cpu_latencies;
    std::vector<std::pair<double, const std::string*>> by_query;  // best of the repeats
    std::size_t with_hits = 0, errors = 0;
    for (const auto& q : queries) {
        auto warm = index->search(q, 10);  // first run pages the index in
        if (!warm) {
            ++errors;
            continue;
        }
        if (!warm->empty()) ++with_hits;
        double best = 1e9;
        for (int r = 0; r < repeat; ++r) {
            auto t = Clock::now();
            double c0 = cpu_seconds();
            auto hits = index->search(q, 10);
            cpu_latencies.push_back((cpu_seconds() - c0) * 1000);
            latencies.push_back(seconds_since(t) * 1000);
            best = std::min(best, latencies.back());
        }
        by_query.emplace_back(best, &q);
    }
    std::printf("queries: %zu\nqueries_with_hits: %zu\nquery_errors: %zu\n", queries.size(), with_hits, errors);
    std::printf("search_p50_ms: %.3f\nsearch_p90_ms: %.3f\nsearch_p99_ms: %.3f\nsearch_max_ms: %.3f\n",
                percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                percentile(latencies, 100));
    std::printf("search_cpu_p50_ms: %.3f\nsearch_cpu_p90_ms: %.3f\nsearch_cpu_p99_ms: %.3f\nsearch_cpu_max_ms: %.3f\n",
                percentile(cpu_latencies, 50), percentile(cpu_latencies, 90), percentile(cpu_latencies, 99),
                percentile(cpu_latencies, 100));
    std::sort(by_query.begin(), by_query.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < std::min(slowest, by_query.size()); ++i)
        std::printf("slow_query: %.3f ms %s\n", by_query[i].first, by_query[i].second->c_str());
    return 0;
}
