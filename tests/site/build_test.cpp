// `deja site build` output: golden pages from a small knowledge base, hostile
// reports rendered inert, every internal link resolving to a generated file,
// byte-identical rebuilds, and a folder of someone's own files left alone.
//
// Regenerate the golden files after an intended change with
//   DEJA_UPDATE_GOLDEN=1 build/tests/deja_tests "[golden]"
// and review the diff of tests/fixtures/site/golden/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "kb/load.hpp"
#include "kb/paths.hpp"
#include "base/text.hpp"
#include "site/site.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace {

fs::path fixture_kb() { return test::fixtures() / "site" / "kb"; }
fs::path golden_dir() { return test::fixtures() / "site" / "golden"; }

fs::path web_root() {
    auto root = kb::bundled_root();
    REQUIRE(root);
    return *root / "web";
}

kb::KnowledgeBase load_fixture() { return kb::load({fixture_kb()}); }

site::BuildStats build(const kb::KnowledgeBase& knowledge_base, const fs::path& out, int threads = 2,
                       const std::string& base_url = "") {
    site::BuildOptions options;
    options.out_dir = out;
    options.web_root = web_root();
    options.threads = threads;
    options.base_url = base_url;
    auto stats = site::build(knowledge_base, options);
    INFO((stats ? "" : stats.error().message));
    REQUIRE(stats);
    return stats.value();
}

// Every generated file, relative path -> bytes.
std::map<std::string, std::string> read_tree(const fs::path& dir) {
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).generic_string()] = test::read_file(entry.path());
    return files;
}

// The values of href="..." and src="..." attributes in a page.
std::vector<std::string> links_of(const std::string& html) {
    std::vector<std::string> links;
    for (const std::string attribute : {" href=\"", " src=\""}) {
        for (std::size_t pos = html.find(attribute); pos != std::string::npos; pos = html.find(attribute, pos + 1)) {
            std::size_t start = pos + attribute.size();
            std::size_t end = html.find('"', start);
            links.push_back(html.substr(start, end - start));
        }
    }
    return links;
}

std::string decode_entities(std::string s) {
    s = base::text::replace_all(s, "&amp;", "&");
    s = base::text::replace_all(s, "&#x2F;", "/");
    return s;
}

}  // namespace

TEST_CASE("the fixture knowledge base builds the golden site", "[site][golden]") {
    auto knowledge_base = load_fixture();
    REQUIRE(knowledge_base.runbooks.size() == 2);
    REQUIRE(knowledge_base.incidents.size() == 3);
    test::TempDir dir;
    build(knowledge_base, dir / "site", 2, "https://kb.example.com/ops/");
    auto files = read_tree(dir / "site");
    // Assets are copied verbatim from web/assets; the golden set is what deja writes itself.
    for (auto it = files.begin(); it != files.end();)
        it = base::text::starts_with(it->first, "assets/") ? files.erase(it) : std::next(it);

    const char* update = std::getenv("DEJA_UPDATE_GOLDEN");
    if (update && *update) {
        fs::remove_all(golden_dir());
        for (const auto& [path, bytes] : files) test::write_file(golden_dir() / path, bytes);
        WARN("golden files rewritten in " << golden_dir());
    }
    auto golden = read_tree(golden_dir());
    std::set<std::string> generated_names, golden_names;
    for (const auto& [path, bytes] : files) generated_names.insert(path);
    for (const auto& [path, bytes] : golden) golden_names.insert(path);
    CHECK(generated_names == golden_names);
    for (const auto& [path, bytes] : files) {
        INFO("differs from the golden file: " << path << " (DEJA_UPDATE_GOLDEN=1 rewrites them)");
        CHECK((golden.count(path) && golden[path] == bytes));
    }
}

