# Third-party libraries, all from Debian packages (scripts/install-deps.sh installs them).
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBFDT IMPORTED_TARGET libfdt)
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
