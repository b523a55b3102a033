#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "block/block_device.h"
#include "block/snapshot_overlay.h"

namespace machina::block {
namespace {

class BlockTest : public ::testing::Test {
  protected:
    void SetUp() override {
        m_path = ::testing::TempDir() + "/block_test_" + std::to_string(::getpid()) + ".img";
        make_file(m_path, 8192 + 100); // a trailing partial sector is not exposed
    }
    void TearDown() override { ::unlink(m_path.c_str()); }
    static void make_file(const std::string& path, size_t size) {
        std::vector<char> data(size);
        for (size_t i = 0; i < size; i++)
            data[i] = char(i & 0xff);
        std::ofstream(path, std::ios::binary).write(data.data(), std::streamsize(size));
    }
    std::string m_path;
};

TEST_F(BlockTest, RawReadWriteFlush) {
    auto disk = open_drive({m_path});
    ASSERT_TRUE(disk.ok()) << disk.error().message;
    EXPECT_EQ((*disk)->size(), 8192u);
    char buf[4];
    ASSERT_TRUE((*disk)->read(256, buf, 4).ok());
    EXPECT_EQ(buf[1], 1);
    ASSERT_TRUE((*disk)->write(0, "abcd", 4).ok());
    ASSERT_TRUE((*disk)->flush().ok());
    ASSERT_TRUE((*disk)->read(0, buf, 4).ok());
    EXPECT_EQ(std::string(buf, 4), "abcd");
}

TEST_F(BlockTest, RangeChecksNameTheFile) {
    auto disk = open_drive({m_path});
    ASSERT_TRUE(disk.ok());
    char buf[16];
    auto r = (*disk)->read(8190, buf, 16);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(m_path), std::string::npos);
    EXPECT_FALSE((*disk)->write(~0ull - 4, buf, 16).ok());
}

TEST_F(BlockTest, ReadOnlyRefusesWrites) {
    auto disk = open_drive({m_path, "raw", /*read_only=*/true});
    ASSERT_TRUE(disk.ok());
    EXPECT_TRUE((*disk)->read_only());
    auto r = (*disk)->write(0, "x", 1);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
}

TEST_F(BlockTest, BadImagesAreClearErrors) {
    auto missing = open_drive({"/nonexistent/disk.img"});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("/nonexistent/disk.img"), std::string::npos);
    EXPECT_FALSE(open_drive({::testing::TempDir()}).ok()) << "a directory";
    std::string tiny = m_path + ".tiny";
    make_file(tiny, 100);
    auto small = open_drive({tiny});
    ::unlink(tiny.c_str());
    ASSERT_FALSE(small.ok());
    EXPECT_NE(small.error().message.find("smaller than one sector"), std::string::npos);
    auto format = open_drive({m_path, "vmdk"});
    ASSERT_FALSE(format.ok());
    EXPECT_NE(format.error().message.find("'vmdk'"), std::string::npos);
    EXPECT_FALSE(open_drive({""}).ok());
}

TEST_F(BlockTest, SnapshotOverlayIsCopyOnWrite) {
    auto disk = open_drive({m_path, "raw", false, /*snapshot=*/true});
    ASSERT_TRUE(disk.ok());
    auto* overlay = dynamic_cast<SnapshotOverlay*>(disk->get());
    ASSERT_NE(overlay, nullptr);
    std::vector<char> data(600, 'z');
    ASSERT_TRUE((*disk)->write(4000, data.data(), data.size()).ok()); // spans two clusters
    EXPECT_EQ(overlay->dirty_clusters(), 2u);
    char buf[8];
    ASSERT_TRUE((*disk)->read(3998, buf, 8).ok());
    EXPECT_EQ(buf[0], char(3998 & 0xff)); // untouched byte from the base
    EXPECT_EQ(buf[2], 'z');
    ASSERT_TRUE((*disk)->flush().ok());
    std::ifstream in(m_path, std::ios::binary);
    in.seekg(4000);
    char c = 0;
    in.read(&c, 1);
    EXPECT_EQ(c, char(4000 & 0xff)) << "the image file is never written";
}

} // namespace
} // namespace machina::block
