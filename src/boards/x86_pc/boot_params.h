#pragma once
// Offsets into the Linux zero page (struct boot_params) and its embedded setup header, from
// Documentation/arch/x86/boot.rst and zero-page.rst.

#include <cstdint>

namespace machina::boards::x86::bp {

inline constexpr uint64_t kSize = 4096;
inline constexpr uint64_t kAcpiRsdpAddr = 0x070;
inline constexpr uint64_t kExtRamdiskImage = 0x0c0;
inline constexpr uint64_t kExtRamdiskSize = 0x0c4;
inline constexpr uint64_t kExtCmdLinePtr = 0x0c8;
inline constexpr uint64_t kE820Entries = 0x1e8;
inline constexpr uint64_t kSetupHeader = 0x1f1; ///< first byte of the setup header
inline constexpr uint64_t kSetupSects = 0x1f1;
inline constexpr uint64_t kVidMode = 0x1fa;
inline constexpr uint64_t kBootFlag = 0x1fe;    ///< 0xAA55
inline constexpr uint64_t kJump = 0x200;        ///< byte at 0x201 gives the header length
inline constexpr uint64_t kHeaderMagic = 0x202; ///< "HdrS"
inline constexpr uint64_t kVersion = 0x206;
inline constexpr uint64_t kTypeOfLoader = 0x210;
inline constexpr uint64_t kLoadFlags = 0x211;
inline constexpr uint64_t kCode32Start = 0x214;
inline constexpr uint64_t kRamdiskImage = 0x218;
inline constexpr uint64_t kRamdiskSize = 0x21c;
inline constexpr uint64_t kHeapEndPtr = 0x224;
inline constexpr uint64_t kCmdLinePtr = 0x228;
inline constexpr uint64_t kInitrdAddrMax = 0x22c;
inline constexpr uint64_t kKernelAlignment = 0x230;
inline constexpr uint64_t kRelocatable = 0x234;
inline constexpr uint64_t kXloadflags = 0x236;
inline constexpr uint64_t kCmdlineSize = 0x238;
inline constexpr uint64_t kInitSize = 0x260;
inline constexpr uint64_t kE820Table = 0x2d0;
inline constexpr unsigned kE820Max = 128;
inline constexpr unsigned kE820EntrySize = 20;

inline constexpr uint16_t kBootFlagValue = 0xaa55;
inline constexpr uint32_t kHdrSMagic = 0x53726448; // "HdrS" little-endian
inline constexpr uint8_t kLoadedHigh = 0x01;
inline constexpr uint8_t kCanUseHeap = 0x80;
inline constexpr uint16_t kXlfKernel64 = 0x0001;
inline constexpr uint8_t kLoaderUndefined = 0xff;

} // namespace machina::boards::x86::bp
