#pragma once
// JSON's two-character string escapes, shared by the writer (json.cpp) and the reader
// (json_parse.cpp) so that the two directions cannot drift apart.
#include <array>
#include <utility>

namespace einet::io::detail {

// {raw character, letter after the backslash}
inline constexpr std::array<std::pair<char, char>, 7> json_short_escapes{{
    {'"', '"'}, {'\\', '\\'}, {'\n', 'n'}, {'\t', 't'}, {'\r', 'r'}, {'\b', 'b'}, {'\f', 'f'}}};

// The letter that escapes `raw`, or 0 when `raw` has no two-character escape.
constexpr char json_escape_letter(char raw) {
    for (const auto& [r, letter] : json_short_escapes)
        if (r == raw) return letter;
    return 0;
}

// The character that `\letter` stands for; '/' and unknown letters stand for themselves.
constexpr char json_unescape_letter(char letter) {
    for (const auto& [raw, l] : json_short_escapes)
        if (l == letter) return raw;
    return letter;
}

}  // namespace einet::io::detail
