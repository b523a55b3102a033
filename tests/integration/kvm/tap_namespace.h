#pragma once
// A tap interface for network tests, in a network namespace of the test's own so that nothing on
// the host changes (shared by the KVM and the riscv board's tap tests).

#include <functional>
#include <string>

namespace machina::test {

/// In a child process: enters a fresh network namespace and creates the persistent tap `name` with
/// address 10.0.2.2/24, up (machina then attaches to it by name). Returns "" on success,
/// "SKIP: why" when the host does not permit it, else what failed.
std::string make_test_tap(const char* name);

/// Runs `body` in a forked child after make_test_tap(name) (so the test process keeps its own
/// network namespace) and returns what the child returned: make_test_tap's "SKIP: ..." or error
/// when it failed, else body's result.
std::string run_with_test_tap(const char* name, const std::function<std::string()>& body);

} // namespace machina::test
