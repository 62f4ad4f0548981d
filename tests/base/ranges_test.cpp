// base::in_ranges: every item once, ranges in order, each range on its own thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/ranges.hpp"

TEST_CASE("in_ranges hands out every item once, in contiguous ranges in order", "[kb][ranges]") {
    for (std::size_t n : {0u, 1u, 7u, 1000u})
        for (unsigned ranges : {1u, 3u, 8u}) {
            INFO(n << " items in " << ranges << " ranges");
            std::vector<std::pair<std::size_t, std::size_t>> bounds(ranges);
            std::vector<std::atomic<int>> seen(n);
            std::mutex mutex;
            std::set<std::thread::id> threads;
            base::in_ranges(n, ranges, [&](unsigned range, std::size_t from, std::size_t to) {
                bounds[range] = {from, to};
                for (std::size_t i = from; i < to; ++i) ++seen[i];
                std::lock_guard lock(mutex);
                threads.insert(std::this_thread::get_id());
            });
            for (const auto& count : seen) CHECK(count == 1);
            CHECK(bounds.front().first == 0);
            CHECK(bounds.back().second == n);
            for (unsigned r = 1; r < ranges; ++r) CHECK(bounds[r].first == bounds[r - 1].second);
            CHECK(threads.size() == ranges);
            CHECK(threads.count(std::this_thread::get_id()) == 1);  // the first range runs here
        }
}

TEST_CASE("range_count: no more ranges than cores or the limit, none too small", "[kb][ranges]") {
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    CHECK(base::range_count(0, 100, 8) == 1);
    CHECK(base::range_count(99, 100, 8) == 1);
    CHECK(base::range_count(250, 100, 8) == std::min(cores, 2u));
    CHECK(base::range_count(1'000'000, 100, 4) == std::min(cores, 4u));
    CHECK(base::range_count(1'000'000, 100, 0) == 1);
}
