// otp_bench.cpp: the core's code generation and window check against the hardware floor, one raw OpenSSL
// HMAC-SHA1 of the same size with a reused key (target: a 3-candidate window check within 4x of it).
// Run: cmake --build build/cmake --target pg_mfa_microbench && build/cmake/pg_mfa_microbench
#include "core/hmac.hpp"
#include "core/otp.hpp"

#include <benchmark/benchmark.h>

#include <openssl/evp.h>

#include <cstdint>
#include <string_view>

namespace {

constexpr std::string_view kKey = "12345678901234567890";
constexpr std::int64_t kNow = 2000000000;

// The floor: one HMAC-SHA1 of an 8-byte counter through EVP_MAC, key set once.
void BM_RawHmacReusedKey(benchmark::State& state) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA1"), 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kKey.data()), kKey.size(), params);
    unsigned char message[8] = {0, 0, 0, 0, 3, 0x7a, 0x38, 0x7d};
    unsigned char out[64];
    for (auto _ : state) {
        std::size_t written = 0;
        EVP_MAC_init(ctx, nullptr, 0, nullptr);
        EVP_MAC_update(ctx, message, sizeof message);
        EVP_MAC_final(ctx, out, &written, sizeof out);
        benchmark::DoNotOptimize(out);
        ++message[7];
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
}
BENCHMARK(BM_RawHmacReusedKey);

void BM_TotpCode(benchmark::State& state) {
    pg_mfa::core::OtpParams params;
    pg_mfa::core::OtpCode code;
    for (auto _ : state) {
        benchmark::DoNotOptimize(pg_mfa::core::TotpCode(pg_mfa::core::ByteView(kKey), kNow, params, &code));
    }
}
BENCHMARK(BM_TotpCode);

// The check a login does: window 1 (three candidates), every candidate evaluated.
void BM_TotpCheckWindow(benchmark::State& state) {
    pg_mfa::core::OtpParams params;
    pg_mfa::core::WindowMatch match;
    const int window = static_cast<int>(state.range(0));
    for (auto _ : state) {
        benchmark::DoNotOptimize(pg_mfa::core::TotpCheckWindow(pg_mfa::core::ByteView(kKey), "123456", params,
                                                               kNow, window, true, 0, &match));
    }
    state.counters["candidates"] = 2 * window + 1;
}
BENCHMARK(BM_TotpCheckWindow)->Arg(1)->Arg(10);

}  // namespace

BENCHMARK_MAIN();
