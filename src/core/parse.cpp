// parse.cpp: the small readers the hash-string parsers share.
#include "core/parse.hpp"

#include <cstdint>

namespace pg_mfa::core {

bool ParseDecimal(std::string_view text, std::uint32_t* out) noexcept {
    if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (value > UINT32_MAX) {
        return false;
    }
    *out = static_cast<std::uint32_t>(value);
    return true;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) noexcept {
    if (text->substr(0, prefix.size()) != prefix) {
        return false;
    }
    text->remove_prefix(prefix.size());
    return true;
}

}  // namespace pg_mfa::core
