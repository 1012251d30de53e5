// aead_test.cpp: AES-256-GCM against NIST CAVP known answers, and sealed TOTP secrets.
//
// The vectors are data from NIST's Cryptographic Algorithm Validation Program, GCM test vectors (GCMVS,
// CAVS 14.0): gcmEncryptExtIV256.rsp and gcmDecrypt256.rsp, the sections with Keylen = 256, IVlen = 96 and
// Taglen = 128 (the parameters pg_mfa uses), first cases of each PTlen / AADlen section, and the FAIL cases
// (a tag that does not verify) of gcmDecrypt256.rsp.
#include "core/aead.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pg_mfa::core {
namespace {

using test::FromHex;
using test::Hex;

struct GcmVector {
    const char* section;  // PTlen / AADlen of the .rsp section, and the case's Count
    std::string_view key;
    std::string_view iv;
    std::string_view pt;
    std::string_view aad;
    std::string_view ct;
    std::string_view tag;
};

// gcmEncryptExtIV256.rsp
const GcmVector kEncrypt[] = {
    {"PTlen=0 AADlen=0 Count=0", "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
     "516c33929df5a3284ff463d7", "", "", "", "bdc1ac884d332457a1d2664f168c76f0"},
    {"PTlen=128 AADlen=0 Count=0", "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
     "0d18e06c7c725ac9e362e1ce", "2db5168e932556f8089a0622981d017d", "", "fa4362189661d163fcd6a56d8bf0405a",
     "d636ac1bbedd5cc3ee727dc2ab4a9489"},
    {"PTlen=104 AADlen=0 Count=3", "e5a0eb92cc2b064e1bc80891faf1fab5e9a17a9c3a984e25416720e30e6c2b21",
     "4742357c335913153ff0eb0f", "8499893e16b0ba8b007d54665a", "", "eb8e6175f1fe38eb1acf95fd51",
     "88a8b74bb74fda553e91020a23deed45"},
    {"PTlen=256 AADlen=0 Count=6", "37f39137416bafde6f75022a7a527cc593b6000a83ff51ec04871a0ff5360e4e",
     "a291484c3de8bec6b47f525f", "fafd94cede8b5a0730394bec68a8e77dba288d6ccaa8e1563a81d6e7ccc7fc97", "",
     "44dc868006b21d49284016565ffb3979cc4271d967628bf7cdaf86db888e92e5", "01a2b578aa2f41ec6379a44a31cc019c"},
    {"PTlen=128 AADlen=128 Count=0", "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
     "ac93a1a6145299bde902f21a", "2d71bcfa914e4ac045b2aa60955fad24", "1e0889016f67601c8ebea4943bc23ad6",
     "8995ae2e6df3dbf96fac7b7137bae67f", "eca5aa77d51d4a0a14d9c51e1da474ab"},
    {"PTlen=256 AADlen=384 Count=0", "dc776f0156c15d032623854b625c61868e5db84b7b6f9fbd3672f12f0025e0f6",
     "67130951c4a57f6ae7f13241", "9378a727a5119595ad631b12a5a6bc8a91756ef09c8d6eaa2b718fe86876da20",
     "fd0920faeb7b212932280a009bac969145e5c316cf3922622c3705c3457c4e9f124b2076994323fbcfb523f8ed16d241",
     "6d958c20870d401a3c1f7a0ac092c97774d451c09f7aae992a8841ff0ab9d60d", "b876831b4ecd7242963b040aa45c4114"},
    {"PTlen=408 AADlen=0 Count=0", "1fded32d5999de4a76e0f8082108823aef60417e1896cf4218a2fa90f632ec8a",
     "1f3afa4711e9474f32e70462",
     "06b2c75853df9aeb17befd33cea81c630b0fc53667ff45199c629c8e15dce41e530aa792f796b8138eeab2e86c7b7bee1d40b0", "",
     "91fbd061ddc5a7fcc9513fcdfdc9c3a7c5d4d64cedf6a9c24ab8a77c36eefbf1c5dc00bc50121b96456c8cd8b6ff1f8b3e480f",
     "30096d340f3d5c42d82a6f475def23eb"},
    {"PTlen=408 AADlen=160 Count=0", "24501ad384e473963d476edcfe08205237acfd49b5b8f33857f8114e863fec7f",
     "9ff18563b978ec281b3f2794",
     "27f348f9cdc0c5bd5e66b1ccb63ad920ff2219d14e8d631b3872265cf117ee86757accb158bd9abb3868fdc0d0b074b5f01b2c",
     "adb5ec720ccf9898500028bf34afccbcaca126ef",
     "eb7cb754c824e8d96f7c6d9b76c7d26fb874ffbf1d65c6f64a698d839b0b06145dae82057ad55994cf59ad7f67c0fa5e85fab8",
     "bc95c532fecc594c36d1550286a7a3f0"},
};

// gcmDecrypt256.rsp, cases that decrypt.
const GcmVector kDecrypt[] = {
    {"PTlen=0 AADlen=0 Count=0", "f5a2b27c74355872eb3ef6c5feafaa740e6ae990d9d48c3bd9bb8235e589f010",
     "58d2240f580a31c1d24948e9", "", "", "", "15e051a5e4a5f5da6cea92e2ebee5bac"},
    {"PTlen=128 AADlen=0 Count=0", "4c8ebfe1444ec1b2d503c6986659af2c94fafe945f72c1e8486a5acfedb8a0f8",
     "473360e0ad24889959858995", "7789b41cb3ee548814ca0b388c10b343", "", "d2c78110ac7e8f107c0df0570bd7c90c",
     "c26a379b6d98ef2852ead8ce83a833a7"},
    {"PTlen=128 AADlen=128 Count=0", "54e352ea1d84bfe64a1011096111fbe7668ad2203d902a01458c3bbd85bfce14",
     "df7c3bca00396d0c018495d9", "85fc3dfad9b5a8d3258e4fc44571bd3b", "7e968d71b50c1f11fd001f3fef49d045",
     "426e0efc693b7be1f3018db7ddbb7e4d", "ee8257795be6a1164d7e1d2d6cac77a7"},
    {"PTlen=256 AADlen=384 Count=0", "42f6c25159b8655380f052dd5dad180e76813b60eb813665c5015f26cf32e8f1",
     "7248a5ed48f4f1b4a9db3826", "9a329cb45b0093e9c00615137dd7dbd1f8b525999af3bfc222315f41817717a7",
     "8e3c74f127dbfe29ac4de0a7c3240ee8aa8d38a82f38ad6b480236c8cd4232057a5502e936bfe22225830fa195a8afce",
     "26325c3463813a7d59d184a330ef80959637fa6db4f5db3062d3d2ec7e32d82a", "4f39c63d4f215d5b39a58853d3842175"},
    {"PTlen=408 AADlen=0 Count=0", "4433db5fe066960bdd4e1d4d418b641c14bfcef9d574e29dcd0995352850f1eb",
     "0e396446655582838f27f72f",
     "d602c06b947abe06cf6aa2c5c1562e29062ad6220da9bc9c25d66a60bd85a80d4fbcc1fb4919b6566be35af9819aba836b8b47", "",
     "b0d254abe43bdb563ead669192c1e57e9a85c51dba0f1c8501d1ce92273f1ce7e140dcfac94757fabb128caad16912cead0607",
     "ffd0b02c92dbfcfbe9d58f7ff9e6f506"},
    {"PTlen=408 AADlen=160 Count=2", "6450d4501b1e6cfbe172c4c8570363e96b496591b842661c28c2f6c908379cad",
     "7e4262035e0bf3d60e91668a",
     "17449e236ef5858f6d891412495ead4607bfae2a2d735182a2a0242f9d52fc5345ef912dbe16f3bb4576fe3bcafe336dee6085",
     "f1c522f026e4c5d43851da516a1b78768ab18171",
     "5a99b336fd3cfd82f10fb08f7045012415f0d9a06bb92dcf59c6f0dbe62d433671aacb8a1c52ce7bbf6aea372bf51e2ba79406",
     "fe93b01636f7bb0458041f213e98de65"},
};

// gcmDecrypt256.rsp, FAIL cases: the tag does not verify, there is no plaintext.
const GcmVector kDecryptFail[] = {
    {"PTlen=0 AADlen=0 Count=1", "e5a8123f2e2e007d4e379ba114a2fb66e6613f57c72d4e4f024964053028a831",
     "51e43385bf533e168427e1ad", "", "", "", "38fe845c66e66bdd884c2aecafd280e6"},
    {"PTlen=128 AADlen=0 Count=2", "c997768e2d14e3d38259667a6649079de77beb4543589771e5068e6cd7cd0b14",
     "835090aed9552dbdd45277e2", "", "", "9f6607d68e22ccf21928db0986be126e", "f32617f67c574fd9f44ef76ff880ab9f"},
    {"PTlen=128 AADlen=128 Count=2", "9a0343f850a6427120f764789ffec6d237447b898fbf51d2182f065d3861497d",
     "3deef6f453dd70d92143adcd", "", "dbb8226a624520863db6897017b2a4f8", "e93165935ac18e3a2845d15fe31a9286",
     "f5fc50d18766bc3d9e16dd136d45816b"},
    {"PTlen=256 AADlen=384 Count=2", "fff8747f38466904e99409f9dd8ed202f0e1a3e9e4768fe7f3a0b39c523bbbef",
     "bd4ea7d286dfc0948145e37d", "",
     "d95546e9a05a8363f848419ce4d96f148a2d722f2bc15e5b6599b7eef1fb8ac52b3a2cf97cd6fecc67fa0bde6367b575",
     "e8b7aed2ece9207ec158dc6d9b6fbf941197964820a9b0e5d8d30969c89b3e77", "2379d116e1152171fbc184bc8b760845"},
    {"PTlen=408 AADlen=0 Count=1", "28ae911ee685872d906de12d7696351df8ef2234a74a95efa4ea15b327338fe0",
     "2fe6a815d4865181fade5fac", "", "",
     "1168442ef64656ef6577fb42c1919c84aae856388e4db9945bb8c9b8412bbe6458bc400444d5d2bf2630f83468f66f9e46e790",
     "b75f616fd1a3d6563b62b899e5a7e522"},
    {"PTlen=408 AADlen=160 Count=0", "e9d381a9c413bee66175d5586a189836e5c20f5583535ab4d3f3e612dc21700e",
     "23e81571da1c7821c681c7ca", "", "6f39c9ae7b8e8a58a95f0dd8ea6a9087cbccdfd6",
     "a25f3f580306cd5065d22a6b7e9660110af7204bb77d370f7f34bee547feeff7b32a596fce29c9040e68b1589aad48da881990",
     "5b6dcd70eefb0892fab1539298b92a4b"},
};

// Decrypt: the plaintext of a vector, or the status of the failure.
Status Decrypt(const GcmVector& v, std::vector<std::uint8_t>* plaintext) {
    const std::vector<std::uint8_t> key = FromHex(v.key), iv = FromHex(v.iv), aad = FromHex(v.aad),
                                    ct = FromHex(v.ct), tag = FromHex(v.tag);
    plaintext->assign(ct.size(), 0xAA);
    return AesGcmDecrypt(ByteView(key), ByteView(iv), ByteView(aad), ByteView(ct), ByteView(tag), plaintext->data());
}

TEST(AesGcmTest, NistEncryptVectors) {
    for (const GcmVector& v : kEncrypt) {
        const std::vector<std::uint8_t> key = FromHex(v.key), iv = FromHex(v.iv), pt = FromHex(v.pt),
                                        aad = FromHex(v.aad);
        std::vector<std::uint8_t> ct(pt.size());
        std::uint8_t tag[kAeadTagBytes];
        ASSERT_EQ(AesGcmEncrypt(ByteView(key), ByteView(iv), ByteView(aad), ByteView(pt), ct.data(), tag), Status::kOk)
            << v.section;
        EXPECT_EQ(Hex(ct), v.ct) << v.section;
        EXPECT_EQ(Hex(tag, sizeof tag), v.tag) << v.section;
    }
}

TEST(AesGcmTest, NistDecryptVectors) {
    for (const GcmVector& v : kDecrypt) {
        std::vector<std::uint8_t> pt;
        ASSERT_EQ(Decrypt(v, &pt), Status::kOk) << v.section;
        EXPECT_EQ(Hex(pt), v.pt) << v.section;
    }
}

TEST(AesGcmTest, NistDecryptFailVectorsAreRefusedAndLeaveNoPlaintext) {
    for (const GcmVector& v : kDecryptFail) {
        std::vector<std::uint8_t> pt;
        EXPECT_EQ(Decrypt(v, &pt), Status::kSealedAuthFailed) << v.section;
        EXPECT_EQ(pt, std::vector<std::uint8_t>(pt.size(), 0)) << v.section << ": the output is wiped";
    }
}

TEST(AesGcmTest, EncryptVectorsDecryptBackAndAnyFlippedBitIsRefused) {
    for (const GcmVector& v : kEncrypt) {
        std::vector<std::uint8_t> pt;
        ASSERT_EQ(Decrypt(v, &pt), Status::kOk) << v.section;
        EXPECT_EQ(Hex(pt), v.pt) << v.section;
        // One bit of the tag, the IV, the ciphertext or the associated data changed: refused.
        for (int field = 0; field < 4; ++field) {
            GcmVector changed = v;
            std::string hex(field == 0 ? v.tag : field == 1 ? v.iv : field == 2 ? v.ct : v.aad);
            if (hex.empty()) {
                continue;
            }
            hex[0] = hex[0] == '0' ? '1' : '0';
            (field == 0 ? changed.tag : field == 1 ? changed.iv : field == 2 ? changed.ct : changed.aad) = hex;
            EXPECT_EQ(Decrypt(changed, &pt), Status::kSealedAuthFailed) << v.section << " field " << field;
        }
    }
}

TEST(AesGcmTest, RefusesKeysNoncesAndTagsOfOtherSizes) {
    const std::vector<std::uint8_t> key(32, 1), short_key(16, 1), nonce(12, 2), long_nonce(16, 2), pt(20, 3);
    std::uint8_t ct[20];
    std::uint8_t tag[kAeadTagBytes];
    EXPECT_EQ(AesGcmEncrypt(ByteView(short_key), ByteView(nonce), ByteView(), ByteView(pt), ct, tag),
              Status::kCryptoFailure);
    EXPECT_EQ(AesGcmEncrypt(ByteView(key), ByteView(long_nonce), ByteView(), ByteView(pt), ct, tag),
              Status::kCryptoFailure);
    ASSERT_EQ(AesGcmEncrypt(ByteView(key), ByteView(nonce), ByteView(), ByteView(pt), ct, tag), Status::kOk);
    std::uint8_t out[20];
    EXPECT_EQ(AesGcmDecrypt(ByteView(key), ByteView(nonce), ByteView(), ByteView(ct, sizeof ct), ByteView(tag, 12), out),
              Status::kCryptoFailure);
}

// ---------------------------------------------------------------- sealed TOTP secrets

const std::vector<std::uint8_t> kKey = FromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const std::vector<std::uint8_t> kOtherKey = FromHex("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100");

TEST(TotpSecretAadTest, LabelThenCredentialThenUserBigEndian) {
    const TotpAad aad = TotpSecretAad(0x0102030405060708, 42);
    EXPECT_EQ(Hex(aad), Hex(test::Bytes("pg_mfa totp v1")) + "0102030405060708" + "000000000000002a");
    EXPECT_NE(Hex(TotpSecretAad(1, 2)), Hex(TotpSecretAad(2, 1)));
}

TEST(SealSecretTest, RoundTripWithTheSameRow) {
    const std::vector<std::uint8_t> secret = test::Bytes(test::kSeedSha1);
    const TotpAad aad = TotpSecretAad(7, 3);
    std::vector<std::uint8_t> sealed;
    ASSERT_EQ(SealSecret(OpenSslRandom(), ByteView(kKey), ByteView(aad.data(), aad.size()), ByteView(secret), &sealed),
              Status::kOk);
    ASSERT_EQ(sealed.size(), secret.size() + kSealedOverhead);
    EXPECT_EQ(Hex(sealed).find(Hex(secret)), std::string::npos) << "the secret is not in the sealed value";
    SecretBytes opened;
    ASSERT_EQ(OpenSecret(ByteView(kKey), ByteView(aad.data(), aad.size()), ByteView(sealed), &opened), Status::kOk);
    EXPECT_EQ(Hex(opened), Hex(secret));
}

TEST(SealSecretTest, NonceComesFromTheRandomSourceAndDiffersEachTime) {
    const std::vector<std::uint8_t> secret(20, 0x55);
    const TotpAad aad = TotpSecretAad(1, 1);
    test::CountingSource counting;
    std::vector<std::uint8_t> a, b;
    ASSERT_EQ(SealSecret(counting.Source(), ByteView(kKey), ByteView(aad.data(), aad.size()), ByteView(secret), &a),
              Status::kOk);
    EXPECT_EQ(Hex(a.data(), kAeadNonceBytes), "000102030405060708090a0b");
    ASSERT_EQ(SealSecret(OpenSslRandom(), ByteView(kKey), ByteView(aad.data(), aad.size()), ByteView(secret), &b),
              Status::kOk);
    EXPECT_NE(Hex(a), Hex(b));
}

TEST(SealSecretTest, AnotherRowOrKeyDoesNotOpen) {
    const std::vector<std::uint8_t> secret(20, 0x55);
    const TotpAad aad = TotpSecretAad(7, 3);
    std::vector<std::uint8_t> sealed;
    ASSERT_EQ(SealSecret(OpenSslRandom(), ByteView(kKey), ByteView(aad.data(), aad.size()), ByteView(secret), &sealed),
              Status::kOk);
    SecretBytes opened;
    for (const TotpAad& other : {TotpSecretAad(8, 3), TotpSecretAad(7, 4), TotpSecretAad(3, 7)}) {
        EXPECT_EQ(OpenSecret(ByteView(kKey), ByteView(other.data(), other.size()), ByteView(sealed), &opened),
                  Status::kSealedAuthFailed);
        EXPECT_TRUE(opened.empty());
    }
    EXPECT_EQ(OpenSecret(ByteView(kOtherKey), ByteView(aad.data(), aad.size()), ByteView(sealed), &opened),
              Status::kSealedAuthFailed);
}

TEST(SealSecretTest, MalformedValuesAndFailures) {
    const TotpAad aad = TotpSecretAad(1, 1);
    const ByteView aad_view(aad.data(), aad.size());
    SecretBytes opened;
    const std::vector<std::uint8_t> too_short(kSealedOverhead, 0), too_long(kSealedOverhead + kMaxSecretBytes + 1, 0);
    EXPECT_EQ(OpenSecret(ByteView(kKey), aad_view, ByteView(too_short), &opened), Status::kSealedMalformed);
    EXPECT_EQ(OpenSecret(ByteView(kKey), aad_view, ByteView(too_long), &opened), Status::kSealedMalformed);
    std::vector<std::uint8_t> sealed{1, 2, 3};
    EXPECT_EQ(SealSecret(OpenSslRandom(), ByteView(kKey), aad_view, ByteView(), &sealed), Status::kSecretEmpty);
    EXPECT_TRUE(sealed.empty());
    const std::vector<std::uint8_t> huge(kMaxSecretBytes + 1, 1), secret(20, 1);
    EXPECT_EQ(SealSecret(OpenSslRandom(), ByteView(kKey), aad_view, ByteView(huge), &sealed), Status::kSecretTooLong);
    const RandomSource broken{&test::FailingFill, nullptr};
    EXPECT_EQ(SealSecret(broken, ByteView(kKey), aad_view, ByteView(secret), &sealed), Status::kRandomFailure);
    EXPECT_TRUE(sealed.empty());
}

}  // namespace
}  // namespace pg_mfa::core
