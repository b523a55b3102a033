// std::thread with mutexes, condition variables and atomics: a bounded producer/consumer queue
// and a contended counter. The output does not depend on scheduling.
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

static std::atomic<pthread_t> g_handled_on{};
static std::atomic<int> g_usr1{0};

static void on_usr1(int) {
    g_handled_on.store(pthread_self());
    g_usr1.fetch_add(1);
}

/// pthread_kill reaches exactly the named thread, even while it sleeps in a futex wait.
static void thread_directed_signal() {
    std::signal(SIGUSR1, on_usr1);
    std::mutex mu;
    std::condition_variable cv;
    bool ready = false, stop = false;
    pthread_t target_id{};
    std::thread target([&] {
        std::unique_lock lock(mu);
        target_id = pthread_self();
        ready = true;
        cv.notify_all();
        cv.wait(lock, [&] { return stop; });
    });
    {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return ready; });
    }
    pthread_kill(target_id, SIGUSR1);
    while (g_usr1.load() == 0)
        std::this_thread::yield();
    bool on_target = pthread_equal(g_handled_on.load(), target_id);
    {
        std::lock_guard lock(mu);
        stop = true;
    }
    cv.notify_all();
    target.join();
    std::printf("pthread_kill: handled=%d on target thread=%d\n", g_usr1.load(), on_target);
}

int main() {
    thread_directed_signal();
    constexpr int kProducers = 3, kConsumers = 3, kItems = 2000;
    std::mutex m;
    std::condition_variable not_empty, not_full;
    std::deque<int> queue;
    bool done = false;
    long long consumed_sum = 0;
    int consumed_count = 0;

    std::vector<std::thread> producers, consumers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < kItems; ++i) {
                std::unique_lock lock(m);
                not_full.wait(lock, [&] { return queue.size() < 16; });
                queue.push_back(p * kItems + i);
                not_empty.notify_one();
            }
        });
    for (int c = 0; c < kConsumers; ++c)
        consumers.emplace_back([&] {
            for (;;) {
                std::unique_lock lock(m);
                not_empty.wait(lock, [&] { return !queue.empty() || done; });
                if (queue.empty()) return;
                consumed_sum += queue.front();
                ++consumed_count;
                queue.pop_front();
                not_full.notify_one();
            }
        });
    for (auto& t : producers)
        t.join();
    {
        std::lock_guard lock(m);
        done = true;
    }
    not_empty.notify_all();
    for (auto& t : consumers)
        t.join();
    long long n = kProducers * kItems;
    std::printf("consumed %d items, sum %lld (expected %lld)\n", consumed_count, consumed_sum,
                n * (n - 1) / 2);

    std::atomic<long> counter{0};
    std::atomic<int> max_seen{0};
    long plain = 0;
    std::mutex plain_mutex;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&, w] {
            for (int i = 0; i < 20000; ++i) {
                counter.fetch_add(1, std::memory_order_relaxed);
                int cur = max_seen.load();
                while (cur < w && !max_seen.compare_exchange_weak(cur, w)) {
                }
                if (i % 100 == 0) {
                    std::lock_guard lock(plain_mutex);
                    ++plain;
                }
            }
        });
    for (auto& t : workers)
        t.join();
    std::printf("atomic counter %ld, max %d, locked %ld\n", counter.load(), max_seen.load(), plain);
    std::thread t([] { std::printf("hello from a thread\n"); });
    t.join();
    return 0;
}