TEST_CASE("a hostile report is rendered inert", "[site][escaping]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "site");
    const kb::Incident* hostile = nullptr;
    for (const auto& incident : knowledge_base.incidents)
        if (incident.id == "2025-05-20-hostile-report") hostile = &incident;
    REQUIRE(hostile);
    std::string html = test::read_file(dir / "site" / "incidents" / "2025-05-20-hostile-report.html");
    REQUIRE_FALSE(html.empty());

    // Only the site's own scripts, by src, and no inline handlers or script URLs.
    std::size_t scripts = 0;
    for (std::size_t pos = html.find("<script"); pos != std::string::npos; pos = html.find("<script", pos + 1)) {
        ++scripts;
        CHECK(html.compare(pos, 13, "<script src=\"") == 0);
    }
    CHECK(scripts == 1);
    CHECK(html.find("onerror") == std::string::npos);
    CHECK(html.find("onmouseover") == std::string::npos);
    CHECK(base::text::lower(html).find("javascript:") == std::string::npos);
    CHECK(html.find("<iframe") == std::string::npos);
    CHECK(html.find("<img src=\"x\"") == std::string::npos);
    CHECK(html.find("pwned") == std::string::npos);
    // The title is escaped by the template, in <title> and in <h1>.
    CHECK(html.find("<title>Report with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot; in its title · deja</title>") !=
          std::string::npos);
    CHECK(html.find("<h1 id=\"doc-title\">Report with &lt;b&gt;markup&lt;/b&gt; &amp; &quot;quotes&quot; in its title</h1>") !=
          std::string::npos);
    CHECK(html.find("<b>markup</b>") == std::string::npos);
    // Code keeps the text, escaped.
    CHECK(html.find("&lt;script&gt;alert(&quot;in code&quot;)&lt;/script&gt;") != std::string::npos);
    // The page carries a policy that refuses inline script, should anything slip through.
    CHECK(html.find("script-src 'self'") != std::string::npos);

    // Search rows are JSON inside a script: no way to close the string or the call.
    for (const auto& [path, bytes] : read_tree(dir / "site" / "search")) {
        INFO(path);
        CHECK(bytes.find("</script") == std::string::npos);
    }
}

TEST_CASE("a secret's default never reaches the site, nor a URL's password", "[site][escaping][secrets]") {
    test::TempDir dir;
    test::write_file(dir / "kb" / "runbooks" / "hello.md",
                     "---\nid: hello\ntitle: Say hello\nparams:\n"
                     "  TOKEN: {description: declared, secret: true, default: sekr3t-value}\n"
                     "  API_KEY: {description: named like one, default: key-12345678}\n"
                     "  DATABASE_URL: {description: a database, default: 'postgresql://app:defpw99@db/app'}\n"
                     "signatures:\n  - pattern: 'hello failed'\n"
                     "---\n# Hello\n\n```sh {\"name\":\"greet\",\"kind\":\"diagnose\"}\necho hello\n```\n");
    build(kb::load({dir / "kb"}), dir / "site");
    for (const auto& [path, bytes] : read_tree(dir / "site")) {
        INFO(path);
        for (const char* secret : {"sekr3t-value", "key-12345678", "defpw99"})
            CHECK(bytes.find(secret) == std::string::npos);
    }
    // What may be shown still is.
    CHECK_THAT(test::read_file(dir / "site" / "runbooks" / "hello.html"),
               Catch::Contains("postgresql://app:••••••@db/app"));

    // deja show, on a terminal and as JSON, masks them the same way.
    test::TempDir home;
    auto shown = test::deja({"--kb", (dir / "kb").string(), "show", "hello"}, home.path());
    auto json = test::deja({"--kb", (dir / "kb").string(), "show", "hello", "--json"}, home.path());
    REQUIRE(shown.exit_code == 0);
    REQUIRE(json.exit_code == 0);
    for (const char* secret : {"sekr3t-value", "key-12345678", "defpw99"}) {
        CHECK(shown.out.find(secret) == std::string::npos);
        CHECK(json.out.find(secret) == std::string::npos);
    }
    CHECK_THAT(shown.out, Catch::Contains("postgresql://app:••••••@db/app"));
    auto params = nlohmann::json::parse(json.out).at("params");
    CHECK(params[1]["secret"] == true);  // API_KEY, by its name
    CHECK(params[2]["default"] == "postgresql://app:••••••@db/app");
}

