// The libFuzzer entry point of one harness executable, fuzz_<name>: the
// harness is chosen at build time (DEJA_FUZZ_HARNESS) so that each gets its
// own corpus, dictionary and crash files.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz/harness.hpp"

#ifndef DEJA_FUZZ_HARNESS
#error "DEJA_FUZZ_HARNESS names the harness this executable runs"
#endif

namespace {

const fuzz::Harness* chosen = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    chosen = fuzz::find_harness(DEJA_FUZZ_HARNESS);
    if (!chosen) {
        std::fprintf(stderr, "no fuzz harness named %s\n", DEJA_FUZZ_HARNESS);
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A Violation (or any exception the library lets out) is not caught:
    // std::terminate aborts, and libFuzzer keeps the input as a crash.
    chosen->body(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
