# Debian packages, split the way Debian splits QEMU:
#   machina-common        docs and shared data (architecture: all)
#   machina-user          machina-riscv64 (Linux user-mode emulation)
#   machina-system-riscv  machina-system-riscv64
#   machina-system-x86    machina-system-x86_64
#   machina               meta-package depending on all of the above
# `cmake --build build/release --target package` (or ./build.sh package) writes the .debs;
# tests/packaging checks that every file lands in its package.

set(MACHINA_PACKAGE_BINARIES
  "machina-user:machina-riscv64"
  "machina-system-riscv:machina-system-riscv64"
  "machina-system-x86:machina-system-x86_64"
)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PACKAGE_NAME machina)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "machina")
set(CPACK_PACKAGE_CONTACT "machina developers <machina-devel@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "machine emulator and virtualizer")
set(CPACK_DEBIAN_PACKAGE_SECTION otherosfs)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/machina")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)

set(machina_dep_version "${PROJECT_VERSION}")
set(components machina-common)
set(meta_depends "machina-common (= ${machina_dep_version})")
set(MACHINA_PACKAGE_MANIFEST "")

# Shared files: always packaged.
set(CPACK_DEBIAN_MACHINA-COMMON_PACKAGE_NAME machina-common)
set(CPACK_DEBIAN_MACHINA-COMMON_PACKAGE_ARCHITECTURE all)
set(CPACK_COMPONENT_MACHINA-COMMON_DESCRIPTION
  "machina machine emulator (common files)\n Documentation and data shared by every machina package.")

foreach(entry IN LISTS MACHINA_PACKAGE_BINARIES)
  string(REPLACE ":" ";" pair "${entry}")
  list(GET pair 0 component)
  list(GET pair 1 binary)
  string(TOUPPER "${component}" COMP)
  if(TARGET ${binary})
    list(APPEND components ${component})
    string(APPEND meta_depends ", ${component} (= ${machina_dep_version})")
    set(CPACK_DEBIAN_${COMP}_PACKAGE_NAME ${component})
    set(CPACK_DEBIAN_${COMP}_PACKAGE_DEPENDS "machina-common (= ${machina_dep_version})")
    set(CPACK_COMPONENT_${COMP}_DESCRIPTION "machina machine emulator (${binary})\n Provides ${binary}.")
    string(APPEND MACHINA_PACKAGE_MANIFEST "${component} usr/bin/${binary}\n")
    if(EXISTS ${PROJECT_SOURCE_DIR}/docs/man/${binary}.1)
      string(APPEND MACHINA_PACKAGE_MANIFEST "${component} usr/share/man/man1/${binary}.1.gz\n")
    endif()
  else()
    message(STATUS "packaging: ${binary} is not built yet, so ${component} is not packaged")
  endif()
endforeach()

# libslirp is dlopen'ed for -netdev user (src/net/slirp/slirp_library.h), so dpkg-shlibdeps does
# not see it: the system emulators recommend it.
set(CPACK_DEBIAN_MACHINA-SYSTEM-X86_PACKAGE_RECOMMENDS "libslirp0")
set(CPACK_DEBIAN_MACHINA-SYSTEM-RISCV_PACKAGE_RECOMMENDS "libslirp0")

# The meta-package owns only its doc folder and pulls in every target package.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/machina-meta.txt
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/machina RENAME README COMPONENT machina)
list(APPEND components machina)
set(CPACK_DEBIAN_MACHINA_PACKAGE_NAME machina)
set(CPACK_DEBIAN_MACHINA_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_MACHINA_PACKAGE_DEPENDS "${meta_depends}")
set(CPACK_COMPONENT_MACHINA_DESCRIPTION
  "machina machine emulator (meta-package)\n Installs every machina emulator and virtualizer.")
string(APPEND MACHINA_PACKAGE_MANIFEST "machina usr/share/doc/machina/README\n")
string(APPEND MACHINA_PACKAGE_MANIFEST "machina-common usr/share/doc/machina-common/README.md\n")

set(CPACK_COMPONENTS_ALL ${components})
file(WRITE ${PROJECT_BINARY_DIR}/packaging/manifest.txt "${MACHINA_PACKAGE_MANIFEST}")
file(WRITE ${PROJECT_BINARY_DIR}/packaging/meta-depends.txt "${meta_depends}\n")
include(CPack)
