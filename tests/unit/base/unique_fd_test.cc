#include "base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace machina {
namespace {

bool fd_is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

TEST(UniqueFd, ClosesOnDestruction) {
    int raw = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(raw, 0);
    {
        UniqueFd fd(raw);
        EXPECT_TRUE(fd.valid());
    }
    EXPECT_FALSE(fd_is_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnership) {
    UniqueFd a(::open("/dev/null", O_RDONLY));
    int raw = a.get();
    UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), raw);
    EXPECT_TRUE(fd_is_open(raw));
}

TEST(UniqueFd, ReleaseKeepsDescriptorOpen) {
    UniqueFd a(::open("/dev/null", O_RDONLY));
    int raw = a.release();
    EXPECT_FALSE(a.valid());
    EXPECT_TRUE(fd_is_open(raw));
    ::close(raw);
}

} // namespace
} // namespace machina
