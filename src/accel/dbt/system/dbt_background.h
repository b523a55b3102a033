#pragma once
// DbtBackground: a host thread that compiles hot system-mode blocks while the harts go on
// interpreting them. Translation is about a third of a Linux boot when the hart thread does it
// inline; here it runs on another host core and the hart only pays for the hand-over.
//
// The code cache owns the thread and is its only client: the hart thread submits jobs and later
// installs the finished ones (DbtCodeCache::install_finished), so the cache's maps stay
// single-threaded. The worker touches only the job, the code buffer's write cursor (nobody else
// writes there while background translation is on) and per-thread translator state. A job whose
// guest page was dropped or whose cache was flushed meanwhile is discarded at install time.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "accel/dbt/backend/x86_64/backend.h"
#include "accel/dbt/frontend/riscv64/frontend.h"

namespace machina::dbt::system {

/// What translating one block came to.
enum class TranslateStatus {
    Ok,             ///< translated
    Untranslatable, ///< interpret that instruction (it straddles its page end, or the backend
                    ///< gave up)
    Full,           ///< the code buffer is full: flush the cache first
};

/// One block to translate: the request, then (once compiled) the result.
struct TranslationJob {
    // The request (filled on the hart thread).
    uint64_t vpc = 0;                   ///< guest virtual pc of the block
    uint64_t key = 0;                   ///< its code key (make_code_key)
    const uint8_t* code = nullptr;      ///< host address of the guest code at vpc
    const uint8_t* next_page = nullptr; ///< host address of the next guest page, or nullptr
    frontend::FpState fp = frontend::FpState::Off;
    uint64_t generation = 0;  ///< the cache's flush generation when it was asked for
    uint64_t page_serial = 0; ///< the serial of the code page record made for it

    // The result (filled by whoever compiles it).
    TranslateStatus status = TranslateStatus::Untranslatable;
    backend::CompiledBlock compiled;
    uint32_t guest_insns = 0; ///< instructions the block retires
    uint64_t end_pc = 0;      ///< guest pc after its last instruction
};

/// The background translation thread and its queues.
class DbtBackground {
  public:
    /// The compile step the thread runs for each job (fills the job's result).
    using Compile = std::function<void(TranslationJob&)>;

    /// Starts the thread.
    explicit DbtBackground(Compile compile);
    /// Stops the thread, dropping what it has not compiled yet.
    ~DbtBackground();
    DbtBackground(const DbtBackground&) = delete;
    DbtBackground& operator=(const DbtBackground&) = delete;

    /// Queues `job` for compiling.
    void submit(TranslationJob job);

    /// True when compiled jobs wait to be installed (one relaxed load: the dispatcher asks
    /// before every block).
    bool has_finished() const { return m_finished_count.load(std::memory_order_relaxed) != 0; }

    /// Moves the compiled jobs, in the order they were compiled, to the end of `out`.
    void take_finished(std::vector<TranslationJob>& out);

    /// Waits until the thread is between jobs, then drops every queued and compiled job: after
    /// it returns nothing writes to the code buffer until the next submit().
    void cancel_all();

    /// Jobs queued or being compiled (for tests and statistics).
    size_t in_flight() const;

  private:
    void loop();

    Compile m_compile;
    mutable std::mutex m_mutex;
    std::condition_variable m_work;     ///< a job was queued, or stop
    std::condition_variable m_idle;     ///< the thread finished a job
    std::deque<TranslationJob> m_queue; ///< waiting jobs, oldest first
    std::vector<TranslationJob> m_finished;
    std::atomic<size_t> m_finished_count{0};
    bool m_busy = false; ///< the thread is compiling a job taken from the queue
    bool m_stop = false;
    std::thread m_thread; ///< last: started once everything above exists
};

} // namespace machina::dbt::system
