// YAML front matter: the block between a first line "---" and the next
// "---" (or "..."), read into a small tree of values that keep their file
// lines, so diagnostics can point at the exact line of a bad value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kb/model.hpp"

namespace kb::front_matter {

struct Split {
    bool present = false;
    std::string_view yaml;   // without the fences
    int yaml_first_line = 0; // file line of the first YAML line (1-based)
    std::string_view body;   // everything after the closing fence
    int body_first_line = 1; // file line of the first body line
};

// `text` is already repaired (LF line ends). An opening fence without a
// closing one is reported and the whole file is treated as body.
Split split(std::string_view text, const std::string& path, std::vector<Diagnostic>& diagnostics);

// A YAML value with its file line. Scalars keep their text as written
// (numbers and booleans too); `~`/`null`/nothing is null.
struct Value {
    struct Entry;
    enum class Kind { null, scalar, sequence, map };
    Kind kind = Kind::null;
    std::string scalar;
    std::vector<Value> items;                      // sequence
    std::vector<Entry> entries;                    // map, in file order
    int line = 0;

    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_map() const { return kind == Kind::map; }
    const Value* get(std::string_view key) const;  // map entry, or nullptr
};

// A struct of its own rather than std::pair<Value, Value>: a pair needs
// Value complete where Value declares it, which clang rejects.
struct Value::Entry {
    Value key;
    Value value;
};

// Simple blocks (one "key: value" or "key: [a, b]" per line, the shape
// nearly every incident has) are read directly: yaml-cpp spends ~400k
// instructions on such an 8-line block, 30 times the cost of the Markdown
// body (callgrind). Anything else goes through yaml-cpp.
//
// A syntax error becomes a Diagnostic at its line and yields nullopt, as
// does a block that is not a map. An empty block yields nullopt silently.
std::optional<Value> parse(const Split& split, const std::string& path, std::vector<Diagnostic>& diagnostics);

// Typed readers: on a type mismatch they add a Diagnostic naming `what`
// at the value's line and return nullopt/false.
struct Reader {
    const std::string& path;
    std::vector<Diagnostic>& diagnostics;

    void error(const Value& value, const std::string& message) const;
    void warning(const Value& value, const std::string& message) const;
    // A key neither deja nor the site generators and post-mortem templates
    // teams write for know: one warning, which the loader folds into one per
    // key for the whole knowledge base.
    void unknown_key(const Value& key) const;
    std::optional<std::string> scalar(const Value& value, const std::string& what) const;
    std::optional<bool> boolean(const Value& value, const std::string& what) const;
    // A sequence of scalars; a single scalar (also "a, b") is accepted as a list.
    std::vector<std::string> string_list(const Value& value, const std::string& what) const;
    // A sequence of scalars with their lines (a single scalar is accepted too).
    std::vector<std::pair<std::string, int>> string_list_with_lines(const Value& value, const std::string& what) const;
    // A map of scalar values (numbers and booleans kept as written).
    ParamValues string_map(const Value& value, const std::string& what) const;
};

// Keys that other tools put in front matter (Hugo, Jekyll, MkDocs,
// Docusaurus, hugo-book, post-mortem templates): read where deja has a
// use for them, accepted quietly otherwise.
bool is_other_tools_key(std::string_view key);

// The key an unknown_key() warning names; nullopt for any other message.
std::optional<std::string> unknown_key_of(std::string_view message);

}  // namespace kb::front_matter