TEST_CASE("every internal link resolves to a generated file", "[site][links]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "site", 2, "https://kb.example.com/");
    fs::path site = dir / "site";
    std::size_t checked = 0;
    for (const auto& [path, bytes] : read_tree(site)) {
        if (!base::text::ends_with(path, ".html")) continue;
        fs::path page_dir = (site / path).parent_path();
        for (auto link : links_of(bytes)) {
            link = decode_entities(link);
            if (link.empty() || base::text::starts_with(link, "https://") || base::text::starts_with(link, "http://") ||
                base::text::starts_with(link, "mailto:"))
                continue;
            std::string fragment;
            if (auto hash = link.find('#'); hash != std::string::npos) {
                fragment = link.substr(hash + 1);
                link = link.substr(0, hash);
            }
            INFO(path << " links to " << link << (fragment.empty() ? "" : "#" + fragment));
            fs::path target = link.empty() ? site / path : page_dir / link;
            CHECK(fs::is_regular_file(target));
            if (!fragment.empty() && fs::is_regular_file(target)) {
                std::string target_html = test::read_file(target);
                CHECK(target_html.find("id=\"" + fragment + "\"") != std::string::npos);
            }
            ++checked;
        }
    }
    CHECK(checked > 100);
}

TEST_CASE("links go both ways between incidents, runbooks and signatures", "[site][links]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "site");
    fs::path site = dir / "site";
    std::string incident = test::read_file(site / "incidents" / "2025-03-14-runner-disk-full.html");
    std::string runbook = test::read_file(site / "runbooks" / "runner-disk-full.html");
    std::string signatures = test::read_file(site / "signatures.html");
    std::string cache_incident = test::read_file(site / "incidents" / "2025-04-02-cache-auth-after-rotation.html");

    CHECK(incident.find("href=\"../runbooks/runner-disk-full.html\"") != std::string::npos);
    CHECK(runbook.find("href=\"../incidents/2025-03-14-runner-disk-full.html\"") != std::string::npos);
    CHECK(runbook.find("href=\"../signatures.html#sig-runner-disk-full-1\"") != std::string::npos);
    CHECK(signatures.find("id=\"sig-runner-disk-full-1\"") != std::string::npos);
    CHECK(signatures.find("href=\"runbooks/runner-disk-full.html\"") != std::string::npos);
    CHECK(signatures.find("href=\"incidents/2025-03-14-runner-disk-full.html\"") != std::string::npos);
    // An error line names the signature that matches it.
    CHECK(incident.find("href=\"../signatures.html#sig-runner-disk-full-1\"") != std::string::npos);
    // A report without front matter is linked through its Markdown link.
    CHECK(cache_incident.find("href=\"../runbooks/cache-auth.html\"") != std::string::npos);
}

TEST_CASE("runbook pages show steps, params and the command", "[site][pages]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "site");
    std::string html = test::read_file(dir / "site" / "runbooks" / "cache-auth.html");
    CHECK(html.find("deja run cache-auth --param REDIS_URL=&quot;$REDIS_URL&quot; --param SERVICE=&quot;$SERVICE&quot;") !=
          std::string::npos);
    CHECK(html.find("deja run cache-auth --dry-run") != std::string::npos);
    CHECK(html.find("class=\"step step-diagnose\" id=\"step-ping\"") != std::string::npos);
    CHECK(html.find("class=\"step step-verify\" id=\"step-healthy\"") != std::string::npos);
    CHECK(html.find("<th scope=\"row\"><code>REDIS_URL</code></th>") != std::string::npos);
    // The signature JavaScript cannot run is marked as such.
    CHECK(html.find("not in the page matcher") != std::string::npos);
    std::string matcher = test::read_file(dir / "site" / "search" / "signatures.js");
    CHECK(matcher.find("NOAUTH Authentication required") != std::string::npos);
    CHECK(matcher.find("cache-frame") == std::string::npos);
}

TEST_CASE("the same knowledge base gives byte-identical sites", "[site][determinism]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "one", 1);
    build(knowledge_base, dir / "two", 2);
    build(knowledge_base, dir / "two", 4);  // rebuilt over itself
    auto one = read_tree(dir / "one");
    auto two = read_tree(dir / "two");
    REQUIRE(one.size() == two.size());
    for (const auto& [path, bytes] : one) {
        INFO(path);
        CHECK(two[path] == bytes);
    }
}

