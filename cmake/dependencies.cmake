# Third-party libraries, all from Debian packages (scripts/install-deps.sh installs them).
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
# libfdt ships no pkg-config file on Debian 12: find it by hand.
find_path(LIBFDT_INCLUDE_DIR libfdt.h REQUIRED)
find_library(LIBFDT_LIBRARY fdt REQUIRED)
add_library(machina::fdt UNKNOWN IMPORTED)
set_target_properties(machina::fdt PROPERTIES IMPORTED_LOCATION ${LIBFDT_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${LIBFDT_INCLUDE_DIR})
pkg_check_modules(SLIRP IMPORTED_TARGET slirp)
pkg_check_modules(URING IMPORTED_TARGET liburing)
find_path(XBYAK_INCLUDE_DIR xbyak/xbyak.h)
find_package(nlohmann_json 3 QUIET)
if(MACHINA_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(benchmark QUIET)
endif()

# Cross toolchain for RISC-V guest test programs; tests that need it skip when it is absent.
find_program(RISCV64_LINUX_GCC riscv64-linux-gnu-gcc)
find_program(RISCV64_LINUX_GXX riscv64-linux-gnu-g++)
