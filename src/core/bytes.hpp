// bytes.hpp: byte views, buffers that wipe themselves, constant-time comparison.
#pragma once

#include "core/core.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {

// ByteView: a non-owning view of bytes (std::span is C++20).
struct ByteView {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;

    constexpr ByteView() noexcept = default;
    constexpr ByteView(const std::uint8_t* d, std::size_t n) noexcept : data(d), size(n) {}
    ByteView(std::string_view s) noexcept  // NOLINT(google-explicit-constructor): text is bytes
        : data(reinterpret_cast<const std::uint8_t*>(s.data())), size(s.size()) {}
    template <class Alloc>
    ByteView(const std::vector<std::uint8_t, Alloc>& v) noexcept  // NOLINT(google-explicit-constructor)
        : data(v.data()), size(v.size()) {}
};

// SecureWipe overwrites `size` bytes at `data` with zeros in a way the compiler may not elide.
void SecureWipe(void* data, std::size_t size) noexcept;

// ConstantTimeEqual returns whether a and b hold the same bytes. The time taken depends on the lengths
// (which are not secret) but not on the contents. Different lengths compare unequal.
[[nodiscard]] bool ConstantTimeEqual(ByteView a, ByteView b) noexcept;

// WipingAllocator: an allocator that wipes every block before freeing it, so a buffer that held a secret
// leaves nothing behind in the heap, including the old blocks a growing vector abandons.
template <class T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() noexcept = default;
    template <class U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        SecureWipe(p, n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const WipingAllocator<U>&) const noexcept { return true; }
    template <class U>
    bool operator!=(const WipingAllocator<U>&) const noexcept { return false; }
};

// SecretBytes: key material. Wiped when freed.
using SecretBytes = std::vector<std::uint8_t, WipingAllocator<std::uint8_t>>;

// SecretString: text that is a secret (a password copy, a base32 key, a code). Heap blocks are wiped by
// the allocator; the destructor also wipes the in-object small-string buffer, which no allocator sees.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string_view s) : s_(s.data(), s.size()) {}
    SecretString(const SecretString&) = default;
    SecretString& operator=(const SecretString&) = default;
    ~SecretString() { SecureWipe(&s_[0], s_.capacity()); }

    using String = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;
    String& str() noexcept { return s_; }
    const String& str() const noexcept { return s_; }
    std::string_view view() const noexcept { return {s_.data(), s_.size()}; }

private:
    String s_;
};

}  // namespace pg_mfa::core
