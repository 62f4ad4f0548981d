// `deja match [FILE...] [--json | --format human|json|github] [--quiet] [-j N]`:
// find known failures in logs (`-` or no FILE reads standard input).
// Exit status: 0 a known failure was found, 1 none, 2 usage or input error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "base/file.hpp"
#include "cli/common.hpp"
#include "match/output.hpp"
#include "match/report.hpp"

namespace {

struct MatchArgs {
    std::vector<std::string> files;
    std::string format = "human";
    bool json = false;
    bool quiet = false;
    unsigned threads = 0;
};

// Fails before the index is opened, with the reason the system gives, or
// the input reader's (a binary file, an empty archive): the scan would only
// add "matched what was read before it" to an error that stopped it at once.
bool readable(const std::string& path, std::string& error) {
    base::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        error = "cannot read " + path + " (" + std::strerror(errno) + ")";
        return false;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return true;
    // A folder opens, and only fails once read.
    if (S_ISDIR(st.st_mode)) {
        error = "cannot read " + path + " (a folder; give the log files in it)";
        return false;
    }
    // Only a regular file is read twice: a pipe (`<(command)`) would lose
    // what this read.
    if (!S_ISREG(st.st_mode)) return true;
    auto logs = match::open_logs(match::Input::file(path));
    auto first = logs ? (*logs)->next() : base::Result<std::optional<std::string>>(logs.error());
    if (!first) error = first.error().message;
    return static_cast<bool>(first);
}

void run_match(cli::Globals& globals, const MatchArgs& args) {
    std::vector<std::string> files = args.files;
    if (files.empty()) {
        if (isatty(STDIN_FILENO)) {
            cli::print_error("no log to read (give FILE, or - to read standard input)");
            globals.exit = cli::Exit::usage;
            return;
        }
        files.push_back("-");
    }
    // Like grep: a log that cannot be read is reported and the others are
    // still matched, and the exit status is 2 unless --quiet found a failure.
    std::vector<match::Input> inputs;
    std::size_t unreadable = 0;
    for (const auto& f : files) {
        std::string error;
        if (f != "-" && !readable(f, error)) {
            cli::print_error(error);
            ++unreadable;
            continue;
        }
        inputs.push_back(match::Input::from_argument(f));
    }
    if (inputs.empty()) {
        globals.exit = cli::Exit::usage;
        return;
    }
    match::Options options;
    options.threads = args.threads;
    options.on_input_error = match::InputError::report_and_go_on;
    auto report = cli::scan_logs(globals, inputs, options);
    if (!report) {
        cli::print_error(report.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    for (const auto& error : report->input_errors) cli::print_error(error + "; matched what was read before it");
    const bool complete = unreadable == 0 && report->input_errors.empty();
    globals.exit = report->found() ? cli::Exit::ok : cli::Exit::not_found;
    if (!complete && !(args.quiet && report->found())) globals.exit = cli::Exit::usage;
    if (args.quiet) return;
    std::string format = args.json ? "json" : args.format;
    if (format == "json")
        std::cout << match::to_json(*report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    else if (format == "github")
        match::print_github(std::cout, *report);
    else
        match::print_human(std::cout, *report, cli::stdout_colour() ? match::Colour::on : match::Colour::off);
    std::cout.flush();
}

}  // namespace

namespace cli {

void add_match_command(CLI::App& root, Globals& globals) {
    auto args = std::make_shared<MatchArgs>();
    auto* cmd = root.add_subcommand("match", "find known failures in logs and the runbooks that fix them");
    cmd->add_option("FILE", args->files, "log files (gzip, xz, zstd and zip archives are read transparently); - or nothing reads standard input");
    auto* json = cmd->add_flag("--json", args->json, "print the result as JSON (same as --format json)");
    cmd->add_option("--format", args->format, "human, json, or github (workflow-command annotations)")
        ->check(CLI::IsMember({"human", "json", "github"}))
        ->excludes(json);
    cmd->add_flag("-q,--quiet", args->quiet, "print nothing; the exit status tells");
    cmd->add_option("-j,--threads", args->threads, "threads scanning the log (default: one per core, at most 4)")
        ->check(CLI::Range(1u, 64u));
    cmd->footer("Exit status: 0 a known failure was found, 1 none, 2 usage or input error.");
    cmd->callback([&globals, args] { run_match(globals, *args); });
}

}  // namespace cli
