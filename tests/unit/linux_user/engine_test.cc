#include "linux_user/engine.h"

#include <gtest/gtest.h>

namespace machina::linux_user {
namespace {

TEST(Engine, InterpreterIsAlwaysAvailable) {
    auto e = make_engine("interp");
    ASSERT_TRUE(e.ok()) << e.error().message;
    bool guest_fault = true;
    EXPECT_EQ((*e)->fault_resume(0x1234, &guest_fault), 0u); // no generated code
}

TEST(Engine, UnknownAccelIsAnError) {
    auto e = make_engine("kvm");
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message.find("kvm"), std::string::npos);
}

TEST(Engine, TranslatorWhenBuiltIn) {
    auto e = make_engine("dbt");
    if (!e.ok()) {
        EXPECT_NE(e.error().message.find("not built into"), std::string::npos) << e.error().message;
        GTEST_SKIP() << "built without the translator";
    }
    bool guest_fault = true;
    EXPECT_EQ((*e)->fault_resume(0x1234, &guest_fault), 0u); // not inside its code cache
}

} // namespace
} // namespace machina::linux_user
