#include "hw/virtio/rng/virtio_rng.h"

#include <sys/random.h>

#include <algorithm>

#include "hw/virtio/virtio_constants.h"

namespace machina::hw::virtio {

uint32_t VirtioRng::device_id() const {
    return kDeviceRng;
}

void VirtioRng::process_queue(unsigned index) {
    drain_queue(index, [](const DescriptorChain& chain) {
        uint32_t written = 0;
        for (const Segment& s : chain.segments) {
            if (!s.device_writable) continue;
            uint32_t done = 0;
            while (done < s.len) {
                ssize_t n = ::getrandom(s.host + done, s.len - done, 0);
                if (n <= 0) break;
                done += uint32_t(n);
            }
            written += done;
            if (done < s.len) break;
        }
        return written;
    });
}

} // namespace machina::hw::virtio
