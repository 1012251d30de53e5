// password_bench.cpp: the raw cost of Argon2id, the number bench/run compares mfa.authenticate_password with
// (target: within 3% of the raw hash time at the default parameters). Each benchmark takes
// (memory KiB, iterations), p = 1; wall-clock time, because the core hashes on a worker thread.
// Run: build/cmake/pg_mfa_microbench --benchmark_filter=Argon2
#include "core/password.hpp"

#include <benchmark/benchmark.h>

#include <argon2.h>
#include <sodium.h>

#include <cstdint>
#include <string_view>

namespace {

constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::uint8_t kSalt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

// libsodium's crypto_pwhash (Argon2id 1.3), the backend pg_mfa uses for p = 1.
void BM_Argon2idRawLibsodium(benchmark::State& state) {
    if (sodium_init() < 0) {
        state.SkipWithError("sodium_init failed");
        return;
    }
    const auto memory_kib = static_cast<std::size_t>(state.range(0));
    const auto iterations = static_cast<unsigned long long>(state.range(1));
    unsigned char out[32];
    for (auto _ : state) {
        if (crypto_pwhash(out, sizeof out, kPassword.data(), kPassword.size(), kSalt, iterations, memory_kib * 1024,
                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
            state.SkipWithError("crypto_pwhash failed");
            return;
        }
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_Argon2idRawLibsodium)->Args({19456, 2})->Args({8, 1})->Unit(benchmark::kMicrosecond)->UseRealTime();

// Debian's libargon2 (the reference implementation), used by pg_mfa only for p > 1.
void BM_Argon2idRawLibargon2(benchmark::State& state) {
    const auto memory_kib = static_cast<std::uint32_t>(state.range(0));
    const auto iterations = static_cast<std::uint32_t>(state.range(1));
    unsigned char out[32];
    for (auto _ : state) {
        if (argon2id_hash_raw(iterations, memory_kib, 1, kPassword.data(), kPassword.size(), kSalt, sizeof kSalt, out,
                              sizeof out) != ARGON2_OK) {
            state.SkipWithError("argon2id_hash_raw failed");
            return;
        }
        benchmark::DoNotOptimize(out);
    }
}
BENCHMARK(BM_Argon2idRawLibargon2)->Args({19456, 2})->Args({8, 1})->Unit(benchmark::kMicrosecond)->UseRealTime();

// The core's verification of a PHC string: parsing, the hash on a cancellable worker thread, comparison.
void BM_Argon2idCoreVerify(benchmark::State& state) {
    pg_mfa::core::Argon2Input input;
    input.params.memory_kib = static_cast<std::uint32_t>(state.range(0));
    input.params.iterations = static_cast<std::uint32_t>(state.range(1));
    input.password = pg_mfa::core::ByteView(kPassword);
    input.salt = pg_mfa::core::ByteView(kSalt, sizeof kSalt);
    pg_mfa::core::SecretBytes tag;
    if (pg_mfa::core::ComputeArgon2(input, pg_mfa::core::Argon2Backend::kAuto, {}, &tag) != pg_mfa::core::Status::kOk) {
        state.SkipWithError("ComputeArgon2 failed");
        return;
    }
    pg_mfa::core::PhcHash phc;
    phc.params = input.params;
    phc.salt.assign(kSalt, kSalt + sizeof kSalt);
    phc.hash.assign(tag.data(), tag.data() + tag.size());
    std::string text;
    if (pg_mfa::core::FormatPhcHash(phc, &text) != pg_mfa::core::Status::kOk) {
        state.SkipWithError("FormatPhcHash failed");
        return;
    }
    // With an abort check (never true), as in a backend: hashes above kInlineArgon2Work then run on a
    // worker thread that can be abandoned.
    const bool threaded = state.range(2) != 0;
    pg_mfa::core::AbortCheck never;
    never.should_abort = [](void*) noexcept { return false; };
    for (auto _ : state) {
        bool matches = false;
        if (pg_mfa::core::VerifyPassword(kPassword, text, threaded ? never : pg_mfa::core::AbortCheck{}, &matches) !=
                pg_mfa::core::Status::kOk ||
            !matches) {
            state.SkipWithError("VerifyPassword failed");
            return;
        }
    }
}
BENCHMARK(BM_Argon2idCoreVerify)
    ->Args({19456, 2, 0})
    ->Args({19456, 2, 1})
    ->Args({65536, 2, 0})
    ->Args({65536, 2, 1})
    ->Args({8, 1, 0})
    ->Args({8, 1, 1})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
