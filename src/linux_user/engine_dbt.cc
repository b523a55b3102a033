// -accel dbt: the dynamic binary translator (accel/dbt/runtime) behind the Engine interface.
#include "accel/dbt/runtime/translator.h"
#include "linux_user/engine.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace machina::linux_user {

dbt::TranslatorOptions user_translator_options();

namespace {

class DbtEngine final : public Engine {
  public:
    explicit DbtEngine(std::unique_ptr<dbt::Translator> translator)
        : m_translator(translator.release()) {}
    ~DbtEngine() override { delete m_translator.load(); }

    dbt::interp::Exit run(riscv::HartState& state, const dbt::interp::UserMemory& memory,
                          uint64_t budget) override {
        dbt::Translator* t = m_translator.load(std::memory_order_acquire);
        if (!t) {
            // A forked child: interpret first, since most children soon call execve and a
            // translator costs a 64 MiB code buffer to set up.
            int64_t left = m_interp_left.load(std::memory_order_relaxed);
            if (left > 0) {
                uint64_t before = state.instret;
                auto exit = dbt::interp::run_user(state, memory, std::min<uint64_t>(budget, left));
                m_interp_left.fetch_sub(int64_t(state.instret - before) + 1);
                return exit;
            }
            t = recreate();
        }
        return dbt::run_translated(state, memory, budget, *t);
    }

    uintptr_t fault_resume(uintptr_t host_pc, bool* guest_fault) const override {
        dbt::Translator* t = m_translator.load(std::memory_order_acquire);
        if (!t || !t->in_code_cache(host_pc)) return 0;
        return t->fault_resume_address(host_pc, guest_fault);
    }

    void after_longjmp() override {
        if (dbt::Translator* t = m_translator.load()) t->release_after_longjmp();
    }

    void code_changed() override {
        if (dbt::Translator* t = m_translator.load()) t->flush();
    }

    void report_stats() override {
        const char* env = std::getenv("MACHINA_DBT_STATS");
        dbt::Translator* t = m_translator.load();
        if (!t || !env || std::string_view(env) != "1") return;
        std::fputs(dbt::format_stats(t->stats()).c_str(), stderr);
    }

    // The parent's code buffer may be shared memory: never write to it from the child. The
    // old translator is leaked on purpose; the child interprets for a while and gets a new
    // translator only if it keeps running (one that calls execve soon never needs it).
    void after_fork() override {
        m_translator.store(nullptr);
        m_interp_left.store(kForkInterpInstructions);
    }

  private:
    dbt::Translator* recreate() {
        std::lock_guard lock(m_mutex);
        if (dbt::Translator* t = m_translator.load()) return t;
        auto fresh = dbt::Translator::create(user_translator_options());
        if (!fresh) {
            std::fprintf(stderr, "machina-riscv64: -accel dbt: %s\n",
                         fresh.error().message.c_str());
            std::_Exit(1);
        }
        dbt::Translator* t = fresh->release();
        m_translator.store(t, std::memory_order_release);
        return t;
    }

    /// Instructions a forked child interprets before it gets its own translator.
    static constexpr int64_t kForkInterpInstructions = 20'000'000;

    std::atomic<dbt::Translator*> m_translator;
    std::atomic<int64_t> m_interp_left{0};
    std::mutex m_mutex;
};

} // namespace

dbt::TranslatorOptions user_translator_options() {
    dbt::TranslatorOptions o;
    o.hot_visits = dbt::kUserHotVisits;
    // For measurements: MACHINA_DBT_HOT_VISITS=N (1: translate every block at its first visit).
    if (const char* env = std::getenv("MACHINA_DBT_HOT_VISITS")) {
        char* end = nullptr;
        const unsigned long n = std::strtoul(env, &end, 10);
        if (end != env && *end == 0 && n >= 1 && n <= 1'000'000) o.hot_visits = uint32_t(n);
    }
    if (const char* env = std::getenv("MACHINA_DBT_PIN")) { // for measurements: "2,10" pins sp, a0
        // A list of register numbers 1-31 ("" pins none); anything else leaves the default.
        uint32_t pins = 0;
        bool valid = true;
        for (const char* p = env; *p && valid;) {
            char* end = nullptr;
            const unsigned long q = std::strtoul(p, &end, 10);
            valid = end != p && q >= 1 && q <= 31 && (*end == 0 || (*end == ',' && end[1]));
            pins |= valid ? 1u << q : 0;
            p = *end == ',' ? end + 1 : end;
        }
        if (valid) o.pinned_regs = pins; // more than the backend can pin: -accel dbt says so
    }
    if (const char* env = std::getenv("MACHINA_DBT_BLOCK_INSNS")) {
        char* end = nullptr;
        const unsigned long n = std::strtoul(env, &end, 10);
        if (end != env && *end == 0 && n >= 1 && n <= 256) o.max_block_insns = unsigned(n);
    }
    return o;
}

Result<std::unique_ptr<Engine>> make_dbt_engine() {
    auto translator = dbt::Translator::create(user_translator_options());
    if (!translator) return std::move(translator).error().context("-accel dbt");
    return std::unique_ptr<Engine>(std::make_unique<DbtEngine>(std::move(*translator)));
}

} // namespace machina::linux_user
