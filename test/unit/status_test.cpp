// status_test.cpp: StatusName gives every Status a distinct, stable name.
#include "core/status.hpp"

#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

namespace pg_mfa::core {
namespace {

constexpr int kLastStatus = static_cast<int>(Status::kInternal);

TEST(StatusNameTest, EveryEnumeratorHasADistinctName) {
    std::set<std::string> names;
    for (int i = 0; i <= kLastStatus; ++i) {
        const char* name = StatusName(static_cast<Status>(i));
        ASSERT_NE(name, nullptr) << "status " << i;
        EXPECT_GT(std::strlen(name), 0u) << "status " << i;
        EXPECT_STRNE(name, "unknown") << "status " << i;
        EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name << " for status " << i;
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(kLastStatus + 1));
}

TEST(StatusNameTest, NamesAreLowerSnakeCase) {
    for (int i = 0; i <= kLastStatus; ++i) {
        const std::string name = StatusName(static_cast<Status>(i));
        for (char c : name) {
            EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
                << "status " << i << " has name " << name;
        }
    }
}

TEST(StatusNameTest, KnownNames) {
    EXPECT_STREQ(StatusName(Status::kOk), "ok");
    EXPECT_STREQ(StatusName(Status::kBase32BadCharacter), "base32_bad_character");
}

TEST(StatusNameTest, OutOfRangeValueIsUnknown) {
    EXPECT_STREQ(StatusName(static_cast<Status>(kLastStatus + 1)), "unknown");
    EXPECT_STREQ(StatusName(static_cast<Status>(-1)), "unknown");
    EXPECT_STREQ(StatusName(static_cast<Status>(1000)), "unknown");
}

}  // namespace
}  // namespace pg_mfa::core
