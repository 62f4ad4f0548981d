// `deja new incident [--from-log FILE] [--title T]`: draft an incident report
// in the knowledge base (the first --kb folder, or the current directory
// when it is one), with the log's error lines and the runbooks that match
// it. Never overwrites a file: a taken name gets a -2, -3... suffix.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "base/file.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "match/draft.hpp"
#include "match/report.hpp"

namespace {

namespace fs = std::filesystem;

struct NewArgs {
    std::string from_log;
    std::string title;
};

bool is_kb(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir / "incidents", ec) || fs::is_directory(dir / "runbooks", ec);
}

base::Result<fs::path> target_folder(const cli::Globals& globals) {
    std::error_code ec;
    if (!globals.kb_dirs.empty()) {
        fs::path dir = globals.kb_dirs.front();
        if (!fs::is_directory(dir, ec)) return base::error("knowledge base folder not found (" + dir.string() + ")");
        return dir;
    }
    fs::path here = fs::current_path(ec);
    if (!ec && is_kb(here)) return here;
    return base::error("the current directory is not a knowledge base (no incidents/ or runbooks/ here); "
                     "pass --kb DIR to say where the incident goes");
}

// Writes `text` to `path` only if no file has that name: nullopt when one has.
base::Result<std::optional<fs::path>> create_new(const fs::path& path, const std::string& text) {
    base::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) {
        if (errno == EEXIST) return std::optional<fs::path>{};
        return base::error("cannot write " + path.string() + " (" + std::strerror(errno) + ")");
    }
    auto written = base::write_all(fd.get(), text);
    std::string reason = written ? std::string() : written.error().message;
    if (written && !fd.close()) reason = std::strerror(errno);
    if (!reason.empty()) {
        fd.reset();
        std::error_code ec;
        fs::remove(path, ec);
        return base::error("cannot write " + path.string() + " (" + reason + ")");
    }
    return std::optional<fs::path>{path};
}

// The draft under the first free name of <id>.md, <id>-2.md, ...; the id in
// its front matter is the file's name, so two drafts never share an id.
base::Result<fs::path> write_draft(const fs::path& folder, const match::Report& report, match::DraftOptions options) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return base::error("cannot create " + folder.string() + " (" + ec.message() + ")");
    auto draft = match::incident_draft(report, options);
    const std::string base = draft.id;
    for (int n = 1; n < 1000; ++n) {
        if (n > 1) {
            options.id = base + "-" + std::to_string(n);
            draft = match::incident_draft(report, options);
        }
        auto written = create_new(folder / draft.file_name, draft.text);
        if (!written) return written.error();
        if (*written) return **written;
    }
    return base::error("too many drafts named " + base + " in " + folder.string());
}

void run_new_incident(cli::Globals& globals, const NewArgs& args) {
    auto folder = target_folder(globals);
    if (!folder) {
        cli::print_error(folder.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    match::Report report;
    if (!args.from_log.empty()) {
        auto scanned = cli::scan_logs(globals, {match::Input::from_argument(args.from_log)});
        if (!scanned) {
            cli::print_error(scanned.error().message);
            globals.exit = cli::Exit::usage;
            return;
        }
        report = std::move(scanned).value();
    }
    auto written = write_draft(*folder / "incidents", report, {args.title, match::today(), {}});
    if (!written) {
        cli::print_error(written.error().message);
        globals.exit = cli::Exit::usage;
        return;
    }
    std::cout << written->string() << '\n';
    if (!args.from_log.empty()) {
        std::cerr << "deja: drafted from " << args.from_log << ": " << report.error_lines.size() << " error line"
                  << (report.error_lines.size() == 1 ? "" : "s") << ", " << report.matches.size() << " known failure"
                  << (report.matches.size() == 1 ? "" : "s") << '\n';
    }
    globals.exit = cli::Exit::ok;
}

}  // namespace

namespace cli {

void add_new_command(CLI::App& root, Globals& globals) {
    auto* cmd = root.add_subcommand("new", "draft a new document in the knowledge base");
    cmd->require_subcommand(1);
    auto args = std::make_shared<NewArgs>();
    auto* incident = cmd->add_subcommand("incident", "draft an incident report, from a failed log if given");
    incident->add_option("--from-log", args->from_log, "log to take the error lines and matching runbooks from (- for stdin)")
        ->type_name("FILE");
    incident->add_option("--title", args->title, "the incident's title (default: the failure found, or its first error)");
    incident->footer("Writes incidents/<date>-<slug>.md into the first --kb folder, or into the current directory\n"
                     "when it is a knowledge base. An existing file is never overwritten.");
    incident->callback([&globals, args] { run_new_incident(globals, *args); });
}

}  // namespace cli
