#include "kb/document.hpp"

#include "kb/encoding.hpp"
#include "kb/load.hpp"

namespace kb {

bool read_document(const std::string& path, std::string_view bytes, std::vector<Diagnostic>& diagnostics,
                   SourceDocument& doc) {
    if (encoding::looks_binary(bytes)) {
        diagnostics.push_back({path, 0, Severity::error, "binary file (not text); skipped"});
        return false;
    }
    encoding::Decoding decoding;
    doc.text = repair_text(bytes, &decoding);
    if (decoding.legacy) {
        diagnostics.push_back({path, static_cast<int>(decoding.first_line), Severity::warning,
                               "not UTF-8; read as Windows-1252 (save the file as UTF-8 to be sure)"});
    } else if (decoding.invalid > 0) {
        diagnostics.push_back({path, static_cast<int>(decoding.first_line), Severity::warning,
                               "invalid UTF-8 replaced with U+FFFD (" + std::to_string(decoding.invalid) +
                                   (decoding.invalid == 1 ? " sequence" : " sequences, the first here") + ")"});
    }
    doc.split = front_matter::split(doc.text, path, diagnostics);
    doc.yaml = front_matter::parse(doc.split, path, diagnostics);
    doc.markdown = markdown::parse(doc.split.body, doc.split.body_first_line);
    return true;
}

std::string file_stem(const std::string& path) {
    auto slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    auto dot = name.find_last_of('.');
    if (dot != std::string::npos && dot > 0) name.resize(dot);
    return name;
}

}  // namespace kb
