#pragma once
// VirtMachineTest: the fixture of the virt machine tests: a configuration with a fake kernel
// Image in a temporary folder, 2 harts, 64 MiB and no serial port, machines built on FakeCpus,
// and MMIO read/write helpers that expect the access to succeed.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "boards/riscv_virt/virt_machine.h"
#include "fake_cpus.h"

namespace machina::boards::riscv_virt {

using test::FakeCpuFactory;

/// Builds virt machines from `config` on `cpus`, with files in the temporary folder `dir`.
class VirtMachineTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir = ::testing::TempDir() + "/virt_machine_" + std::to_string(::getpid());
        ::mkdir(dir.c_str(), 0700);
        std::vector<uint8_t> image(8192, 0x13); // a Linux Image header on a page of code
        std::memcpy(image.data() + 48, "RISCV\0\0\0", 8);
        std::memcpy(image.data() + 56, "RSC\x05", 4);
        config.boot.kernel = write_file("Image", image);
        config.boot.harts = 2;
        config.boot.ram_size = 64ull << 20;
        config.serial.kind = hw::SerialBackendSpec::Kind::None;
    }
    std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
        std::string path = dir + "/" + name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        return path;
    }
    std::unique_ptr<VirtMachine> build() {
        auto m = VirtMachine::create(config, cpus.factory(), nullptr);
        EXPECT_TRUE(m.ok()) << m.error().message;
        return m.ok() ? std::move(*m) : nullptr;
    }
    uint64_t read(VirtMachine& m, uint64_t addr, unsigned size = 4) {
        uint64_t v = 0;
        EXPECT_EQ(m.mmio().read(addr, size, &v), core::AccessStatus::Ok) << std::hex << addr;
        return v;
    }
    void write(VirtMachine& m, uint64_t addr, uint64_t value, unsigned size = 4) {
        EXPECT_EQ(m.mmio().write(addr, size, value), core::AccessStatus::Ok) << std::hex << addr;
    }

    std::string dir;
    VirtMachineConfig config;
    FakeCpuFactory cpus;
};

} // namespace machina::boards::riscv_virt
