// keyring.cpp: parsing the key file.
#include "core/keyring.hpp"

#include "core/encoding.hpp"

#include <cstring>
#include <new>

namespace pg_mfa::core {
namespace {

bool IsBlank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view Trim(std::string_view text) noexcept {
    while (!text.empty() && IsBlank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && IsBlank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// ParseLine reads one `key_id:base64` line into `*key`.
Status ParseLine(std::string_view line, SecretKey* key) noexcept {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        return Status::kKeyFileSyntax;
    }
    const std::string_view id = Trim(line.substr(0, colon));
    if (!ValidKeyId(id)) {
        return Status::kKeyFileBadKeyId;
    }
    SecretBytes bytes;
    const Status status = Base64DecodePadded(Trim(line.substr(colon + 1)), &bytes);
    if (status == Status::kOutOfMemory) {
        return status;
    }
    if (status != Status::kOk || bytes.size() != kAeadKeyBytes) {
        return Status::kKeyFileBadKey;
    }
    try {
        key->id.assign(id.data(), id.size());
    } catch (const std::bad_alloc&) {
        return Status::kOutOfMemory;
    }
    std::memcpy(key->bytes.data(), bytes.data(), kAeadKeyBytes);
    return Status::kOk;
}

}  // namespace

const SecretKey* KeyRing::Find(std::string_view id) const noexcept {
    for (const SecretKey& key : keys_) {
        if (key.id == id) {
            return &key;
        }
    }
    return nullptr;
}

const SecretKey* KeyRing::Newest() const noexcept {
    return keys_.empty() ? nullptr : &keys_.back();
}

bool ValidKeyId(std::string_view id) noexcept {
    if (id.empty() || id.size() > kMaxKeyIdBytes) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Status ParseKeyFile(std::string_view text, KeyRing* out, std::size_t* line) noexcept {
    out->keys_.clear();
    *line = 0;
    std::size_t number = 0;
    while (!text.empty()) {
        ++number;
        const std::size_t end = text.find('\n');
        const std::string_view raw = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        const std::string_view current = Trim(raw);
        if (current.empty() || current.front() == '#') {
            continue;
        }
        Status status = Status::kOk;
        try {
            out->keys_.emplace_back();
        } catch (const std::bad_alloc&) {
            status = Status::kOutOfMemory;
        }
        if (status == Status::kOk) {
            status = ParseLine(current, &out->keys_.back());
        }
        if (status == Status::kOk) {
            for (std::size_t i = 0; i + 1 < out->keys_.size(); ++i) {
                if (out->keys_[i].id == out->keys_.back().id) {
                    status = Status::kKeyFileDuplicateKeyId;
                }
            }
        }
        if (status != Status::kOk) {
            out->keys_.clear();
            *line = number;
            return status;
        }
    }
    if (out->keys_.empty()) {
        return Status::kKeyFileNoKeys;
    }
    return Status::kOk;
}

}  // namespace pg_mfa::core
