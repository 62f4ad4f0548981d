// What deja knows about a signature pattern without running it: the
// Vectorscan expression that prefilters raw log bytes for it, the names of
// its capture groups, and how specific it is (the literal text every match
// must contain, weighted so that identifiers count more than common words).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace match {

struct PatternInfo {
    bool ok = false;
    std::string error;  // why the pattern could not be read (ok == false)

    // A Vectorscan expression (byte mode, no flags needed) whose matches are a
    // superset of the RE2 pattern's matches once a line has been cleaned:
    // anchors are dropped (raw lines still carry their prefixes), named groups
    // become plain groups, and one-character wildcards widen to 1-4 bytes
    // because RE2 steps over UTF-8 characters where Vectorscan steps over bytes.
    std::string prefilter;
    // Why there is no prefilter although the pattern was read (it would cost
    // Vectorscan more than linear time to compile): RE2 alone decides.
    std::string prefilter_error;
    std::vector<std::string> group_names;
    // Literal runs of the least specific way the pattern can match (the
    // weakest branch of each alternation), in order: what its specificity
    // is judged on.
    std::vector<std::string> required;
    double weight = 0;  // text_weight over `required`
    // The most distinctive literal every match contains, when there is one
    // worth searching for (empty otherwise); `anchor_caseless` when the
    // pattern folds case anywhere.
    std::string anchor;
    bool anchor_caseless = false;
};

PatternInfo analyse_pattern(std::string_view pattern);

// A Vectorscan expression matching exactly these bytes.
std::string literal_expression(std::string_view bytes);

// The part of an anchor to hand Vectorscan: the anchor itself, or its start
// cut back to end where its last bytes are least like ordinary text.
std::string_view anchor_literal(std::string_view anchor, bool caseless);

// Specificity of literal text: a distinctive identifier (gin_trgm_ops,
// ImagePullBackOff, metrics.k8s.io) weighs twice its length, an ordinary word
// its length, a word that many unrelated errors share ("error", "denied",
// "not", "found") a quarter of it; two ordinary words in a row add a bonus;
// a lone punctuation mark weighs half a point, a run of symbols one per
// character, a space less.
double text_weight(std::string_view text);
double word_weight(std::string_view word);
bool is_common_error_word(std::string_view lowercase_word);

// Maps a weight to a strength in [0, 1): 1 - exp(-weight / 15).
double strength(double weight);

}  // namespace match