TEST_CASE("a folder of other files is never overwritten", "[site][output]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    test::write_file(dir / "mine" / "notes.txt", "keep me");
    site::BuildOptions options;
    options.out_dir = dir / "mine";
    options.web_root = web_root();
    auto result = site::build(knowledge_base, options);
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message, Catch::Contains("not empty"));
    CHECK(test::read_file(dir / "mine" / "notes.txt") == "keep me");

    // A previous site is rebuilt in place: the page of an incident no longer
    // in the knowledge base goes, a file the user put beside the pages stays.
    build(knowledge_base, dir / "site");
    REQUIRE_FALSE(knowledge_base.incidents.empty());
    const auto gone = dir / "site" / "incidents" / (knowledge_base.incidents.front().id + ".html");
    REQUIRE(fs::exists(gone));
    test::write_file(dir / "site" / "incidents" / "mine.html", "keep me");
    auto smaller = knowledge_base;
    smaller.incidents.erase(smaller.incidents.begin());
    auto rebuilt = build(smaller, dir / "site");
    CHECK(rebuilt.removed >= 1);  // its page, and a tag page only it had
    CHECK_FALSE(fs::exists(gone));
    CHECK(test::read_file(dir / "site" / "incidents" / "mine.html") == "keep me");
}

TEST_CASE("a folder holding only what publishing adds takes a first build", "[site][output]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    test::write_file(dir / "ghp" / "CNAME", "kb.example.com\n");
    test::write_file(dir / "ghp" / ".nojekyll", "");
    test::write_file(dir / "ghp" / ".git" / "HEAD", "ref: refs/heads/gh-pages\n");
    build(knowledge_base, dir / "ghp");
    CHECK(fs::exists(dir / "ghp" / "index.html"));
    CHECK(test::read_file(dir / "ghp" / "CNAME") == "kb.example.com\n");
    CHECK(fs::exists(dir / "ghp" / ".nojekyll"));
    CHECK(test::read_file(dir / "ghp" / ".git" / "HEAD") == "ref: refs/heads/gh-pages\n");
}

TEST_CASE("a rebuild removes only files its manifest lists, never through a link", "[site][output]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "site");
    // Files outside the site, reachable by a path that climbs out of it or
    // through a symbolic link inside it.
    test::write_file(dir / "outside.txt", "outside");
    test::write_file(dir / "elsewhere" / "page.html", "elsewhere");
    fs::create_directory_symlink(dir / "elsewhere", dir / "site" / "linked");
    test::write_file(dir / "site" / ".git" / "config", "[core]\n");
    test::write_file(dir / "site" / "CNAME", "kb.example.com\n");
    // A manifest edited to name them, as if an earlier build had written them.
    std::string manifest = test::read_file(dir / "site" / ".deja-site");
    CHECK(manifest.find("\nindex.html\n") != std::string::npos);
    manifest += "../outside.txt\n" + (dir / "outside.txt").string() + "\nlinked/page.html\n.git/config\nCNAME\n";
    test::write_file(dir / "site" / ".deja-site", manifest);
    auto again = build(knowledge_base, dir / "site");
    CHECK(test::read_file(dir / "outside.txt") == "outside");
    CHECK(test::read_file(dir / "elsewhere" / "page.html") == "elsewhere");
    CHECK(fs::is_symlink(dir / "site" / "linked"));
    CHECK(fs::exists(dir / "site" / ".git" / "config"));
    CHECK(test::read_file(dir / "site" / "CNAME") == "kb.example.com\n");
    CHECK(again.removed == 0);
    CHECK(test::read_file(dir / "site" / ".deja-site").find("outside") == std::string::npos);
}

