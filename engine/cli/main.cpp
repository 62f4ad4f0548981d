// deja's entry point: the table of commands, the words every command shares
// (help, version, --kb anywhere), parsing, and the mapping of the outcome to
// an exit code. Exceptions end here.
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"

namespace {

struct Command {
    const char* name;
    void (*add)(CLI::App& root, cli::Globals& globals);
};

// In the order `deja --help` lists them.
constexpr Command commands[] = {
    {"match", cli::add_match_command}, {"search", cli::add_search_command}, {"show", cli::add_show_command},
    {"list", cli::add_list_command},   {"run", cli::add_run_command},       {"runs", cli::add_runs_command},
    {"site", cli::add_site_command},   {"index", cli::add_index_command},   {"new", cli::add_new_command},
    {"lint", cli::add_lint_command},
};

const std::string version = std::string("deja ") + DEJA_VERSION;

// Where the command word is: the first argument that is neither an option
// nor the value of --kb. -1 when an option comes first that is not --kb
// (--help, --version), or there is no word at all.
int command_position(const std::vector<std::string>& args) {
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--kb") {
            ++i;
            continue;
        }
        if (arg.starts_with("--kb=")) continue;
        if (arg.starts_with("-")) return -1;
        return static_cast<int>(i);
    }
    return -1;
}

// "unknown command 'matc'; did you mean 'match'?" on stderr.
int unknown_command(const std::string& word, const std::vector<std::string>& names) {
    const std::string guess = cli::closest_name(word, names);
    cli::print_error("unknown command '" + word + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
    std::cerr << "Run 'deja help' for the list of commands.\n";
    return static_cast<int>(cli::Exit::usage);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"deja: recognise known failures in logs, run the runbook that fixes them,\n"
                 "and publish the knowledge base as a site.",
                 "deja"};
    app.set_version_flag("-V,--version", version);
    app.require_subcommand(1);
    // Options of the root (--kb) are taken after the command word too.
    app.fallthrough();
    app.footer("deja help COMMAND shows a command's options; deja version, deja -V the version.");
    cli::Globals globals;
    app.add_option("--kb", globals.kb_dirs,
                   "knowledge base folder layered over the bundled one (repeatable; also DEJA_KB)")
        ->type_name("DIR")
        ->allow_extra_args(false);
    app.add_flag("--no-bundled", globals.no_bundled,
                 "leave out the bundled catalogue: only --kb / DEJA_KB folders (also DEJA_BUNDLED=0, or bundled: "
                 "false in a knowledge base's deja.yaml)");
    std::vector<std::string> names;
    for (const auto& command : commands) {
        command.add(app, globals);
        names.emplace_back(command.name);
    }

    const std::vector<std::string> args(argv, argv + argc);
    const int at = command_position(args);
    if (at > 0) {
        const std::string& word = args[static_cast<std::size_t>(at)];
        if (word == "version") {
            std::cout << version << '\n';
            return static_cast<int>(cli::Exit::ok);
        }
        if (word == "help") {
            CLI::App* about = &app;
            for (std::size_t i = static_cast<std::size_t>(at) + 1; i < args.size(); ++i) {
                CLI::App* sub = nullptr;
                try {
                    sub = about->get_subcommand(args[i]);
                } catch (const CLI::OptionNotFound&) {
                    return unknown_command(args[i], names);
                }
                about = sub;
            }
            std::cout << about->help();
            return static_cast<int>(cli::Exit::ok);
        }
        if (std::find(names.begin(), names.end(), word) == names.end()) return unknown_command(word, names);
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        cli::print_error(e.what());
        std::cerr << "Run 'deja help' for usage.\n";
        return static_cast<int>(cli::Exit::usage);
    } catch (const std::exception& e) {
        cli::print_error(e.what());
        return static_cast<int>(cli::Exit::usage);
    }
    return static_cast<int>(globals.exit);
}
