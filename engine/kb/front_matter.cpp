#include "kb/front_matter.hpp"

#include <algorithm>
#include <set>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "base/text.hpp"

namespace kb::front_matter {

namespace {

bool is_fence(std::string_view line, std::string_view fence) { return base::text::trim_right(line) == fence; }

bool plain_scalar_char_ok(char c) {
    return c != '\'' && c != '"' && c != '[' && c != ']' && c != '{' && c != '}' && c != '#' && c != '&' &&
           c != '*' && c != '!' && c != '|' && c != '>' && c != '%' && c != '@' && c != '`';
}

// A value yaml-cpp would read as the plain string it is written as.
bool is_simple_scalar(std::string_view v) {
    if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return false;
    if (!plain_scalar_char_ok(v.front()) || v.front() == '-' || v.front() == '?' || v.front() == ':' ||
        v.front() == ',')
        return false;
    if (v.back() == ':' || v.find(": ") != std::string_view::npos || v.find(" #") != std::string_view::npos ||
        v.find('\t') != std::string_view::npos)
        return false;
    return true;
}

Value scalar_value(std::string_view text, int line) {
    Value v;
    v.kind = Value::Kind::scalar;
    v.scalar = std::string(text);
    v.line = line;
    return v;
}

// The fast path: nullopt unless every line is "key: plain" or "key: [plain, ...]".
std::optional<Value> parse_simple(const Split& split) {
    Value root;
    root.kind = Value::Kind::map;
    root.line = split.yaml_first_line;
    int line = split.yaml_first_line;
    for (auto raw : base::text::split_lines(split.yaml)) {
        int current = line++;
        std::string_view l = base::text::trim_right(raw);
        if (l.empty() || l.front() == '#') continue;
        auto colon = l.find(": ");
        if (colon == std::string_view::npos || colon == 0) return std::nullopt;
        std::string_view key = l.substr(0, colon);
        for (char c : key)
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                return std::nullopt;
        if (root.get(key)) return std::nullopt;  // duplicate keys: let yaml-cpp decide
        std::string_view value = base::text::trim(l.substr(colon + 2));
        Value node;
        if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
            node.kind = Value::Kind::sequence;
            node.line = current;
            std::string_view inner = base::text::trim(value.substr(1, value.size() - 2));
            if (!inner.empty()) {
                for (auto item : base::text::split(inner, ',')) {
                    item = base::text::trim(item);
                    if (!is_simple_scalar(item) || item.find(':') != std::string_view::npos) return std::nullopt;
                    node.items.push_back(scalar_value(item, current));
                }
            }
        } else if (is_simple_scalar(value)) {
            node = scalar_value(value, current);
        } else {
            return std::nullopt;
        }
        root.entries.push_back({scalar_value(key, current), std::move(node)});
    }
    if (root.entries.empty()) return std::nullopt;
    return root;
}

// YAML aliases let a few lines stand for billions of values (each alias
// repeating the one before); no front matter needs more values than this.
constexpr std::size_t max_values = 100000;
// Nor nests deeper than this. An alias inside its own anchor (`a: &a [*a]`)
// is a value that contains itself, and aliases of deep values nested in one
// another go deeper than anything yaml-cpp parses: converting either one
// level per call overflowed the stack.
constexpr int max_depth = 256;

// yaml-cpp's nodes as Values, counted against max_values and max_depth.
struct Converter {
    int first_line;
    std::size_t left = max_values;
    int depth = 0;
    bool too_many = false;
    bool too_deep = false;

    Value operator()(const YAML::Node& node) {
        Value v;
        if (left == 0 || depth == max_depth) {
            (left == 0 ? too_many : too_deep) = true;
            return v;
        }
        --left;
        ++depth;
        convert(node, v);
        --depth;
        return v;
    }

    bool stopped() const { return too_many || too_deep; }

