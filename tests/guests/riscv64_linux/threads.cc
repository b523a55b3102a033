// std::thread with mutexes, condition variables and atomics: a bounded producer/consumer queue
// and a contended counter. The output does not depend on scheduling.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

int main() {
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
    for (auto& t : producers) t.join();
    {
        std::lock_guard lock(m);
        done = true;
    }
    not_empty.notify_all();
    for (auto& t : consumers) t.join();
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
    for (auto& t : workers) t.join();
    std::printf("atomic counter %ld, max %d, locked %ld\n", counter.load(), max_seen.load(), plain);
    std::thread t([] { std::printf("hello from a thread\n"); });
    t.join();
    return 0;
}
