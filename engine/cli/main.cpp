// deja's entry point: builds the command tree from the registered commands,
// parses, and maps the outcome to an exit code. Exceptions end here.
#include <algorithm>
#include <exception>
#include <iostream>

#include "cli/command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"deja: recognise known failures in logs, run the runbook that fixes them,\n"
                 "and publish the knowledge base as a site.",
                 "deja"};
    app.set_version_flag("--version", std::string("deja ") + DEJA_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    cli::Globals globals;
    app.add_option("--kb", globals.kb_dirs,
                   "knowledge base folder layered over the bundled one (repeatable; also DEJA_KB)")
        ->type_name("DIR");

    auto& commands = cli::registry();
    std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
    for (const auto& command : commands) command.setup(app, globals);

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
        std::cerr << "Run 'deja --help' for usage.\n";
        return static_cast<int>(cli::Exit::usage);
    } catch (const std::exception& e) {
        cli::print_error(e.what());
        return static_cast<int>(cli::Exit::usage);
    }
    return static_cast<int>(globals.exit);
}
