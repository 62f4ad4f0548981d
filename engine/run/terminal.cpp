#include "run/terminal.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "base/text.hpp"

namespace run {

namespace {

// Echo off for the lifetime of the object, restored whatever happens.
// TCSANOW, not TCSAFLUSH: a value typed (or pasted) as the prompt appears
// must not be thrown away, or deja waits for input that already came.
class HiddenInput {
public:
    HiddenInput() {
        if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        quiet.c_lflag |= ECHONL;
        active_ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
    ~HiddenInput() {
        if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    HiddenInput(const HiddenInput&) = delete;
    HiddenInput& operator=(const HiddenInput&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

std::optional<std::string> read_line(const std::string& prompt, Echo echo) {
    std::cout.flush();
    // Echo goes off before the prompt shows, so nothing typed after it is echoed.
    std::optional<HiddenInput> hidden;
    if (echo == Echo::hidden) hidden.emplace();
    std::cerr << prompt << std::flush;
    std::string line;
    while (true) {
        char c;
        ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0) {
            std::cerr << '\n';
            return std::nullopt;  // EINTR included: a signal means stop asking
        }
        if (n == 0) {
            std::cerr << '\n';
            return std::nullopt;
        }
        if (c == '\n') break;
        line += c;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

Answer ask_on_terminal(const std::string& question, Choices choices) {
    auto answer = read_line(question + (choices == Choices::yes_no ? " [y/N] " : " [y]es, [n]o skip it, [q]uit: "),
                            Echo::visible);
    if (!answer) return Answer::quit;
    std::string a = base::text::lower(base::text::trim(*answer));
    if (a == "y" || a == "yes") return Answer::yes;
    if (a == "q" || a == "quit") return Answer::quit;
    return Answer::no;
}

}  // namespace run
