#pragma once
// Runs one generated program under the interpreter and under the translator and compares the
// complete architectural state.

#include <cstdint>
#include <memory>
#include <string>

#include "accel/dbt/runtime/translator.h"
#include "rv_gen.h"

namespace machina::difftest {

/// Two guest memories (one per engine) and a translator.
class DiffRunner {
  public:
    DiffRunner();
    ~DiffRunner();

    /// Generates a program from `rng`, runs both engines with `budget`, and returns an empty
    /// string when they agree or a description of the first difference. Adds the guest
    /// instructions the interpreter retired to *retired.
    std::string run_one(RandomSource& rng, uint64_t budget, const GenOptions& options,
                        uint64_t* retired);

    /// The translator under test.
    dbt::Translator& translator() { return *m_translator; }

  private:
    uint8_t* m_mem[2] = {nullptr, nullptr};
    std::unique_ptr<dbt::Translator> m_translator;
};

} // namespace machina::difftest
