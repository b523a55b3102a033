#include "accel/dbt/system/dbt_background.h"

#include <pthread.h>

#include <utility>

namespace machina::dbt::system {

DbtBackground::DbtBackground(Compile compile)
    : m_compile(std::move(compile)), m_thread([this] { loop(); }) {
    pthread_setname_np(m_thread.native_handle(), "machina-jit");
}

DbtBackground::~DbtBackground() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_queue.clear();
    }
    m_work.notify_all();
    m_thread.join();
}

void DbtBackground::submit(TranslationJob job) {
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(job));
    }
    m_work.notify_one();
}

void DbtBackground::take_finished(std::vector<TranslationJob>& out) {
    std::lock_guard lock(m_mutex);
    for (TranslationJob& job : m_finished)
        out.push_back(std::move(job));
    m_finished.clear();
    m_finished_count.store(0, std::memory_order_relaxed);
}

void DbtBackground::cancel_all() {
    std::unique_lock lock(m_mutex);
    m_queue.clear();
    m_idle.wait(lock, [this] { return !m_busy; });
    m_finished.clear();
    m_finished_count.store(0, std::memory_order_relaxed);
}

size_t DbtBackground::in_flight() const {
    std::lock_guard lock(m_mutex);
    return m_queue.size() + (m_busy ? 1 : 0);
}

void DbtBackground::loop() {
    std::unique_lock lock(m_mutex);
    while (true) {
        m_work.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        if (m_stop) return;
        TranslationJob job = std::move(m_queue.front());
        m_queue.pop_front();
        m_busy = true;
        lock.unlock();
        m_compile(job); // writes host code at the buffer cursor: nobody else does meanwhile
        lock.lock();
        m_busy = false;
        // The mutex orders the code bytes before the hand-over: the hart thread takes the job
        // under it and only then jumps to the code.
        m_finished.push_back(std::move(job));
        m_finished_count.store(m_finished.size(), std::memory_order_relaxed);
        m_idle.notify_all();
    }
}

} // namespace machina::dbt::system