TEST_CASE("a gh-pages checkout survives rebuilds: .git, CNAME and .nojekyll kept", "[site][output][cli]") {
    test::TempDir home;
    // A knowledge base of the user's own, so that an incident can be deleted.
    const auto kb_dir = home / "kb";
    fs::copy(fixture_kb(), kb_dir, fs::copy_options::recursive);
    const auto out = home / "ghp";
    auto first = test::deja({"--kb", kb_dir.string(), "site", "build", "-o", out.string()}, home.path());
    INFO(first.err);
    REQUIRE(first.exit_code == 0);

    const std::map<std::string, std::string> git_env = {
        {"GIT_AUTHOR_NAME", "t"}, {"GIT_AUTHOR_EMAIL", "t@example.com"}, {"GIT_COMMITTER_NAME", "t"},
        {"GIT_COMMITTER_EMAIL", "t@example.com"}, {"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}};
    auto git = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"git", "-C", out.string()});
        auto result = test::run(args, git_env);
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        return result.out;
    };
    git({"init", "-q", "-b", "gh-pages"});
    test::write_file(out / "CNAME", "kb.example.com\n");
    test::write_file(out / ".nojekyll", "");
    test::write_file(out / "notes" / "publishing.md", "how we publish\n");
    git({"add", "-A"});
    git({"commit", "-q", "-m", "site"});

    auto again = test::deja({"--kb", kb_dir.string(), "site", "build", "-o", out.string()}, home.path());
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("removed") == std::string::npos);
    CHECK(git({"status", "--porcelain"}).empty());
    CHECK(git({"rev-list", "--count", "HEAD"}) == "1\n");

    // An incident deleted from the knowledge base: its page alone goes.
    std::vector<fs::path> incidents;
    for (const auto& entry : fs::directory_iterator(kb_dir / "incidents")) incidents.push_back(entry.path());
    std::sort(incidents.begin(), incidents.end());
    REQUIRE_FALSE(incidents.empty());
    fs::remove(incidents.front());
    auto third = test::deja({"--kb", kb_dir.string(), "site", "build", "-o", out.string()}, home.path());
    INFO(third.err);
    REQUIRE(third.exit_code == 0);
    CHECK(third.out.find("1 file left from an earlier build removed") != std::string::npos);
    std::string status = git({"status", "--porcelain"});
    CHECK(status.find(" D incidents/") != std::string::npos);
    CHECK(status.find("CNAME") == std::string::npos);
    CHECK(status.find("notes/") == std::string::npos);
    CHECK(status.find(".nojekyll") == std::string::npos);
    CHECK(git({"rev-list", "--count", "HEAD"}) == "1\n");
    CHECK(test::read_file(out / "CNAME") == "kb.example.com\n");
}

TEST_CASE("a rebuild writes only what changed and says so", "[site][output]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    auto first = build(knowledge_base, dir / "site");
    CHECK(first.changed == first.files);
    CHECK(first.removed == 0);

    // Files and their times are left alone when nothing changed, assets too.
    const auto style = dir / "site" / "assets" / "style.css";
    const auto old_time = fs::file_time_type::clock::now() - std::chrono::hours(1);
    fs::last_write_time(style, old_time);
    auto again = build(knowledge_base, dir / "site");
    CHECK(again.changed == 0);
    CHECK(again.files == first.files);
    CHECK(fs::last_write_time(style) == old_time);

    // One incident retitled: its page, and the pages and search files that
    // show its title; a page no build made is left alone.
    auto edited = knowledge_base;
    REQUIRE_FALSE(edited.incidents.empty());
    edited.incidents.front().title += " (edited)";
    test::write_file(dir / "site" / "incidents" / "gone.html", "not ours");
    auto third = build(edited, dir / "site");
    CHECK(third.changed > 0);
    CHECK(third.changed < third.files / 2);
    CHECK(third.removed == 0);
    CHECK(fs::exists(dir / "site" / "incidents" / "gone.html"));

    // However the folder is spelled, a rebuild keeps every file it wrote.
    for (const auto& spelling : {(dir / "site/").string(), (dir / "site/.").string(), (dir / "site//").string(),
                                 (dir / "x" / ".." / "site").string()}) {
        fs::create_directories(dir / "x");
        INFO(spelling);
        auto respelled = build(edited, spelling);
        CHECK(respelled.removed == 0);
        CHECK(respelled.changed == 0);
        CHECK(fs::exists(dir / "site" / "index.html"));
    }

    test::TempDir home;
    const auto out = (home / "public").string();
    auto cli = test::deja({"--kb", fixture_kb().string(), "site", "build", "-o", out}, home.path());
    REQUIRE(cli.exit_code == 0);
    CHECK_THAT(cli.out, Catch::EndsWith("in " + out + ": all written\n"));
    auto cli_again = test::deja({"--kb", fixture_kb().string(), "site", "build", "-o", out}, home.path());
    REQUIRE(cli_again.exit_code == 0);
    CHECK_THAT(cli_again.out, Catch::EndsWith("in " + out + ": all already up to date\n"));
}