    void convert(const YAML::Node& node, Value& v) {
        auto mark = node.Mark();
        v.line = mark.is_null() || mark.line < 0 ? first_line : first_line + mark.line;
        switch (node.Type()) {
            case YAML::NodeType::Scalar:
                v.kind = Value::Kind::scalar;
                v.scalar = node.Scalar();
                break;
            case YAML::NodeType::Sequence:
                v.kind = Value::Kind::sequence;
                for (auto it = node.begin(); it != node.end() && !stopped(); ++it) v.items.push_back((*this)(*it));
                break;
            case YAML::NodeType::Map:
                v.kind = Value::Kind::map;
                for (auto it = node.begin(); it != node.end() && !stopped(); ++it) {
                    Value key = (*this)(it->first);
                    v.entries.push_back({std::move(key), (*this)(it->second)});
                }
                break;
            default:
                break;
        }
    }
};

}  // namespace

const Value* Value::get(std::string_view key) const {
    for (const auto& [k, v] : entries)
        if (k.is_scalar() && k.scalar == key) return &v;
    return nullptr;
}

Split split(std::string_view text, const std::string& path, std::vector<Diagnostic>& diagnostics) {
    Split result;
    result.body = text;
    auto first_end = text.find('\n');
    std::string_view first = text.substr(0, first_end);
    if (!is_fence(first, "---") || first_end == std::string_view::npos) return result;

    std::size_t pos = first_end + 1;
    int line = 2;
    while (pos <= text.size()) {
        auto end = text.find('\n', pos);
        std::string_view current = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (is_fence(current, "---") || is_fence(current, "...")) {
            result.present = true;
            result.yaml = text.substr(first_end + 1, pos - (first_end + 1));
            result.yaml_first_line = 2;
            result.body = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
            result.body_first_line = line + 1;
            return result;
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
        ++line;
    }
    diagnostics.push_back({path, 1, Severity::error,
                           "front matter starts with '---' but has no closing '---' line; read as Markdown"});
    return result;
}

std::optional<Value> parse(const Split& split, const std::string& path, std::vector<Diagnostic>& diagnostics) {
    if (!split.present) return std::nullopt;
    if (auto simple = parse_simple(split)) return simple;
    YAML::Node root;
    try {
        root = YAML::Load(std::string(split.yaml));
    } catch (const YAML::DeepRecursion&) {
        // yaml-cpp 0.7 gives this one the message "bad file".
        diagnostics.push_back({path, split.yaml_first_line, Severity::error,
                               "front matter is not valid YAML: nested too deep to read"});
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        int line = e.mark.is_null() ? split.yaml_first_line : split.yaml_first_line + e.mark.line;
        diagnostics.push_back({path, line, Severity::error, "front matter is not valid YAML: " + e.msg});
        return std::nullopt;
    }
    if (root.IsNull()) return std::nullopt;
    if (!root.IsMap()) {
        diagnostics.push_back({path, split.yaml_first_line, Severity::error,
                               "front matter must be a map of keys (id: ..., title: ...)"});
        return std::nullopt;
    }
    Converter convert{split.yaml_first_line};
    Value value = convert(root);
    if (convert.too_many) {
        diagnostics.push_back({path, split.yaml_first_line, Severity::error,
                               "front matter stands for more than " + std::to_string(max_values) +
                                   " values once its aliases are expanded; read as Markdown without it"});
        return std::nullopt;
    }
    if (convert.too_deep) {
        diagnostics.push_back({path, split.yaml_first_line, Severity::error,
                               "front matter nests more than " + std::to_string(max_depth) +
                                   " levels deep once its aliases are expanded (is an alias inside its own "
                                   "anchor?); read as Markdown without it"});
        return std::nullopt;
    }
    return value;
}

void Reader::error(const Value& value, const std::string& message) const {
    diagnostics.push_back({path, value.line, Severity::error, message});
}

void Reader::warning(const Value& value, const std::string& message) const {
    diagnostics.push_back({path, value.line, Severity::warning, message});
}

namespace {

constexpr std::string_view unknown_key_prefix = "unknown front-matter key '";

}  // namespace

void Reader::unknown_key(const Value& key) const { warning(key, std::string(unknown_key_prefix) + key.scalar + "'"); }

std::optional<std::string> unknown_key_of(std::string_view message) {
    if (!message.starts_with(unknown_key_prefix)) return std::nullopt;
    message.remove_prefix(unknown_key_prefix.size());
    auto quote = message.find('\'');
    if (quote == std::string_view::npos) return std::nullopt;
    return std::string(message.substr(0, quote));
}

bool is_other_tools_key(std::string_view key) {
    static const std::set<std::string, std::less<>> keys = {
        // Site generators and their themes.
        "weight", "draft", "aliases", "slug", "layout", "permalink", "type", "lastmod", "publishDate", "expiryDate",
        "menu", "toc", "hide", "hidden", "linkTitle", "url", "images", "comments", "published", "template",
        "excerpt", "sitemap", "redirect_from", "nav_order", "nav_exclude", "parent", "grand_parent", "has_children",
        "sidebar_position", "sidebar_label", "pagination_next", "pagination_prev", "bookCollapseSection",
        "bookFlatSection", "bookHidden", "bookToc", "bookComments", "bookSearchExclude", "categories", "keywords",
        "description", "icon", "order", "search",
        // Post-mortem templates.
        "start_time", "end_time", "source", "company", "authors", "author", "owner", "reviewers", "participants",
        "incident_commander", "detected", "resolved", "started", "ended", "duration", "impact", "product",
        "components", "teams", "team", "links", "ticket", "jira", "postmortem_url"};
    return keys.contains(key);
}

std::optional<std::string> Reader::scalar(const Value& value, const std::string& what) const {
    if (value.is_null()) return std::string{};
    if (!value.is_scalar()) {
        error(value, what + " must be a single value, not a " + (value.is_map() ? "map" : "list"));
        return std::nullopt;
    }
    return value.scalar;
}

std::optional<bool> Reader::boolean(const Value& value, const std::string& what) const {
    if (value.is_scalar()) {
        std::string lowered = base::text::lower(value.scalar);
        if (lowered == "true" || lowered == "yes" || lowered == "on") return true;
        if (lowered == "false" || lowered == "no" || lowered == "off") return false;
    }
    error(value, what + " must be true or false");
    return std::nullopt;
}

std::vector<std::pair<std::string, int>> Reader::string_list_with_lines(const Value& value,
                                                                        const std::string& what) const {
    std::vector<std::pair<std::string, int>> out;
    if (value.is_null()) return out;
    if (value.is_scalar()) {
        for (auto part : base::text::split(value.scalar, ',')) {
            auto trimmed = base::text::trim(part);
            if (!trimmed.empty()) out.emplace_back(std::string(trimmed), value.line);
        }
        return out;
    }
    if (!value.is_sequence()) {
        error(value, what + " must be a list");
        return out;
    }
    for (const auto& item : value.items) {
        if (!item.is_scalar()) {
            error(item, what + " entries must be single values");
            continue;
        }
        auto trimmed = base::text::trim(item.scalar);
        if (!trimmed.empty()) out.emplace_back(std::string(trimmed), item.line);
    }
    return out;
}

std::vector<std::string> Reader::string_list(const Value& value, const std::string& what) const {
    std::vector<std::string> out;
    for (auto& [text, line] : string_list_with_lines(value, what)) out.push_back(std::move(text));
    return out;
}

ParamValues Reader::string_map(const Value& value, const std::string& what) const {
    ParamValues out;
    if (value.is_null()) return out;
    if (!value.is_map()) {
        error(value, what + " must be a map of NAME: value");
        return out;
    }
    for (const auto& [key, v] : value.entries) {
        if (!key.is_scalar() || !(v.is_scalar() || v.is_null())) {
            error(key, what + " values must be single values");
            continue;
        }
        out[key.scalar] = v.scalar;
    }
    return out;
}

}  // namespace kb::front_matter
