// Work over [0, n) cut into contiguous ranges, one thread each: for loops
// whose items are independent and cheap enough that handing them out one
// by one would cost more than the imbalance of fixed ranges.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace base {

// How many ranges in_ranges cuts n items into: one per core, at most
// `max_threads`, none smaller than `min_per_range` (at least one range).
inline unsigned range_count(std::size_t n, std::size_t min_per_range, unsigned max_threads) {
    std::size_t by_size = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_per_range));
    unsigned cores = std::clamp(std::thread::hardware_concurrency(), 1u, std::max(1u, max_threads));
    return static_cast<unsigned>(std::min<std::size_t>(cores, by_size));
}

// Calls work(range, begin, end) for each of `ranges` ranges of [0, n), in
// order (range r ends where r + 1 begins), the first on the calling thread,
// and returns when all are done.
template <class Work>
void in_ranges(std::size_t n, unsigned ranges, Work&& work) {
    ranges = std::max(1u, ranges);
    auto bound = [&](unsigned r) { return n * r / ranges; };
    std::vector<std::jthread> others;
    for (unsigned r = 1; r < ranges; ++r) others.emplace_back([&work, r, from = bound(r), to = bound(r + 1)] { work(r, from, to); });
    work(0u, bound(0), bound(1));
}

}  // namespace base