TEST_CASE("a base URL adds a sitemap and absolute links on the 404 page", "[site][output]") {
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir / "plain");
    CHECK_FALSE(fs::exists(dir / "plain" / "sitemap.xml"));
    build(knowledge_base, dir / "hosted", 2, "https://kb.example.com/ops");
    std::string sitemap = test::read_file(dir / "hosted" / "sitemap.xml");
    CHECK(sitemap.find("<loc>https://kb.example.com/ops/</loc>") != std::string::npos);
    CHECK(sitemap.find("<loc>https://kb.example.com/ops/runbooks/cache-auth.html</loc>") != std::string::npos);
    CHECK(sitemap.find("404") == std::string::npos);
    std::string not_found = test::read_file(dir / "hosted" / "404.html");
    CHECK(not_found.find("href=\"https://kb.example.com/ops/assets/style.css\"") != std::string::npos);
}

TEST_CASE("signatures JavaScript cannot run are lint errors", "[site][lint]") {
    kb::KnowledgeBase knowledge_base;
    kb::Runbook runbook;
    runbook.id = "x";
    runbook.path = "runbooks/x.md";
    auto pattern = [](std::string text, int line, std::string after = "") {
        kb::Signature s;
        s.pattern = std::move(text);
        s.after = std::move(after);
        s.line = line;
        return s;
    };
    runbook.signatures.push_back(pattern("fine (?P<A>\\w+)", 7));
    runbook.signatures.push_back(pattern("\\C+", 9));
    runbook.signatures.push_back(pattern("fine", 11, "\\C"));
    runbook.cleared_by.push_back(pattern("\\C ok", 13));
    runbook.cleared_by.push_back(pattern("ok", 14));
    knowledge_base.runbooks.push_back(runbook);
    auto diagnostics = site::lint(knowledge_base);
    REQUIRE(diagnostics.size() == 3);
    CHECK_THAT(diagnostics[0].format(), Catch::StartsWith("runbooks/x.md:9: signature cannot run in the browser: "));
    CHECK_THAT(diagnostics[1].format(),
               Catch::StartsWith("runbooks/x.md:11: signature's after cannot run in the browser: "));
    CHECK_THAT(diagnostics[2].format(),
               Catch::StartsWith("runbooks/x.md:13: cleared_by pattern cannot run in the browser: "));
    CHECK(diagnostics[0].severity == kb::Severity::error);
}

TEST_CASE("a site built from outlines, reading each incident's body in ranges, is the same site", "[site][output]") {
    auto knowledge_base = load_fixture();
    REQUIRE(knowledge_base.incidents.size() >= 3);
    test::TempDir dir;
    build(knowledge_base, dir / "whole");

    // What the index hands the site: incidents without bodies, in site order
    // (newest first, then by id), and a reader for the bodies.
    kb::KnowledgeBase outline = knowledge_base;
    std::stable_sort(outline.incidents.begin(), outline.incidents.end(), [](const auto& a, const auto& b) {
        return a.date != b.date ? a.date > b.date : a.id < b.id;
    });
    std::vector<kb::Incident> bodies;
    for (auto& incident : outline.incidents) {
        kb::Incident body;
        body.id = incident.id;
        body.body_markdown = std::exchange(incident.body_markdown, {});
        body.body_text = std::exchange(incident.body_text, {});
        body.code = std::exchange(incident.code, {});
        incident.sections.clear();
        bodies.push_back(std::move(body));
    }
    std::mutex mutex;
    std::set<std::pair<std::size_t, std::size_t>> ranges;
    site::ReadIncidents read = [&](std::size_t first, std::size_t count, const site::IncidentVisitor& visit) -> base::Status {
        {
            std::lock_guard lock(mutex);
            ranges.emplace(first, count);
        }
        for (std::size_t i = first; i < std::min(bodies.size(), first + count); ++i)
            if (auto status = visit(kb::Incident(bodies[i])); !status) return status;
        return base::Ok{};
    };
    site::BuildOptions options;
    options.out_dir = dir / "streamed";
    options.web_root = web_root();
    options.threads = 3;
    auto stats = site::build(outline, read, options);
    INFO((stats ? "" : stats.error().message));
    REQUIRE(stats);
    CHECK(read_tree(dir / "whole") == read_tree(dir / "streamed"));
    // Each thread read one consecutive share; together, every incident once.
    std::size_t next = 0;
    for (const auto& [first, count] : ranges) {
        CHECK(first == next);
        next = first + count;
    }
    CHECK(next == bodies.size());

    // Bodies that no longer line up with the outline are an error, not a wrong page.
    site::ReadIncidents shifted = [&](std::size_t first, std::size_t count, const site::IncidentVisitor& visit) -> base::Status {
        for (std::size_t i = first + 1; i < std::min(bodies.size(), first + count + 1); ++i)
            if (auto status = visit(kb::Incident(bodies[i])); !status) return status;
        return base::Ok{};
    };
    options.out_dir = dir / "shifted";
    auto failed = site::build(outline, shifted, options);
    REQUIRE_FALSE(failed);
    CHECK_THAT(failed.error().message, Catch::Contains("changed while the site was being built"));
}

