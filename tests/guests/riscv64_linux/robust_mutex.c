// A robust mutex whose owner thread exits while holding it: the next locker gets EOWNERDEAD,
// makes it consistent, and can use it again. Also pthread_cancel-free thread churn.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m;

static void* die_holding(void* arg) {
    (void)arg;
    pthread_mutex_lock(&m);
    return NULL; // exits with the mutex held
}

static void* add(void* arg) {
    long* p = arg;
    for (int i = 0; i < 1000; ++i) {
        pthread_mutex_lock(&m);
        ++*p;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

int main(void) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &attr);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock after owner died: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : "other");
    printf("consistent: %d\n", pthread_mutex_consistent(&m));
    pthread_mutex_unlock(&m);
    long counter = 0;
    pthread_t ts[8];
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 8; ++i) pthread_create(&ts[i], NULL, add, &counter);
        for (int i = 0; i < 8; ++i) pthread_join(ts[i], NULL);
    }
    printf("counter: %ld\n", counter);
    return 0;
}
