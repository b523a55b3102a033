#include "linux_user/process.h"

namespace machina::linux_user {
namespace {

thread_local GuestThread* t_current = nullptr;

} // namespace

Process& process() {
    static Process p;
    return p;
}

GuestThread* current_thread() {
    return t_current;
}

void set_current_thread(GuestThread* t) {
    t_current = t;
}

} // namespace machina::linux_user
