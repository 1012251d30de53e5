// fuzz_code.cpp: code parsing and the TOTP window check on arbitrary codes, keys and parameters never
// crash; a code accepted by the window check is well formed and is the code of the step it reports.
#include "core/otp.hpp"

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace core = pg_mfa::core;
    if (size < 12) {
        return 0;
    }
    core::OtpParams params;
    params.digits = 5 + data[0] % 5;  // 5..9: invalid values included
    params.algorithm = static_cast<core::HashAlgorithm>(data[1] % 3);
    params.period = 1 + data[2] % 90;
    const int window = static_cast<int>(data[3] % 12) - 1;  // -1..10
    std::int64_t now = 0;
    std::memcpy(&now, data + 4, sizeof now);
    now &= 0x0000ffffffffffffLL;
    data += 12;
    size -= 12;
    const std::size_t code_size = size > 0 ? data[0] % 12 : 0;
    if (size < 1 + code_size) {
        return 0;
    }
    const std::string_view code(reinterpret_cast<const char*>(data + 1), code_size);
    const core::ByteView key(data + 1 + code_size, size - 1 - code_size);

    core::OtpCode parsed;
    const bool well_formed = core::ParseCode(code, params.digits, &parsed) == core::Status::kOk;
    core::WindowMatch match;
    if (core::TotpCheckWindow(key, code, params, now, window, false, 0, &match) != core::Status::kOk ||
        !match.matched) {
        return 0;
    }
    core::OtpCode expected;
    if (!well_formed || core::HotpCode(key, match.step, params, &expected) != core::Status::kOk ||
        expected.view() != code) {
        std::abort();
    }
    return 0;
}
