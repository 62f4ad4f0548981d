// The fuzz harnesses: one function per entry point that reads untrusted
// bytes (documents, logs, signatures, Markdown for the site), each checking
// the properties its API promises. The same functions run under libFuzzer
// (driver/libfuzzer.cpp, built with DEJA_FUZZ=ON) and in the test suite,
// which replays every saved input through them (replay_test.cpp).
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fuzz {

// An input broke a promised property. Thrown rather than aborting so that the
// test suite reports the input and goes on; under libFuzzer nothing catches
// it, and the abort that follows makes libFuzzer keep the input as a crash.
class Violation : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// Throws a Violation saying `what` when `condition` is false.
void expect(bool condition, std::string_view what);

using Body = void (*)(std::string_view bytes);

struct Harness {
    std::string_view name;  // also the folder of its corpus and regressions, and fuzz_<name>
    Body body;
};

// Every harness, in the order scripts/fuzz.sh runs them.
std::span<const Harness> harnesses();
const Harness* find_harness(std::string_view name);

// kb: whole documents (with the index codec round trip), and their parts.
void runbook(std::string_view bytes);
void incident(std::string_view bytes);
void front_matter(std::string_view bytes);
void info_string(std::string_view bytes);
void encoding(std::string_view bytes);
// run: the $DEJA_ENV file a step writes.
void env_file(std::string_view bytes);
// match: one log line through cleaning and templates; a whole log through
// the reader; a signature through the analyser and Vectorscan; a signature
// and a line through RE2 and the prefilter; a log through a whole match.
void clean(std::string_view bytes);
void input(std::string_view bytes);
void pattern(std::string_view bytes);
void prefilter(std::string_view bytes);
void match(std::string_view bytes);
// site: a signature translated for the browser, and Markdown rendered for a page.
void regex_js(std::string_view bytes);
void markdown(std::string_view bytes);

// Splits an input in two at its first NUL byte (the second part empty when
// there is none), for harnesses that take two strings.
std::pair<std::string_view, std::string_view> split_at_nul(std::string_view bytes);

}  // namespace fuzz
