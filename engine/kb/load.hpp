// Reading a knowledge base from disk: runbooks and incidents from Markdown
// (front matter through yaml-cpp, body through cmark-gfm), real-world text
// repaired first. Loading never throws and never stops at a bad file: each
// problem becomes a Diagnostic naming file and line, the rest still loads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kb/encoding.hpp"
#include "kb/model.hpp"
#include "base/result.hpp"

namespace kb {

// Folders in layering order; a later folder's document replaces an earlier
// one with the same id. A folder with neither incidents/ nor runbooks/ is
// read as a folder of incident reports (.md, .markdown, .txt).
KnowledgeBase load(const std::vector<std::filesystem::path>& dirs);

// The files load() would read, in order, with size and change time (no hashing):
// the index compares this against what it was built from.
std::vector<SourceFile> list_sources(const std::vector<std::filesystem::path>& dirs);

// Parse one document. `path` is used for ids inferred from the file name and
// for diagnostics. Problems that do not stop parsing go to `diagnostics`.
std::optional<Runbook> parse_runbook(const std::string& path, std::string_view bytes,
                                     std::vector<Diagnostic>& diagnostics);
std::optional<Incident> parse_incident(const std::string& path, std::string_view bytes,
                                       std::vector<Diagnostic>& diagnostics);

// A document's bytes: a regular file within the size limit for documents,
// read whole; anything else is an error naming why.
base::Result<std::string> read_whole_file(const std::string& path);

// BOM removed, CRLF/CR to LF, text that was UTF-8 encoded twice (UTF-8 read as
// Windows-1252 and encoded again) repaired, invalid UTF-8 replaced by U+FFFD
// (a file with no UTF-8 at all is read as Windows-1252); what was not UTF-8 is
// reported through `decoding` if given.
std::string repair_text(std::string_view bytes, encoding::Decoding* decoding = nullptr);

// Checks beyond parsing: unique ids, typed front matter, links resolve,
// signatures compile in RE2, each step in a language deja can run.
std::vector<Diagnostic> lint(const KnowledgeBase& knowledge_base);

}  // namespace kb
