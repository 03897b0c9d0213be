// JSON text → io::json (the inverse of json::dump), for run-directory files read back on resume.
#include <cerrno>
#include <cstdlib>

#include "einet/core/error.hpp"
#include "einet/io/json.hpp"
#include "json_escapes.hpp"

namespace einet::io {

namespace {

class parser {
public:
    parser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

    json document() {
        json v = value(0);
        skip();
        if (i_ != s_.size()) fail("text after the end of the value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw io_error(what_ + ": malformed JSON at byte " + std::to_string(i_) + ": " + why);
    }
    void skip() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        skip();
        if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    bool word(const char* w) {
        const std::string k(w);
        if (s_.compare(i_, k.size(), k) != 0) return false;
        i_ += k.size();
        return true;
    }

    json value(int depth) {
        if (depth > 200) fail("nested too deeply");
        skip();
        if (i_ >= s_.size()) fail("unexpected end of text");
        const char c = s_[i_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return json(string());
        if (word("null")) return json();
        if (word("true")) return json(true);
        if (word("false")) return json(false);
        return number();
    }

    json object(int depth) {
        ++i_;
        json o = json::object();
        if (eat('}')) return o;
        do {
            skip();
            if (i_ >= s_.size() || s_[i_] != '"') fail("expected a key");
            const std::string k = string();
            expect(':');
            o[k] = value(depth + 1);
        } while (eat(','));
        expect('}');
        return o;
    }

    json array(int depth) {
        ++i_;
        json a = json::array();
        if (eat(']')) return a;
        do a.push_back(value(depth + 1));
        while (eat(','));
        expect(']');
        return a;
    }

    std::string string() {
        ++i_;  // opening quote
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) break;
            c = s_[i_++];
            if (c != 'u') {
                out += detail::json_unescape_letter(c);
                continue;
            }
            if (i_ + 4 > s_.size()) fail("short \\u escape");
            const unsigned long cp = std::strtoul(s_.substr(i_, 4).c_str(), nullptr, 16);
            i_ += 4;
            if (cp < 0x80) out += static_cast<char>(cp);  // dump escapes only control characters
            else if (cp < 0x800) out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
            else out += static_cast<char>(0xE0 | (cp >> 12)), out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                      out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        if (i_ >= s_.size()) fail("unterminated string");
        ++i_;
        return out;
    }

    json number() {
        const std::size_t start = i_;
        bool integral = true;
        while (i_ < s_.size() && std::string("+-0123456789.eE").find(s_[i_]) != std::string::npos) {
            if (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E') integral = false;
            ++i_;
        }
        const std::string tok = s_.substr(start, i_ - start);
        if (tok.empty()) fail("expected a value");
        char* end = nullptr;
        errno = 0;
        if (integral) {
            const long long v = std::strtoll(tok.c_str(), &end, 10);
            if (*end == '\0' && errno == 0) return json(static_cast<std::int64_t>(v));
        }
        const double v = std::strtod(tok.c_str(), &end);
        if (*end != '\0') fail("malformed number \"" + tok + "\"");
        return json(v);
    }

    const std::string& s_;
    std::string what_;
    std::size_t i_ = 0;
};

}  // namespace

json json::parse(const std::string& text, const std::string& what) { return parser(text, what).document(); }

}  // namespace einet::io
