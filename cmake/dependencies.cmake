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
# slirp.pc drags in glib's pkg-config files, which libslirp's own headers do not need.
find_path(SLIRP_INCLUDE_DIR slirp/libslirp.h REQUIRED)
find_library(SLIRP_LIBRARY slirp REQUIRED)
add_library(machina::slirp UNKNOWN IMPORTED)
set_target_properties(machina::slirp PROPERTIES IMPORTED_LOCATION ${SLIRP_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${SLIRP_INCLUDE_DIR})
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
