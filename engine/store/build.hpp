// Writing an index file: every table filled from a loaded knowledge base in
// one transaction, into a temporary file beside the target that is synced
// and renamed into place only when complete.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kb/model.hpp"
#include "base/result.hpp"

namespace store::detail {

// Identifies the deja binary that builds: an index from another build is
// rebuilt, since parsing may have changed.
std::string builder_id();
// The meta value recording which knowledge base folders an index holds.
std::string dirs_key(const std::vector<std::filesystem::path>& dirs);
// A digest of the source files' paths, sizes and change times, independent of
// their order: equal digests mean nothing was touched, so opening an index
// needs no per-file comparison.
std::string manifest_digest(const std::vector<kb::SourceFile>& files);

// The second name of the index file through which blobs and the manifest are
// written in place. SQLite keeps a rollback journal beside the name a file was
// opened by; a process still reading an index that a rebuild replaced would
// take a journal beside the index's own name for a hot one, roll it into its
// file and delete it under the writer. Readers never see this name's journal.
std::filesystem::path writer_path(const std::filesystem::path& db_path);

// The caller holds the index's FileLock. Leftover temporary files from
// builds that crashed are removed first.
base::Status write_index_file(const kb::KnowledgeBase& knowledge_base,
                            const std::vector<std::filesystem::path>& kb_dirs,
                            const std::filesystem::path& db_path);

}  // namespace store::detail