TEST_CASE("deja site build writes a site from the index", "[site][cli]") {
    test::TempDir home;
    auto out = home / "public";
    auto result = test::deja({"--kb", fixture_kb().string(), "site", "build", "-o", out.string()}, home.path());
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("pages"));
    CHECK(fs::exists(out / "index.html"));
    CHECK(fs::exists(out / "runbooks" / "runner-disk-full.html"));
    CHECK(fs::exists(out / "search" / "meta.js"));
    CHECK(result.err.find("\r") == std::string::npos);  // no progress line when stderr is not a terminal

    auto refused = test::deja({"site", "build", "-o", (home / "public" / "index.html").string()}, home.path());
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::StartsWith("deja: error: "));
    auto bad_url = test::deja({"site", "build", "-o", (home / "x").string(), "--base-url", "kb.example.com"}, home.path());
    CHECK(bad_url.exit_code == 2);
    CHECK_THAT(bad_url.err, Catch::Contains("--base-url kb.example.com: must start with http:// or https://"));
    CHECK_FALSE(fs::exists(home / "x"));
}

TEST_CASE("a base URL that would break links is refused", "[site][output]") {
    for (std::string good : {"", "https://kb.example.com", "http://localhost:8000/ops/", "https://example.com/a%20b/"})
        CHECK(site::check_base_url(good));
    for (std::string bad : {"kb.example.com", "ftp://kb.example.com/", "https://", "https:///path", "https://kb.example.com/a b",
                            "https://kb.example.com/\"x", "https://kb.example.com/?page=1", "https://kb.example.com/#top"}) {
        INFO(bad);
        CHECK_FALSE(site::check_base_url(bad));
    }
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    site::BuildOptions options;
    options.out_dir = dir / "site";
    options.web_root = web_root();
    options.base_url = "https://kb.example.com/\"><script>";
    CHECK_FALSE(site::build(knowledge_base, options));
    CHECK_FALSE(fs::exists(dir / "site" / "index.html"));
}

TEST_CASE("tags differing only in case are one tag", "[site][pages]") {
    // The runbook says "ci", the incident "CI": one page, named as the runbook wrote it.
    auto knowledge_base = load_fixture();
    test::TempDir dir;
    build(knowledge_base, dir.path());
    std::vector<std::string> pages;
    for (const auto& entry : fs::directory_iterator(dir / "tags")) pages.push_back(entry.path().filename().string());
    std::sort(pages.begin(), pages.end());
    CHECK(pages == std::vector<std::string>{"ci.html", "disk.html", "index.html", "redis.html", "secrets.html", "security.html"});
    std::string ci = test::read_file(dir / "tags" / "ci.html");
    CHECK(ci.find("runbooks/runner-disk-full.html") != std::string::npos);
    CHECK(ci.find("incidents/2025-03-14-runner-disk-full.html") != std::string::npos);
    std::string incident = test::read_file(dir / "incidents" / "2025-03-14-runner-disk-full.html");
    CHECK(incident.find(">ci</a>") != std::string::npos);
}
