// test_util.hpp: helpers shared by the unit tests (hex, deterministic randomness, status printing).
#pragma once

#include "core/bytes.hpp"
#include "core/random.hpp"
#include "core/status.hpp"

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

// Lets GoogleTest print a Status by name in failure messages.
inline void PrintTo(Status status, std::ostream* os) {
    *os << StatusName(status) << " (" << static_cast<int>(status) << ")";
}

namespace test {

// RFC 6238 App. B seeds: the RFC 4226 key repeated to the length of each hash.
constexpr std::string_view kSeedSha1 = "12345678901234567890";
constexpr std::string_view kSeedSha256 = "12345678901234567890123456789012";
constexpr std::string_view kSeedSha512 = "1234567890123456789012345678901234567890123456789012345678901234";

inline std::string Hex(const std::uint8_t* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0x0f]);
    }
    return out;
}

template <class Container>
std::string Hex(const Container& bytes) {
    return Hex(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

// FromHex: the bytes of lowercase or uppercase hex text (test data; no validation beyond the digits).
inline std::vector<std::uint8_t> FromHex(std::string_view hex) {
    auto nibble = [](char c) -> std::uint8_t {
        if (c >= '0' && c <= '9') {
            return static_cast<std::uint8_t>(c - '0');
        }
        if (c >= 'a' && c <= 'f') {
            return static_cast<std::uint8_t>(c - 'a' + 10);
        }
        return static_cast<std::uint8_t>(c - 'A' + 10);
    };
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    }
    return out;
}

inline std::vector<std::uint8_t> Bytes(std::string_view text) {
    return std::vector<std::uint8_t>(text.begin(), text.end());
}

// CountingSource: a deterministic RandomSource that writes next, next+1, next+2, ... (mod 256).
struct CountingSource {
    std::uint8_t next = 0;
    std::size_t calls = 0;
    std::size_t bytes = 0;

    static bool Fill(void* context, std::uint8_t* buffer, std::size_t size) noexcept {
        auto* self = static_cast<CountingSource*>(context);
        ++self->calls;
        self->bytes += size;
        for (std::size_t i = 0; i < size; ++i) {
            buffer[i] = self->next++;
        }
        return true;
    }
    RandomSource Source() noexcept { return RandomSource{&Fill, this}; }
};

// ConstantSource: a RandomSource whose every byte is `value`.
struct ConstantSource {
    std::uint8_t value = 0;

    static bool Fill(void* context, std::uint8_t* buffer, std::size_t size) noexcept {
        const auto* self = static_cast<ConstantSource*>(context);
        for (std::size_t i = 0; i < size; ++i) {
            buffer[i] = self->value;
        }
        return true;
    }
    RandomSource Source() noexcept { return RandomSource{&Fill, this}; }
};

// FailingFill: a RandomSource fill that always fails (a broken CSPRNG).
inline bool FailingFill(void*, std::uint8_t* buffer, std::size_t size) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
        buffer[i] = 0xAA;  // garbage that must never be used
    }
    return false;
}

}  // namespace test
}  // namespace pg_mfa::core
